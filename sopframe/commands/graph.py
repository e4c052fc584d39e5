"""``sopframe graph``: draw a template's stages as Mermaid or Graphviz DOT."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from sopframe.commands.common import plugins_for

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.graph import TemplateGraph

__all__ = ["graph", "to_mermaid", "to_dot", "route_label"]


def _label(text: str) -> str:
    return text.replace('"', "'")


def route_label(tg: "TemplateGraph", source: str, target: str) -> str:
    """What takes a job from ``source`` to ``target``: ``result = failure``, ``otherwise``, or ``""``."""
    st = tg.stage(source)
    if st.next is None or not st.next.conditional:
        return ""
    stage_id = target.split("/")[-1]
    values = [value for value, to in st.next.cases.items() if to == stage_id]
    parts = [f"{st.next.when} = {', '.join(values)}"] if values else []
    if st.next.otherwise == stage_id:
        parts.append("otherwise")
    return "; ".join(parts)


def to_mermaid(tg: "TemplateGraph") -> str:
    """A Mermaid flowchart: sub-jobs as subgraphs, rework routes as dotted edges."""
    ids = {n: f"s{i}" for i, n in enumerate(tg.graph.nodes)}
    lines = ["flowchart TD"]

    def node_line(n: str, indent: str) -> str:
        st = tg.stage(n)
        label = _label(f"{st.title or st.id}<br/><small>{st.owner or 'split'}</small>")
        shape = ("{{", "}}") if st.split else ("[", "]")
        return f'{indent}{ids[n]}{shape[0]}"{label}"{shape[1]}'

    def emit(scope: tuple[str, ...], indent: str) -> None:
        for n in tg.scopes.get(scope, []):
            lines.append(node_line(n, indent))
            st = tg.stage(n)
            for sub in st.split.values():
                sub_scope = (*scope, st.id, sub.id)
                lines.append(f'{indent}subgraph {ids[n]}_{sub.id}["{_label(sub.title or sub.id)} (-{sub.suffix})"]')
                emit(sub_scope, indent + "  ")
                lines.append(f"{indent}end")

    emit((), "  ")
    for u, v, data in tg.graph.edges(data=True):
        route = route_label(tg, u, v) if data.get("kind") == "next" else ""
        label = f'|"{_label(route)}"|' if route else ""
        lines.append(f"  {ids[u]} -->{label} {ids[v]}")
    for u, v in tg.rework:
        lines.append(f'  {ids[u]} -.->|"rework"| {ids[v]}')
    return "\n".join(lines)


def to_dot(tg: "TemplateGraph") -> str:
    """A Graphviz digraph: sub-jobs as clusters, rework routes as dashed edges."""
    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [f"digraph {q(tg.template.id)} {{", "  rankdir=TB;", "  node [shape=box, style=rounded];"]

    def emit(scope: tuple[str, ...], indent: str) -> None:
        for n in tg.scopes.get(scope, []):
            st = tg.stage(n)
            shape = ", shape=hexagon" if st.split else ""
            label = q(st.title or st.id)[:-1] + "\\n" + q(st.owner or "split")[1:]  # DOT's own line break
            lines.append(f"{indent}{q(n)} [label={label}{shape}];")
            for sub in st.split.values():
                lines.append(f"{indent}subgraph {q('cluster_' + n + '/' + sub.id)} {{")
                lines.append(f"{indent}  label={q((sub.title or sub.id) + ' (-' + sub.suffix + ')')};")
                emit((*scope, st.id, sub.id), indent + "  ")
                lines.append(f"{indent}}}")

    emit((), "  ")
    for u, v, data in tg.graph.edges(data=True):
        kind = data.get("kind", "")
        style = ", style=bold" if kind in ("split", "rejoin") else ""
        route = route_label(tg, u, v) if kind == "next" else ""
        lines.append(f"  {q(u)} -> {q(v)} [label={q(route or kind)}{style}];")
    for u, v in tg.rework:
        lines.append(f"  {q(u)} -> {q(v)} [label=\"rework\", style=dashed, constraint=false];")
    lines.append("}")
    return "\n".join(lines)


@click.command()
@click.argument("template", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid")
@click.pass_context
def graph(ctx: click.Context, template: str, fmt: str) -> None:
    """Draw a template's stages, splits, rejoins and rework routes.

    The template must load and pass sopframe's own (core) checks; findings of
    other plugins, such as compliance rules, do not stop the drawing.
    """
    from pathlib import Path

    from sopframe.core.diagnostics import Severity
    from sopframe.core.graph import build_graph
    from sopframe.core.validate import validate_file
    from sopframe.errors import TemplateError, UsageError

    if not Path(template).is_file():
        raise UsageError(f"path {template!r} does not exist")
    plugins = plugins_for(ctx)
    result = validate_file(template, plugins=plugins, schema=plugins.schema())
    blocking = [f for f in result.findings if f.severity >= Severity.ERROR and f.plugin == "core"]
    if blocking or result.template is None:
        why = TemplateError(template, sorted(blocking or result.findings, key=lambda f: f.sort_key))
        raise UsageError(why.message, hint="a template is drawn once it passes sopframe's own checks; "
                                           "run `sopframe validate` on it to see every problem")
    tg = build_graph(result.template)
    click.echo(to_mermaid(tg) if fmt == "mermaid" else to_dot(tg))

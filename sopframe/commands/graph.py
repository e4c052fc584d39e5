"""``sopframe graph``: draw a template's stages as Mermaid or Graphviz DOT."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from sopframe.commands.common import plugins_for

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.graph import TemplateGraph

__all__ = ["graph", "to_mermaid", "to_dot", "route_label"]


#: Mermaid's entity codes for the characters a label must not hold literally: markup and quotes
#: in a stage title are shown as typed, never interpreted ("#" first, as it starts an entity)
_MERMAID_ENTITIES = (("#", "#35;"), ("&", "#amp;"), ("<", "#lt;"), (">", "#gt;"), ('"', "#quot;"))


def _label(text: str) -> str:
    """Template text for a Mermaid label: one line, every character shown as written."""
    text = " ".join(text.split())
    for char, entity in _MERMAID_ENTITIES:
        text = text.replace(char, entity)
    return text


def _wrapped(text: str, width: int = 28) -> str:
    """A label broken into lines of about ``width`` characters (Mermaid ``<br/>``), so long sub-job
    titles neither overlap nor get clipped."""
    import textwrap

    return "<br/>".join(_label(line) for line in textwrap.wrap(" ".join(text.split()), width)) or _label(text)


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
    """A Mermaid flowchart: sub-jobs as subgraphs; split and rejoin edges thick and labelled,
    rework routes dotted, routing edges labelled with their condition."""
    ids = {n: f"s{i}" for i, n in enumerate(tg.graph.nodes)}
    lines = ["flowchart TD"]

    def node_line(n: str, indent: str) -> str:
        st = tg.stage(n)
        label = f"{_wrapped(st.title or st.id)}<br/><small>{_label(st.owner or 'split')}</small>"
        shape = ("{{", "}}") if st.split else ("[", "]")
        return f'{indent}{ids[n]}{shape[0]}"{label}"{shape[1]}'

    def emit(scope: tuple[str, ...], indent: str) -> None:
        for n in tg.scopes.get(scope, []):
            lines.append(node_line(n, indent))
            st = tg.stage(n)
            for sub in st.split.values():
                sub_scope = (*scope, st.id, sub.id)
                title = _wrapped(f"{sub.title or sub.id} ({_ids(sub)})")
                lines.append(f'{indent}subgraph {ids[n]}_{sub.id}["{title}"]')
                emit(sub_scope, indent + "  ")
                lines.append(f"{indent}end")

    emit((), "  ")
    for u, v, data in tg.graph.edges(data=True):
        kind = data.get("kind")
        if kind in ("split", "rejoin"):  # thick, and named, to tell the fan-out and fan-in from routing
            lines.append(f'  {ids[u]} ==>|"{kind}"| {ids[v]}')
            continue
        route = route_label(tg, u, v) if kind == "next" else ""
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
                lines.append(f"{indent}  label={q((sub.title or sub.id) + ' (' + _ids(sub) + ')')};")
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
@click.argument("template", metavar="TEMPLATE", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid")
@click.pass_context
def graph(ctx: click.Context, template: str, fmt: str) -> None:
    """Draw a template's stages, splits, rejoins and rework routes.

    TEMPLATE is a template file, or the id of a template an installed pack
    ships (`sopframe templates` lists them), e.g. itsop-incident-management.

    The template must load and pass sopframe's own (core) checks; findings of
    other plugins, such as compliance rules, do not stop the drawing.
    """
    from pathlib import Path

    from sopframe.core.diagnostics import Severity
    from sopframe.core.graph import build_graph
    from sopframe.core.validate import validate_file
    from sopframe.errors import TemplateError, UsageError

    plugins = plugins_for(ctx)
    if not Path(template).is_file():
        from sopframe.core.templates import find_shipped

        _, template = find_shipped(plugins, template, also="template file or ")
    result = validate_file(template, plugins=plugins, schema=plugins.schema())
    blocking = [f for f in result.findings if f.severity >= Severity.ERROR and f.plugin == "core"]
    if blocking or result.template is None:
        why = TemplateError(template, sorted(blocking or result.findings, key=lambda f: f.sort_key))
        raise UsageError(why.message, hint="a template is drawn once it passes sopframe's own checks; "
                                           "run `sopframe validate` on it to see every problem")
    tg = build_graph(result.template)
    click.echo(to_mermaid(tg) if fmt == "mermaid" else to_dot(tg))


def _ids(sub: Any) -> str:
    """How a sub-job's ids end: its suffix, or one per item of a list."""
    if sub.for_each:
        return f"-{sub.suffix}<key>, one per item of {sub.for_each}"
    return f"-{sub.suffix}"

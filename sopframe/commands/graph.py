"""``sopframe graph``: draw a template's stages as Mermaid or Graphviz DOT."""

from __future__ import annotations

import click

from sopframe.commands.common import plugins_for


def _label(text: str) -> str:
    return text.replace('"', "'")


def to_mermaid(tg) -> str:
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
        label = ""
        st = tg.stage(u)
        if st.next is not None and st.next.conditional:
            values = [k for k, t in st.next.cases.items() if t == v.split("/")[-1]]
            if st.next.otherwise == v.split("/")[-1]:
                values.append("otherwise")
            label = f'|"{_label(", ".join(values))}"|' if values else ""
        lines.append(f"  {ids[u]} -->{label} {ids[v]}")
    for u, v in tg.rework:
        lines.append(f'  {ids[u]} -.->|"rework"| {ids[v]}')
    return "\n".join(lines)


def to_dot(tg) -> str:
    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [f"digraph {q(tg.template.id)} {{", "  rankdir=TB;", "  node [shape=box, style=rounded];"]

    def emit(scope: tuple[str, ...], indent: str) -> None:
        for n in tg.scopes.get(scope, []):
            st = tg.stage(n)
            shape = ", shape=hexagon" if st.split else ""
            lines.append(f"{indent}{q(n)} [label={q((st.title or st.id) + chr(10) + (st.owner or 'split'))}{shape}];")
            for sub in st.split.values():
                lines.append(f"{indent}subgraph {q('cluster_' + n + '/' + sub.id)} {{")
                lines.append(f"{indent}  label={q((sub.title or sub.id) + ' (-' + sub.suffix + ')')};")
                emit((*scope, st.id, sub.id), indent + "  ")
                lines.append(f"{indent}}}")

    emit((), "  ")
    for u, v, data in tg.graph.edges(data=True):
        style = ", style=bold" if data.get("kind") in ("split", "rejoin") else ""
        lines.append(f"  {q(u)} -> {q(v)} [label={q(data.get('kind', ''))}{style}];")
    for u, v in tg.rework:
        lines.append(f"  {q(u)} -> {q(v)} [label=\"rework\", style=dashed, constraint=false];")
    lines.append("}")
    return "\n".join(lines)


@click.command()
@click.argument("template", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid")
@click.pass_context
def graph(ctx: click.Context, template: str, fmt: str) -> None:
    """Draw a template's stages, splits, rejoins and rework routes."""
    from pathlib import Path

    from sopframe.core.graph import build_graph
    from sopframe.core.validate import load_template
    from sopframe.errors import TemplateError, UsageError

    if not Path(template).is_file():
        raise UsageError(f"path {template!r} does not exist")
    try:
        t = load_template(template, plugins=plugins_for(ctx))
    except TemplateError as exc:
        raise UsageError(f"{exc.message}", hint="run `sopframe validate` on it to see every problem") from None
    tg = build_graph(t)
    click.echo(to_mermaid(tg) if fmt == "mermaid" else to_dot(tg))

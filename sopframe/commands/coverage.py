"""``sopframe coverage``: which controls the templates cover, framework by framework.

Rows are the controls a framework plugin knows (its catalogue), columns the
templates, and each cell the framework's rules citing that control that pass,
warn or fail on that template.  A control no template passes a rule for is a
gap.  Every template is checked against every selected framework, whether or
not it claims it: coverage shows what an auditor would see.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

import click

from sopframe.commands.common import checked_policy, framework_selection, plugins_for, settings_for
from sopframe.commands.output import check_output, force_option, store_files, write_output

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.diagnostics import Rule
    from sopframe.core.frameworks import CheckContext, Framework
    from sopframe.core.model import Template

__all__ = ["coverage", "Matrix", "build_matrices", "GROUPING_NOTE"]

PASS, WARN, PARTIAL, FAIL = "pass", "warn", "partial", "fail"
_SYMBOL = {PASS: "✓", WARN: "!", PARTIAL: "~", FAIL: "✗"}

#: gap reasons, most important first: a failing check is a defect to fix now; a missing
#: template a procedure to write; an unchecked control one to evidence another way
GAP_FAILS = "its checks fail on every template"
GAP_NO_TEMPLATE = "no template of a kind its rules check"
GAP_NO_RULE = "no rule checks it"
GAP_PARTIAL = "only partly checked"
_GAP_ORDER = (GAP_FAILS, GAP_NO_TEMPLATE, GAP_PARTIAL, GAP_NO_RULE)
#: each gap reason in a word, for a grouping's summary of its listed controls
_GAP_WORD = {GAP_FAILS: "fails", GAP_NO_TEMPLATE: "no template", GAP_PARTIAL: "partial", GAP_NO_RULE: "no rule"}
#: what a grouping row says about the requirements under it that the catalogue does not list
GROUPING_NOTE = ("a grouping, shown through the requirements listed under it; requirements under it that are "
                 "not listed are checked by no rule")


@dataclass
class Column:
    id: str
    file: str
    kind: str
    claims: bool


@dataclass
class Matrix:
    """One framework's coverage: control -> template id -> [(rule code, status)]."""

    framework: "Framework"
    columns: list[Column] = field(default_factory=list)
    cells: dict[str, dict[str, list[tuple[str, str]]]] = field(default_factory=dict)
    #: control a procedure can evidence -> why it is a gap, most important first
    gaps: dict[str, str] = field(default_factory=dict)
    #: control -> what the passing rules leave unchecked (shown partial, never passed)
    partial: dict[str, str] = field(default_factory=dict)
    #: files that could not be checked (template errors)
    skipped: list[str] = field(default_factory=list)
    #: grouping -> the controls listed under it (``6.3`` -> ``6.3.1, 6.3.3``), in catalogue order: an id with
    #: controls below it in the catalogue that no rule cites itself; it is shown through them, never counted
    groups: dict[str, list[str]] = field(default_factory=dict)

    @property
    def evidenceable(self) -> list[str]:
        """The controls a procedure can evidence, in catalogue order (groupings are not counted: their
        listed controls are)."""
        return [c for c in self.framework.controls if self.framework.can_evidence(c) and c not in self.groups]

    def group_of(self, control: str) -> list[str] | None:
        """The controls listed under ``control`` if it is a grouping, else None."""
        return self.groups.get(control)

    def grouping_text(self, control: str) -> str:
        """How a grouping stands through its listed controls: ``covered 6.3.1, 6.3.3; gaps 6.5.3 (partial)``."""
        children = [c for c in self.groups.get(control, ()) if self.framework.can_evidence(c)]
        covered = [c for c in children if c not in self.gaps]
        open_ = [f"{c} ({_GAP_WORD[self.gaps[c].split(':')[0]]})" for c in children if c in self.gaps]
        parts = [f"covered {', '.join(covered)}" if covered else "",
                 f"gaps {', '.join(open_)}" if open_ else ""]
        return "; ".join(p for p in parts if p) or "its listed requirements are met by design or technology"

    @property
    def covered(self) -> int:
        return len(self.evidenceable) - len(self.gaps)

    def is_gap(self, control: str) -> bool:
        return control in self.gaps


def _status(rule: "Rule", tg: Any, ctx: "CheckContext") -> str:
    from sopframe.core.diagnostics import Severity

    try:
        findings = list(rule.run(tg, ctx))
    except Exception:  # a crashing rule proves nothing
        return FAIL
    if any(f.severity >= Severity.ERROR for f in findings):
        return FAIL
    return WARN if findings else PASS


def build_matrices(frameworks: Sequence["Framework"], rules: Sequence["Rule"],
                   templates: Sequence[tuple["Template | None", str]], policy: dict[str, Any]) -> list[Matrix]:
    """Run each framework's rules on each template and collect the cells."""
    from sopframe.core.frameworks import CheckContext
    from sopframe.core.graph import build_graph

    out = []
    for fw in frameworks:
        m = Matrix(fw)
        own = [r for r in rules if r.plugin == fw.plugin and r.controls]
        cited = {c for r in own for c in r.controls}
        ids = list(fw.controls)
        for control in ids:
            below = [c for c in ids if c.startswith(control + ".")]
            if below and control not in cited:  # an id a rule cites itself is a control, whatever is below it
                m.groups[control] = below
        for template, path in templates:
            if template is None:
                m.skipped.append(path)
                continue
            label = template.id if all(c.id != template.id for c in m.columns) else f"{template.id} ({path})"
            col = Column(label, path, template.kind, fw.id in template.frameworks)
            m.columns.append(col)
            tg = build_graph(template)
            ctx = CheckContext.of([fw.id], policy)
            for rule in own:
                if not fw.checks(rule.code, template):
                    continue
                status = _status(rule, tg, ctx)
                for control in rule.controls:
                    note = fw.partial.get(rule.code, {}).get(control)
                    shown = PARTIAL if note and status in (PASS, WARN) else status
                    if note:
                        m.partial[control] = note
                    m.cells.setdefault(control, {}).setdefault(col.id, []).append((rule.code, shown))
        found: dict[str, str] = {}
        for control in m.evidenceable:
            statuses = [s for cell in m.cells.get(control, {}).values() for _, s in cell]
            if PASS in statuses or WARN in statuses:
                continue
            if PARTIAL in statuses:
                found[control] = f"{GAP_PARTIAL}: {m.partial[control]}"
            elif control not in cited:
                found[control] = GAP_NO_RULE
            elif not statuses:
                found[control] = GAP_NO_TEMPLATE
            else:
                found[control] = GAP_FAILS
        order = {reason: i for i, reason in enumerate(_GAP_ORDER)}
        m.gaps = dict(sorted(found.items(), key=lambda kv: order[kv[1].split(":")[0]]))
        out.append(m)
    return out


def shown_path(path: str, arguments: Sequence[str]) -> str:
    """``path`` as a report shows it: relative to the working directory, else to the argument it was found
    under (never this machine's absolute layout)."""
    import os

    rel = os.path.relpath(path)
    if not rel.startswith(os.pardir + os.sep) and rel != os.pardir:
        return rel
    for arg in arguments:
        base = os.path.abspath(arg)
        full = os.path.abspath(path)
        if full == base:
            return os.path.basename(full)
        if full.startswith(base.rstrip(os.sep) + os.sep):
            return os.path.join(os.path.basename(base.rstrip(os.sep)), os.path.relpath(full, base))
    return os.path.basename(path)


@click.command()
@click.argument("paths", nargs=-1, metavar="[PATH...]")
@click.option("--framework", "frameworks", multiple=True, metavar="IDS",
              help="Frameworks to show (comma-separated, repeatable; default: the `frameworks` configuration "
                   "key, else every framework a plugin provides).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "html"]), default="text",
              help="Output format; html is one self-contained file to hand over.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of standard output (an existing file only with --force).")
@force_option
@click.pass_context
def coverage(ctx: click.Context, paths: tuple[str, ...], frameworks: tuple[str, ...], fmt: str,
             output: str | None, force: bool) -> int:
    """Show which framework controls the templates cover, and the gaps.

    PATH (files or directories, recursively) defaults to the current directory.
    Exit codes: 0 the report was written, 2 usage or configuration error.
    """
    from sopframe.core.diagnostics import Severity
    from sopframe.core.validate import collect_paths, validate_file
    from sopframe.errors import UsageError
    from sopframe.settings import CommandLine

    settings_for(ctx)  # a broken configuration is reported before any work
    target = check_output(output, force=force, protected=store_files(ctx, None)) if output else None
    files = collect_paths(paths or (".",))
    plugins = plugins_for(ctx)
    known = plugins.frameworks()
    if not known:
        raise UsageError("no framework plugin is loaded", hint="`sopframe plugins` shows which are blocked or failed")
    chosen = framework_selection(ctx, settings_for(ctx).with_command_line(CommandLine(frameworks=frameworks)))
    selected = [fw for fw in known if chosen is None or fw.id in chosen]
    if not selected:
        raise UsageError(f"no loaded plugin provides {', '.join(chosen or [])}",
                         hint=f"loaded frameworks: {', '.join(fw.id for fw in known)}")
    schema = plugins.schema()
    templates = []
    for path in files:
        result = validate_file(path, plugins=plugins, schema=schema)
        broken = any(f.severity >= Severity.ERROR and f.code.startswith("SOP") for f in result.findings)
        templates.append((None if broken else result.template, shown_path(path, paths or (".",))))
    matrices = build_matrices(selected, plugins.rules(), templates, checked_policy(ctx))
    from sopframe.commands.coverage_render import render_html, render_markdown, render_text, to_json

    if fmt == "json":
        text = json.dumps(to_json(matrices), indent=2, ensure_ascii=False)
    elif fmt == "markdown":
        text = render_markdown(matrices)
    elif fmt == "html":
        text = render_html(matrices)
    else:
        text = render_text(matrices)
    if target is not None:
        from sopframe.core.safetext import escape

        write_output(target, text + "\n")
        click.echo(f"coverage written to {escape(str(target))}", err=True)
    else:
        click.echo(text)
    return 0

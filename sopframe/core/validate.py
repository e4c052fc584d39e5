"""Validation: read files, check structure, build the graph, run every rule.

The caller passes the plugins (core never discovers them) and the run's
:class:`~sopframe.core.frameworks.CheckContext`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from sopframe.core.diagnostics import Finding, Location, Rule, Severity
from sopframe.core.frameworks import CheckContext
from sopframe.core.model import Template
from sopframe.core.rules.plugin_problems import RULE_CRASHED
from sopframe.core.rules.structure import NOT_TEXT
from sopframe.core.paths import TEMPLATE_SUFFIXES, collect_paths
from sopframe.core.yamlsource import DEFAULT_MAX_BYTES, nesting_findings, parse_text, read_source
from sopframe.errors import SopframeError, TemplateError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.graph import TemplateGraph
    from sopframe.pluginmanager import Plugins

__all__ = ["FileResult", "Report", "collect_paths", "validate_text", "validate_paths", "load_template",
           "TEMPLATE_SUFFIXES"]



@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    template: Template | None = None


@dataclass
class Report:
    files: list[FileResult] = field(default_factory=list)
    #: problems not tied to a template file (a plugin that failed to load)
    general: list[Finding] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        out = list(self.general)
        for f in self.files:
            out.extend(f.findings)
        return out


def run_rules(tg: "TemplateGraph", rules: Sequence[Rule], context: CheckContext, *,
              strict: bool = False) -> list[Finding]:
    """Run each rule on a graph in the run ``context``; a rule that raises becomes finding SOP901.

    With ``strict`` (``--strict-plugins``) a plugin rule that raises is a
    :class:`~sopframe.errors.PluginError` instead.
    """
    out: list[Finding] = []
    for rule in rules:
        if rule.check is None:
            continue
        try:
            out.extend(rule.run(tg, context))
        except Exception as exc:  # one broken rule must not hide the others
            if strict:
                from sopframe.errors import PluginError

                raise PluginError(rule.plugin, f"rule {rule.code} ({rule.slug}) crashed on {tg.template.file}: "
                                  f"{type(exc).__name__}: {exc}",
                                  hint="report it to the plugin's authors, or disable the plugin") from None
            crashed = RULE_CRASHED.finding(
                f"rule {rule.code} ({rule.slug}) of plugin {rule.plugin!r} crashed: {type(exc).__name__}: {exc}",
                at=Location(tg.template.file), hint="report it to the plugin's authors; the other rules still ran")
            out.append(replace(crashed, plugin=rule.plugin))
    return out


def validate_text(text: str, path: str, *, plugins: "Plugins",
                  schema: dict | None = None, context: CheckContext | None = None) -> FileResult:
    """Validate template text that claims to come from ``path``, in the run ``context``
    (default: each template's own frameworks, default policy)."""
    try:
        return _validate_text(text, path, plugins, schema, context or CheckContext())
    except Exception as exc:  # a bug: say which file it happened on
        if not isinstance(exc, SopframeError):
            exc.add_note(f"while validating {path}")
        raise


def _validate_text(text: str, path: str, plugins: "Plugins", schema: dict | None,
                   context: CheckContext) -> FileResult:
    from sopframe.core.builder import build_template
    from sopframe.core.graph import build_graph
    from sopframe.core.schema import structure_findings

    result = FileResult(path)
    doc, problems = parse_text(path, text)
    if doc is None:
        result.findings = problems
        return result
    problems = nesting_findings(doc)  # before checks that recurse into the document
    if problems:
        result.findings = problems
        return result
    problems = structure_findings(doc, schema if schema is not None else plugins.schema())
    if problems:
        result.findings = problems
        return result
    template = build_template(doc)
    tg = build_graph(template)
    result.template = template
    found = run_rules(tg, plugins.rules(), context, strict=plugins.strict)
    # every finding about a built template names it (rules leave it out when it is obvious to them)
    found = [f if f.template is not None else replace(f, template=template.id) for f in found]
    result.findings = sorted(found, key=lambda f: f.sort_key)
    return result


def validate_bytes(data: bytes, path: str, *, plugins: "Plugins", schema: dict | None = None,
                   max_bytes: int = DEFAULT_MAX_BYTES, context: CheckContext | None = None) -> FileResult:
    text, problems = read_source(path, data, max_bytes)
    if text is None:
        return FileResult(path, problems)
    return validate_text(text, path, plugins=plugins, schema=schema, context=context)


def read_file(path: str) -> bytes | FileResult:
    """The file's bytes, or the result that says it cannot be read (SOP004)."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        return FileResult(path, [NOT_TEXT.finding(f"cannot read file: {exc.strerror or exc}", at=Location(path))])


def validate_file(path: str, **kw: Any) -> FileResult:
    data = read_file(path)
    return data if isinstance(data, FileResult) else validate_bytes(data, path, **kw)


def validate_paths(paths: Iterable[str], *, plugins: "Plugins",
                   max_bytes: int = DEFAULT_MAX_BYTES, context: CheckContext | None = None) -> Report:
    """Validate files and directories (recursively); every file is checked, in the run ``context``."""
    schema = plugins.schema()
    files = collect_paths(paths)
    report = Report()
    for path in files:
        report.files.append(validate_file(path, plugins=plugins, schema=schema, max_bytes=max_bytes,
                                          context=context))
    report.general = list(plugins.problems)
    return report


def template_errors(findings: Sequence[Finding]) -> list[Finding]:
    """The error findings that are the template's own: all but a plugin rule that crashed on it (SOP901).

    Validation fails on SOP901 (a check that did not run proves nothing), but loading a template to run a job
    is not refused for a plugin's fault.
    """
    return [f for f in findings if f.severity >= Severity.ERROR and f.code != RULE_CRASHED.code]


def load_template(path: str | os.PathLike[str], *, plugins: "Plugins",
                  context: CheckContext | None = None) -> Template:
    """Load and validate one template; raise :class:`TemplateError` on any error finding of the template's own
    (a plugin rule that crashed on it, SOP901, does not stop it: :func:`template_errors`)."""
    result = validate_file(str(path), plugins=plugins, context=context)
    errors = template_errors(result.findings)
    if errors or result.template is None:
        raise TemplateError(str(path), errors or result.findings)
    return result.template

"""``sopframe validate``: check templates, for people, CI and pre-commit."""

from __future__ import annotations

import os
import sys
from typing import Iterable, Sequence

import click

from sopframe.commands.common import config_for, plugins_for

__all__ = ["validate", "select_findings"]


def _matches(finding, patterns: Iterable[str]) -> bool:
    for p in patterns:
        p = p.strip()
        if not p:
            continue
        if finding.code.upper().startswith(p.upper()) or finding.slug == p.lower():
            return True
    return False


def select_findings(findings, select: Sequence[str], ignore: Sequence[str]):
    """Keep findings matching ``select`` (all if empty) and not matching ``ignore``."""
    return [f for f in findings if (not select or _matches(f, select)) and not _matches(f, ignore)]


def _split(values: Iterable[str]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default=None,
              help="Output format (default: text; github when GITHUB_ACTIONS=true).")
@click.option("--select", multiple=True, metavar="CODES", help="Only report these codes or prefixes (comma-separated).")
@click.option("--ignore", multiple=True, metavar="CODES", help="Never report these codes or prefixes (comma-separated).")
@click.option("--fail-level", type=click.Choice(["error", "warning", "info"], case_sensitive=False), default=None,
              help="Lowest severity that makes the exit code 1 (default: error).")
@click.option("--stdin-filename", default="<stdin>", metavar="NAME",
              help="File name to report for a template read from '-' (standard input).")
@click.option("--color/--no-color", default=None, help="Colour the text output (default: on a terminal).")
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...], fmt: str | None, select: tuple[str, ...],
             ignore: tuple[str, ...], fail_level: str | None, stdin_filename: str, color: bool | None) -> int:
    """Validate templates: files or directories (recursively); '-' reads standard input.

    Exit codes: 0 clean, 1 findings at or over the fail level, 2 usage,
    configuration or missing path, 3 internal or plugin error.
    """
    from sopframe.core.diagnostics import Severity
    from sopframe.core.validate import Report, collect_paths, validate_bytes, validate_file
    from sopframe.core.yamlsource import DEFAULT_MAX_BYTES
    from sopframe.formats import render

    config = config_for(ctx)
    plugins = plugins_for(ctx)
    if fmt is None:
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    sel = _split(select) or list(config.get("select", []))
    ign = _split(ignore) or list(config.get("ignore", []))
    level = Severity.parse(fail_level or config.get("fail-level", "error"))
    max_bytes = int(config.get("max-file-size", DEFAULT_MAX_BYTES))

    files = collect_paths([p for p in paths if p != "-"])
    schema = plugins.schema()
    report = Report()
    sources: dict[str, str] = {}
    for p in paths if "-" in paths else ():
        if p == "-":
            data = sys.stdin.buffer.read()
            result = validate_bytes(data, stdin_filename, plugins=plugins, schema=schema, max_bytes=max_bytes)
            report.files.append(result)
            sources[stdin_filename] = data.decode("utf-8", "replace")
            break
    for path in files:
        result = validate_file(path, plugins=plugins, schema=schema, max_bytes=max_bytes)
        report.files.append(result)
    report.general = list(plugins.problems)
    findings = select_findings(report.findings, sel, ign)
    findings.sort(key=lambda f: f.sort_key)
    if fmt == "text":
        for f in {f.file for f in findings if not f.file.startswith("<") and f.file not in sources}:
            try:
                with open(f, "rb") as fh:
                    sources[f] = fh.read(max_bytes + 1).decode("utf-8", "replace")
            except OSError:
                pass
    if color is None:
        color = fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    click.echo(render(fmt, findings, len(report.files), sources, plugins.rules(), colour=color), color=color)
    return 1 if any(f.severity >= level for f in findings) else 0

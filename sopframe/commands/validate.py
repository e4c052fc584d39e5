"""``sopframe validate``: check templates, for people, CI and pre-commit."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from sopframe.commands.common import plugins_for, settings_for
from sopframe.commands.validate_run import (
    FAIL_LEVELS,
    FORMATS,
    Outcome,
    Request,
    make_request,
    open_cache,
    report,
    unknown_selectors,
)

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.cache import ResultCache

__all__ = ["validate"]


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format (default: text; github when GITHUB_ACTIONS=true).")
@click.option("--select", multiple=True, metavar="CODES",
              help="Only report these codes, prefixes or slugs (comma-separated, repeatable).")
@click.option("--ignore", multiple=True, metavar="CODES",
              help="Never report these codes, prefixes or slugs (comma-separated, repeatable).")
@click.option("--fail-level", type=click.Choice(FAIL_LEVELS, case_sensitive=False), default=None,
              help="Lowest severity that makes the exit code 1 (default: error).")
@click.option("--stdin-filename", default="<stdin>", metavar="NAME",
              help="File name to report for a template read from '-' (standard input).")
@click.option("--color/--no-color", default=None,
              help="Colour the text output (default: on a terminal, unless NO_COLOR is set).")
@click.option("--framework", "frameworks", multiple=True, metavar="IDS",
              help="Check against these frameworks (comma-separated, repeatable) instead of what each template "
                   "claims under `frameworks:`; also the `frameworks` configuration key.")
@click.option("--cache-dir", metavar="DIR", default=None,
              help="Where results are cached (default: .sopframe_cache; also SOPFRAME_CACHE_DIR or `cache-dir`).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes for many files (default: all cores; used only when it pays).")
@click.option("--max-file-size", type=click.IntRange(min=1), default=None, metavar="BYTES",
              help="Refuse larger templates (default: 1 MiB; also `max-file-size`).")
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...], fmt: str | None, select: tuple[str, ...],
             ignore: tuple[str, ...], fail_level: str | None, stdin_filename: str, color: bool | None,
             frameworks: tuple[str, ...] = (), cache_dir: str | None = None, no_cache: bool = False,
             jobs: int | None = None, max_file_size: int | None = None) -> int:
    """Validate templates: files or directories (recursively); '-' reads standard input.

    Exit codes: 0 clean, 1 findings at or over the fail level, 2 usage,
    configuration or missing path, 3 internal or plugin error.
    """
    from sopframe.settings import CommandLine

    settings = settings_for(ctx).with_command_line(CommandLine(
        frameworks=frameworks, cache_dir=cache_dir, no_cache=no_cache, max_file_size=max_file_size,
        fail_level=fail_level))
    req = make_request(paths=paths, settings=settings, fmt=fmt, select=select, ignore=ignore, color=color)
    return _validate_all(ctx, req, open_cache(settings, plugins_for(ctx)), jobs, stdin_filename)


def _echo(outcome: Outcome) -> int:
    for to_stderr, text in outcome.lines:
        click.echo(text, err=to_stderr, color=None if to_stderr else outcome.colour)
    return outcome.code


def _validate_all(ctx: click.Context, req: Request, cache: "ResultCache | None", jobs: int | None,
                  stdin_filename: str) -> int:
    from sopframe.commands.common import checked_policy, framework_selection
    from sopframe.commands.inspect import all_rules
    from sopframe.core.batch import validate_many
    from sopframe.core.frameworks import CheckContext
    from sopframe.core.validate import validate_bytes
    from sopframe.errors import UsageError

    plugins = plugins_for(ctx)
    rules = all_rules(plugins)
    for option, given in (("--select", req.select), ("--ignore", req.ignore)):
        for pattern, hint in unknown_selectors(given, rules):
            raise UsageError(f"{option}: no rule code, prefix or slug matches {pattern!r}{hint}",
                             hint="`sopframe rules` lists every rule")
    context = CheckContext.of(framework_selection(ctx, req.settings), checked_policy(ctx))
    results = []
    sources: dict[str, str] = {}
    if "-" in req.paths:
        data = sys.stdin.buffer.read()
        results.append(validate_bytes(data, stdin_filename, plugins=plugins, schema=plugins.schema(),
                                      max_bytes=req.max_bytes, context=context))
        sources[stdin_filename] = data.decode("utf-8", "replace")
    results += validate_many(req.files, plugins=plugins, max_bytes=req.max_bytes, cache=cache, jobs=jobs,
                             context=context)
    req.files = [r.path for r in results]
    findings = [f for r in results for f in r.findings]
    outcome = report(req, findings, plugins.problems, rules, rules=rules, sources=sources, stdout=sys.stdout)
    return _echo(outcome)

"""``sopframe validate``: check templates, for people, CI and pre-commit."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from sopframe.commands.common import plugins_for, settings_for
from sopframe.commands.completion import complete_rules
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
@click.option("--select", multiple=True, metavar="CODES", shell_complete=complete_rules,
              help="Only report these codes, prefixes or slugs (comma-separated, repeatable).")
@click.option("--ignore", multiple=True, metavar="CODES", shell_complete=complete_rules,
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
@click.option("--skip-non-templates", is_flag=True,
              help="Skip YAML files with no top-level `template:` or `stages:` key (CI workflows, compose "
                   "files, ...), as the pre-commit hook does.")
@click.option("--show-all", is_flag=True,
              help="Also show findings that follow from another one (a cycle's stages without an end, ...).")
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...], fmt: str | None, select: tuple[str, ...],
             ignore: tuple[str, ...], fail_level: str | None, stdin_filename: str, color: bool | None,
             frameworks: tuple[str, ...] = (), cache_dir: str | None = None, no_cache: bool = False,
             jobs: int | None = None, max_file_size: int | None = None, skip_non_templates: bool = False,
             show_all: bool = False) -> int:
    """Validate templates: files or directories (recursively); '-' reads standard input.

    Exit codes: 0 clean, 1 findings at or over the fail level, 2 usage,
    configuration or missing path, 3 internal or plugin error.
    """
    from sopframe.settings import CommandLine

    settings = settings_for(ctx).with_command_line(CommandLine(
        frameworks=frameworks, cache_dir=cache_dir, no_cache=no_cache, max_file_size=max_file_size,
        fail_level=fail_level))
    req = make_request(paths=paths, settings=settings, fmt=fmt, select=select, ignore=ignore, color=color)
    root = ctx.find_root().ensure_object(dict)
    root["settings"] = settings  # the process's settings now include these options (--no-cache: no plugin index)
    req.quiet, req.show_all = bool(root.get("quiet")), show_all
    if skip_non_templates:
        _skip_non_templates(req, verbose=bool(root.get("verbose")))
    return _validate_all(ctx, req, open_cache(settings, plugins_for(ctx)), jobs, stdin_filename)


def _skip_non_templates(req: Request, verbose: bool) -> None:
    from sopframe.core.paths import looks_like_template

    kept = []
    for name in req.files:
        if looks_like_template(name):
            kept.append(name)
        elif verbose:
            click.echo(f"sopframe: skipped {name!r}: no top-level `template:` or `stages:` key", err=True)
    req.skipped, req.files = len(req.files) - len(kept), kept


#: fewer files than this finish before a progress bar would be worth drawing
PROGRESS_MIN_FILES = 50


def _progress(req: Request, quiet: bool) -> Any:
    """A progress bar on standard error for a long run on a terminal; a no-op bar otherwise."""
    from contextlib import nullcontext

    if quiet or len(req.files) < PROGRESS_MIN_FILES or not sys.stderr.isatty():
        return nullcontext(None)
    return click.progressbar(length=len(req.files), label="validating", file=sys.stderr, show_pos=True,
                             show_eta=True)


def root_verbose(ctx: click.Context) -> bool:
    return bool(ctx.find_root().ensure_object(dict).get("verbose"))


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
    from sopframe.notifyconfig import channel_names

    context = CheckContext.of(framework_selection(ctx, req.settings), checked_policy(ctx),
                              channel_names(req.settings.config), [t.kind for t in plugins.notify_triggers()])
    results = []
    sources: dict[str, str] = {}
    if "-" in req.paths:
        data = sys.stdin.buffer.read()
        results.append(validate_bytes(data, stdin_filename, plugins=plugins, schema=plugins.schema(),
                                      max_bytes=req.max_bytes, context=context))
        sources[stdin_filename] = data.decode("utf-8", "replace")
    with _progress(req, req.quiet) as bar:
        results += validate_many(req.files, plugins=plugins, max_bytes=req.max_bytes, cache=cache, jobs=jobs,
                                 context=context, progress=bar.update if bar is not None else None)
    req.files = [r.path for r in results]
    if root_verbose(ctx):
        click.echo(f"sopframe: checked {len(req.files)} file{'s' if len(req.files) != 1 else ''}"
                   + (f", skipped {req.skipped} that are not templates" if req.skipped else ""), err=True)
    findings = [f for r in results for f in r.findings]
    outcome = report(req, findings, plugins.problems, rules, rules=rules, sources=sources, stdout=sys.stdout)
    return _echo(outcome)

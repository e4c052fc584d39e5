"""``sopframe validate``: check templates, for people, CI and pre-commit."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Iterable, Sequence

import click

from sopframe.commands.common import config_for, plugins_for

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.diagnostics import Finding, Rule

__all__ = ["validate", "select_findings", "unknown_selectors", "use_colour"]


def _matches(finding: "Finding", patterns: Iterable[str]) -> bool:
    for p in patterns:
        p = p.strip()
        if not p:
            continue
        if finding.code.upper().startswith(p.upper()) or finding.slug == p.lower():
            return True
    return False


def select_findings(findings: Iterable["Finding"], select: Sequence[str], ignore: Sequence[str]) -> list["Finding"]:
    """Keep findings matching ``select`` (all if empty) and not matching ``ignore``.

    A pattern is a rule code (``SOP101``), a code prefix (``SOP1``) or a slug
    (``dag-cycle``); codes and prefixes are case-insensitive.
    """
    return [f for f in findings if (not select or _matches(f, select)) and not _matches(f, ignore)]


def unknown_selectors(patterns: Iterable[str], rules: Sequence["Rule"]) -> list[tuple[str, str]]:
    """Patterns that match no known rule, each with a did-you-mean suffix (possibly empty)."""
    from sopframe.errors import did_you_mean

    codes = [r.code for r in rules]
    slugs = [r.slug for r in rules]
    out = []
    for p in patterns:
        if any(c.upper().startswith(p.upper()) for c in codes) or p.lower() in slugs:
            continue
        guess = p.upper() if p[:1].isalpha() and p[-1:].isdigit() else p.lower()
        out.append((p, did_you_mean(guess, codes + slugs)))
    return out


def _split(values: Iterable[str]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def use_colour(option: bool | None, fmt: str, stream: object) -> bool:
    """Colour only the text format: ``--color``/``--no-color`` win, else a terminal without NO_COLOR."""
    if fmt != "text":
        return False
    if option is not None:
        return option
    if os.environ.get("NO_COLOR"):  # https://no-color.org: set and not empty
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default=None,
              help="Output format (default: text; github when GITHUB_ACTIONS=true).")
@click.option("--select", multiple=True, metavar="CODES",
              help="Only report these codes, prefixes or slugs (comma-separated, repeatable).")
@click.option("--ignore", multiple=True, metavar="CODES",
              help="Never report these codes, prefixes or slugs (comma-separated, repeatable).")
@click.option("--fail-level", type=click.Choice(["error", "warning", "info"], case_sensitive=False), default=None,
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
    from sopframe.commands.inspect import all_rules
    from sopframe.config import key_position
    from sopframe.core.diagnostics import Severity
    from sopframe.core.validate import Report, collect_paths, validate_bytes
    from sopframe.core.yamlsource import DEFAULT_MAX_BYTES
    from sopframe.errors import ConfigError, UsageError
    from sopframe.formats import render

    config = config_for(ctx)
    files = collect_paths([p for p in paths if p != "-"])  # a missing path is exit 2 before any work
    plugins = plugins_for(ctx)
    if fmt is None:
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    rules = all_rules(plugins)
    sel, ign = _split(select), _split(ignore)
    for option, given in (("--select", sel), ("--ignore", ign)):
        for pattern, hint in unknown_selectors(given, rules):
            raise UsageError(f"{option}: no rule code, prefix or slug matches {pattern!r}{hint}",
                             hint="`sopframe rules` lists every rule")
    for key in ("select", "ignore"):
        # a warning, not an error: a shared configuration may name rules of a
        # plugin that is not installed on every machine
        for pattern, hint in unknown_selectors(config.get(key, []), rules):
            where = key_position(config.path, key) if config.path else "configuration"
            click.echo(f"sopframe: warning: {where}: {key!r}: no installed rule matches {pattern!r}{hint} "
                       "(a typo, or a plugin that is not installed?)", err=True)
    sel = sel or list(config.get("select", []))
    ign = ign or list(config.get("ignore", []))
    level = Severity.parse(fail_level or config.get("fail-level", "error"))
    max_bytes = max_file_size or int(config.get("max-file-size", DEFAULT_MAX_BYTES))
    if max_bytes < 1:  # only the configuration can say so: the option refuses it
        raise ConfigError(f"'max-file-size' must be a positive number of bytes, got {max_bytes}",
                          path=str(config.path))

    from sopframe.commands.common import checked_policy, framework_selection
    from sopframe.core.frameworks import check_settings

    selected_frameworks = framework_selection(ctx, frameworks)
    policy = checked_policy(ctx)
    ctx.with_resource(check_settings(selected_frameworks, policy))
    schema = plugins.schema()
    report = Report()
    sources: dict[str, str] = {}
    if "-" in paths:
        data = sys.stdin.buffer.read()
        report.files.append(validate_bytes(data, stdin_filename, plugins=plugins, schema=schema,
                                           max_bytes=max_bytes))
        sources[stdin_filename] = data.decode("utf-8", "replace")
    cache = None
    if not no_cache:
        from sopframe import __version__
        from sopframe.core.cache import DEFAULT_CACHE_DIR, ResultCache, cache_salt

        where = cache_dir or os.environ.get("SOPFRAME_CACHE_DIR") or config.get("cache-dir")
        if where is None and config.path is None:
            where = DEFAULT_CACHE_DIR
        elif where is None or (config.path is not None and not cache_dir
                               and not os.environ.get("SOPFRAME_CACHE_DIR") and config.get("cache-dir")):
            where = str(config.base_dir / (config.get("cache-dir") or DEFAULT_CACHE_DIR))
        salt = cache_salt(__version__, plugins.fingerprint(),
                          {"frameworks": selected_frameworks, "policy": policy,
                           "max_bytes": max_bytes})
        cache = ResultCache(where, salt)
    from sopframe.core.batch import validate_many

    report.files.extend(validate_many(files, plugins=plugins, max_bytes=max_bytes, cache=cache, jobs=jobs))
    if not report.files:
        click.echo(f"sopframe: warning: no template files (*.yaml, *.yml) under {', '.join(paths)}", err=True)
    report.general = list(plugins.problems)
    findings = sorted(select_findings(report.findings, sel, ign), key=lambda f: f.sort_key)
    if fmt == "text":
        for name in sorted({f.file for f in findings if not f.file.startswith("<") and f.file not in sources}):
            try:
                with open(name, "rb") as fh:
                    sources[name] = fh.read(max_bytes + 1).decode("utf-8", "replace")
            except OSError:
                pass
    colour = use_colour(color, fmt, sys.stdout)
    click.echo(render(fmt, findings, len(report.files), sources, rules, colour=colour), color=colour)
    return 1 if any(f.severity >= level for f in findings) else 0

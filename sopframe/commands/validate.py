"""``sopframe validate``: check templates, for people, CI and pre-commit."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Sequence

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
    from sopframe.core.diagnostics import Severity
    from sopframe.core.paths import collect_paths
    from sopframe.core.paths import DEFAULT_MAX_BYTES
    from sopframe.errors import ConfigError

    config = config_for(ctx)
    files = collect_paths([p for p in paths if p != "-"])  # a missing path is exit 2 before any work
    max_bytes = max_file_size or int(config.get("max-file-size", DEFAULT_MAX_BYTES))
    if max_bytes < 1:  # only the configuration can say so: the option refuses it
        raise ConfigError(f"'max-file-size' must be a positive number of bytes, got {max_bytes}",
                          path=str(config.path))
    run = _Run(
        ctx=ctx, paths=paths, files=files,
        fmt=fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"),
        select=_split(select), ignore=_split(ignore), frameworks=_split(frameworks),
        level=Severity.parse(fail_level or config.get("fail-level", "error")),
        max_bytes=max_bytes, color=color,
    )
    cache = None if no_cache else _open_cache(run, cache_dir)
    if cache is not None and "-" not in paths and run.fmt != "sarif":
        warm = _from_cache(run, cache)
        if warm is not None:  # every file answered from the cache: no plugin imported
            findings, problems, known = warm
            return _report(run, findings, problems, known, rules=[], sources={})
    return _validate_all(run, cache, jobs, stdin_filename)


@dataclass
class _Run:
    """What one ``sopframe validate`` was asked to do."""

    ctx: click.Context
    paths: tuple[str, ...]
    files: list[str]
    fmt: str
    select: list[str]
    ignore: list[str]
    frameworks: list[str]
    level: Any
    max_bytes: int
    color: bool | None


class _Known:
    """A rule as the cache manifest remembers it: code and slug."""

    def __init__(self, code: str, slug: str) -> None:
        self.code, self.slug = code, slug


def _open_cache(run: _Run, cache_dir: str | None) -> Any:
    """The result cache, keyed by sopframe's version, the installed plugins (read
    from their metadata, not imported) and the settings that decide findings."""
    from sopframe import __version__
    from sopframe.commands.common import disabled_for
    from sopframe.core.cache import DEFAULT_CACHE_DIR, ResultCache, cache_salt
    from sopframe.pluginmanager import installed_fingerprint

    config = config_for(run.ctx)
    where = cache_dir or os.environ.get("SOPFRAME_CACHE_DIR")
    if not where:  # the configuration's directory is relative to the configuration file
        where = str(config.base_dir / config.get("cache-dir", DEFAULT_CACHE_DIR)) if config.path else DEFAULT_CACHE_DIR
    settings = {"frameworks": run.frameworks or config.get("frameworks"), "policy": config.get("policy", {}),
                "max_bytes": run.max_bytes}
    return ResultCache(where, cache_salt(__version__, installed_fingerprint(disabled_for(run.ctx)), settings))


def _from_cache(run: _Run, cache: Any) -> tuple[list[Any], list[Any], list[_Known]] | None:
    """Findings for every file, the plugin problems and the known rules, if the
    cache holds them all; else ``None`` (and the full run decides)."""
    from pathlib import Path

    manifest = cache.get_manifest()
    if manifest is None or (manifest["problems"] and _strict(run.ctx)):
        return None  # strict mode makes those problems fatal: the full run says so
    known = [_Known(code, slug) for code, slug in manifest["rules"]]
    if unknown_selectors([*run.select, *run.ignore], known) or not set(run.frameworks) <= set(manifest["frameworks"]):
        return None  # the full run words the usage error
    findings = []
    for path in run.files:
        try:
            hit = cache.get(Path(path).read_bytes(), path)
        except OSError:
            return None
        if hit is None:
            return None
        findings.extend(hit)
    return findings, manifest["problems"], known


def _strict(ctx: click.Context) -> bool:
    strict = ctx.find_root().ensure_object(dict).get("strict_plugins")
    return bool(config_for(ctx).get("strict-plugins", False)) if strict is None else strict


def _validate_all(run: _Run, cache: Any, jobs: int | None, stdin_filename: str) -> int:
    from sopframe.commands.common import checked_policy, framework_selection
    from sopframe.commands.inspect import all_rules
    from sopframe.core.batch import validate_many
    from sopframe.core.frameworks import check_settings
    from sopframe.core.validate import validate_bytes
    from sopframe.errors import UsageError

    ctx = run.ctx
    plugins = plugins_for(ctx)
    rules = all_rules(plugins)
    for option, given in (("--select", run.select), ("--ignore", run.ignore)):
        for pattern, hint in unknown_selectors(given, rules):
            raise UsageError(f"{option}: no rule code, prefix or slug matches {pattern!r}{hint}",
                             hint="`sopframe rules` lists every rule")
    ctx.with_resource(check_settings(framework_selection(ctx, run.frameworks), checked_policy(ctx)))
    results = []
    sources: dict[str, str] = {}
    if "-" in run.paths:
        data = sys.stdin.buffer.read()
        results.append(validate_bytes(data, stdin_filename, plugins=plugins, schema=plugins.schema(),
                                      max_bytes=run.max_bytes))
        sources[stdin_filename] = data.decode("utf-8", "replace")
    results += validate_many(run.files, plugins=plugins, max_bytes=run.max_bytes, cache=cache, jobs=jobs)
    run.files = [r.path for r in results]
    if cache is not None:
        frameworks = list(dict.fromkeys([*plugins.schema()["$defs"]["framework"]["enum"],
                                         *(fw.id for fw in plugins.frameworks())]))
        cache.put_manifest(plugins.problems, [(r.code, r.slug) for r in rules], frameworks)
    findings = [f for r in results for f in r.findings]
    return _report(run, findings, plugins.problems, rules, rules=rules, sources=sources)


def _report(run: _Run, findings: list[Any], problems: list[Any], known: Sequence[Any], *,
            rules: Sequence["Rule"], sources: dict[str, str]) -> int:
    """Warn about configuration entries no rule matches, print the findings, return the exit code."""
    from sopframe.config import key_position
    from sopframe.formats import render

    config = config_for(run.ctx)
    for key in ("select", "ignore"):
        # a warning, not an error: a shared configuration may name rules of a
        # plugin that is not installed on every machine
        for pattern, hint in unknown_selectors(config.get(key, []), known):
            where = key_position(config.path, key) if config.path else "configuration"
            click.echo(f"sopframe: warning: {where}: {key!r}: no installed rule matches {pattern!r}{hint} "
                       "(a typo, or a plugin that is not installed?)", err=True)
    if not run.files:
        click.echo(f"sopframe: warning: no template files (*.yaml, *.yml) under {', '.join(run.paths)}", err=True)
    sel = run.select or list(config.get("select", []))
    ign = run.ignore or list(config.get("ignore", []))
    shown = sorted(select_findings([*problems, *findings], sel, ign), key=lambda f: f.sort_key)
    if run.fmt == "text":
        for name in sorted({f.file for f in shown if not f.file.startswith("<") and f.file not in sources}):
            try:
                with open(name, "rb") as fh:
                    sources[name] = fh.read(run.max_bytes + 1).decode("utf-8", "replace")
            except OSError:
                pass
    colour = use_colour(run.color, run.fmt, sys.stdout)
    click.echo(render(run.fmt, shown, len(run.files), sources, rules, colour=colour), color=colour)
    return 1 if any(f.severity >= run.level for f in shown) else 0

"""The parts of ``sopframe validate`` that need no click: the request, the result cache, the report.

A :class:`Request` is what one run was asked to do; :func:`report` turns
its findings into the lines to print and the exit code (an :class:`Outcome`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sopframe.core.diagnostics import Finding, Rule, Severity
from sopframe.formats import FORMATS as RENDERERS

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.config import Config
    from sopframe.core.cache import ResultCache
    from sopframe.pluginmanager import Plugins
    from sopframe.settings import Settings

__all__ = ["Request", "Outcome", "make_request", "open_cache", "report",
           "select_findings", "unknown_selectors", "use_colour", "FORMATS", "FAIL_LEVELS"]

#: the output formats: the renderers' names (:data:`sopframe.formats.FORMATS`), in one place
FORMATS = tuple(RENDERERS)
#: the severities, lowest last, as ``--fail-level`` takes them
FAIL_LEVELS = tuple(str(s) for s in sorted(Severity, reverse=True))


@dataclass
class Request:
    """What one ``sopframe validate`` was asked to do, with the settings it runs under."""

    paths: tuple[str, ...]
    files: list[str]
    fmt: str
    #: ``--select`` / ``--ignore`` (they replace the configuration's lists)
    select: list[str]
    ignore: list[str]
    color: bool | None
    settings: "Settings"
    #: YAML files left out as not templates (--skip-non-templates)
    skipped: int = 0
    #: -q/--quiet: findings only, no summary line
    quiet: bool = False
    #: --show-all: also the findings that follow from another one (hidden by default)
    show_all: bool = False

    @property
    def config(self) -> "Config":
        return self.settings.config

    @property
    def max_bytes(self) -> int:
        return self.settings.max_file_size

    @property
    def fail_level(self) -> str:
        return self.settings.fail_level


@dataclass(frozen=True)
class Outcome:
    """What to print (``(to_stderr, text)`` in order), whether the output is coloured, and the exit code."""

    lines: list[tuple[bool, str]]
    colour: bool
    code: int


def make_request(*, paths: Sequence[str], settings: "Settings", fmt: str | None, select: Sequence[str],
                 ignore: Sequence[str], color: bool | None) -> Request:
    """The run's request under ``settings``; a missing path is a usage error before any work."""
    from sopframe.core.paths import collect_paths
    from sopframe.settings import split_values

    files = collect_paths([p for p in paths if p != "-"])
    return Request(
        paths=tuple(paths), files=files,
        fmt=fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"),
        select=split_values(select), ignore=split_values(ignore), color=color, settings=settings,
    )


def _matches(finding: Finding, patterns: Iterable[str]) -> bool:
    for p in patterns:
        p = p.strip()
        if not p:
            continue
        if finding.code.upper().startswith(p.upper()) or finding.slug == p.lower():
            return True
    return False


def select_findings(findings: Iterable[Finding], select: Sequence[str], ignore: Sequence[str]) -> list[Finding]:
    """Keep findings matching ``select`` (all if empty) and not matching ``ignore``.

    A pattern is a rule code (``SOP101``), a code prefix (``SOP1``) or a slug
    (``dag-cycle``); codes and prefixes are case-insensitive.
    """
    return [f for f in findings if (not select or _matches(f, select)) and not _matches(f, ignore)]


def unknown_selectors(patterns: Iterable[str], rules: Sequence[Any]) -> list[tuple[str, str]]:
    """Patterns that match no known rule (anything with ``code`` and ``slug``),
    each with a did-you-mean suffix (possibly empty)."""
    codes = [r.code for r in rules]
    slugs = [r.slug for r in rules]
    out = []
    for p in patterns:
        if any(c.upper().startswith(p.upper()) for c in codes) or p.lower() in slugs:
            continue
        from sopframe.errors import did_you_mean

        guess = p.upper() if p[:1].isalpha() and p[-1:].isdigit() else p.lower()
        out.append((p, did_you_mean(guess, codes + slugs)))
    return out


def use_colour(option: bool | None, fmt: str, stream: object) -> bool:
    """Colour only the text format: ``--color``/``--no-color`` win, then ``NO_COLOR`` (off), then
    ``FORCE_COLOR`` (on), then ``TERM=dumb`` (off), else only on a terminal."""
    if fmt != "text":
        return False
    if option is not None:
        return option
    if os.environ.get("NO_COLOR"):  # https://no-color.org: set and not empty
        return False
    if os.environ.get("FORCE_COLOR", "") not in ("", "0"):  # https://force-color.org
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def open_cache(settings: "Settings", plugins: "Plugins") -> "ResultCache | None":
    """The result cache the settings name (``None`` with ``--no-cache``), keyed by the code that
    produces findings (sopframe's and the loaded plugins' sources) and the settings that decide them."""
    from sopframe.core.cache import ResultCache, cache_salt

    if settings.cache_dir is None:
        return None
    from sopframe.notifyconfig import channel_names

    decisive = {"frameworks": settings.frameworks, "policy": dict(settings.policy),
                "max_bytes": settings.max_file_size, "notify_channels": channel_names(settings.config)}
    return ResultCache(settings.cache_dir, cache_salt(plugins.code_digest(), decisive))


def report(req: Request, findings: list[Finding], problems: list[Finding], known: Sequence[Any], *,
           rules: Sequence[Rule], sources: dict[str, str], stdout: object) -> Outcome:
    """The warnings about configuration entries no rule matches, the rendered findings, the exit code."""
    from sopframe.formats import render

    lines: list[tuple[bool, str]] = []
    config = req.config
    for key in ("select", "ignore"):
        # a warning, not an error: a shared configuration may name rules of a
        # plugin that is not installed on every machine
        for pattern, hint in unknown_selectors(config.get(key, []), known):
            from sopframe.config import key_position

            where = key_position(config.file, key) if config.file else "configuration"
            lines.append((True, f"sopframe: warning: {where}: {key!r}: no installed rule matches {pattern!r}{hint} "
                                "(a typo, or a plugin that is not installed?)"))
    if not req.files and not req.skipped:
        lines.append((True, f"sopframe: warning: no template files (*.yaml, *.yml) under {', '.join(req.paths)}"))
    sel = req.select or list(req.settings.select)
    ign = req.ignore or list(req.settings.ignore)
    if len(req.files) > 1:
        from sopframe.core.crossfile import duplicate_template_ids

        findings = [*findings, *duplicate_template_ids(req.files)]
    shown = sorted(select_findings([*problems, *findings], sel, ign), key=lambda f: f.sort_key)
    if not req.show_all:
        from sopframe.core.followon import split_follow_ons

        shown, hidden = split_follow_ons(shown)
        if hidden and not req.quiet:
            n = len(hidden)
            lines.append((True, f"sopframe: note: {n} follow-on finding{'s' if n != 1 else ''} hidden (caused by "
                                f"one shown: fix it first); --show-all shows {'them' if n != 1 else 'it'}"))
    if req.fmt in ("text", "sarif"):  # the source line under a finding; SARIF fingerprints hash it
        for name in sorted({f.file for f in shown if not f.file.startswith("<") and f.file not in sources}):
            try:
                with open(name, "rb") as fh:
                    sources[name] = fh.read(req.max_bytes + 1).decode("utf-8", "replace")
            except OSError:
                pass
    colour = use_colour(req.color, req.fmt, stdout)
    docs_url = config.get("docs-url") or None
    text = render(req.fmt, shown, len(req.files), sources, rules, colour=colour,
                  docs_url=str(docs_url) if docs_url else None, summary=not req.quiet)
    if text:
        lines.append((False, text))
    level = Severity.parse(req.fail_level)
    return Outcome(lines, colour, 1 if any(f.severity >= level for f in shown) else 0)

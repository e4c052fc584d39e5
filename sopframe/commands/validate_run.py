"""The parts of ``sopframe validate`` that need neither click nor any plugin.

A :class:`Request` is what one run was asked to do.  :func:`answer` answers
it from the result cache when every file is there: first from the entry of
an identical earlier run (what it printed), else from each file's entry,
through :func:`report`, which turns findings into the lines to print and the
exit code.  The click command (:mod:`sopframe.commands.validate`) and the
start-up fast path (:mod:`sopframe.commands.fastpath`) both use them, so a
run answered early prints exactly what the full run prints.  Nothing here
imports :mod:`dataclasses` or the diagnostics until findings are needed:
those imports are a third of a cached run's time.
"""

from __future__ import annotations

import hashlib
import os

TYPE_CHECKING = False  # not typing's: importing typing costs start-up, and type checkers know the name
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Iterable, Sequence

    from sopframe.config import Config
    from sopframe.core.cache import ResultCache
    from sopframe.core.diagnostics import Finding, Rule

__all__ = ["Request", "Outcome", "make_request", "open_cache", "answer", "from_cache", "report",
           "select_findings", "unknown_selectors", "use_colour", "FORMATS", "FAIL_LEVELS"]

FORMATS = ("text", "json", "sarif", "github")
FAIL_LEVELS = ("error", "warning", "info")


class Request:
    """What one ``sopframe validate`` was asked to do, with the configuration it runs under."""

    def __init__(self, *, paths: tuple[str, ...], files: list[str], fmt: str, select: list[str],
                 ignore: list[str], frameworks: list[str], fail_level: str, max_bytes: int, color: bool | None,
                 config: "Config", disabled: list[str], strict: bool) -> None:
        self.paths, self.files, self.fmt = paths, files, fmt
        self.select, self.ignore, self.frameworks = select, ignore, frameworks
        self.fail_level, self.max_bytes, self.color = fail_level, max_bytes, color
        self.config, self.disabled, self.strict = config, disabled, strict


class Outcome:
    """What to print (``(to_stderr, text)`` in order), whether the output is coloured, and the exit code."""

    __slots__ = ("lines", "colour", "code")

    def __init__(self, lines: list[tuple[bool, str]], colour: bool, code: int) -> None:
        self.lines, self.colour, self.code = lines, colour, code

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Outcome) and (self.lines, self.colour, self.code) == (
            other.lines, other.colour, other.code)

    __hash__ = None  # type: ignore[assignment]

    def to_json(self) -> dict[str, Any]:
        return {"lines": [[err, text] for err, text in self.lines], "colour": self.colour, "code": self.code}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Outcome | None":
        """The outcome :meth:`to_json` wrote, or ``None`` if ``data`` is not one."""
        lines, colour, code = data.get("lines"), data.get("colour"), data.get("code")
        if (not isinstance(lines, list) or not isinstance(colour, bool) or type(code) is not int
                or not all(isinstance(x, list) and len(x) == 2 and isinstance(x[0], bool) and isinstance(x[1], str)
                           for x in lines)):
            return None
        return cls([(err, text) for err, text in lines], colour, code)


def split_values(values: Iterable[str]) -> list[str]:
    """Repeatable, comma-separated option values as one list."""
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def make_request(*, paths: Sequence[str], config: "Config", disabled: Sequence[str], strict: bool | None,
                 fmt: str | None, select: Sequence[str], ignore: Sequence[str], frameworks: Sequence[str],
                 fail_level: str | None, max_file_size: int | None, color: bool | None) -> Request:
    """Resolve options against the configuration; a missing path is a usage error before any work."""
    from sopframe.core.paths import DEFAULT_MAX_BYTES, collect_paths
    from sopframe.errors import ConfigError

    files = collect_paths([p for p in paths if p != "-"])
    max_bytes = max_file_size or int(config.get("max-file-size", DEFAULT_MAX_BYTES))
    if max_bytes < 1:  # only the configuration can say so: the option refuses it
        raise ConfigError(f"'max-file-size' must be a positive number of bytes, got {max_bytes}",
                          path=str(config.file))
    return Request(
        paths=tuple(paths), files=files,
        fmt=fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"),
        select=split_values(select), ignore=split_values(ignore), frameworks=split_values(frameworks),
        fail_level=str(fail_level or config.get("fail-level", "error")).strip().lower(),
        max_bytes=max_bytes, color=color, config=config,
        disabled=[*config.get("disable-plugins", []), *disabled],
        strict=bool(config.get("strict-plugins", False)) if strict is None else strict,
    )


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
    """Colour only the text format: ``--color``/``--no-color`` win, else a terminal without NO_COLOR."""
    if fmt != "text":
        return False
    if option is not None:
        return option
    if os.environ.get("NO_COLOR"):  # https://no-color.org: set and not empty
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def open_cache(req: Request, cache_dir: str | None) -> "ResultCache":
    """The result cache, keyed by sopframe's version, the installed plugins (read
    from their metadata, not imported) and the settings that decide findings."""
    from sopframe import __version__
    from sopframe.config import disabled_from_env
    from sopframe.core.cache import (
        DEFAULT_CACHE_DIR,
        ResultCache,
        cache_salt,
        remembered_plugins,
    )
    from sopframe.core.sitestamp import site_stamp

    config = req.config
    where = cache_dir or os.environ.get("SOPFRAME_CACHE_DIR")
    if not where:  # the configuration's directory is relative to the configuration file
        where = os.path.join(config.directory, config.get("cache-dir", DEFAULT_CACHE_DIR)) if config.file else DEFAULT_CACHE_DIR
    blocked = sorted({*req.disabled, *disabled_from_env()})
    plugins = remembered_plugins(where, site_stamp([__version__, *blocked]), lambda: _installed(blocked))
    settings = {"frameworks": req.frameworks or config.get("frameworks"), "policy": config.get("policy", {}),
                "max_bytes": req.max_bytes}
    return ResultCache(where, cache_salt(__version__, plugins, settings))


def _installed(blocked: Sequence[str]) -> list[tuple[str, str, str]]:
    from sopframe.pluginmanager import installed_fingerprint

    return installed_fingerprint(blocked)


class _Known:
    """A rule as the cache manifest remembers it: code and slug."""

    def __init__(self, code: str, slug: str) -> None:
        self.code, self.slug = code, slug


def answer(req: Request, cache: "ResultCache", stdout: object) -> Outcome | None:
    """What to print for ``req``, if the cache holds every file; else ``None`` (and the full run decides).

    A run identical to an earlier one (the same files and contents, options,
    configuration file, colour and cache salt) prints what that run printed.
    Otherwise the findings come from each file's entry, and what this run
    prints is kept for the next identical one.
    """
    if "-" in req.paths or req.fmt == "sarif":  # standard input is never cached; SARIF describes every rule
        return None
    files = []
    for path in req.files:
        try:
            with open(path, "rb") as fh:
                files.append((path, fh.read()))
        except OSError:
            return None
    key = cache.run_key(files, _identity(req, use_colour(req.color, req.fmt, stdout)))
    kept = cache.get_run(key)
    outcome = Outcome.from_json(kept) if kept is not None else None
    if outcome is not None:
        return outcome
    found = from_cache(req, cache, files)
    if found is None:
        return None
    outcome = report(req, *found, rules=[], sources={}, stdout=stdout)
    cache.put_run(key, outcome.to_json())
    return outcome


def _identity(req: Request, colour: bool) -> dict[str, Any]:
    """Everything besides the files and the cache salt that decides what a run prints."""
    config = b""
    if req.config.file:
        try:
            with open(req.config.file, "rb") as fh:
                config = fh.read()  # its layout too: warnings give the line of a key
        except OSError:
            config = b"unreadable"
    return {"paths": list(req.paths), "fmt": req.fmt, "select": req.select, "ignore": req.ignore,
            "fail_level": req.fail_level, "colour": colour, "strict": req.strict,
            "config_file": req.config.file, "config": hashlib.sha256(config).hexdigest()}


def from_cache(req: Request, cache: "ResultCache", files: Sequence[tuple[str, bytes]]
               ) -> tuple[list["Finding"], list["Finding"], list[_Known]] | None:
    """Findings for every file (name and bytes), the plugin problems and the
    known rules, if the cache holds them all; else ``None``."""
    manifest = cache.get_manifest()
    if manifest is None or (manifest["problems"] and req.strict):
        return None  # strict mode makes those problems fatal: the full run says so
    known = [_Known(code, slug) for code, slug in manifest["rules"]]
    if unknown_selectors([*req.select, *req.ignore], known) or not set(req.frameworks) <= set(manifest["frameworks"]):
        return None  # the full run words the usage error
    findings = []
    for path, data in files:
        hit = cache.get(data, path)
        if hit is None:
            return None
        findings.extend(hit)
    return findings, manifest["problems"], known


def report(req: Request, findings: list["Finding"], problems: list["Finding"], known: Sequence[Any], *,
           rules: Sequence["Rule"], sources: dict[str, str], stdout: object) -> Outcome:
    """The warnings about configuration entries no rule matches, the rendered findings, the exit code."""
    from sopframe.core.diagnostics import Severity
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
    if not req.files:
        lines.append((True, f"sopframe: warning: no template files (*.yaml, *.yml) under {', '.join(req.paths)}"))
    sel = req.select or list(config.get("select", []))
    ign = req.ignore or list(config.get("ignore", []))
    shown = sorted(select_findings([*problems, *findings], sel, ign), key=lambda f: f.sort_key)
    if req.fmt == "text":
        for name in sorted({f.file for f in shown if not f.file.startswith("<") and f.file not in sources}):
            try:
                with open(name, "rb") as fh:
                    sources[name] = fh.read(req.max_bytes + 1).decode("utf-8", "replace")
            except OSError:
                pass
    colour = use_colour(req.color, req.fmt, stdout)
    lines.append((False, render(req.fmt, shown, len(req.files), sources, rules, colour=colour)))
    level = Severity.parse(req.fail_level)
    return Outcome(lines, colour, 1 if any(f.severity >= level for f in shown) else 0)

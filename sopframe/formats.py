"""Rendering findings: text (compiler style), json, sarif and github."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from sopframe.core.diagnostics import Finding, Rule, Severity

__all__ = ["FORMATS", "render", "summary_line"]

#: the line breaks the YAML reader counts in its positions (str.splitlines
#: also splits on form feeds, NEL and Unicode separators, which it does not)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def summary_line(findings: Sequence[Finding], files: int) -> str:
    """``2 errors, 1 warning in 3 files`` or ``no problems in 3 files``."""
    counts = Counter(f.severity for f in findings)
    if not findings:
        return f"no problems in {files} file{'s' if files != 1 else ''}"
    parts = []
    for sev in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        n = counts.get(sev, 0)
        if n:
            parts.append(f"{n} {sev}{'s' if n != 1 else ''}")
    return f"{', '.join(parts)} in {files} file{'s' if files != 1 else ''}"


def _display_width(text: str) -> int:
    """Terminal columns ``text`` takes: wide (East Asian) characters take two, combining marks none."""
    import unicodedata

    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _one_line(text: str) -> str:
    """Text on one line, so a finding's block keeps its shape whatever a plugin's message holds."""
    lines = text.splitlines()
    if len(lines) <= 1:
        return lines[0] if lines else ""
    return " ".join(part.strip() for part in lines if part.strip())


def render_text(findings: Sequence[Finding], files: int, sources: dict[str, str], rules: Sequence[Rule],
                colour: bool) -> str:
    import click

    def style(text: str, **kw: object) -> str:
        return click.style(text, **kw) if colour else text  # type: ignore[arg-type]

    out: list[str] = []
    for f in findings:
        head = f"{f.file}:{f.line}:{f.col}: "
        sev = style(str(f.severity), fg=_COLOURS[f.severity], bold=True)
        out.append(f"{style(head, bold=True)}{sev} {style(f.code, bold=True)} [{f.slug}] {_one_line(f.message)}")
        lines = sources.get(f.file)
        if lines is not None:
            text_lines = _LINE_BREAK.split(lines)
            if 1 <= f.line <= len(text_lines):
                src = text_lines[f.line - 1].replace("\t", " ")
                gutter = f"{f.line:>5} | "
                out.append(f"{gutter}{src}")
                pad = _display_width(src[: f.col - 1]) + max(f.col - 1 - len(src), 0)
                out.append(" " * (len(gutter) - 2) + "| " + " " * pad + style("^", fg=_COLOURS[f.severity], bold=True))
        if f.hint:
            out.append(f"  {style('hint:', fg='cyan')} {_one_line(f.hint)}")
        out.append(f"  see: {f.docs}")
    out.append(summary_line(findings, files))
    return "\n".join(out)


def render_json(findings: Sequence[Finding], files: int, sources: dict[str, str], rules: Sequence[Rule],
                colour: bool) -> str:
    """One JSON document; each finding on a line of its own (written by the C encoder, so
    large reports stay fast)."""
    counts = Counter(str(f.severity) for f in findings)
    head = json.dumps({
        "version": 1,
        "files": files,
        "summary": {"error": counts.get("error", 0), "warning": counts.get("warning", 0),
                    "info": counts.get("info", 0)},
    })
    rows = ",\n".join("    " + json.dumps(f.to_dict()) for f in findings)
    return head[:-1] + ', "findings": [' + ("\n" + rows + "\n  " if rows else "") + "]}"


def _uri(path: str) -> str:
    """A SARIF ``uri-reference`` for a path: ``file:`` URI if absolute, else percent-encoded and relative."""
    from pathlib import Path
    from urllib.parse import quote

    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    return quote(p.as_posix())


def _is_absolute_uri(text: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(text)
    return bool(parts.scheme) and (bool(parts.netloc) or parts.scheme in ("urn", "mailto"))


def render_sarif(findings: Sequence[Finding], files: int, sources: dict[str, str], rules: Sequence[Rule],
                 colour: bool) -> str:
    from sopframe import __version__

    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    known = {r.code: r for r in rules}
    used: list[str] = []
    for f in findings:
        if f.code not in used:
            used.append(f.code)
    driver_rules = []
    for code in used:
        r = known.get(code)
        f0 = next(f for f in findings if f.code == code)
        docs = r.docs if r else f0.docs
        driver_rules.append({
            "id": code,
            "name": r.slug if r else f0.slug,
            "shortDescription": {"text": r.summary if r else f0.slug},
            **({"fullDescription": {"text": r.explanation}} if r and r.explanation else {}),
            # SARIF's helpUri must be an absolute URI; a relative docs anchor goes in help text instead
            **({"helpUri": docs} if _is_absolute_uri(docs) else {"help": {"text": f"See {docs}"}}),
            "defaultConfiguration": {"level": level[r.severity if r else f0.severity]},
            "properties": {"plugin": r.plugin if r else f0.plugin, "docs": docs},
        })
    index = {code: i for i, code in enumerate(used)}
    results = []
    for f in findings:
        result: dict[str, object] = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": level[f.severity],
            "message": {"text": f.message + (f" Hint: {f.hint}" if f.hint else "")},
        }
        if not f.file.startswith("<"):
            result["locations"] = [{
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(f.file)},
                    "region": {"startLine": max(f.line, 1), "startColumn": max(f.col, 1)},
                }
            }]
        results.append(result)
    return json.dumps({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "sopframe", "version": __version__, "semanticVersion": __version__,
                                "rules": driver_rules}},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }, indent=2)


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(findings: Sequence[Finding], files: int, sources: dict[str, str], rules: Sequence[Rule],
                  colour: bool) -> str:
    kind = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    out = []
    for f in findings:
        props = [f"file={_gh_escape(f.file, True)}", f"line={f.line}", f"col={f.col}",
                 f"title={_gh_escape(f'{f.code} {f.slug}', True)}"]
        msg = f.message + (f" (hint: {f.hint})" if f.hint else "")
        out.append(f"::{kind[f.severity]} {','.join(props)}::{_gh_escape(msg)}")
    out.append(summary_line(findings, files))
    return "\n".join(out)


Renderer = Callable[[Sequence[Finding], int, dict[str, str], Sequence[Rule], bool], str]
FORMATS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
}


def render(fmt: str, findings: Iterable[Finding], files: int, sources: dict[str, str] | None = None,
           rules: Sequence[Rule] = (), colour: bool = False) -> str:
    """Render ``findings`` (already sorted) from ``files`` checked files in format ``fmt``.

    ``sources`` maps file names to their text, for the source line under each
    text finding; ``rules`` describes rule codes for SARIF; ``colour`` adds
    ANSI colour to the text format.
    """
    return FORMATS[fmt](list(findings), files, sources or {}, rules, colour)

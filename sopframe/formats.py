"""Rendering findings: text (compiler style), json, sarif and github."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from sopframe.core.diagnostics import Finding, Rule, Severity

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

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
    """Text on one line, so a finding's block keeps its shape whatever a plugin's message holds, with any
    control or formatting character still raw in it escaped (what messages quote is escaped already)."""
    from sopframe.core.safetext import escape

    lines = text.splitlines()
    if len(lines) <= 1:
        return escape(lines[0], backslash=False) if lines else ""
    return escape(" ".join(part.strip() for part in lines if part.strip()), backslash=False)


def _shown(text: str) -> str:
    """A file name or message as printed: control and formatting characters escaped, line breaks kept."""
    from sopframe.core.safetext import escape

    return "\n".join(escape(part, backslash=False) for part in _LINE_BREAK.split(text))


#: a source line longer than this is shown as a window of :data:`_WINDOW` characters around the column
_LONG_LINE, _WINDOW = 200, 160


def _excerpt(line: str, col: int) -> tuple[str, str]:
    """(the source line as shown, what stands before the column as shown): tabs as arrows, control and
    formatting characters escaped (a file's bytes never reach the terminal raw), a long line cut to a window."""
    from sopframe.core.safetext import escape

    line = line.replace("\t", "\u2192")  # a tab shown as an arrow, one column
    start, end = 0, len(line)
    if len(line) > _LONG_LINE:
        start = min(max(col - 1 - _WINDOW // 2, 0), len(line) - _WINDOW)
        end = start + _WINDOW
    lead, tail = ("\u2026" if start else ""), ("\u2026" if end < len(line) else "")
    shown = lead + escape(line[start:end], backslash=False) + tail
    before = lead + escape(line[start:max(col - 1, start)], backslash=False)
    return shown, before


def render_text(findings: Sequence[Finding], files: int, sources: dict[str, str], rules: Sequence[Rule],
                colour: bool, docs_url: str | None = None, summary: bool = True) -> str:
    import click

    from sopframe.ruledocs import pointer

    def style(text: str, **kw: object) -> str:
        return click.style(text, **kw) if colour else text  # type: ignore[arg-type]

    out: list[str] = []
    for f in findings:
        head = f"{_shown(f.file)}:{f.line}:{f.col}: "
        sev = style(str(f.severity), fg=_COLOURS[f.severity], bold=True)
        out.append(f"{style(head, bold=True)}{sev} {style(f.code, bold=True)} [{f.slug}] {_one_line(f.message)}")
        lines = sources.get(f.file)
        if lines is not None:
            text_lines = _LINE_BREAK.split(lines)
            if 1 <= f.line <= len(text_lines):
                line = text_lines[f.line - 1]
                src, before = _excerpt(line, f.col)
                gutter = f"{f.line:>5} | "
                out.append(f"{gutter}{src}")
                pad = _display_width(before) + max(f.col - 1 - len(line), 0)
                out.append(" " * (len(gutter) - 2) + "| " + " " * pad + style("^", fg=_COLOURS[f.severity], bold=True))
        if f.hint:
            out.append(f"  {style('hint:', fg='cyan')} {_one_line(f.hint)}")
        out.append(f"  see: {pointer(f.code, f.docs, docs_url)}")
    if summary:
        out.append(summary_line(findings, files))
    return "\n".join(out)


def render_json(findings: Sequence[Finding], files: int, sources: dict[str, str], rules: Sequence[Rule],
                colour: bool, docs_url: str | None = None, summary: bool = True) -> str:
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


def _sentence(text: str) -> str:
    """``text`` as a sentence of its own: capital first letter, closing full stop."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if not text or text[-1] in ".!?" else text + "."


def _source_root() -> "Path":
    """The repository the SARIF's paths are relative to: the nearest folder up from here with ``.git``, else here."""
    from pathlib import Path

    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def _location(path: str, root: "Path") -> dict[str, str]:
    """A SARIF ``artifactLocation``: relative to ``%SRCROOT%`` when under it, else an absolute ``file:`` URI."""
    from pathlib import Path
    from urllib.parse import quote

    p = Path(path).resolve() if not path.startswith("<") else Path(path)
    try:
        return {"uri": quote(p.relative_to(root).as_posix()), "uriBaseId": "%SRCROOT%"}
    except ValueError:
        return {"uri": p.as_uri()} if p.is_absolute() else {"uri": quote(p.as_posix())}


def _fingerprint(f: Finding, uri: str, sources: dict[str, str], seen: Counter[str]) -> str:
    """Stable across runs and unrelated edits: the rule, the file and the finding's source line with
    whitespace collapsed (not its number), plus which occurrence of that triple it is."""
    import hashlib

    lines = _LINE_BREAK.split(sources.get(f.file, ""))
    line = " ".join(lines[f.line - 1].split()) if 1 <= f.line <= len(lines) else f"line {f.line}"
    key = hashlib.sha256("\0".join((f.code, uri, line)).encode("utf-8")).hexdigest()[:32]
    seen[key] += 1
    return f"{key}:{seen[key]}"


def render_sarif(findings: Sequence[Finding], files: int, sources: dict[str, str], rules: Sequence[Rule],
                 colour: bool, docs_url: str | None = None, summary: bool = True) -> str:
    from sopframe import __version__
    from sopframe.ruledocs import help_uri, rule_text

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
        markdown = rule_text(r) if r else f"{f0.slug}: run `sopframe explain {code}`."
        uri = help_uri(docs, docs_url)
        driver_rules.append({
            "id": code,
            "name": r.slug if r else f0.slug,
            "shortDescription": {"text": r.summary if r else f0.slug},
            **({"fullDescription": {"text": r.explanation}} if r and r.explanation else {}),
            "help": {"text": markdown, "markdown": markdown},
            **({"helpUri": uri} if uri else {}),
            "defaultConfiguration": {"level": level[r.severity if r else f0.severity]},
            "properties": {"plugin": r.plugin if r else f0.plugin, "docs": docs},
        })
    index = {code: i for i, code in enumerate(used)}
    root = _source_root()
    seen: Counter[str] = Counter()
    results = []
    for f in findings:
        result: dict[str, object] = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": level[f.severity],
            "message": {"text": _sentence(f.message) + (f" {_sentence(f.hint)}" if f.hint else "")},
        }
        if not f.file.startswith("<"):
            where = _location(f.file, root)
            result["locations"] = [{
                "physicalLocation": {
                    "artifactLocation": where,
                    "region": {"startLine": max(f.line, 1), "startColumn": max(f.col, 1)},
                }
            }]
            result["partialFingerprints"] = {"sopframeFindingHash/v1": _fingerprint(f, where["uri"], sources, seen)}
        results.append(result)
    run: dict[str, object] = {
        "tool": {"driver": {"name": "sopframe", "version": __version__, "semanticVersion": __version__,
                            "informationUri": "https://pypi.org/project/sopframe/", "rules": driver_rules}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri().rstrip("/") + "/"}},
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    return json.dumps({"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
                       "runs": [run]}, indent=2)


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(findings: Sequence[Finding], files: int, sources: dict[str, str], rules: Sequence[Rule],
                  colour: bool, docs_url: str | None = None, summary: bool = True) -> str:
    kind = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    out = []
    for f in findings:
        props = [f"file={_gh_escape(_shown(f.file), True)}", f"line={f.line}", f"col={f.col}",
                 f"title={_gh_escape(f'{f.code} {f.slug}', True)}"]
        msg = f.message + (f" (hint: {f.hint})" if f.hint else "")
        out.append(f"::{kind[f.severity]} {','.join(props)}::{_gh_escape(_shown(msg))}")
    if summary:
        out.append(summary_line(findings, files))
    return "\n".join(out)


Renderer = Callable[..., str]
FORMATS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
}


def render(fmt: str, findings: Iterable[Finding], files: int, sources: dict[str, str] | None = None,
           rules: Sequence[Rule] = (), colour: bool = False, docs_url: str | None = None,
           summary: bool = True) -> str:
    """Render ``findings`` (already sorted) from ``files`` checked files in format ``fmt``.

    ``sources`` maps file names to their text, for the source line under each
    text finding; ``rules`` describes rule codes for SARIF; ``colour`` adds
    ANSI colour to the text format; ``docs_url`` is where the rule docs are
    published (findings then link there instead of naming ``sopframe explain``);
    ``summary=False`` leaves out the closing count line of text and github output (``--quiet``).
    """
    return FORMATS[fmt](list(findings), files, sources or {}, rules, colour, docs_url=docs_url, summary=summary)

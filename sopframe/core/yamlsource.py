"""Reading a template file: size limit, encoding, strictyaml, and positions.

strictyaml decides which YAML is accepted (block style only, no implicit
typing; duplicate keys, anchors, aliases, flow style and tags are refused).
Its own line numbers drift with comments and carry no column, so positions
are taken from the parser's marks: the ruamel nodes strictyaml builds record
the exact line and column of every key, value and list item.

strictyaml's reader is pure Python; where PyYAML with libyaml is installed,
sopframe.core.fastyaml first reads the text with libyaml's C parser and
builds the same data and positions for documents it can vouch for, and
leaves everything else (every refusal included) to strictyaml's reader.
``SOPFRAME_PURE_YAML=1`` switches it off.
"""

from __future__ import annotations

import hashlib
import os
from codecs import BOM_UTF8
from dataclasses import dataclass, field
from typing import Any, Iterator, Union

from sopframe.core.paths import DEFAULT_MAX_BYTES
from sopframe.core.diagnostics import Finding, Location, Rule
from sopframe.core.rules.structure import (
    EMPTY_FILE,
    FILE_TOO_LARGE,
    NESTING_TOO_DEEP,
    NOT_TEXT,
    YAML_DISALLOWED,
    YAML_SYNTAX,
)

__all__ = ["ParsedDocument", "parse_text", "read_source", "DEFAULT_MAX_BYTES", "Path_", "MAX_NESTING",
           "nesting_findings"]


Path_ = tuple[Union[str, int], ...]


def _finding(rule: Rule, message: str, file: str, line: int = 1, col: int = 1, hint: str = "") -> Finding:
    return rule.finding(message, at=Location(file, line, col), hint=hint)


@dataclass
class ParsedDocument:
    """A parsed template: plain data (dicts, lists, strings) plus positions."""

    file: str
    text: str
    data: Any
    sha256: str
    #: path -> location of the key (for mappings) or item (for lists)
    keys: dict[Path_, Location] = field(default_factory=dict)
    #: path -> location of the value
    values: dict[Path_, Location] = field(default_factory=dict)

    def key_at(self, path: Path_) -> Location:
        """Where the key (or list item) at ``path`` was written; falls back upward."""
        return self._lookup(self.keys, path)

    def value_at(self, path: Path_) -> Location:
        """Where the value at ``path`` was written; falls back upward.

        An empty value (``next:`` with nothing after it) has no text of its
        own: the parser marks the token after it, on a later line or past the
        end of the file, so the key's position stands for it.
        """
        p = tuple(path)
        while p and p not in self.values:
            p = p[:-1]
        if not p:
            return Location(self.file, 1, 1)
        loc, key = self.values[p], self.keys.get(p)
        if key is not None and key.line != loc.line and self._data_at(p) == "":
            return key
        return loc

    def _data_at(self, path: Path_) -> Any:
        node = self.data
        try:
            for part in path:
                node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
        return node

    def _lookup(self, table: dict[Path_, Location], path: Path_) -> Location:
        p = tuple(path)
        while p:
            if p in table:
                return table[p]
            p = p[:-1]
        return Location(self.file, 1, 1)


def read_source(path: str, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str | None, list[Finding]]:
    """Decode a file's bytes to text, or say why it cannot be a template."""
    if len(data) > max_bytes:
        return None, [_finding(
            FILE_TOO_LARGE, f"file is {len(data):,} bytes, over the limit of {max_bytes:,} bytes",
            path, hint="split the template, or raise `max-file-size` in the configuration",
        )]
    # positions are counted after a byte-order mark, as the YAML parser counts them
    body = data[len(BOM_UTF8):] if data.startswith(BOM_UTF8) else data
    if b"\x00" in body:
        offset = body.index(b"\x00")
        line, col = _offset_position(body, offset)
        return None, [_finding(
            NOT_TEXT, "file is binary (contains a NUL byte), not a YAML template",
            path, line, col, hint="check the path: templates are UTF-8 text files",
        )]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _offset_position(body, exc.start)
        return None, [_finding(
            NOT_TEXT, f"file is not valid UTF-8 (byte 0x{body[exc.start]:02x})",
            path, line, col, hint="save the file as UTF-8",
        )]
    return text, []


def _offset_position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters, like the parser's) of byte ``offset``."""
    before = data[:offset].decode("utf-8", errors="replace")
    lines = before.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return len(lines), len(lines[-1]) + 1


def parse_text(path: str, text: str) -> tuple[ParsedDocument | None, list[Finding]]:
    """Parse template text with strictyaml; return the document or findings."""
    import strictyaml
    from strictyaml.ruamel.error import MarkedYAMLError
    from strictyaml.ruamel.reader import ReaderError

    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        return None, [_finding(
            EMPTY_FILE, "template is empty", path,
            hint="a template starts with `template:`, `title:`, `version:` and `stages:`",
        )]
    if _fast_enabled():
        from sopframe.core.fastyaml import parse_fast

        fast = parse_fast(text, path)
        if fast is not None:  # otherwise strictyaml's loader decides, and words any refusal
            parsed = ParsedDocument(file=path, text=text, data=fast[0], sha256=sha)
            parsed.keys, parsed.values = fast[1], fast[2]
            return parsed, []
    try:
        root = _strict_load(text, path)
    except strictyaml.exceptions.DisallowedToken as exc:
        line, col = _mark(exc)
        return None, [_finding(YAML_DISALLOWED, _disallowed_message(exc), path,
                               line, col, hint=_disallowed_hint(exc))]
    except MarkedYAMLError as exc:
        return None, [_syntax_finding(path, text, exc)]
    except strictyaml.exceptions.StrictYAMLError as exc:  # pragma: no cover - defensive
        return None, [_finding(YAML_SYNTAX, f"YAML error: {exc}", path)]
    except RecursionError:
        return None, [_too_deep(path, _first_too_deep(text, path))]
    except ReaderError as exc:  # a control or other character YAML does not allow
        return None, [_bad_character(path, text, exc)]
    except (NotImplementedError, AssertionError):
        # strictyaml's reader gives up on some rare comment and key layouts
        # (strictyaml.load fails on them the same way): refuse, with advice
        return None, [_finding(YAML_SYNTAX, "YAML layout strictyaml cannot read (a comment or key in an unusual place)",
                               path, hint="move comments onto lines of their own and write keys as plain text")]
    parsed = ParsedDocument(file=path, text=text, data=None, sha256=sha)
    try:
        parsed.data = _plain(parsed, root, ()) if isinstance(root, (dict, list)) else text
    except _ComplexKey as exc:
        return None, [_finding(YAML_DISALLOWED, "keys must be plain text, not lists or mappings",
                               path, exc.line, exc.col, hint="write the key as text: `name: value`")]
    return parsed, []


class _ComplexKey(Exception):
    def __init__(self, line: int, col: int) -> None:
        super().__init__(line, col)
        self.line, self.col = line, col


def _fast_enabled() -> bool:
    """Read with libyaml (sopframe.core.fastyaml) unless unavailable or SOPFRAME_PURE_YAML=1."""
    global _FAST_AVAILABLE
    if os.environ.get("SOPFRAME_PURE_YAML", "") not in ("", "0"):
        return False
    if _FAST_AVAILABLE is None:
        from sopframe.core.fastyaml import available

        _FAST_AVAILABLE = available()
    return _FAST_AVAILABLE


_FAST_AVAILABLE: bool | None = None


def _strict_load(text: str, label: str) -> Any:
    """strictyaml's own loader, without its slow schema pass.

    ``strictyaml.load(text, Any())`` runs this loader (which refuses flow
    style, anchors, aliases, tags and duplicate keys) and then validates the
    result against a schema built from the document itself, which can never
    fail but costs time growing with the square of the document's size.  The
    acceptance of both is the same; tests/core/test_strictyaml_parity.py
    checks it over a corpus.
    """
    from strictyaml import ruamel as ruamelyaml
    from strictyaml.parser import StrictYAMLLoader

    loader = type("SopframeStrictLoader", (StrictYAMLLoader,), {"label": label, "allow_flow_style": False})
    return ruamelyaml.load(text, Loader=loader)


def _mark(exc: Any) -> tuple[int, int]:
    marks = [m for m in (getattr(exc, "context_mark", None), getattr(exc, "problem_mark", None)) if m is not None]
    if not marks:
        return 1, 1
    # strictyaml reports the offending token with one mark or the other
    # depending on the error; the earliest is where the token starts.
    m = min(marks, key=lambda m: (m.line, m.column))
    return m.line + 1, m.column + 1


def _disallowed_message(exc: Any) -> str:
    import strictyaml.exceptions as sx

    name = type(exc).__name__
    if isinstance(exc, sx.DuplicateKeysDisallowed):
        return str(getattr(exc, "problem", "duplicate key")).replace("found", "").strip() + " (keys must be unique)"
    return {
        "FlowMappingDisallowed": "flow style ({...} or [...]) is not allowed",
        "AnchorTokenDisallowed": "anchors and aliases (&name, *name) are not allowed",
        "TagTokenDisallowed": "YAML tags (!!type) are not allowed",
    }.get(name, str(getattr(exc, "problem", name)))


def _disallowed_hint(exc: Any) -> str:
    import strictyaml.exceptions as sx

    if isinstance(exc, sx.DuplicateKeysDisallowed):
        return "remove or rename one of the two keys"
    if isinstance(exc, sx.FlowMappingDisallowed):
        return "write the mapping or list in block style, one item per line; quote text that starts with { or ["
    if isinstance(exc, sx.AnchorTokenDisallowed):
        return "write the value out in full; quote text that starts with & or *"
    if isinstance(exc, sx.TagTokenDisallowed):
        return "remove the tag: field types are declared with `type:`, not in YAML"
    return "check the indentation and `key: value` layout of this line and the one above"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _line_above(lines: list[str], line: int) -> str | None:
    """The nearest line above ``line`` (1-based) holding more than a comment."""
    for above in reversed(lines[: line - 1]):
        if above.strip() and not above.lstrip().startswith("#"):
            return above
    return None


def _syntax_finding(path: str, text: str, exc: Any) -> Finding:
    """A YAML syntax error in our own words, at the line to fix, with the fix that usually applies."""
    problem = str(getattr(exc, "problem", None) or str(exc).splitlines()[0])
    line, col = _mark(exc)
    mark = getattr(exc, "problem_mark", None)
    if mark is not None and problem.startswith("expected <block end>"):
        line, col = mark.line + 1, mark.column + 1  # the line that broke the mapping, not where it began
    lines = text.splitlines()
    here = lines[line - 1] if 1 <= line <= len(lines) else ""
    above = _line_above(lines, line)
    if "'\\t'" in problem or "\t" in problem:
        tab = here.find("\t")
        return _finding(YAML_SYNTAX, "a tab character: YAML indents with spaces only", path, line,
                        tab + 1 if tab >= 0 else col, hint="replace the tab with spaces")
    if problem.startswith("mapping values are not allowed"):
        key = here.strip().split(":", 1)[0]
        if above is not None and _indent(here) > _indent(above) and not above.rstrip().endswith(":"):
            return _finding(YAML_SYNTAX, f"line {line} is indented more than the line above it, which holds a value, not a mapping",
                            path, line, _indent(here) + 1,
                            hint=f"indent `{key}:` like the key above it ({_indent(above)} spaces)")
        value = here.split(":", 1)[1].strip() if ":" in here else ""
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')
        if len(quoted) > 60 or len(key) > 40:  # the line is already shown above the hint
            key, quoted = key[:40], "..."
        return _finding(YAML_SYNTAX, f"the value of '{key}' holds `: `, which YAML reads as another key",
                        path, line, col, hint=f'quote the value: {key}: "{quoted}"')
    if problem.startswith("expected <block end>") or "block mapping" in problem:
        return _finding(YAML_SYNTAX, f"line {line} is indented like no key around it (its indentation does not match "
                        "the mapping it belongs to)", path, line, _indent(here) + 1,
                        hint="indent it exactly like the keys beside it, e.g. a stage like the other stages")
    return _finding(YAML_SYNTAX, f"YAML syntax error: {problem}", path, line, col,
                    hint="check the indentation (spaces, not tabs) and the `key: value` layout")


def _plain(parsed: ParsedDocument, node: Any, path: Path_) -> Any:
    """Plain dicts, lists and strings from the ruamel nodes, recording positions."""
    if isinstance(node, dict):
        lc = node.lc  # type: ignore[attr-defined]  # the loader's nodes are ruamel's, which record positions
        out: dict[str, Any] = {}
        for key, value in node.items():
            kl, kc = lc.key(key)
            if not isinstance(key, str):  # `? - a` makes a list a key; strictyaml refuses it too
                raise _ComplexKey(kl + 1, kc + 1)
            k = key
            child = (*path, k)
            vl, vc = lc.value(key)
            parsed.keys[child] = Location(parsed.file, kl + 1, kc + 1)
            parsed.values[child] = Location(parsed.file, vl + 1, vc + 1)
            out[k] = _plain(parsed, value, child)
        return out
    if isinstance(node, list):
        lc = node.lc  # type: ignore[attr-defined]
        items = []
        for i, item in enumerate(node):
            child = (*path, i)
            il, ic = lc.item(i)
            parsed.keys[child] = parsed.values[child] = Location(parsed.file, il + 1, ic + 1)
            items.append(_plain(parsed, item, child))
        return items
    return "" if node is None else str(node)


def _bad_character(path: str, text: str, exc: Any) -> Finding:
    char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
    index = exc.position
    if not (isinstance(index, int) and 0 <= index < len(text) and ord(text[index]) == char):
        index = max(text.find(chr(char)), 0)
    before = text[:index].replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return _finding(NOT_TEXT, f"file contains the character U+{char:04X}, which YAML does not allow in a template",
                    path, len(before), len(before[-1]) + 1,
                    hint="remove it; control characters can only be written as escapes in double-quoted text")


#: Mappings and lists nested deeper than this are refused (SOP006): about 15
#: levels of splits within splits, far beyond any real procedure, and well
#: within what the recursive YAML reader and the checks after it can handle.
MAX_NESTING = 64


def _too_deep(path: str, loc: Location | None) -> Finding:
    return _finding(NESTING_TOO_DEEP, f"mappings and lists are nested more than {MAX_NESTING} levels deep here; "
                    f"the limit is {MAX_NESTING} levels", path,
                    loc.line if loc else 1, loc.col if loc else 1,
                    hint="flatten the template: deeply nested splits belong in separate templates")


def _first_too_deep(text: str, label: str) -> Location | None:
    """Where the first mapping or list nested deeper than :data:`MAX_NESTING` starts.

    Reads parser events, which needs no recursion, so it works on documents
    too deep for the recursive reader.
    """
    from strictyaml import ruamel as ruamelyaml
    from strictyaml.parser import StrictYAMLLoader
    from strictyaml.ruamel.events import CollectionEndEvent, CollectionStartEvent

    loader = type("SopframeStrictLoader", (StrictYAMLLoader,), {"label": label, "allow_flow_style": False})
    depth = 0
    try:
        for event in ruamelyaml.parse(text, Loader=loader):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    mark = event.start_mark
                    return Location(label, mark.line + 1, mark.column + 1)
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except Exception:  # a syntax error further on: the depth found so far is all there is
        return None
    return None


def nesting_findings(doc: ParsedDocument) -> list[Finding]:
    """SOP006 if ``doc`` nests mappings and lists deeper than :data:`MAX_NESTING`."""
    # a value at a path of length n is inside n mappings and lists
    too_deep = {p[:-1] for p in doc.values if len(p) == MAX_NESTING + 1}
    if not too_deep:
        return []
    first = min(too_deep, key=lambda p: (doc.value_at(p).line, doc.value_at(p).col))
    return [_too_deep(doc.file, doc.value_at(first))]


def iter_paths(data: Any, path: Path_ = ()) -> Iterator[Path_]:
    """Every path in a plain-data tree (used by tests and tools)."""
    yield path
    if isinstance(data, dict):
        for k, v in data.items():
            yield from iter_paths(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from iter_paths(v, (*path, i))

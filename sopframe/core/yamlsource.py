"""Reading a template file: size limit, encoding, strictyaml, and positions.

strictyaml decides which YAML is accepted (block style only, no implicit
typing; duplicate keys, anchors, aliases, flow style and tags are refused).
Its own line numbers drift with comments and carry no column, so positions
are taken from the parser's marks: the ruamel nodes strictyaml builds record
the exact line and column of every key, value and list item.
"""

from __future__ import annotations

import hashlib
from codecs import BOM_UTF8
from dataclasses import dataclass, field
from typing import Any, Iterator, Union

from sopframe.core.diagnostics import Finding, Location, Severity

__all__ = ["ParsedDocument", "parse_text", "read_source", "DEFAULT_MAX_BYTES", "Path_"]

#: Templates larger than this are refused (configurable with ``max-file-size``).
DEFAULT_MAX_BYTES = 1024 * 1024

Path_ = tuple[Union[str, int], ...]


def _finding(code: str, slug: str, message: str, file: str, line: int = 1, col: int = 1,
             hint: str = "") -> Finding:
    return Finding(code=code, slug=slug, severity=Severity.ERROR, message=message,
                   file=file, line=line, col=col, hint=hint)


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
        """Where the value at ``path`` was written; falls back upward."""
        return self._lookup(self.values, path)

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
            "SOP005", "file-too-large",
            f"file is {len(data):,} bytes, over the limit of {max_bytes:,} bytes",
            path, hint="split the template, or raise `max-file-size` in the configuration",
        )]
    # positions are counted after a byte-order mark, as the YAML parser counts them
    body = data[len(BOM_UTF8):] if data.startswith(BOM_UTF8) else data
    if b"\x00" in body:
        offset = body.index(b"\x00")
        line, col = _offset_position(body, offset)
        return None, [_finding(
            "SOP004", "not-text", "file is binary (contains a NUL byte), not a YAML template",
            path, line, col, hint="check the path: templates are UTF-8 text files",
        )]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _offset_position(body, exc.start)
        return None, [_finding(
            "SOP004", "not-text", f"file is not valid UTF-8 (byte 0x{body[exc.start]:02x})",
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

    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        return None, [_finding(
            "SOP003", "empty-file", "template is empty", path,
            hint="a template starts with `template:`, `title:`, `version:` and `stages:`",
        )]
    try:
        root = _strict_load(text, path)
    except strictyaml.exceptions.DisallowedToken as exc:
        line, col = _mark(exc)
        return None, [_finding("SOP002", "yaml-disallowed", _disallowed_message(exc), path,
                               line, col, hint=_disallowed_hint(exc))]
    except MarkedYAMLError as exc:
        line, col = _mark(exc)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [_finding("SOP001", "yaml-syntax", f"YAML syntax error: {problem}",
                               path, line, col,
                               hint="check indentation (spaces, not tabs) and `key: value` layout")]
    except strictyaml.exceptions.StrictYAMLError as exc:  # pragma: no cover - defensive
        return None, [_finding("SOP001", "yaml-syntax", f"YAML error: {exc}", path)]
    except RecursionError:
        return None, [_finding("SOP001", "yaml-syntax", "the document is nested too deeply to read", path,
                               hint="flatten the template: deeply nested splits belong in separate templates")]
    parsed = ParsedDocument(file=path, text=text, data=None, sha256=sha)
    parsed.data = _plain(parsed, root, ()) if isinstance(root, (dict, list)) else text
    return parsed, []


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
    return "remove the tag: field types are declared with `type:`, not in YAML"


def _plain(parsed: ParsedDocument, node: Any, path: Path_) -> Any:
    """Plain dicts, lists and strings from the ruamel nodes, recording positions."""
    if isinstance(node, dict):
        lc = node.lc
        out: dict[str, Any] = {}
        for key, value in node.items():
            k = str(key)
            child = (*path, k)
            kl, kc = lc.key(key)
            vl, vc = lc.value(key)
            parsed.keys[child] = Location(parsed.file, kl + 1, kc + 1)
            parsed.values[child] = Location(parsed.file, vl + 1, vc + 1)
            out[k] = _plain(parsed, value, child)
        return out
    if isinstance(node, list):
        lc = node.lc
        items = []
        for i, item in enumerate(node):
            child = (*path, i)
            il, ic = lc.item(i)
            parsed.keys[child] = parsed.values[child] = Location(parsed.file, il + 1, ic + 1)
            items.append(_plain(parsed, item, child))
        return items
    return "" if node is None else str(node)


def iter_paths(data: Any, path: Path_ = ()) -> Iterator[Path_]:
    """Every path in a plain-data tree (used by tests and tools)."""
    yield path
    if isinstance(data, dict):
        for k, v in data.items():
            yield from iter_paths(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from iter_paths(v, (*path, i))

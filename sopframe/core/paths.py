"""Which files a run validates: template files named, and those below directories."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from sopframe.errors import UsageError

__all__ = ["DEFAULT_MAX_BYTES", "TEMPLATE_SUFFIXES", "collect_paths", "looks_like_template"]

TEMPLATE_SUFFIXES = (".yaml", ".yml")
#: Templates larger than this are refused (configurable with ``max-file-size``).
DEFAULT_MAX_BYTES = 1024 * 1024


def collect_paths(paths: Iterable[str]) -> list[str]:
    """Expand directories recursively to their template files; sorted, deduplicated.

    Names starting with a dot (and everything below such a directory) are
    skipped; linked directories are not followed.  A link that does not
    resolve (its target is missing, or a loop) is kept, to be reported as
    unreadable.  Paths are spelled as :mod:`pathlib` spells them.
    """
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            out.extend(sorted(_templates_below(_spelled(p))))
        elif os.path.isfile(p):
            out.append(_spelled(p))
        elif os.path.islink(p):
            raise UsageError(f"path {p!r} is a symbolic link that does not resolve (its target is missing, "
                             "or the link is part of a loop)", hint="give template files or directories")
        else:
            raise UsageError(f"path {p!r} does not exist", hint="give template files or directories")
    return list(dict.fromkeys(out))


def _templates_below(top: str) -> Iterator[str]:
    for here, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(here, name)
            if name.startswith(".") or path.suffix not in TEMPLATE_SUFFIXES:
                continue
            if path.is_file() or (path.is_symlink() and not path.exists()):
                yield str(path)


def _spelled(path: str) -> str:
    """``path`` as :mod:`pathlib` spells it (no empty or ``.`` parts, no trailing separator)."""
    return str(Path(path))


#: top-level keys only a template has; a YAML file with neither is some other tool's file
_TEMPLATE_KEYS = ("template", "stages")
#: how much of a file the NUL pattern of UTF-16 and UTF-32 without a byte order mark is judged on
_SNIFF_BYTES = 4096


def looks_like_template(path: str) -> bool:
    """Whether a YAML file could be a template: one of its top-level lines is a ``template:`` or
    ``stages:`` key (quoted or not), or its first line of content is, however indented.

    Read without parsing, so a template with a syntax error still counts, and in every encoding it
    could be in: UTF-8 (bytes that do not decode are passed over), UTF-16 or UTF-32 by byte order mark
    or by the pattern of NUL bytes, and the bytes as they are after a stray mark.  An unreadable file
    counts too (validation reports it).  A pre-commit configuration, a CI workflow or a compose file has
    neither key and does not."""
    import re

    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return True
    keys = "|".join(_TEMPLATE_KEYS)
    key = rf"[\"']?(?:{keys})[\"']?[ \t]*:"
    top = re.compile(rf"^\ufeff?{key}", flags=re.M)
    first = re.compile(rf"\A(?:[ \t]*(?:#[^\n]*|---[ \t]*|%[^\n]*)?\r?\n)*[ \t]*{key}")
    for text in _decodings(data):
        text = text.lstrip("\ufeff")
        if top.search(text) or first.match(text):
            return True
    return False


def _decodings(data: bytes) -> list[str]:
    """The texts ``data`` could be: as UTF-8 (a byte order mark of any encoding dropped), and as UTF-16
    or UTF-32 when a byte order mark or the NUL bytes say so.  Bytes that do not decode are replaced."""
    boms = {b"\xff\xfe\x00\x00": "utf-32-le", b"\x00\x00\xfe\xff": "utf-32-be",
            b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be", b"\xef\xbb\xbf": "utf-8"}
    rest, wide = data, None
    for bom, encoding in boms.items():
        if data.startswith(bom):
            rest, wide = data[len(bom):], encoding
            break
    head = rest[:_SNIFF_BYTES]
    if wide is None and head.count(0) * 4 >= len(head) > 0:
        quads = [head[i::4].count(0) for i in range(4)]
        pairs = [head[0::2].count(0), head[1::2].count(0)]
        if quads[1] and quads[2] and quads[3] and not quads[0]:
            wide = "utf-32-le"
        elif quads[0] and quads[1] and quads[2] and not quads[3]:
            wide = "utf-32-be"
        else:
            wide = "utf-16-le" if pairs[1] > pairs[0] else "utf-16-be"
    texts = [rest.replace(b"\x00", b"").decode("utf-8", errors="replace")]
    if wide and wide != "utf-8":
        texts.insert(0, rest[:len(rest) - len(rest) % (4 if "32" in wide else 2)].decode(wide, errors="replace"))
    return texts

"""Pinned templates kept compiled, so a job command does not parse YAML again.

A job is pinned to its template's text by SHA-256; every command needs the
compiled :class:`~sopframe.core.model.Template`.  Parsing the text again
means importing the YAML readers (libyaml, strictyaml) and the builder in
every process.  :class:`CompiledTemplates` keeps each compiled template as
JSON in the cache directory, keyed by the text's SHA-256 and a digest of the
sources of :mod:`sopframe.core` (the code that compiles it), so an edit to
the model, the readers or the builder makes every entry stale at once.

The JSON is decoded by :func:`decode`, which rebuilds only the model's own
classes (never arbitrary objects), and each entry carries a checksum of its
payload; an entry that is damaged, stale or unreadable is ignored and the
text compiled again.  Trust the cache directory as you trust the code you
run; deleting it only costs speed.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sopframe.core import model
from sopframe.core.cache import read_checked, source_digest, write_checked
from sopframe.core.location import Location

__all__ = ["CompiledTemplates", "encode", "decode", "FORMAT"]

FORMAT = 1
_CLASSES: dict[str, type] = {cls.__name__: cls for cls in (
    model.Role, model.FieldDef, model.Signoff, model.Condition, model.Routing, model.Sla, model.SubJob,
    model.Stage, model.Publishes, model.Acknowledgement, model.ReviewTrigger, model.NotifyRule, model.Template)}


def encode(value: Any) -> Any:
    """A model value as JSON data that :func:`decode` turns back into an equal value."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Location):
        return {"@L": [value.file, value.line, value.col]}
    if type(value).__name__ in _CLASSES and dataclasses.is_dataclass(value):
        return {"@c": type(value).__name__,
                "f": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, (MappingProxyType, dict)):
        return {"@m" if isinstance(value, MappingProxyType) else "@d": {str(k): encode(v) for k, v in value.items()}}
    if isinstance(value, tuple):
        return {"@t": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    raise TypeError(f"cannot keep a {type(value).__name__} in a compiled template")


def decode(data: Any) -> Any:
    """The value :func:`encode` made; anything else raises :class:`ValueError`."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict) or len(data) not in (1, 2):
        raise ValueError("not a compiled template value")
    if "@c" in data:
        cls = _CLASSES.get(data["@c"])
        if cls is None or not isinstance(data.get("f"), dict):
            raise ValueError(f"unknown class {data['@c']!r}")
        return cls(**{k: decode(v) for k, v in data["f"].items()})
    (tag, body), = data.items()
    if tag == "@L":
        file, line, col = body
        return Location(str(file), int(line), int(col))
    if tag in ("@m", "@d") and isinstance(body, dict):
        items = {k: decode(v) for k, v in body.items()}
        return MappingProxyType(items) if tag == "@m" else items
    if tag == "@t" and isinstance(body, list):
        return tuple(decode(v) for v in body)
    raise ValueError(f"unknown tag {tag!r}")


class CompiledTemplates:
    """Compiled templates by SHA-256 of their text, in a directory (see the module's docstring)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = os.fspath(directory)
        self._code: str | None = None

    @property
    def code(self) -> str:
        """A digest of the sources that compile a template (computed once)."""
        if self._code is None:
            self._code = source_digest([Path(__file__).resolve().parent])
        return self._code

    def _path(self, sha256: str) -> str:
        return os.path.join(self.directory, f"templates-v{FORMAT}", sha256[:2], f"{sha256}.json")

    def get(self, sha256: str) -> "model.Template | None":
        """The compiled template kept for this text hash by this code, or None."""
        data = read_checked(self._path(sha256), "template", text=sha256, code=self.code)
        if data is None:
            return None
        try:
            template = decode(data)
        except (ValueError, TypeError, KeyError):
            return None
        return template if isinstance(template, model.Template) and template.sha256 == sha256 else None

    def put(self, sha256: str, template: "model.Template") -> None:
        """Keep a compiled template (a directory that cannot be written only costs speed)."""
        try:
            data = encode(template)
        except TypeError:
            return  # a plugin's extra data JSON cannot hold: compiled again next time
        write_checked(self.directory, self._path(sha256), "template", data, text=sha256, code=self.code)

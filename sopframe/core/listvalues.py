"""List fields: items written on the command line, in JSON or in CSV, checked column by column.

A ``list`` field holds records whose ``columns`` are typed like fields.  An
item is a mapping of column -> value; each is converted and checked with the
column's type and constraints (:func:`sopframe.core.values.coerce`).  Errors
name the item by its position (1-based) and, when the list has a ``key``
column, by its key: ``item 2 (F2): column 'cvss': expected a number``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Mapping

from sopframe.core.model import FieldDef
from sopframe.core.values import coerce

__all__ = ["ItemError", "parse_item", "items_from_json", "items_from_csv", "check_items", "KEY_PATTERN",
           "item_key"]

#: a key column's values become part of sub-job ids and stage nodes
KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ItemError(ValueError):
    """One item of a list value is wrong: ``where`` names it (``item 2 (F2)``)."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where


def parse_item(text: str) -> dict[str, str]:
    """``id=F1,severity=high,title="a, b"`` -> a mapping (values may be quoted to hold commas)."""
    import csv  # the readers on use: a job command that enters no items imports none

    try:
        parts = next(csv.reader([text], skipinitialspace=True), [])
    except csv.Error as exc:
        raise ItemError("", f"cannot read the item: {exc}") from None
    out: dict[str, str] = {}
    for part in parts:
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise ItemError("", f"{part!r} is not COLUMN=VALUE")
        out[name.strip()] = value
    if not out:
        raise ItemError("", "an empty item: give COLUMN=VALUE,COLUMN=VALUE")
    return out


def items_from_json(text: str) -> list[dict[str, Any]]:
    """A JSON array of objects (one per item)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ItemError("", f"not valid JSON: {exc}") from None
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise ItemError("", "expected a JSON array of objects, one per item")
    return [dict(x) for x in data]


def items_from_csv(text: str) -> list[dict[str, str]]:
    """A CSV table with a header row of column names; one item per row (empty cells are left out)."""
    import csv
    import io

    try:
        rows = list(csv.DictReader(io.StringIO(text)))
    except csv.Error as exc:
        raise ItemError("", f"cannot read the CSV: {exc}") from None
    out = []
    for i, row in enumerate(rows, 1):
        if None in row:
            raise ItemError(f"row {i + 1}", "more cells than the header has columns")
        out.append({k.strip(): v for k, v in row.items() if k is not None and v not in (None, "")})
    return out


def item_key(f: FieldDef, item: Mapping[str, Any], position: int) -> str:
    """What names an item: its key column's value, else its position (1-based)."""
    return str(item.get(f.key)) if f.key else str(position)


def _where(f: FieldDef, item: Mapping[str, Any], position: int) -> str:
    key = item.get(f.key) if f.key else None
    return f"item {position}" + (f" ({key})" if key not in (None, "") else "")


def check_items(f: FieldDef, items: Iterable[Mapping[str, Any]], to_json: Any = None) -> list[dict[str, Any]]:
    """Every item converted and checked; raises :class:`ItemError` naming the first bad item."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, item in enumerate(items, 1):
        where = _where(f, item, position)
        if not isinstance(item, Mapping):
            raise ItemError(where, "an item is a mapping of column to value")
        unknown = [c for c in item if c not in f.columns]
        if unknown:
            raise ItemError(where, f"unknown column {str(unknown[0])!r}; columns: {', '.join(f.columns)}")
        record: dict[str, Any] = {}
        for cid, col in f.columns.items():
            raw = item.get(cid)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                if col.required or cid == f.key:
                    raise ItemError(where, f"column {cid!r} is required")
                continue
            if isinstance(raw, (dict, list)):
                raise ItemError(where, f"column {cid!r}: expected a single value")
            try:
                value = coerce(col, raw)
            except ValueError as exc:
                raise ItemError(where, f"column {cid!r}: {exc}") from None
            record[cid] = to_json(value) if to_json else value
        if f.key:
            key = str(record[f.key])
            if not KEY_PATTERN.match(key):
                raise ItemError(where, f"key {key!r} must be letters, digits, '.', '_' or '-' (at most 64)")
            if key in seen:
                raise ItemError(where, f"key {key!r} is used by an earlier item")
            seen.add(key)
        out.append(record)
    return out

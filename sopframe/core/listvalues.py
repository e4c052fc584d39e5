"""List fields: items written on the command line, in JSON or in CSV, checked column by column.

A ``list`` field holds records whose ``columns`` are typed like fields.  An
item is a mapping of column -> value; each is converted and checked with the
column's type and constraints (:func:`sopframe.core.values.coerce`).  Errors
name the item by its position (1-based) and, when the list has a ``key``
column, by its key: ``item 2 (F2): column 'cvss': expected a number``.
An item read with a column given twice (``id=a,id=b``, a CSV header or a JSON
object naming it twice) remembers it, and is refused when checked: the last
value silently winning would drop what was written.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Mapping

from sopframe.core.model import FieldDef
from sopframe.core.values import coerce, input_problem

__all__ = ["ItemError", "Item", "item_from_pairs", "parse_item", "items_from_json", "items_from_csv",
           "check_items", "KEY_PATTERN", "item_key"]

#: a key column's values become part of sub-job ids and stage nodes
KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ItemError(ValueError):
    """One item of a list value is wrong: ``where`` names it (``item 2 (F2)``)."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where


class Item(dict[str, Any]):
    """An item as it was read: column -> value, with ``repeated``, the columns it gave more than once."""

    repeated: tuple[str, ...] = ()


def item_from_pairs(pairs: Iterable[tuple[str, Any]]) -> Item:
    """An :class:`Item` from (column, value) pairs in the order read, remembering repeated columns
    (the ``object_pairs_hook`` of JSON items)."""
    item = Item()
    repeated: list[str] = []
    for name, value in pairs:
        if name in item and name not in repeated:
            repeated.append(name)
        item[name] = value
    item.repeated = tuple(repeated)
    return item


def parse_item(text: str) -> dict[str, str]:
    """``id=F1,severity=high,title="a, b"`` -> a mapping (values may be quoted to hold commas)."""
    import csv  # the readers on use: a job command that enters no items imports none

    try:
        parts = next(csv.reader([text], skipinitialspace=True), [])
    except csv.Error as exc:
        raise ItemError("", f"cannot read the item: {exc}") from None
    pairs: list[tuple[str, str]] = []
    for part in parts:
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise ItemError("", f"{part!r} is not COLUMN=VALUE")
        pairs.append((name.strip(), value))
    out = item_from_pairs(pairs)
    if not out:
        raise ItemError("", "an empty item: give COLUMN=VALUE,COLUMN=VALUE")
    return out


def items_from_json(text: str) -> list[dict[str, Any]]:
    """A JSON array of objects (one per item)."""
    try:
        data = json.loads(text, object_pairs_hook=item_from_pairs)
    except ValueError as exc:
        raise ItemError("", f"not valid JSON: {exc}") from None
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise ItemError("", "expected a JSON array of objects, one per item")
    return list(data)


def items_from_csv(text: str) -> list[dict[str, str]]:
    """A CSV table with a header row of column names; one item per row (empty cells are left out)."""
    import csv
    import io

    try:
        rows = [row for row in csv.reader(io.StringIO(text)) if row]
    except csv.Error as exc:
        raise ItemError("", f"cannot read the CSV: {exc}") from None
    if not rows:
        return []
    header = [name.strip() for name in rows[0]]
    repeated = item_from_pairs((name, "") for name in header).repeated  # a column the header names twice
    out: list[dict[str, str]] = []
    for i, row in enumerate(rows[1:], 1):
        if len(row) > len(header):
            raise ItemError(f"row {i + 1}", "more cells than the header has columns")
        item = item_from_pairs((name, v) for name, v in zip(header, row) if v != "")
        item.repeated = repeated
        out.append(item)
    return out


def item_key(f: FieldDef, item: Mapping[str, Any], position: int) -> str:
    """What names an item: its key column's value, else its position (1-based)."""
    return str(item.get(f.key)) if f.key else str(position)


def _where(f: FieldDef, item: Mapping[str, Any], position: int) -> str:
    key = item.get(f.key) if f.key else None
    return f"item {position}" + (f" ({key})" if key not in (None, "") else "")


def check_items(f: FieldDef, items: Iterable[Mapping[str, Any]], to_json: Any = None,
                today: str | None = None) -> list[dict[str, Any]]:
    """Every item converted and checked; raises :class:`ItemError` naming the first bad item.

    With ``today`` (YYYY-MM-DD), a date column's value ``today`` is that date, as for a date field.
    """
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, item in enumerate(items, 1):
        if not isinstance(item, Mapping):
            raise ItemError(f"item {position}", f"expected an object with the columns {', '.join(f.columns)}")
        repeated = getattr(item, "repeated", ())
        where = f"item {position}" if f.key in repeated else _where(f, item, position)
        if repeated:
            raise ItemError(where, f"column {str(repeated[0])!r} is given more than once")
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
            problem = input_problem(col.type, raw)
            if problem:
                raise ItemError(where, f"column {cid!r}: {problem}")
            if today and col.type == "date" and isinstance(raw, str) and raw.strip().lower() == "today":
                raw = today
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

"""Items for list fields from the command line: ``--add FIELD ITEM`` and ``--items FIELD=FILE`` (JSON or CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sopframe.core.listvalues import ItemError, items_from_csv, items_from_json, parse_item
from sopframe.core.safetext import escape
from sopframe.errors import UsageError

__all__ = ["items_to_add", "MAX_ITEMS_FILE"]

#: a file of items larger than this is refused before it is read
MAX_ITEMS_FILE = 16 * 1024 * 1024


def items_to_add(adds: tuple[tuple[str, str], ...], files: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    """Field -> the items to append, in the order given (``--add`` first, then ``--items`` files)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for i, (field, text) in enumerate(adds, 1):
        try:
            out.setdefault(field.strip(), []).append(parse_item(text))
        except ItemError as exc:
            raise UsageError(f"--add {escape(field)} (item {i}): {escape(str(exc))}",
                             hint="give COLUMN=VALUE,COLUMN=VALUE; quote a value that holds a comma") from None
    for spec in files:
        field, sep, name = spec.partition("=")
        if not sep or not field.strip() or not name:
            raise UsageError(f"--items {escape(spec)!r} is not FIELD=FILE", hint="e.g. --items findings=scan.csv")
        out.setdefault(field.strip(), []).extend(_read(name))
    return out


def _read(name: str) -> list[dict[str, Any]]:
    path = Path(name)
    kind = path.suffix.lower()
    if kind not in (".json", ".csv"):
        raise UsageError(f"--items {escape(name)}: give a .json or .csv file")
    try:
        if path.stat().st_size > MAX_ITEMS_FILE:
            raise UsageError(f"--items {escape(name)}: larger than {MAX_ITEMS_FILE} bytes")
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--items {escape(name)}: cannot read it ({escape(type(exc).__name__)})") from None
    try:
        return items_from_json(text) if kind == ".json" else items_from_csv(text)
    except ItemError as exc:
        raise UsageError(f"--items {escape(name)}: {escape(str(exc))}") from None

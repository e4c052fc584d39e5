"""Typed field values: turning text into a field's type and checking constraints.

Shared by the template rules (is a gate value possible for this field?) and
the job engine (is what the user entered valid?).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any

from sopframe.core.durations import Duration, parse_duration
from sopframe.core.model import FieldDef

__all__ = ["coerce", "check_constraints", "convert", "input_problem", "BOOL_TRUE", "BOOL_FALSE"]

BOOL_TRUE = frozenset({"yes", "true", "on", "y", "1"})
BOOL_FALSE = frozenset({"no", "false", "off", "n", "0"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^\s]+$")
_INT = re.compile(r"^[+-]?[0-9]+$")
# the forms the messages promise: Python's fromisoformat also reads week dates (2026-W01-1), basic forms
# (20260105) and digits of other scripts, which would be stored as something else than what was typed
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
                       r"(?:Z|[+-][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)?$")


#: what each field type takes besides a string, as a message names it
_EXPECTED = {"bool": "yes or no (a JSON boolean or string)", "integer": "a whole number (a JSON number or string)",
             "number": "a number (a JSON number or string)",
             "multichoice": "the choices (a JSON array of strings, or one string with the choices comma-separated)"}


def _json_kind(raw: Any) -> str:
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "a boolean"
    if isinstance(raw, (int, float)):
        return "a number"
    if isinstance(raw, dict):
        return "an object"
    if isinstance(raw, (list, tuple)):
        return "an array"
    return f"a {type(raw).__name__}"


def input_problem(ftype: str, raw: Any) -> str | None:
    """Why ``raw``, as an API or a program gives it, is of a kind a ``ftype`` field does not take; else None.

    A string suits every type (it is converted and checked after this).  Only a bool field takes a boolean,
    only integer and number fields take a number, only a multichoice field takes an array (of strings); no
    field takes null or an object.  Text fields take no number: 1.10 as a JSON number would be stored as 1.1.
    ``list`` fields (items of their own) are checked elsewhere.
    """
    if isinstance(raw, str):
        return None
    if isinstance(raw, bool):
        ok = ftype == "bool"
    elif isinstance(raw, (int, float)):
        ok = ftype in ("integer", "number")
    elif isinstance(raw, (list, tuple)):
        if ftype == "multichoice":
            if all(isinstance(item, str) for item in raw):
                return None
            odd = next(item for item in raw if not isinstance(item, str))
            return f"expected {_EXPECTED[ftype]}, got an array holding {_json_kind(odd)}"
        ok = False
    elif raw is None or isinstance(raw, dict):
        ok = False
    else:
        return None  # another Python object (a date from a program): converted from its text as before
    if ok:
        return None
    return f"expected {_EXPECTED.get(ftype, 'a string')}, got {_json_kind(raw)}"


def convert(ftype: str, raw: Any) -> Any:
    """Convert one value to ``ftype``; raise ``ValueError`` saying what was expected."""
    if isinstance(raw, bool) and ftype == "bool":
        return raw
    if isinstance(raw, (list, tuple)) and ftype == "multichoice":  # the choices one by one
        return tuple(str(p).strip() for p in raw if str(p).strip())
    text = raw if isinstance(raw, str) else str(raw)
    s = text.strip()
    if ftype in ("text", "longtext", "user", "file", "choice"):
        return text
    if ftype == "integer":
        if not _INT.match(s):
            raise ValueError(f"expected a whole number, got {text!r}")
        if len(s) > 4000:  # int() refuses thousands of digits with a message about Python's settings
            raise ValueError(f"expected a whole number of at most 4000 digits, got {len(s)} characters")
        return int(s)
    if ftype == "number":
        from decimal import Decimal, InvalidOperation  # imported by the first number, not by every command

        try:
            if not s.isascii():  # Decimal reads digits of every script (１２ as 12); integers do not
                raise InvalidOperation
            number = Decimal(s)
        except InvalidOperation:
            raise ValueError(f"expected a number, got {text!r}") from None
        if not number.is_finite():  # NaN and infinities cannot be compared or stored
            raise ValueError(f"expected a finite number, got {text!r}")
        return number
    if ftype == "bool":
        if s.lower() in BOOL_TRUE:
            return True
        if s.lower() in BOOL_FALSE:
            return False
        raise ValueError(f"expected yes or no, got {text!r}")
    if ftype == "date":
        try:
            if not _DATE.match(s):
                raise ValueError
            return date.fromisoformat(s)
        except ValueError:
            raise ValueError(f"expected a date as YYYY-MM-DD, got {text!r}") from None
    if ftype == "datetime":
        try:
            if not _DATETIME.match(s):
                raise ValueError
            when = datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"expected a date and time as YYYY-MM-DDTHH:MM[:SS][+00:00], got {text!r}") from None
        if when.tzinfo is not None:  # stored in UTC: an offset must not carry it past 0001-01-01 or 9999-12-31
            try:
                when.astimezone(timezone.utc)
            except OverflowError:
                raise ValueError(f"{text!r} is out of range: in UTC it falls before 0001-01-01 or after "
                                 "9999-12-31") from None
        return when
    if ftype == "duration":
        return parse_duration(s)
    if ftype == "url":
        if not _URL.match(s):
            raise ValueError(f"expected a URL such as https://example.org/doc, got {text!r}")
        return s
    if ftype == "email":
        if not _EMAIL.match(s):
            raise ValueError(f"expected an email address, got {text!r}")
        return s
    if ftype == "multichoice":
        return tuple(p.strip() for p in s.split(",") if p.strip())
    return text  # a plugin's type: kept as text


def check_constraints(f: FieldDef, value: Any) -> None:
    """Raise ``ValueError`` if ``value`` (already converted) breaks ``f``'s constraints."""
    if f.type in ("choice",) and f.options and value not in f.options:
        raise ValueError(f"{value!r} is not one of the options: {', '.join(f.options)}")
    if f.type == "multichoice" and f.options:
        bad = [v for v in value if v not in f.options]
        if bad:
            raise ValueError(f"{', '.join(map(repr, bad))} not among the options: {', '.join(f.options)}")
    if f.pattern and f.type in ("text", "longtext") and not re.fullmatch(f.pattern, value):
        raise ValueError(f"{value!r} does not match the pattern {f.pattern}")
    measured: Any = len(value) if f.type in ("text", "longtext") else value
    for bound, op in ((f.min, "min"), (f.max, "max")):
        if bound is None:
            continue
        limit = bound_value(f, bound)
        if f.type == "duration":
            measured, limit = value.approx_days(), limit.approx_days()
        if op == "min" and measured < limit:
            raise ValueError(f"{_what(f)} must be at least {bound}, got {_given(value)}")
        if op == "max" and measured > limit:
            raise ValueError(f"{_what(f)} must be at most {bound}, got {_given(value)}")


def _given(value: Any) -> str:
    """A converted value as a message shows it: text quoted, a number, date or duration as it is written
    (never Python's ``Decimal('11')`` or ``datetime.date(2026, 1, 5)``)."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def bound_value(f: FieldDef, bound: str) -> Any:
    """A ``min``/``max`` constraint converted for comparison with the field's values."""
    if f.type in ("text", "longtext"):
        length = convert("integer", bound)
        if length < 0:
            raise ValueError(f"a length cannot be negative, got {bound}")
        return length
    return convert(f.type, bound)


def _what(f: FieldDef) -> str:
    return "length" if f.type in ("text", "longtext") else "value"


def coerce(f: FieldDef, raw: Any) -> Any:
    """Convert and check a value for field ``f``."""
    value = convert(f.type, raw)
    check_constraints(f, value)
    return value


__all__ += ["bound_value", "Duration"]

"""Typed field values: conversion from text and field constraints."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from sopframe.core.durations import Duration
from sopframe.core.model import FieldDef
from sopframe.core.validate import validate_text
from sopframe.core.values import bound_value, check_constraints, coerce, convert, input_problem
from sopframe.pluginmanager import load_plugins


@pytest.mark.parametrize(
    ("ftype", "raw", "value"),
    [
        ("text", "  keep spaces ", "  keep spaces "),
        ("longtext", "line one\nline two", "line one\nline two"),
        ("user", "alice", "alice"),
        ("file", "report.pdf", "report.pdf"),
        ("choice", "pass", "pass"),
        ("integer", "42", 42),
        ("integer", " -7 ", -7),
        ("integer", "+3", 3),
        ("integer", 5, 5),  # a typed YAML value
        ("number", "3.14", Decimal("3.14")),
        ("number", "-2", Decimal("-2")),
        ("number", "1e3", Decimal("1000")),
        ("bool", "yes", True),
        ("bool", "No", False),
        ("bool", "TRUE", True),
        ("bool", "off", False),
        ("bool", "y", True),
        ("bool", "0", False),
        ("bool", True, True),
        ("bool", False, False),
        ("date", "2026-01-31", date(2026, 1, 31)),
        ("datetime", "2026-01-31T10:15:00", datetime(2026, 1, 31, 10, 15)),
        ("datetime", "2026-01-31T10:15:00Z", datetime(2026, 1, 31, 10, 15, tzinfo=timezone.utc)),
        ("datetime", "2026-01-31T10:15:00.250+00:00",
         datetime(2026, 1, 31, 10, 15, 0, 250000, tzinfo=timezone.utc)),
        ("datetime", "2026-01-31 10:15+02:00",
         datetime(2026, 1, 31, 10, 15, tzinfo=timezone(timedelta(hours=2)))),
        ("duration", "4h", Duration(seconds=4 * 3600)),
        ("url", "https://example.org/doc?x=1", "https://example.org/doc?x=1"),
        ("email", " ops@example.org ", "ops@example.org"),
        ("multichoice", "a, b,,c ", ("a", "b", "c")),
        ("multichoice", ["a", " b", ""], ("a", "b")),  # the choices one by one (a JSON array)
        ("ipaddress", "10.0.0.1", "10.0.0.1"),  # a plugin's type is kept as text
    ],
)
def test_convert_valid(ftype: str, raw: Any, value: Any) -> None:
    got = convert(ftype, raw)
    assert got == value
    assert type(got) is type(value)


@pytest.mark.parametrize(
    ("ftype", "raw", "says"),
    [
        ("integer", "4.2", "whole number"),
        ("integer", "four", "whole number"),
        ("integer", "", "whole number"),
        ("integer", "9" * 5000, "at most 4000 digits"),
        ("number", "abc", "number"),
        ("number", "1,5", "number"),
        ("number", "NaN", "finite"),
        ("number", "-Infinity", "finite"),
        ("bool", "maybe", "yes or no"),
        ("date", "31/01/2026", "YYYY-MM-DD"),
        ("date", "2026-02-30", "YYYY-MM-DD"),
        ("datetime", "yesterday", "YYYY-MM-DD"),
        # only the forms the messages promise, in ASCII digits: Python's own parsers read more, and the
        # value stored would then differ from what was typed (a week date stored as a calendar date)
        ("number", "\uff11\uff12", "expected a number"),  # full-width 12
        ("number", "\u0661\u0662", "expected a number"),  # Arabic-Indic 12
        ("date", "2026-W01-1", "YYYY-MM-DD"),
        ("date", "20260105", "YYYY-MM-DD"),
        ("date", "\uff12\uff10\uff12\uff16-01-05", "YYYY-MM-DD"),
        ("datetime", "2026-01-05T10", "YYYY-MM-DD"),
        ("datetime", "20260105T103000", "YYYY-MM-DD"),
        ("datetime", "2026-W01-1T10:00", "YYYY-MM-DD"),
        ("datetime", "2026-01-05T10:30+0100", "YYYY-MM-DD"),
        ("duration", "\uff14h", "not a duration"),
        ("datetime", "0001-01-01T00:30:00+01:00", "out of range"),  # before year 1 once in UTC
        ("datetime", "9999-12-31T23:30:00-01:00", "out of range"),  # after 9999 once in UTC
        ("duration", "soon", "not a duration"),
        ("url", "example.org/doc", "URL"),
        ("url", "https://exa mple.org", "URL"),
        ("email", "ops.example.org", "email"),
        ("email", "ops@localhost", "email"),
    ],
)
def test_convert_invalid(ftype: str, raw: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        convert(ftype, raw)


def field(ftype: str, **kw: Any) -> FieldDef:
    return FieldDef(id="f", type=ftype, **kw)


@pytest.mark.parametrize(
    ("f", "ok", "bad"),
    [
        (field("choice", options=("pass", "fail")), ["pass", "fail"], ["passed", "PASS"]),
        (field("multichoice", options=("a", "b")), ["a", "a, b", ""], ["a, c", "c"]),
        (field("text", pattern=r"ITSOP-[0-9]{4}-[0-9]+"), ["ITSOP-2026-1"], ["ITSOP-2026-1x", "x ITSOP-2026-1"]),
        (field("longtext", min="3", max="5"), ["abc", "abcde"], ["ab", "abcdef"]),
        (field("integer", min="1", max="10"), ["1", "10"], ["0", "11"]),
        (field("number", min="0.5"), ["0.5", "7"], ["0.49"]),
        (field("date", min="2026-01-01", max="2026-12-31"), ["2026-06-30"], ["2025-12-31", "2027-01-01"]),
        (field("datetime", max="2026-01-01T00:00"), ["2025-12-31T23:59"], ["2026-01-01T00:01"]),
        (field("duration", min="1h", max="1d"), ["1h", "PT90M", "24h"], ["59m", "2d"]),
        (field("duration", max="1 month"), ["30d"], ["5w"]),
    ],
    ids=["choice", "multichoice", "pattern", "text-length", "integer", "number", "date", "datetime",
         "duration", "duration-months"],
)
def test_constraints(f: FieldDef, ok: list[str], bad: list[str]) -> None:
    for raw in ok:
        coerce(f, raw)
    for raw in bad:
        with pytest.raises(ValueError):
            coerce(f, raw)


def test_constraint_messages_name_the_limit() -> None:
    with pytest.raises(ValueError, match=r"length must be at least 3"):
        coerce(field("text", min="3"), "ab")
    with pytest.raises(ValueError, match=r"value must be at most 10"):
        coerce(field("integer", max="10"), "11")
    with pytest.raises(ValueError, match=r"not one of the options: pass, fail"):
        coerce(field("choice", options=("pass", "fail")), "maybe")


@pytest.mark.parametrize("ftype, bound, raw, shown", [
    ("number", "10", "11.5", "got 11.5"),
    ("date", "2026-01-31", "2026-02-01", "got 2026-02-01"),
    ("datetime", "2026-01-31T00:00", "2026-02-01T10:00", "got 2026-02-01T10:00:00"),
    ("duration", "1d", "2d", "got 2d"),
    ("text", "2", "abc", "got 'abc'"),
])
def test_constraint_messages_show_the_value_as_written_not_as_python(ftype: str, bound: str, raw: str,
                                                                     shown: str) -> None:
    # these messages reach people (the CLI, the API and the job page): never Decimal('11.5') or datetime.date(...)
    with pytest.raises(ValueError) as caught:
        coerce(field(ftype, max=bound), raw)
    assert shown in str(caught.value) and "(" not in str(caught.value).split("got ")[1]


def test_pattern_applies_only_to_text() -> None:
    # a pattern on another type is reported by SOP116, not applied to values
    check_constraints(field("integer", pattern="[0-9]"), 1234)


def test_bound_value() -> None:
    assert bound_value(field("text"), "5") == 5
    assert bound_value(field("date"), "2026-01-01") == date(2026, 1, 1)
    assert bound_value(field("duration"), "1d") == Duration(seconds=86400)
    with pytest.raises(ValueError):
        bound_value(field("text"), "five")


#: a template with one stage, whose fields follow
HEAD = """\
template: demo
title: Demo procedure
version: 1.0.0
kind: change
roles:
  engineer: Does the work
stages:
  start:
    owner: engineer
    fields:
"""


def _findings(fields: str) -> list[Any]:
    return list(validate_text(HEAD + fields, "t.yaml", plugins=load_plugins(entry_points=lambda: [])).findings)


def test_non_finite_number_bound_is_reported_not_crashed() -> None:
    found = _findings("      ratio:\n        type: number\n        min: nan\n        max: 5\n"
                      "    gate:\n      ratio:\n        at_least: Infinity\n")
    assert sorted((f.code, f.line, f.col) for f in found) == [("SOP116", 13, 14), ("SOP117", 17, 19)]


@pytest.mark.parametrize("key, bound", [("max", "-1"), ("min", "-5")])
def test_a_negative_length_bound_is_refused(key: str, bound: str) -> None:
    # a required text field with `max: -1` could never be filled
    found = _findings(f"      note:\n        type: text\n        required: yes\n        {key}: {bound}\n")
    assert [(f.code, f.line, f.col, f.message) for f in found] == [
        ("SOP116", 14, 14, f"`{key}` of field 'note': a length cannot be negative, got {bound}")]
    with pytest.raises(ValueError, match="a length cannot be negative"):
        bound_value(field("text"), bound)


@pytest.mark.parametrize("required, found", [("yes", True), ("no", False)])
def test_a_required_text_field_with_max_zero_is_reported(required: str, found: bool) -> None:
    # `max: 0` allows only the empty value; a required field needs a value, so its stage could never complete
    findings = _findings(f"      note:\n        type: longtext\n        required: {required}\n        max: 0\n")
    assert [(f.code, f.line, f.col) for f in findings] == ([("SOP116", 14, 14)] if found else [])
    assert not found or "can never complete" in findings[0].message


@pytest.mark.parametrize(
    ("ftype", "raw"),
    [
        ("text", "any text"), ("integer", "7"), ("bool", "yes"),  # a string suits every type
        ("bool", True), ("bool", False),
        ("integer", 3), ("number", 2.5), ("number", -1),
        ("multichoice", ["a", "b"]), ("multichoice", ("a",)), ("multichoice", []),
        ("date", date(2026, 1, 5)),  # a program's date: converted from its text as before
    ],
)
def test_input_kinds_a_field_takes(ftype: str, raw: Any) -> None:
    assert input_problem(ftype, raw) is None


@pytest.mark.parametrize(
    ("ftype", "raw", "says"),
    [
        ("text", {"a": 1}, "expected a string, got an object"),
        ("text", ["a"], "expected a string, got an array"),
        ("text", True, "expected a string, got a boolean"),
        ("text", None, "expected a string, got null"),
        ("text", 1.10, "expected a string, got a number"),  # 1.10 would be stored as 1.1
        ("longtext", 5, "got a number"),
        ("choice", False, "got a boolean"),
        ("date", None, "got null"),
        ("ipaddress", {"v": 4}, "expected a string, got an object"),  # a plugin's type takes text
        ("integer", True, "expected a whole number (a JSON number or string), got a boolean"),
        ("number", None, "expected a number (a JSON number or string), got null"),
        ("number", [1], "got an array"),
        ("bool", 1, "expected yes or no (a JSON boolean or string), got a number"),
        ("bool", {}, "got an object"),
        ("multichoice", ["a", 1], "expected the choices (a JSON array of strings, or one string with the "
                                  "choices comma-separated), got an array holding a number"),
        ("multichoice", {"a": True}, "got an object"),
        ("multichoice", None, "got null"),
    ],
)
def test_input_kinds_a_field_refuses(ftype: str, raw: Any, says: str) -> None:
    problem = input_problem(ftype, raw)
    assert problem is not None and says in problem

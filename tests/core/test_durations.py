"""Durations as templates write them: parsing, printing, calendar arithmetic."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from sopframe.core.durations import Duration, parse_duration

MIN, HOUR, DAY, WEEK = 60, 3600, 86400, 604800


@pytest.mark.parametrize(
    ("text", "months", "seconds"),
    [
        ("15m", 0, 15 * MIN),
        ("90s", 0, 90),
        ("4h", 0, 4 * HOUR),
        ("10d", 0, 10 * DAY),
        ("2w", 0, 2 * WEEK),
        ("1h 30m", 0, HOUR + 30 * MIN),
        ("1h30m", 0, HOUR + 30 * MIN),
        ("1h, 30m", 0, HOUR + 30 * MIN),
        ("  4 hours  ", 0, 4 * HOUR),
        ("4 H", 0, 4 * HOUR),
        ("1 day 2 hours", 0, DAY + 2 * HOUR),
        ("12 months", 12, 0),
        ("1mo", 1, 0),
        ("1y", 12, 0),
        ("1 year 6 months", 18, 0),
        ("1y 2d", 12, 2 * DAY),
        ("PT15M", 0, 15 * MIN),
        ("pt15m", 0, 15 * MIN),
        ("P1D", 0, DAY),
        ("P1W", 0, WEEK),
        ("P1Y2M", 14, 0),
        ("P1DT2H3M4S", 0, DAY + 2 * HOUR + 3 * MIN + 4),
        ("PT36H", 0, 36 * HOUR),
    ],
)
def test_valid_durations(text: str, months: int, seconds: int) -> None:
    assert parse_duration(text) == Duration(months=months, seconds=seconds)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "15",  # no unit
        "m",  # no number
        "3 fortnights",  # unknown unit
        "1h and 30m",  # words between parts
        "-1h",
        "1.5h",
        "4h later",
        "P",
        "PT",
        "P1H",  # hours belong after T
        "P1DT",  # a T with no time part after it
        "p1dt",
        "P1Y2MT",
        "0m",
        "0h 0m",
        "P0D",  # zero is not a time limit, in either notation
        "PT0S",
    ],
)
def test_invalid_durations(text: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_duration(text)
    message = str(exc.value)
    assert message and "Traceback" not in message
    if text.strip():
        assert repr(text.strip()) in message  # the message quotes what was written


@pytest.mark.parametrize("text, fixed", [("P1DT", "P1DT1H), or left out (P1D)"), ("PT", "PT1H)")])
def test_a_t_without_a_time_part_says_so(text: str, fixed: str) -> None:
    with pytest.raises(ValueError, match=r"T` must be followed by a time part") as exc:
        parse_duration(text)
    assert str(exc.value).endswith(fixed)


def test_invalid_duration_message_teaches_the_syntax() -> None:
    with pytest.raises(ValueError, match=r"15m, 4h, 10d"):
        parse_duration("soon")


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (Duration(seconds=15 * MIN), "15m"),
        (Duration(seconds=HOUR + 30 * MIN), "1h 30m"),
        (Duration(months=14, seconds=WEEK + DAY + HOUR + MIN + 1), "1y 2mo 1w 1d 1h 1m 1s"),
        (Duration(months=12), "1y"),
        (Duration(), "0m"),
    ],
)
def test_str(duration: Duration, text: str) -> None:
    assert str(duration) == text
    if duration != Duration():
        assert parse_duration(text) == duration  # printing round-trips


def test_add_months_by_the_calendar() -> None:
    assert parse_duration("1 month").add_to(datetime(2026, 1, 31, 9, 0)) == datetime(2026, 2, 28, 9, 0)
    assert parse_duration("1mo").add_to(datetime(2024, 1, 31)) == datetime(2024, 2, 29)
    assert parse_duration("1y").add_to(datetime(2024, 2, 29)) == datetime(2025, 2, 28)
    assert parse_duration("12 months").add_to(datetime(2026, 3, 15)) == datetime(2027, 3, 15)
    assert parse_duration("P1Y1M").add_to(datetime(2026, 12, 1)) == datetime(2028, 1, 1)


def test_add_seconds_keeps_timezone() -> None:
    start = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)
    assert parse_duration("1h").add_to(start) == datetime(2026, 3, 2, 0, 30, tzinfo=timezone.utc)
    assert parse_duration("1mo 1d").add_to(start) == datetime(2026, 4, 2, 23, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize(("text", "start"), [("1d", datetime(9999, 12, 31, 12, tzinfo=timezone.utc)),
                                             ("1 months", datetime(9999, 12, 15, tzinfo=timezone.utc))])
def test_moving_past_the_last_year_is_a_value_error_not_an_overflow(text: str, start: datetime) -> None:
    with pytest.raises(ValueError, match=r"9999-12-.. moved by .* outside the years 1-9999"):
        parse_duration(text).add_to(start)
    with pytest.raises(ValueError, match="outside the years"):
        Duration(months=-1).add_to(datetime(1, 1, 15, tzinfo=timezone.utc))


def test_approx_days_orders_mixed_units() -> None:
    assert parse_duration("1d").approx_days() == 1
    assert parse_duration("12h").approx_days() == 0.5
    assert parse_duration("4w").approx_days() < parse_duration("1 month").approx_days() < parse_duration("5w").approx_days()
    assert 365 < parse_duration("1y").approx_days() < 366


@pytest.mark.parametrize("text", ["99999999999999999999d", "101y", "P2000Y", "1300 months",
                                  "9" * 400 + "d", "P" + "9" * 5000 + "D", "9" * 5000 + " months"])
def test_durations_longer_than_a_century_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="longer than 100 years"):
        parse_duration(text)


def test_a_century_is_still_a_duration() -> None:
    assert parse_duration("100y") == Duration(months=1200)


# ------------------------------------------------------- calendar-true limits and intervals

from sopframe.core.durations import DurationError, INTERVAL_PATTERN, calendar_hint, parse_interval, within  # noqa: E402


@pytest.mark.parametrize(("value", "limit", "fits"), [
    ("28d", "1 month", True), ("29d", "1 month", False), ("30d", "1 month", False), ("4w", "1 month", True),
    ("1 month", "1 month", True), ("1 month", "31d", True), ("1 month", "30d", False),
    ("89d", "3 months", True), ("90d", "3 months", False), ("181d", "6 months", True), ("182d", "6 months", False),
    ("365d", "1y", True), ("366d", "1y", False), ("12 months", "1y", True), ("13 months", "1y", False),
    ("1y", "366d", True), ("1y", "365d", False), ("24h", "1d", True), ("25h", "1d", False),
    ("1mo 2d", "1mo 2d", True), ("1mo 3d", "1mo 2d", False), ("4y", "1461d", True), ("4y", "1460d", False),
])
def test_within_is_calendar_true(value: str, limit: str, fits: bool) -> None:
    assert within(parse_duration(value), parse_duration(limit)) is fits


def test_calendar_hint_only_when_the_calendar_decides() -> None:
    assert "write `1 month`" in calendar_hint(parse_duration("30d"), parse_duration("1 month"))
    assert "write `1 year`" in calendar_hint(parse_duration("366d"), parse_duration("12 months"))
    assert calendar_hint(parse_duration("40d"), parse_duration("1 month")) == ""   # too long in any calendar
    assert calendar_hint(parse_duration("28d"), parse_duration("1 month")) == ""   # fits


@pytest.mark.parametrize(("text", "months", "seconds"), [
    ("daily", 0, DAY), ("weekly", 0, WEEK), ("fortnightly", 0, 2 * WEEK), ("monthly", 1, 0),
    ("quarterly", 3, 0), ("Quarterly", 3, 0), ("1 quarter", 3, 0), ("2 quarters", 6, 0),
    ("semiannually", 6, 0), ("semi-annually", 6, 0), ("half-yearly", 6, 0), ("annually", 12, 0),
    ("yearly", 12, 0), ("3 months", 3, 0), ("3mo", 3, 0), ("P3M", 3, 0), ("90min", 0, 90 * MIN),
])
def test_intervals(text: str, months: int, seconds: int) -> None:
    assert parse_interval(text) == Duration(months=months, seconds=seconds)
    assert re.match(INTERVAL_PATTERN, text), "the schema accepts what the parser reads"


@pytest.mark.parametrize(("text", "hint"), [
    ("3m", "3 months"), ("12m", "12 months"), ("1h 30m", "30 months"), ("biweekly", "2w"),
    ("bimonthly", "2 months"), ("biannually", "6 months"), ("every quarter", "quarterly"), ("0d", "longer than zero"),
])
def test_ambiguous_or_unreadable_intervals_are_refused_with_a_hint(text: str, hint: str) -> None:
    with pytest.raises(DurationError) as exc:
        parse_interval(text)
    assert hint in exc.value.hint
    if text not in ("0d",):
        assert not re.match(INTERVAL_PATTERN, text), "the schema refuses it too"


def test_m_is_still_minutes_in_time_limits() -> None:
    assert parse_duration("3m") == Duration(seconds=3 * MIN)


def test_a_deadline_past_the_year_9999_is_the_last_moment_never_an_error() -> None:
    never = datetime(9999, 12, 31, tzinfo=timezone.utc)  # a common way of writing "no end date"
    assert parse_duration("30d").deadline_from(never) == datetime.max.replace(tzinfo=timezone.utc)
    start = datetime(2026, 1, 31, tzinfo=timezone.utc)
    assert parse_duration("1 months").deadline_from(start) == parse_duration("1 months").add_to(start)


def test_training_counted_from_an_effective_date_of_9999_12_31_is_never_late() -> None:
    from sopframe.core.readmodel import SopRow
    from sopframe.core.training import TrainingPolicy, training_status

    row = SopRow(ref="SOP-1", version="1.0", title="t", effective_date="9999-12-31", next_review=None, job="J-1",
                 template="t", published_at="2026-01-05T09:00:00.000000Z")
    status = training_status(row, [], ["ann"], TrainingPolicy(audience=("ops",), within="30d"),
                             datetime(2026, 2, 1, tzinfo=timezone.utc))
    (ann,) = status.people
    assert (ann.status, ann.due) == ("pending", "9999-12-31T23:59:59.999999Z")

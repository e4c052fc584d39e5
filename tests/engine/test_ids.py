from __future__ import annotations

from datetime import datetime, timezone

from sopframe.core.engine.ids import format_job_id, next_job_id, subjob_id

WHEN = datetime(2026, 3, 7, tzinfo=timezone.utc)


def test_pattern_placeholders() -> None:
    assert format_job_id("ITSOP-{year}-{seq:02}", "t", WHEN, 1) == "ITSOP-2026-01"
    assert format_job_id("{template}-{year}{month}{day}-{seq:03}", "chg", WHEN, 12) == "chg-20260307-012"
    assert format_job_id("X-{seq}", "t", WHEN, 7) == "X-7"


def test_next_id_follows_the_highest_of_the_same_pattern_and_year() -> None:
    existing = ["ITSOP-2026-01", "ITSOP-2026-03", "ITSOP-2025-09", "ITSOP-2026-01-A", "OTHER-2026-05"]
    assert next_job_id("ITSOP-{year}-{seq:02}", "t", WHEN, existing) == "ITSOP-2026-04"
    assert next_job_id("ITSOP-{year}-{seq:02}", "t", WHEN, []) == "ITSOP-2026-01"
    assert next_job_id("ITSOP-{year}-{seq:02}", "t", WHEN, [f"ITSOP-2026-{i:02}" for i in range(1, 100)]) \
        == "ITSOP-2026-100"


def test_subjob_ids_add_the_suffix() -> None:
    assert subjob_id("ITSOP-2026-01", "A") == "ITSOP-2026-01-A"

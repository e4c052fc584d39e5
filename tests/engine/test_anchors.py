"""Deadlines anchored on a recorded date, and gates comparing a field with another field plus a duration."""

from __future__ import annotations

import pytest

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.engine.sops import overdue
from sopframe.core.engine.standing import standing
from sopframe.core.readmodel import rows_from_events
from sopframe.errors import JobError
from sopframe_plugins.store_memory import MemoryStore

LEAVER = """\
template: leaver
title: Leaver
version: 1.0.0
kind: access
job_id: LV-{seq:03}
roles:
  hr: Reports leavers
  admin: Revokes access
stages:
  notified:
    owner: hr
    fields:
      last_day:
        type: date
        required: yes
    next: revoke
  revoke:
    owner: admin
    fields:
      revoked_at:
        type: datetime
        required: yes
    gate:
      revoked_at:
        at_most:
          field: notified.last_day
          plus: 2d
    sla:
      from: notified.last_day
      within: 2d
"""

ROLES = {"hr": ["hana"], "admin": ["adam"]}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock("2026-03-02T09:00:00+00:00")


@pytest.fixture
def engine(clock: FixedClock) -> Engine:
    return Engine(MemoryStore(), roles=ROLES, clock=clock)


def notified(engine: Engine, last_day: str) -> str:
    job = engine.start(LEAVER, "leaver.yaml", actor="hana").job_id
    engine.set_fields(job, {"last_day": last_day}, actor="hana")
    engine.complete(job, actor="hana")
    return job


def test_the_deadline_runs_from_the_anchor_not_from_entering_the_stage(engine: Engine) -> None:
    job = notified(engine, "2026-03-10")  # reported eight days before the last day
    d = standing(engine, job)
    (st,) = d["open_stages"]
    assert st["entered_at"].startswith("2026-03-02") and st["sla_due"] == "2026-03-12T00:00:00.000000Z"
    assert engine.store.summary(job).open_stages[0].due == "2026-03-12T00:00:00.000000Z"


def test_waiting_before_the_stage_counts_against_the_deadline(engine: Engine, clock: FixedClock) -> None:
    job = notified(engine, "2026-02-20")  # reported ten days after the last day: already late
    assert engine.tick(actor="adam") == {job: ["revoke"]}
    (ev,) = [e for e in engine.history(job) if e.type == "sla.breached"]
    assert ev.data["due"] == "2026-02-22T00:00:00.000000Z"
    assert ev.data["from"] == {"field": "notified.last_day", "at": "2026-02-20T00:00:00.000000Z"}
    assert engine.tick(actor="adam") == {}  # one breach per visit
    late = [o for o in overdue(engine, clock()) if o.kind == "sla"]
    assert [(o.ref, o.what, o.due) for o in late] == [(job, "revoke", "2026-02-22T00:00:00.000000Z")]
    assert engine.verify(job) is None
    store = engine.store
    assert rows_from_events(store.read(job), store.template).summary == store.summary(job)


def test_a_stage_entered_long_before_the_anchor_is_not_late(engine: Engine, clock: FixedClock) -> None:
    job = notified(engine, "2026-04-30")
    clock.advance(days=30)
    assert engine.tick(actor="adam") == {}
    clock.set("2026-05-02T00:00:01+00:00")
    assert engine.tick(actor="adam") == {job: ["revoke"]}


def test_a_gate_compares_a_field_with_another_plus_a_duration(engine: Engine) -> None:
    job = notified(engine, "2026-03-10")
    engine.set_fields(job, {"revoked_at": "2026-03-12T08:00:00Z"}, actor="adam")
    with pytest.raises(JobError, match=r"'revoked_at' must be at most notified.last_day \+ 2d \(2026-03-12\), but is 2026-03-12T08"):
        engine.complete(job, actor="adam")
    engine.set_fields(job, {"revoked_at": "2026-03-11T23:59:00Z"}, actor="adam")
    assert engine.complete(job, actor="adam").status == "completed"


def test_minus_and_calendar_months(engine: Engine) -> None:
    from sopframe.core.engine.anchors import shifted
    from datetime import date, datetime, timezone

    assert shifted(date(2026, 1, 31), "+1 months") == date(2026, 2, 28)
    assert shifted(date(2026, 3, 1), "-1d") == date(2026, 2, 28)
    assert shifted(datetime(2026, 3, 1, tzinfo=timezone.utc), "-2h") == datetime(2026, 2, 28, 22,
                                                                              tzinfo=timezone.utc)
    assert shifted(date(2026, 3, 1), "+12h") == datetime(2026, 3, 1, 12, tzinfo=timezone.utc)


@pytest.mark.parametrize("year", [1, 999, 1000, 2026, 9999])
def test_times_are_stored_as_iso_text_whatever_the_year(year: int) -> None:
    from datetime import datetime, timezone

    from sopframe.core.engine.clock import from_text, to_text

    when = datetime(year, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    assert to_text(when) == f"{year:04d}-01-02T03:04:05.000006Z"  # strftime would write "999-01-02..."
    assert from_text(to_text(when)) == when


def test_an_sla_anchored_on_a_time_before_the_year_1000_runs_out(engine: Engine) -> None:
    job = engine.start(LEAVER, "leaver.yaml", actor="hana").job_id
    engine.set_fields(job, {"last_day": "0900-01-01"}, actor="hana")
    engine.complete(job, actor="hana")
    engine.set_fields(job, {"revoked_at": "0900-01-02T00:00:00Z"}, actor="adam")
    (value,) = [e.data["value"] for e in engine.history(job)
                if e.type == "field.set" and e.data["field"] == "revoked_at"]
    assert value == "0900-01-02T00:00:00.000000Z"
    (ev,) = [e for e in engine.history(job) if e.type == "sla.breached"]
    assert ev.data["due"] == "0900-01-03T00:00:00.000000Z"
    assert engine.complete(job, actor="adam").status == "completed"  # the gate compares it with the anchor
    store = engine.store
    assert rows_from_events(store.read(job), store.template).summary == store.summary(job)


def test_a_deadline_past_the_year_9999_is_no_deadline_and_no_crash(engine: Engine, clock: FixedClock) -> None:
    job = notified(engine, "9999-12-31")  # the SLA would run out in the year 10000
    (st,) = standing(engine, job)["open_stages"]
    assert st["sla_due"] is None and engine.store.summary(job).open_stages[0].due is None
    assert engine.tick(actor="adam") == {}
    engine.set_fields(job, {"revoked_at": "9999-12-31T23:00:00Z"}, actor="adam")
    with pytest.raises(JobError, match=r"'revoked_at' must be at most notified.last_day \+ 2d, which cannot be "
                                       r"worked out: 9999-12-31 moved by .* outside the years 1-9999"):
        engine.complete(job, actor="adam")

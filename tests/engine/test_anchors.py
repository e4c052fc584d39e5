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
    with pytest.raises(JobError, match=r"'revoked_at' must be at most notified.last_day \+ 2d \('2026-03-12'\)"):
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

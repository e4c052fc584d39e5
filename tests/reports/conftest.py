"""A constructed history for the bottleneck report, run on a controlled clock (figures worked out by hand).

t0 = Monday 2026-03-02 09:00 UTC.  Template ``flow``: intake (clerk, SLA 1 day)
-> review (reviewer, SLA 3 days, rework to intake) -> close (clerk).

* FLOW-001: started t0; cara sets the summary at +2h, completes intake at +5h;
  rita acts on review at +29h, completes it at +31h; cara completes close at +32h.
* FLOW-002: started t0+1h; cara completes intake at +97h (past its SLA);
  rob sends review back at +145h; intake (visit 2) is open since.
* FLOW-003: started t0+2h; intake open since.

The report is taken at NOW = t0 + 8 days.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe_plugins.store_memory import MemoryStore

FLOW = """\
template: flow
title: A flow with rework
version: 1.0.0
kind: change
job_id: FLOW-{seq:03}
roles:
  clerk: Takes requests in
  reviewer: Reviews them
stages:
  intake:
    owner: clerk
    sla: 1d
    fields:
      summary:
        type: text
        required: yes
    next: review
  review:
    owner: reviewer
    sla: 3d
    rework: intake
    fields:
      note:
        type: text
    next: close
  close:
    owner: clerk
"""
ROLES = {"clerk": ["cara"], "reviewer": ["rita", "rob"]}
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
NOW = T0 + timedelta(days=8)
H = 3600.0


def at(clock: FixedClock, hours: float) -> None:
    clock.set(T0 + timedelta(hours=hours))


def build(store: MemoryStore) -> Engine:
    clock = FixedClock(T0)
    engine = Engine(store, roles=ROLES, clock=clock)
    engine.start(FLOW, "flow.yaml", actor="cara")
    at(clock, 1)
    engine.start(FLOW, "flow.yaml", actor="cara")
    at(clock, 2)
    engine.start(FLOW, "flow.yaml", actor="cara")
    engine.set_fields("FLOW-001", {"summary": "one"}, actor="cara")
    at(clock, 5)
    engine.complete("FLOW-001", actor="cara")
    at(clock, 29)
    engine.set_fields("FLOW-001", {"note": "fine"}, actor="rita")
    at(clock, 31)
    engine.complete("FLOW-001", actor="rita")
    at(clock, 32)
    engine.complete("FLOW-001", actor="cara")
    at(clock, 97)
    engine.set_fields("FLOW-002", {"summary": "two"}, actor="cara")  # same instant: first action = completion time
    engine.complete("FLOW-002", actor="cara")
    at(clock, 145)
    engine.reject("FLOW-002", "incomplete", actor="rob")
    clock.set(NOW)
    return engine


@pytest.fixture
def flow_store() -> MemoryStore:
    store = MemoryStore()
    build(store)
    return store

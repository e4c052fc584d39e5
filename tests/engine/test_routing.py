"""Routing the engine follows: parallel branches with a join, and routes chosen by a field."""

from __future__ import annotations

import pytest

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.errors import JobError
from sopframe_plugins.store_memory import MemoryStore

FLOW = """\
template: flow
title: Parallel and conditional
version: 1.0.0
kind: change
job_id: CHG-{year}{month}-{seq:03}
roles:
  eng: Engineer
stages:
  request:
    owner: eng
    fields:
      risk:
        type: choice
        options:
          - low
          - high
        required: yes
    sla:
      when: risk
      is:
        high: 4h
      otherwise: 2d
    next:
      when: risk
      is:
        high: assess
      otherwise: implement
  assess:
    owner: eng
    next:
      - security
      - capacity
  security:
    owner: eng
    fields:
      ok:
        type: bool
        required: yes
    gate:
      ok: yes
    next: implement
  capacity:
    owner: eng
    next: implement
  implement:
    owner: eng
"""


@pytest.fixture
def engine() -> Engine:
    return Engine(MemoryStore(), roles={"eng": ["eve"]}, clock=FixedClock("2026-04-02T08:00:00+00:00"))


def test_low_risk_goes_straight_to_implement(engine: Engine) -> None:
    job = engine.start(FLOW, "flow.yaml", actor="eve").job_id
    assert job == "CHG-202604-001"
    engine.set_fields(job, {"risk": "low"}, actor="eve")
    assert list(engine.complete(job, actor="eve").active) == ["implement"]
    assert engine.complete(job, actor="eve").status == "completed"


def test_parallel_branches_join_before_implement(engine: Engine) -> None:
    job = engine.start(FLOW, "flow.yaml", actor="eve").job_id
    engine.set_fields(job, {"risk": "high"}, actor="eve")
    engine.complete(job, actor="eve")
    state = engine.complete(job, actor="eve")
    assert set(state.active) == {"security", "capacity"}
    with pytest.raises(JobError, match="several stages are open"):
        engine.complete(job, actor="eve")
    state = engine.complete(job, actor="eve", stage="capacity")
    assert set(state.active) == {"security"} and set(state.waiting) == {"implement"}
    with pytest.raises(JobError, match="gate: field 'ok' must equal yes, but is no"):
        engine.set_fields(job, {"ok": "no"}, actor="eve", stage="security")
        engine.complete(job, actor="eve", stage="security")
    engine.set_fields(job, {"ok": "yes"}, actor="eve", stage="security")
    state = engine.complete(job, actor="eve", stage="security")
    assert list(state.active) == ["implement"] and not state.waiting
    assert engine.complete(job, actor="eve").status == "completed"
    assert engine.verify(job) is None


def test_sla_chosen_by_a_field_value(engine: Engine) -> None:
    from sopframe.core.engine.standing import standing

    job = engine.start(FLOW, "flow.yaml", actor="eve").job_id
    assert standing(engine, job)["open_stages"][0]["sla_left"] == "2d"
    engine.set_fields(job, {"risk": "high"}, actor="eve")
    assert standing(engine, job)["open_stages"][0]["sla_due"] == "2026-04-02T12:00:00.000000Z"

"""The SOP master list and overdue work."""

from __future__ import annotations

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.engine.sops import master_list, overdue
from sopframe.core.engine.standing import render_standing, standing

from .conftest import lifecycle_text, walk_to


def test_open_stage_past_its_sla_is_overdue(engine: Engine, clock: FixedClock) -> None:
    job = engine.start(lifecycle_text(), "x.yaml", actor="mike").job_id
    walk_to(engine, job, "draft")
    assert overdue(engine) == []
    d = standing(engine, job)
    assert d["open_stages"][0]["sla_left"] == "10d"
    assert "SLA due 2026-01-15T09:00:00.000000Z: 10d left" in render_standing(d)
    clock.advance(days=11, hours=2)
    items = overdue(engine)
    assert [(i.kind, i.ref, i.what, i.overdue_by, i.owner) for i in items] == [
        ("sla", job, "draft", "1d 2h", "author")]
    assert "overdue by 1d 2h" in render_standing(standing(engine, job))


def test_published_sop_past_its_review_date_is_overdue(engine: Engine, clock: FixedClock) -> None:
    job = engine.start(lifecycle_text(), "x.yaml", actor="mike").job_id
    walk_to(engine, job, "end")
    [entry] = master_list(engine.store)
    assert (entry.ref, entry.version, entry.status, entry.next_review) == ("ITSOP-2026-7", "1.0", "current",
                                                                          "2027-02-01")
    clock.set("2027-02-01T12:00:00+00:00")
    assert overdue(engine) == []
    clock.set("2027-02-11T12:00:00+00:00")
    [item] = overdue(engine)
    assert (item.kind, item.ref, item.what, item.overdue_by) == ("review", "ITSOP-2026-7", "1.0", "10d")


def test_show_of_a_subjob(engine: Engine, clock: FixedClock) -> None:
    job = engine.start(lifecycle_text(), "x.yaml", actor="mike").job_id
    walk_to(engine, job, "components")
    d = standing(engine, f"{job}-B")
    assert d["job"] == f"{job}-B" and d["status"] == "open"
    assert [s["stage"] for s in d["open_stages"]] == ["comms_approval"]
    assert d["open_stages"][0]["owner"] == "ops_lead" and d["open_stages"][0]["owner_users"] == ["olga"]
    assert d["open_stages"][0]["missing"] == ["sign-off 'comms_lead' by role 'ops_lead' is not given"]
    top = standing(engine, job)
    assert {s["id"]: s["at"] for s in top["subjobs"]} == {f"{job}-A": ["tech_approval"],
                                                          f"{job}-B": ["comms_approval"]}

"""Stage visits kept by the fold: entered, first action, how and when each visit ended."""

from __future__ import annotations

from sopframe.core.engine.events import NewEvent, chain
from sopframe.core.engine.state import fold
from sopframe.core.engine.visits import Visit

from .conftest import ROLES, lifecycle_text, walk_to


def _fold(*steps: tuple[str, str, str, dict]) -> list[Visit]:  # type: ignore[type-arg]
    events, seq, prev = [], 0, "0" * 64
    for at, actor, type_, data in steps:
        new = chain("J-1", seq, prev, [NewEvent(type_, data)], actor, f"2026-01-05T{at}:00.000000Z")
        events += new
        seq, prev = new[-1].seq, new[-1].hash
    return fold(events).visits


def test_each_way_a_visit_ends() -> None:
    visits = _fold(
        ("09:00", "ann", "stage.entered", {"stage": "a"}),
        ("09:00", "ann", "stage.entered", {"stage": "b"}),  # parallel branch
        ("09:30", "tick", "sla.breached", {"stage": "b", "due": "x"}),  # not an action
        ("09:40", "tick", "signoff.voided", {"stage": "a", "signoff": "s"}),  # nor is a consequence
        ("10:00", "Bob ", "field.set", {"stage": "a", "field": "f", "value": 1}),
        ("11:00", "cat", "signoff.given", {"stage": "a", "signoff": "s", "role": "r"}),
        ("12:00", "dan", "stage.rejected", {"stage": "a", "to": "a", "reason": "no", "reset": ["a", "b"]}),
        ("12:00", "dan", "stage.entered", {"stage": "a"}),
        ("13:00", "eve", "stage.completed", {"stage": "a"}),
        ("13:00", "eve", "stage.entered", {"stage": "c", "subjob": "J-1-A"}),
        ("14:00", "fay", "job.cancelled", {"reason": "stop"}),
    )
    t = "2026-01-05T{}:00.000000Z".format
    assert visits == [
        Visit("a", 1, None, t("09:00"), t("10:00"), "bob", t("12:00"), "dan", "rejected"),
        Visit("b", 1, None, t("09:00"), None, None, t("12:00"), None, "reset", t("09:30")),
        Visit("a", 2, None, t("12:00"), t("13:00"), "eve", t("13:00"), "eve", "completed"),
        Visit("c", 1, "J-1-A", t("13:00"), None, None, t("14:00"), None, "cancelled"),
    ]


def test_a_lifecycle_job_has_one_visit_per_stage_entered() -> None:
    from sopframe.core.engine import Engine
    from sopframe.core.engine.clock import FixedClock
    from sopframe_plugins.store_memory import MemoryStore

    store, clock = MemoryStore(), FixedClock("2026-01-05T09:00:00+00:00")
    engine = Engine(store, roles=ROLES, clock=clock)
    job = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, job, "security_review", clock)
    engine.reject(job, "rework the draft", actor="cate")
    visits = engine.state(job).visits
    assert [(v.node, v.n, v.outcome) for v in visits if "/" not in v.node] == [
        ("initiated", 1, "completed"), ("draft", 1, "completed"), ("technical_review", 1, "completed"),
        ("test_run", 1, "completed"), ("components", 1, "completed"), ("security_review", 1, "rejected"),
        ("draft", 2, "open")]
    sub = [(v.node, v.subjob) for v in visits if "/" in v.node]
    assert len(sub) == 4 and {s for _n, s in sub} == {f"{job}-A", f"{job}-B"}
    assert store.stage_visits(job=job)[-1].visit == 2  # the read model follows

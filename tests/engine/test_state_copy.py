"""A command works on a copy of the job's state: equal to it, and sharing nothing a fold step changes in place."""

from __future__ import annotations

from sopframe.core.engine import Engine
from sopframe.core.engine.state import JobState

from .conftest import lifecycle_text, walk_to


def _walked(engine: Engine) -> JobState:
    job = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, job, "security_review")  # fields, documents, sign-offs, visits and sub-jobs are set by then
    return engine.state(job)


def test_a_copy_equals_the_state_and_shares_no_container(engine: Engine) -> None:
    state = _walked(engine)
    copy = state.copy()
    assert type(copy) is JobState
    assert state.subjobs and state.fields and state.signoffs and state.visits  # something to share in each
    assert copy.to_dict() == state.to_dict()
    for name, value in state.__dict__.items():  # review_due: replaced by its fold step, never changed in place
        if isinstance(value, (dict, list)) and name != "review_due":
            assert getattr(copy, name) is not value, name
    for node, values in state.fields.items():
        assert copy.fields[node] is not values
    for sid, sj in state.subjobs.items():
        assert copy.subjobs[sid] is not sj


def test_changing_a_copy_leaves_the_state_as_it_was(engine: Engine) -> None:
    state = _walked(engine)
    before = state.to_dict()
    copy = state.copy()
    copy.status, copy.seq = "cancelled", copy.seq + 1
    copy.fields.setdefault("draft", {})["version"] = "9.9"
    copy.actors.setdefault("draft", []).append("someone")
    copy.visits.clear()
    copy.active.clear()
    for sj in copy.subjobs.values():
        sj.status = "cancelled"
    assert state.to_dict() == before

"""Two engines on one store: a stale writer gets a conflict, writes nothing, and a retry works."""

from __future__ import annotations

import pytest

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.errors import ConflictError, JobError
from sopframe_plugins.store_memory import MemoryStore

from .conftest import ROLES, lifecycle_text


def test_a_stale_engine_conflicts_then_succeeds_on_retry(store: MemoryStore, clock: FixedClock) -> None:
    a = Engine(store, roles=ROLES, clock=clock)
    b = Engine(store, roles=ROLES, clock=clock)
    job = a.start(lifecycle_text(), "x.yaml", actor="mike").job_id
    b.state(job)  # b has now seen the job
    a.set_fields(job, {"sop_title": "from a"}, actor="mike")  # a's write moves the job on
    before = store.read(job)
    with pytest.raises(ConflictError) as info:
        b.set_fields(job, {"it_process": "IM"}, actor="mike")
    assert info.value.exit_code == 4 and "concurrent update" in info.value.format_message()
    assert store.read(job) == before
    state = b.set_fields(job, {"it_process": "IM"}, actor="mike")  # the retry reads afresh
    assert state.fields["initiated"] == {"sop_title": "from a", "it_process": "IM"}


def test_a_stale_engine_cannot_act_on_a_job_cancelled_elsewhere(store: MemoryStore, clock: FixedClock) -> None:
    a = Engine(store, roles=ROLES, clock=clock)
    b = Engine(store, roles=ROLES, clock=clock)
    job = a.start(lifecycle_text(), "x.yaml", actor="mike").job_id
    b.state(job)
    a.cancel(job, "duplicate", actor="mike")
    with pytest.raises(ConflictError):
        b.set_fields(job, {"it_process": "IM"}, actor="mike")
    with pytest.raises(JobError, match="cancelled"):
        b.set_fields(job, {"it_process": "IM"}, actor="mike")
    assert b.state(job).status == "cancelled"

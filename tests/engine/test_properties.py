"""Any sequence of commands, valid or not: refused ones change nothing, the chain always
verifies, and the state the engine works with is exactly the fold of the stored events."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sopframe.core.engine import Engine, fold
from sopframe.core.engine.clock import FixedClock
from sopframe.core.engine.events import verify_chain
from sopframe.errors import JobError
from sopframe_plugins.store_memory import MemoryStore

from .conftest import ROLES, lifecycle_text

FIELDS = ["sop_title", "it_process", "author", "draft_due", "sop_ref", "version", "draft_date", "review_date",
          "test_incidents", "test_outcome", "test_date", "staff_trained", "effective_date", "master_list_no",
          "previous_version_archived", "trainer", "training_date", "acknowledgements_signed", "nope"]
VALUES = ["x", "alice", "tom", "2026-01-20", "2026-13-01", "ITSOP-2026-7", "3", "0", "pass", "fail", "yes", ""]
SIGNOFFS = ["it_lead", "security", "compliance", "tech_lead", "comms_lead", "ciso", "alignment_checked",
            "legal_confirmed", "director", "bogus"]
USERS = sorted({u for users in ROLES.values() for u in users} | {"mallory"})
TARGETS = ["", "-A", "-B", "-C"]

command = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(TARGETS), st.sampled_from(FIELDS), st.sampled_from(VALUES)),
    st.tuples(st.just("sign"), st.sampled_from(TARGETS), st.sampled_from(SIGNOFFS), st.sampled_from(USERS)),
    st.tuples(st.just("complete"), st.sampled_from(TARGETS), st.just(""), st.sampled_from(USERS)),
    st.tuples(st.just("reject"), st.sampled_from(TARGETS), st.sampled_from(["", "redo"]), st.just("lee")),
    st.tuples(st.just("cancel"), st.sampled_from(TARGETS), st.sampled_from(["", "stop"]), st.just("mike")),
)


def run_command(engine: Engine, ref: str, op: str, arg: str, user: str) -> None:
    """One drawn command (``set`` takes ``user`` as the value, set by alice)."""
    if op == "set":
        engine.set_fields(ref, {arg: user}, actor="alice")
    elif op == "sign":
        engine.sign(ref, arg, actor=user)
    elif op == "complete":
        engine.complete(ref, actor=user)
    elif op == "reject":
        engine.reject(ref, arg, actor=user)
    else:
        engine.cancel(ref, arg, actor=user)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(command, min_size=1, max_size=40))
def test_random_commands_keep_the_log_consistent(commands: list[tuple[str, str, str, str]]) -> None:
    store = MemoryStore()
    clock = FixedClock()
    engine = Engine(store, roles=ROLES, clock=clock)
    job = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    for op, suffix, arg, user in commands:
        clock.advance(minutes=1)
        ref = job + suffix
        before = store.read(job)
        try:
            run_command(engine, ref, op, arg, user)
        except JobError:
            assert store.read(job) == before
        events = store.read(job)
        assert verify_chain(job, events, store.head(job)) is None
        assert engine.state(job).to_dict() == fold(events).to_dict()
        assert all(e.actor and e.at.endswith("Z") for e in events)

"""The job-store contract suite: the tests every store backend must pass.

Subclass :class:`StoreContract` in your backend's tests and provide a
``make_store`` fixture: a callable that opens a new handle on one fresh,
empty store (each call a new connection to the same data)::

    from sopframe.testing import StoreContract

    class TestMyStore(StoreContract):
        @pytest.fixture
        def make_store(self, tmp_path):
            return lambda: MyStore(tmp_path / "jobs")

sopframe's own memory, SQLite and PostgreSQL backends run this same class.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from sopframe.core.engine.events import verify_chain
from sopframe.core.readmodel import JobQuery
from sopframe.core.store import Derived, Store
from sopframe.errors import ConflictError, StoreError
from sopframe.testing.accounts_contract import AccountsContract
from sopframe.testing.contract_support import (  # noqa: F401 (re-exported: tests and benchmarks use them)
    _ITEMS_TEMPLATE, _SOD_TEMPLATE, _TINY_TEMPLATE, T0, make_events)
from sopframe.testing.ledger_contract import LedgerContract
from sopframe.testing.outbox_contract import OutboxContract

__all__ = ["StoreContract", "make_events"]

class StoreContract(AccountsContract, LedgerContract, OutboxContract):
    """What a :class:`~sopframe.core.store.Store` must do.  Provide the ``make_store`` fixture."""

    @pytest.fixture
    def store(self, make_store: Callable[[], Store]) -> Iterator[Store]:
        s = make_store()
        yield s
        s.close()

    # ------------------------------------------------------------ basics
    def test_an_empty_store_has_no_jobs(self, store: Store) -> None:
        assert store.job_ids() == []
        assert store.template_ids() == []
        assert store.read("J-1") == []
        assert store.head("J-1") is None
        assert store.events_of_type("field.set") == []

    def test_appended_events_read_back_equal(self, store: Store) -> None:
        evs = make_events("J-1", 3)
        store.append("J-1", 0, evs)
        assert store.read("J-1") == evs
        assert store.head("J-1") == (3, evs[-1].hash)
        assert store.job_ids() == ["J-1"]
        assert verify_chain("J-1", store.read("J-1"), store.head("J-1")) is None

    def test_read_after_a_sequence_number(self, store: Store) -> None:
        evs = make_events("J-1", 5)
        store.append("J-1", 0, evs)
        assert store.read("J-1", after=3) == evs[3:]  # linked to event 3 as stored
        assert store.read("J-1", after=5) == []
        with pytest.raises(StoreError, match="event 6: .*not a SHA-256"):  # hashes as hex, or nothing written
            store.append("J-1", 5, [make_events("J-1", 1, after=(5, evs[-1].hash))[0]._replace(hash="AB" * 32)])
        assert store.read("J-1") == evs

    def test_appends_extend_the_job(self, store: Store) -> None:
        first = make_events("J-1", 2)
        store.append("J-1", 0, first)
        more = make_events("J-1", 3, after=(2, first[-1].hash))
        store.append("J-1", 2, more)
        assert store.read("J-1") == first + more
        assert store.head("J-1") == (5, more[-1].hash)

    def test_jobs_are_kept_apart_and_listed_sorted(self, store: Store) -> None:
        for job in ("J-2", "J-10", "J-1"):
            store.append(job, 0, make_events(job, 2))
        assert store.job_ids() == sorted(["J-2", "J-10", "J-1"])
        assert all(e.job == "J-2" for e in store.read("J-2"))
        assert store.exists("J-10") and not store.exists("J-3")

    def test_events_of_a_type_across_jobs_in_time_order(self, store: Store) -> None:
        store.append("B", 0, make_events("B", 1, type="sop.published", at="2026-02-01T00:00:00.000000Z"))
        store.append("A", 0, make_events("A", 1, type="sop.published", at="2026-03-01T00:00:00.000000Z"))
        store.append("C", 0, make_events("C", 2, type="field.set"))
        found = store.events_of_type("sop.published")
        assert [e.job for e in found] == ["B", "A"]
        assert store.events_of_type("field.set") == store.read("C")  # each linked to the event before it

    def test_a_large_batch_round_trips(self, store: Store) -> None:
        evs = make_events("J-1", 1000)
        store.append("J-1", 0, evs)
        assert store.read("J-1") == evs

    # ------------------------------------------------------- concurrency
    def test_creating_an_existing_job_conflicts(self, store: Store) -> None:
        evs = make_events("J-1", 2)
        store.append("J-1", 0, evs)
        with pytest.raises(ConflictError):
            store.append("J-1", 0, make_events("J-1", 1, actor="bob"))
        assert store.read("J-1") == evs

    def test_a_stale_expected_sequence_conflicts_and_writes_nothing(self, store: Store) -> None:
        evs = make_events("J-1", 3)
        store.append("J-1", 0, evs)
        with pytest.raises(ConflictError) as info:
            store.append("J-1", 2, make_events("J-1", 1, after=(2, evs[1].hash)))
        assert info.value.job == "J-1" and info.value.expected == 2
        with pytest.raises(ConflictError):
            store.append("J-1", 5, make_events("J-1", 1, after=(5, "f" * 64)))
        assert store.read("J-1") == evs and store.head("J-1") == (3, evs[-1].hash)

    def test_two_handles_racing_on_one_job_one_wins(self, make_store: Callable[[], Store]) -> None:
        a, b = make_store(), make_store()
        try:
            base = make_events("J-1", 1)
            a.append("J-1", 0, base)
            mine = make_events("J-1", 2, after=(1, base[0].hash), actor="a")
            theirs = make_events("J-1", 1, after=(1, base[0].hash), actor="b")
            a.append("J-1", 1, mine)
            with pytest.raises(ConflictError):
                b.append("J-1", 1, theirs)
            assert b.read("J-1") == base + mine
        finally:
            a.close()
            b.close()

    def test_what_one_handle_writes_another_reads(self, make_store: Callable[[], Store]) -> None:
        a = make_store()
        evs = make_events("J-1", 4)
        a.append("J-1", 0, evs)
        a.close()
        b = make_store()
        try:
            assert b.read("J-1") == evs and b.head("J-1") == (4, evs[-1].hash)
        finally:
            b.close()

    # ---------------------------------------------------------- atomicity
    def test_a_malformed_batch_writes_nothing(self, store: Store) -> None:
        good = make_events("J-1", 2)
        store.append("J-1", 0, good)
        bad = make_events("J-1", 3, after=(2, good[-1].hash))
        bad[2] = bad[2]._replace(seq=9)
        with pytest.raises(StoreError):
            store.append("J-1", 2, bad)
        with pytest.raises(StoreError):
            store.append("J-1", 2, [])
        assert store.read("J-1") == good

    # ------------------------------------------------------------ engine
    def test_a_job_runs_on_the_store_and_verifies(self, store: Store) -> None:
        from sopframe.core.engine import Engine
        from sopframe.core.engine.clock import FixedClock

        text = _TINY_TEMPLATE
        engine = Engine(store, roles={"lead": ["lee"], "author": ["alice"]}, clock=FixedClock())
        job = engine.start(text, "tiny.yaml", actor="alice").job_id
        engine.set_fields(job, {"summary": "ok", "count": "2"}, actor="alice")
        engine.complete(job, actor="alice")
        engine.sign(job, "lead", actor="lee")
        state = engine.complete(job, actor="lee")
        assert state.status == "completed"
        assert engine.verify(job) is None
        assert engine.state(job).to_dict() == state.to_dict()


    # ------------------------------------------- templates and job-id counters
    def test_a_template_is_kept_once_per_hash(self, store: Store) -> None:
        store.append("J-1", 0, make_events("J-1", 1), Derived(template=("a" * 64, "text one")))
        store.append("J-2", 0, make_events("J-2", 1), Derived(template=("a" * 64, "text two")))
        assert store.template("a" * 64) == "text one" and store.template("b" * 64) is None

    def test_a_counter_number_is_taken_once_and_only_upwards(self, store: Store) -> None:
        assert store.last_number("J-{seq}") is None
        store.append("J-1", 0, make_events("J-1", 1), Derived(counter=("J-{seq}", 1)))
        with pytest.raises(ConflictError):
            store.append("J-1b", 0, make_events("J-1b", 1), Derived(counter=("J-{seq}", 1)))
        assert store.read("J-1b") == [] and store.last_number("J-{seq}") == 1  # nothing of it written
        store.append("J-3", 0, make_events("J-3", 1), Derived(counter=("J-{seq}", 3)))
        with pytest.raises(ConflictError):
            store.append("J-2", 0, make_events("J-2", 1), Derived(counter=("J-{seq}", 2)))
        assert store.last_number("J-{seq}") == 3 and store.job_ids("J-") == ["J-1", "J-3"]

    # -------------------------------------------------------- read models
    def test_read_models_answer_listings_and_equal_a_rebuild(self, store: Store) -> None:
        from sopframe.core.engine import Engine
        from sopframe.core.engine.clock import FixedClock
        from sopframe.core.migrations import rows_of

        clock = FixedClock("2026-01-05T09:00:00+00:00")
        engine = Engine(store, roles={"lead": ["lee"], "author": ["alice"]}, clock=clock)
        jobs = [engine.start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id for _ in range(5)]
        assert jobs == [f"TINY-{i:03}" for i in range(1, 6)]
        for job in jobs[:2]:
            clock.advance(days=1)
            engine.set_fields(job, {"summary": "ok"}, actor="alice")
            engine.complete(job, actor="alice")
        engine.cancel(jobs[4], "not needed", actor="alice")
        page = store.summaries(JobQuery(limit=2))
        assert [s.job for s in page] == jobs[:2]
        assert [s.job for s in store.summaries(JobQuery(after=page[-1].job, limit=2))] == jobs[2:4]
        assert [s.job for s in store.summaries(JobQuery(status="cancelled"))] == [jobs[4]]
        assert [s.job for s in store.summaries(JobQuery(owners=("lead",)))] == jobs[:2]
        assert [s.job for s in store.summaries(JobQuery(owners=("author",), status="open"))] == jobs[2:4]
        assert store.summaries(JobQuery(template="other")) == []
        assert store.template_ids() == ["tiny"]  # once, however many jobs: what `job list --template` checks
        assert [s.job for s in store.summaries(JobQuery(since="2026-01-06"))] == [*jobs[:2], jobs[4]]
        s = store.summary(jobs[0])
        head = store.head(jobs[0])
        assert s is not None and head is not None and s.open_stages[0].stage == "approve" and s.events == head[0]
        # the write stage has an SLA of one day: the three jobs left in it are overdue two days on
        assert [o.job for o in store.open_stages_due("2026-01-07T10:00:00.000000Z")] == jobs[2:4]
        assert [s.job for s in store.summaries(JobQuery(overdue_at="2026-01-07T10:00:00.000000Z"))] == jobs[2:4]
        # the approve stage waits for the lead's sign-off; the record bars nobody from it yet
        waiting = store.open_signoffs()
        assert [(o.job, o.signoff, o.role, o.barred) for o in waiting] == [(j, "lead", "lead", ()) for j in jobs[:2]]
        assert store.open_signoffs(["lead"]) == waiting and store.open_signoffs(["author"]) == []
        assert store.open_signoffs([]) == []
        before = (store.summaries(JobQuery()), store.sop_rows(), store.open_signoffs(), store.stage_visits())
        assert store.rebuild(rows_of(store)) == (5, [])
        assert (store.summaries(JobQuery()), store.sop_rows(), store.open_signoffs(), store.stage_visits()) == before

    def test_stage_visit_rows_follow_each_visit(self, store: Store) -> None:
        from sopframe.core.engine import Engine
        from sopframe.core.engine.clock import FixedClock

        clock = FixedClock("2026-01-05T09:00:00+00:00")
        engine = Engine(store, roles={"lead": ["lee"], "author": ["alice"]}, clock=clock)
        first = engine.start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id
        second = engine.start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id
        clock.advance(hours=2)
        engine.set_fields(first, {"summary": "ok"}, actor="Alice")
        clock.advance(days=1)
        engine.complete(first, actor="alice")  # past the one-day SLA: a breach is recorded first
        clock.advance(hours=1)
        engine.cancel(second, "not needed", actor="alice")
        t = "2026-01-0{}T{}:00:00.000000Z".format
        assert [tuple(v) for v in store.stage_visits()] == [
            (first, "tiny", "write", "write", None, 1, "author", t(5, "09"), t(5, "11"), "alice", t(6, "11"), "alice",
             "completed", t(6, "09"), t(6, "11")),
            (first, "tiny", "approve", "approve", None, 1, "lead", t(6, "11"), None, None, None, None, "open", None,
             None),
            (second, "tiny", "write", "write", None, 1, "author", t(5, "09"), None, None, t(6, "12"), None,
             "cancelled", t(6, "09"), t(6, "12")),
        ]
        assert [v.node for v in store.stage_visits(job=first)] == ["write", "approve"]
        assert store.stage_visits(template="other") == []
        assert [(v.job, v.node) for v in store.stage_visits(since=t(6, "12"))] == [(first, "approve"),
                                                                                  (second, "write")]

    def test_open_signoff_rows_name_who_segregation_of_duties_bars(self, store: Store) -> None:
        from sopframe.core.engine import Engine
        from sopframe.core.engine.clock import FixedClock
        from sopframe.errors import JobError

        engine = Engine(store, roles={"lead": ["lee", "alice"], "author": ["alice"]}, clock=FixedClock())
        job = engine.start(_SOD_TEMPLATE, "sod.yaml", actor="alice").job_id
        engine.set_fields(job, {"summary": "ok", "author": "alice"}, actor="alice")
        engine.complete(job, actor="alice")
        [row] = store.open_signoffs(["lead"])
        assert [who for who, _why in row.barred] == ["alice"]
        reason = row.reason_barred("alice")
        assert reason is not None and "alice" in reason and row.reason_barred("lee") is None
        with pytest.raises(JobError, match="segregation of duties"):  # the engine refuses her for the same reason
            engine.sign(job, "lead", actor="alice")
        engine.sign(job, "lead", actor="lee")
        assert store.open_signoffs() == []  # given: nothing waits any more

    def test_sop_rows_are_read_by_reference_in_publication_order(self, store: Store) -> None:
        from sopframe.core.readmodel import JobRows, JobSummary, SopRow

        def publish(job: str, ref: str, version: str, at: str) -> SopRow:
            sop = SopRow(ref=ref, version=version, title=job, effective_date=at[:10], next_review=None, job=job,
                         template="t", published_at=at)
            summary = JobSummary(job=job, template="t", version="1", sha256="0" * 64, title=job, status="done",
                                 started_at=at, started_by="u", finished_at=at, last_change=at, events=1)
            store.append(job, 0, make_events(job, 1, type="sop.published", at=at), Derived(JobRows(summary, sop)))
            return sop

        b1 = publish("J1", "SOP-B", "1.0", "2026-01-02T00:00:00.000000Z")
        a1 = publish("J2", "SOP-A", "1.0", "2026-01-03T00:00:00.000000Z")
        b2 = publish("J3", "SOP-B", "2.0", "2026-01-04T00:00:00.000000Z")
        assert store.sop_rows() == [a1, b1, b2]
        assert store.sop_rows("SOP-B") == [b1, b2]
        assert store.sop_rows("SOP-C") == []


    # ------------------------------------------------------ SOP lifecycle
    def test_sop_records_are_kept_beside_their_events_and_equal_a_rebuild(self, store: Store) -> None:
        from sopframe.core.engine import Engine
        from sopframe.core.engine.clock import FixedClock
        from sopframe.core.engine.records import SopRecords
        from sopframe.core.identity import RoleTable
        from sopframe.core.jobcheck import verify_jobs
        from sopframe.core.migrations import rows_of
        from sopframe.testing.sop_lifecycle import CHANGE, GROUPS, ROLES, incident_of, publish

        clock = FixedClock("2026-01-05T09:00:00+00:00")
        engine = Engine(store, roles=ROLES, clock=clock)
        records = SopRecords(store, roles=engine.roles, groups=RoleTable.build(GROUPS), clock=clock)
        publisher = publish(engine)
        clock.advance(hours=1)
        records.acknowledge("SOP-T-001", actor="rita")
        clock.advance(hours=1)
        records.flag("SOP-T-001", "step 2 is out of date", actor="owen")
        clock.advance(hours=1)
        job = engine.start(incident_of(), "inc.yaml", actor="rob").job_id
        change = engine.start(CHANGE, "chg.yaml", actor="carl").job_id
        engine.set_fields(change, {"sops_affected": "SOP-T-001", "significant": "yes"}, actor="carl")
        engine.complete(change, actor="carl")
        (row,) = store.sop_rows()
        assert row.job == publisher and row.acknowledgement and '"group:oncall"' in row.acknowledgement
        assert [(a.stream, a.seq, a.person, a.version) for a in store.ack_rows("SOP-T-001")] == [
            ("sop~SOP-T-001", 1, "rita", "1.0.0")]
        assert store.ack_rows("SOP-T-002") == []
        assert [(f.kind, f.by, f.source) for f in store.flag_rows("SOP-T-001")] == [
            ("flagged", "owen", "sop~SOP-T-001"), ("change", "carl", change)]
        (follows,) = store.sop_job_rows("SOP-T-001")
        assert (follows.job, follows.version, follows.current, follows.reason) == (job, "1.0.0", True, None)
        assert "sop~SOP-T-001" in store.job_ids() and [e.job for e in store.ledger()].count("sop~SOP-T-001") == 2
        before = (store.sop_rows(), store.ack_rows(), store.flag_rows(), store.sop_job_rows())
        assert store.rebuild(rows_of(store)) == (4, [])  # three jobs and one record stream
        assert (store.sop_rows(), store.ack_rows(), store.flag_rows(), store.sop_job_rows()) == before
        assert all(c.ok for c in verify_jobs(store))

    def test_per_item_sub_jobs_and_anchored_deadlines_equal_a_rebuild(self, store: Store) -> None:
        from sopframe.core.engine import Engine
        from sopframe.core.engine.clock import FixedClock
        from sopframe.core.migrations import rows_of

        engine = Engine(store, roles={"author": ["alice"], "lead": ["lee"]},
                        clock=FixedClock("2026-03-01T09:00:00+00:00"))
        job = engine.start(_ITEMS_TEMPLATE, "items.yaml", actor="alice").job_id
        items: list[dict[str, Any]] = [{"id": "F1", "found_at": "2026-02-01"}, {"id": "F2", "found_at": "2026-02-27"}]
        engine.set_fields(job, {}, add={"findings": items}, actor="alice")
        engine.cancel(f"{job}-F2", "a false positive", actor="alice")
        summary = store.summary(job)
        assert summary is not None and [(o.subjob, o.due) for o in summary.open_stages if o.subjob] == \
            [(f"{job}-F1", "2026-02-08T00:00:00.000000Z")]  # a week from discovery, not from the start
        assert [o.job for o in store.open_stages_due("2026-03-01T09:00:00.000000Z")] == [job]
        before = (store.summaries(JobQuery()), store.open_signoffs())
        assert store.rebuild(rows_of(store)) == (1, [])
        assert (store.summaries(JobQuery()), store.open_signoffs()) == before
        assert verify_chain(job, store.read(job), store.head(job)) is None

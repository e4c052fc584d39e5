"""Read models: for any history, the rows kept by each append equal the rows a rebuild derives from the events."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.migrations import rows_of
from sopframe.core.readmodel import JobQuery
from sopframe.core.store import Store
from sopframe.errors import JobError
from sopframe_plugins.store_memory import MemoryStore
from sopframe_plugins.store_sqlite import SqliteStore

from .conftest import ROLES, lifecycle_text
from .test_properties import command, run_command


def snapshot(store: Store) -> tuple[object, ...]:
    return (store.summaries(JobQuery()), store.sop_rows(), store.open_stages_due("9999"), store.open_signoffs(),
            store.stage_visits())


def run(store: Store, commands: list[tuple[str, str, str, str]], jobs: int) -> None:
    clock = FixedClock()
    engine = Engine(store, roles=ROLES, clock=clock)
    ids = [engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id for _ in range(jobs)]
    for i, (op, suffix, arg, user) in enumerate(commands):
        clock.advance(hours=7)
        ref = ids[i % jobs] + suffix
        try:
            run_command(engine, ref, op, arg, user)
        except JobError:
            pass


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(command, min_size=1, max_size=30), st.integers(1, 3), st.booleans())
def test_rebuild_equals_the_incremental_read_models(commands: list[tuple[str, str, str, str]], jobs: int,
                                                    sqlite: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store: Store = SqliteStore(Path(tmp) / "jobs.db") if sqlite else MemoryStore()
        try:
            run(store, commands, jobs)
            incremental = snapshot(store)
            assert [s.job for s in incremental[0]] == store.job_ids()  # type: ignore[attr-defined]
            assert store.rebuild(rows_of(store)) == (jobs, [])
            assert snapshot(store) == incremental
        finally:
            store.close()


def test_a_whole_lifecycle_keeps_summary_open_stages_and_sop_row() -> None:
    from .conftest import walk_to

    store = MemoryStore()
    clock = FixedClock("2026-01-05T09:00:00+00:00")
    engine = Engine(store, roles=ROLES, clock=clock)
    job = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, job, "components", clock)
    s = store.summary(job)
    assert s is not None and s.status == "open" and s.events == store.head(job)[0]  # type: ignore[index]
    assert {o.subjob for o in s.open_stages} == {None, f"{job}-A", f"{job}-B"}  # the split stage and its sub-jobs
    assert all(o.owner for o in s.open_stages if o.subjob)
    assert store.summaries(JobQuery(owners=("nobody",))) == []
    owner = s.open_stages[0].owner
    assert [x.job for x in store.summaries(JobQuery(owners=(owner,)))] == [job]  # type: ignore[arg-type]
    walk_to(engine, job, "never", clock)
    done = store.summary(job)
    assert done is not None and done.status == "completed" and done.open_stages == ()
    assert [p.job for p in store.sop_rows()] == [job]
    assert store.summaries(JobQuery(status="open")) == []


def split_job(store: Store) -> None:
    from .conftest import walk_to

    clock = FixedClock("2026-01-06T09:00:00+00:00")
    engine = Engine(store, roles=ROLES, clock=clock)
    walk_to(engine, engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id, "components", clock)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(command, min_size=1, max_size=30), st.integers(1, 3))
def test_sqlite_reads_give_the_rows_the_engine_derived(commands: list[tuple[str, str, str, str]], jobs: int) -> None:
    """The SQL store's listings (rows read back into summaries, open stages, overdue items) equal the memory
    store's, which keeps the objects the engine derived: same values, same order, every page and filter."""
    from datetime import datetime, timezone

    from sopframe.core.engine.sops import overdue

    with tempfile.TemporaryDirectory() as tmp:
        sql = SqliteStore(Path(tmp) / "jobs.db")
        try:
            memory = MemoryStore()
            for store in (sql, memory):
                run(store, commands, jobs)
                split_job(store)  # a job with sub-jobs: several open stages, sub-job rows
            assert snapshot(sql) == snapshot(memory)
            for query in (JobQuery(status="open"), JobQuery(owners=("author", "it_lead")), JobQuery(limit=1),
                          JobQuery(after=sql.job_ids()[0]), JobQuery(overdue_at="2026-01-09T00:00:00.000000Z"),
                          JobQuery(since="2026-01-05T16:00:00.000000Z")):
                assert sql.summaries(query) == memory.summaries(query), query
            for job in sql.job_ids():
                assert sql.summary(job) == memory.summary(job)
            now = datetime(2026, 2, 1, tzinfo=timezone.utc)
            got = [i.to_dict() for i in overdue(Engine(sql, roles=ROLES), now)]
            assert got == [i.to_dict() for i in overdue(Engine(memory, roles=ROLES), now)]
        finally:
            sql.close()

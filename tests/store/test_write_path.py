"""The durable write path: an engine's append writes only the read-model rows that changed, in few statements.

Every read model must still equal what a rebuild derives from the events,
on SQLite and PostgreSQL, through a whole lifecycle (sub-jobs, sign-offs,
a rejection, SLA breaches, publication).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from engine.conftest import ROLES, lifecycle_text, walk_to
from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.identity import RoleTable
from sopframe.core.jobcheck import verify_jobs
from sopframe.core.migrations import rows_of
from sopframe.core.readmodel import JobQuery
from sopframe.core.store import Derived, Store, open_store
from sopframe.errors import ConflictError
from sopframe.pluginmanager import load_plugins
from sopframe.testing.store_contract import _TINY_TEMPLATE, make_events


def _read_models(store: Store) -> tuple[Any, ...]:
    return (store.summaries(JobQuery()), store.open_stages_due("9999"), store.open_signoffs(), store.stage_visits(),
            store.sop_rows(), store.flag_rows(), store.sop_job_rows())


def test_a_lifecycle_written_change_by_change_equals_a_rebuild(url: str) -> None:
    store = open_store(url, load_plugins())
    try:
        clock = FixedClock("2026-01-05T09:00:00+00:00")
        engine = Engine(store, roles=ROLES, clock=clock)
        job = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
        walk_to(engine, job, "technical_review", clock)
        engine.sign(job, "it_lead", actor="lee")
        clock.advance(days=30)  # the review's SLA runs out: the next command records the breach
        engine.reject(job, "the scope is wrong", actor="lee")
        assert engine._rows[job].summary.events == engine.state(job).seq  # the next append writes what differs
        walk_to(engine, job, "", clock)  # to the end: sub-jobs, sign-offs, publication
        assert engine.state(job).status == "completed"
        other = engine.start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id
        written = _read_models(store)
        assert all(c.ok for c in verify_jobs(store)), [c.drift for c in verify_jobs(store) if not c.ok]
        assert store.rebuild(rows_of(store)) == (2, [])
        assert _read_models(store) == written
        assert store.summary(other) is not None and store.sop_rows()[0].job == job
    finally:
        store.close()


def test_a_repeated_command_writes_no_unchanged_table(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'jobs.db'}", load_plugins())
    engine = Engine(store, roles={"author": ["alice"], "lead": ["lee"]})
    job = engine.start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id
    engine.set_fields(job, {"summary": "one"}, actor="alice")  # the stage's first action: its visit row changes
    seen: list[str] = []
    store.db.set_trace_callback(seen.append)  # type: ignore[attr-defined]
    engine.set_fields(job, {"summary": "two"}, actor="alice")
    store.db.set_trace_callback(None)  # type: ignore[attr-defined]
    writes = [" ".join(s.split()[:3]) for s in seen if not s.startswith(("BEGIN", "COMMIT", "SELECT"))]
    assert writes == ["UPDATE jobs SET", "INSERT INTO events", "INSERT INTO job_summary", "INSERT INTO ledger"]
    # no read-model table rewritten, no role table, and no ledger head row (on SQLite the head is the last entry)
    assert "last_change = excluded.last_change, events = excluded.events" in seen[3]
    assert store.summary(job).events == engine.state(job).seq == 4 and all(c.ok for c in verify_jobs(store))
    store.close()


def test_an_append_that_claims_rows_the_store_lacks_still_writes_the_summary(url: str) -> None:
    store = open_store(url, load_plugins())
    try:
        engine = Engine(store, roles={"author": ["alice"], "lead": ["lee"]})
        job = engine.start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id
        store._x("DELETE FROM job_summary")  # type: ignore[attr-defined]  # lost behind the engine's back
        engine.set_fields(job, {"summary": "one"}, actor="alice")
        assert store.summary(job) == store.summaries(JobQuery())[0] and store.summary(job).events == 3
        assert all(c.ok for c in verify_jobs(store))
    finally:
        store.close()


def test_a_conflict_names_where_the_job_is_and_keeps_nothing(url: str) -> None:
    store = open_store(url, load_plugins())
    try:
        evs = make_events("J-1", 3)
        store.append("J-1", 0, evs)
        with pytest.raises(ConflictError) as info:
            store.append("J-1", 1, make_events("J-1", 1, after=(1, evs[0].hash)))
        assert (info.value.expected, info.value.actual) == (1, 3)
        store.append("J-2", 0, make_events("J-2", 1), Derived(counter=("K", 2)))
        ledger = list(store.ledger())
        with pytest.raises(ConflictError) as info:  # a number another writer took: the job is where expected
            store.append("J-3", 0, make_events("J-3", 1), Derived(counter=("K", 2)))
        assert info.value.actual is None
        assert store.read("J-1") == evs and store.head("J-3") is None and list(store.ledger()) == ledger
        assert store.last_number("K") == 2
    finally:
        store.close()


def test_a_role_table_is_stored_once_and_again_after_a_migration_made_the_table_anew(tmp_path: Path) -> None:
    path = tmp_path / "jobs.db"
    store = open_store(f"sqlite:///{path}", load_plugins())
    engine = Engine(store, roles={"author": ["alice"], "lead": ["lee"]})
    job = engine.start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id
    seen: list[str] = []
    store.db.set_trace_callback(seen.append)  # type: ignore[attr-defined]
    engine.set_fields(job, {"summary": "one"}, actor="alice")
    assert not any("role_tables" in s for s in seen)
    store._kept_roles = frozenset()  # type: ignore[attr-defined]  # what apply_migration does
    engine.set_fields(job, {"summary": "two"}, actor="alice")
    assert any("INSERT INTO role_tables" in s for s in seen)
    store.db.set_trace_callback(None)  # type: ignore[attr-defined]
    store.close()
    rows = sqlite3.connect(path).execute("SELECT count(*) FROM role_tables").fetchone()
    assert rows == (1,)


def test_the_engine_checks_a_name_again_under_a_new_role_table() -> None:
    from sopframe_plugins.store_memory import MemoryStore

    engine = Engine(MemoryStore(), roles={"author": ["alice"]})
    assert engine._actor("Alice@Example.com") == "alice@example.com"
    engine.roles = RoleTable.build({"author": ["alice"]}, aliases={"alice@example.com": "alice"})
    assert engine._actor("Alice@Example.com") == "alice"  # the name kept from before is not reused


def test_a_postgres_append_is_sent_in_two_messages(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from sopframe_plugins import store_batch

    sent: list[list[str]] = []
    send = store_batch.Batch.send

    def counted(self: store_batch.Batch) -> None:
        if self._queued:
            sent.append([sql for sql, _ in self._queued])
        send(self)

    monkeypatch.setattr(store_batch.Batch, "send", counted)
    store = open_store(postgres_url, load_plugins())
    try:
        engine = Engine(store, roles={"author": ["alice"], "lead": ["lee"]})
        job = engine.start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id
        sent.clear()
        engine.set_fields(job, {"summary": "it's a \\ 'quoted' value; with; semicolons"}, actor="alice")
        assert len(sent) == 2  # up to the ledger's head, then the entry and the commit
        assert sent[0][0] == "BEGIN" and sent[1][-1] == "COMMIT"
        executed = sent[0][1:] + sent[1][:-1]  # each statement prepared on the connection, sent as EXECUTE
        assert executed and all(sql.startswith("EXECUTE sopframe_") for sql in executed)
        prepared = dict(store.db.execute("SELECT name, statement FROM pg_prepared_statements").fetchall())
        assert "ledger_head" in prepared[sent[0][-1].split()[1]]
        assert engine.history(job)[-1].data["value"] == "it's a \\ 'quoted' value; with; semicolons"
        assert all(c.ok for c in verify_jobs(store))
    finally:
        store.close()

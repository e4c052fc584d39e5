"""Schema versions: old stores migrate without losing an event, newer ones are refused, crashes are safe."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.engine.events import verify_chain
from sopframe.core.migrations import MIGRATIONS, migrate, status
from sopframe.core.readmodel import JobQuery
from sopframe.core.store import SCHEMA_VERSION, Store, open_store
from sopframe.errors import StoreError
from sopframe.pluginmanager import load_plugins

from .old_layout import make_old_postgres, make_old_sqlite, old_job

OLD = {"TINY-001": old_job("TINY-001"), "TINY-002": old_job("TINY-002", 5)}


def _migrated_store_keeps_everything(store: Store) -> None:
    for job, events in OLD.items():
        assert store.read(job) == events  # not one event lost or changed
        assert verify_chain(job, store.read(job), store.head(job)) is None
    assert [s.job for s in store.summaries(JobQuery())] == ["TINY-001", "TINY-002"]
    assert store.summary("TINY-002").events == 7 and store.summary("TINY-002").open_stages[0].stage == "write"
    engine = Engine(store, roles={"author": ["alice"], "lead": ["lee"]}, clock=FixedClock())
    assert engine.verify("TINY-001") is None
    engine.set_fields("TINY-001", {"summary": "after", "count": "2"}, actor="alice")  # old jobs run on
    engine.complete("TINY-001", actor="alice")
    assert engine.start(OLD["TINY-001"][0].data["template"]["text"], "tiny.yaml", actor="alice").job_id == "TINY-003"
    assert engine.verify("TINY-001") is None and engine.verify("TINY-003") is None
    assert store.summary("TINY-001").open_stages[0].stage == "approve"


def test_an_old_sqlite_file_migrates_itself_on_open(tmp_path: Path) -> None:
    make_old_sqlite(tmp_path / "old.db", OLD)
    store = open_store(f"sqlite:///{tmp_path / 'old.db'}", load_plugins())
    try:
        assert status(store).current == SCHEMA_VERSION
        _migrated_store_keeps_everything(store)
    finally:
        store.close()


def test_an_old_postgres_store_is_refused_until_migrated(postgres_empty_url: str) -> None:
    from sopframe_plugins.store_postgres import PostgresStore

    make_old_postgres(postgres_empty_url, OLD)
    with pytest.raises(StoreError, match=f"schema version 1; this sopframe needs version {SCHEMA_VERSION}") as info:
        open_store(postgres_empty_url, load_plugins())
    assert "sopframe store migrate" in (info.value.hint or "")
    with PostgresStore(postgres_empty_url) as raw:
        assert [m.version for m in migrate(raw)] == list(range(2, SCHEMA_VERSION + 1))
        assert migrate(raw) == []  # a second run has nothing to do
    store = open_store(postgres_empty_url, load_plugins())
    try:
        _migrated_store_keeps_everything(store)
    finally:
        store.close()


def test_an_empty_postgres_store_says_to_init(postgres_empty_url: str) -> None:
    with pytest.raises(StoreError, match="has no sopframe tables yet") as info:
        open_store(postgres_empty_url, load_plugins())
    assert "sopframe store init" in (info.value.hint or "")


def _mark_newer(store: Store, sql: str) -> None:
    from sopframe_plugins.store_sql import SqlStore

    assert isinstance(store, SqlStore)
    store._x(sql)


def test_a_newer_store_is_refused(tmp_path: Path, postgres_url: str) -> None:
    from sopframe_plugins.store_postgres import PostgresStore
    from sopframe_plugins.store_sqlite import SqliteStore

    url = f"sqlite:///{tmp_path / 'new.db'}"
    with SqliteStore(tmp_path / "new.db") as s:
        _mark_newer(s, "INSERT INTO sopframe_schema VALUES (99, 'future', '2030-01-01')")
    with pytest.raises(StoreError, match="schema version 99, newer than this sopframe"):
        open_store(url, load_plugins())
    with PostgresStore(postgres_url) as s:
        _mark_newer(s, "INSERT INTO sopframe_schema VALUES (99, 'future', '2030-01-01')")
    with pytest.raises(StoreError, match="schema version 99, newer than this sopframe"):
        open_store(postgres_url, load_plugins())


def test_a_failing_step_keeps_nothing_and_runs_again(tmp_path: Path) -> None:
    from sopframe_plugins.store_sqlite import SqliteStore

    make_old_sqlite(tmp_path / "old.db", OLD)
    store = SqliteStore(tmp_path / "old.db", migrate_on_open=False)

    def broken(events):  # type: ignore[no-untyped-def]
        raise RuntimeError("the lights went out")

    with pytest.raises(RuntimeError):
        store.apply_migration(2, broken)
    assert store.schema_version() == 1 and not store._table_exists("job_summary")  # the DDL rolled back too
    migrate(store)
    _migrated_store_keeps_everything(store)
    store.close()


KILLED_MIGRATOR = """
import sys, time
from sopframe.core import migrations
from sopframe_plugins.store_sqlite import SqliteStore
real = migrations.rows_of
def slow(store):
    rows = real(store)
    def go(events):
        print("rows", flush=True)
        time.sleep(0.5)
        return rows(events)
    return go
migrations.rows_of = slow
store = SqliteStore(sys.argv[1], migrate_on_open=False)
migrations.migrate(store)
"""


def test_a_migration_killed_with_sigkill_can_be_run_again(tmp_path: Path) -> None:
    make_old_sqlite(tmp_path / "old.db", OLD)
    proc = subprocess.Popen([sys.executable, "-c", KILLED_MIGRATOR, str(tmp_path / "old.db")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "rows", proc.stderr.read() if proc.stderr else ""  # mid-step
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    from sopframe_plugins.store_sqlite import SqliteStore

    with SqliteStore(tmp_path / "old.db", migrate_on_open=False) as store:
        assert store.schema_version() == 1
    store = open_store(f"sqlite:///{tmp_path / 'old.db'}", load_plugins())
    try:
        _migrated_store_keeps_everything(store)
    finally:
        store.close()


def test_a_read_model_step_fills_its_tables_from_the_events(url: str) -> None:
    """A store from before the inbox's and the report's read models gains them, filled as appends would."""
    from sopframe.core.migrations import MIGRATIONS
    from sopframe.testing.store_contract import _SOD_TEMPLATE
    from sopframe_plugins.store_outbox import OUTBOX_VERSION
    from sopframe_plugins.store_auth import AUTH_TABLES, AUTH_VERSION
    from sopframe_plugins.store_readmodel import READ_MODELS, SOP_RECORDS
    from sopframe_plugins.store_sql import SqlStore

    store = open_store(url, load_plugins())
    try:
        engine = Engine(store, roles={"author": ["alice"], "lead": ["lee", "alice"]}, clock=FixedClock())
        for _ in range(3):
            job = engine.start(_SOD_TEMPLATE, "sod.yaml", actor="alice").job_id
            engine.set_fields(job, {"summary": "ok", "author": "alice"}, actor="alice")
        engine.complete(job, actor="alice")  # the last one waits for the lead's sign-off
        before, visits = store.open_signoffs(), store.stage_visits()
        assert len(visits) == 3 + 1  # every job's write visit (two still open), and the last one's approve
        assert [(o.job, o.signoff, [who for who, _ in o.barred]) for o in before] == [(job, "lead", ["alice"])]
        since = READ_MODELS["open_signoffs"]
        assert isinstance(store, SqlStore)
        with store._tx():  # back to the schema before that step
            for table, version in [*READ_MODELS.items(), *((t, AUTH_VERSION) for t in AUTH_TABLES)]:
                if version >= since:
                    store._x(f"DROP TABLE {table}")
            if since <= SOP_RECORDS:  # that step also added a column to sops
                store._x("ALTER TABLE sops DROP COLUMN acknowledgement")
            if OUTBOX_VERSION >= since:  # a later step's table goes too
                store._x("DROP TABLE outbox")
            for table in ("role_tables", "attachments"):  # the later steps undone too
                store._x(f"DROP TABLE {table}")
            store._x("ALTER TABLE ledger DROP COLUMN roles")
            store._x("DELETE FROM sopframe_schema WHERE version >= ?", (since,))
        assert store.schema_version() == since - 1
        assert [m.version for m in migrate(store)] == [m.version for m in MIGRATIONS if m.version >= since]
        assert store.open_signoffs() == before and store.stage_visits() == visits
        assert engine.verify(job) is None
    finally:
        store.close()


def test_the_sop_lifecycle_step_fills_its_rows_from_the_events(url: str) -> None:
    """A store at the version before the SOP-lifecycle read models gains them, equal to what appends wrote."""
    from sopframe.core.engine.records import SopRecords
    from sopframe.core.identity import RoleTable
    from sopframe.testing.sop_lifecycle import CHANGE, GROUPS, ROLES, incident_of, publish
    from sopframe_plugins.store_readmodel import READ_MODELS, SOP_RECORDS

    store = open_store(url, load_plugins())
    try:
        clock = FixedClock("2026-01-05T09:00:00+00:00")
        engine = Engine(store, roles=ROLES, clock=clock)
        publish(engine)
        SopRecords(store, roles=engine.roles, groups=RoleTable.build(GROUPS), clock=clock).acknowledge(
            "SOP-T-001", actor="rita")
        engine.start(incident_of(), "inc.yaml", actor="rob")
        change = engine.start(CHANGE, "chg.yaml", actor="carl").job_id
        engine.set_fields(change, {"sops_affected": "SOP-T-001", "significant": "yes"}, actor="carl")
        engine.complete(change, actor="carl")
        before = (store.sop_rows(), store.ack_rows(), store.flag_rows(), store.sop_job_rows())
        assert all(before)
        with store._tx():  # type: ignore[attr-defined]  # back to the schema before that step
            for table, version in READ_MODELS.items():
                if version >= SOP_RECORDS:
                    store._x(f"DROP TABLE {table}")  # type: ignore[attr-defined]
            store._x("ALTER TABLE sops DROP COLUMN acknowledgement")  # type: ignore[attr-defined]
            store._x("DELETE FROM sopframe_schema WHERE version >= ?", (SOP_RECORDS,))  # type: ignore[attr-defined]
        assert [m.version for m in migrate(store)] == [m.version for m in MIGRATIONS if m.version >= SOP_RECORDS]
        assert (store.sop_rows(), store.ack_rows(), store.flag_rows(), store.sop_job_rows()) == before
    finally:
        store.close()

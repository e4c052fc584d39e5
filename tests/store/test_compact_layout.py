"""Schema version 12 (compact events and ledger) on stores made in version 11's layout, SQLite and PostgreSQL.

Version 11 drops the stored ``prev`` columns, keeps hashes as 32 bytes and
indexes only the rare event types (plugins/store_events.py).  A store of
version 11 must migrate without losing or changing an event or a ledger
entry, a checkpoint signed before the step must still verify after it, a
tampered store must stay caught, and a step killed half-way must leave
version 11 intact and run again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engine.conftest import ROLES, walk_to
from sopframe.checkpoints import init_keys, load_private_key, load_public_key, read_checkpoints
from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.engine.events import canonical
from sopframe.core.migrations import migrate
from sopframe.core.store import open_store
from sopframe.evidence.verify import checkpoint_store, verify_store
from sopframe.pluginmanager import load_plugins
from sopframe_plugins.store_sql import SqlStore

from .test_tamper_evidence import store  # noqa: F401 (the fixture: a finished and a half-way lifecycle job)

#: the tables version 12 changes, as version 11 created them (copied from the store code of that version)
V11_TABLES = """
CREATE TABLE jobs (job TEXT PRIMARY KEY, head_seq {big} NOT NULL, head_hash TEXT NOT NULL);
CREATE TABLE events (
    job TEXT NOT NULL, seq {big} NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, actor TEXT NOT NULL,
    at TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (job, seq)
){events_options};
CREATE INDEX events_by_type ON events (type, at);
CREATE TABLE ledger (
    n {big} PRIMARY KEY, job TEXT NOT NULL, first_seq {big} NOT NULL, last_seq {big} NOT NULL,
    head TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL, roles TEXT
);
CREATE INDEX ledger_by_job ON ledger (job, n)
"""


def raw_store(url: str) -> SqlStore:
    """The store at ``url`` opened without migrating it."""
    from sopframe_plugins.store_postgres import PostgresStore
    from sopframe_plugins.store_sqlite import SqliteStore, path_from_url

    if url.startswith("sqlite:"):
        return SqliteStore(path_from_url(url), url, migrate_on_open=False)
    return PostgresStore(url)


def to_version_11(store: SqlStore) -> None:
    """Rewrite the tables version 12 changed into version 11's layout, row for row, as that version wrote them."""
    heads = store.heads()
    events = [e for job in store.job_ids() for e in store.read(job)]
    entries = list(store.ledger())
    with store._tx():
        for table in ("jobs", "events", "ledger"):
            store._x(f"DROP TABLE {table}")
        for stmt in V11_TABLES.format(big=store.big, events_options=store.events_options).split(";"):
            store._x(stmt)
        store._many("INSERT INTO jobs VALUES (?, ?, ?)", [(j, seq, h) for j, (seq, h) in heads.items()])
        store._many("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(e.job, e.seq, e.type, canonical(e.data).decode(), e.actor, e.at, e.prev, e.hash) for e in events])
        store._many("INSERT INTO ledger VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [tuple(e) for e in entries])
        if entries:  # version 11 kept the head in its row (version 13 keeps it there on PostgreSQL only)
            store._x("UPDATE ledger_head SET n = ?, hash = ? WHERE id = 1", (entries[-1].n, entries[-1].hash))
        store._x("DELETE FROM sopframe_schema WHERE version >= 12")


def columns(store: SqlStore, table: str) -> list[str]:
    return [d[0] for d in store._x(f"SELECT * FROM {table} WHERE 1 = 0").description]


def contents(store: SqlStore) -> tuple[Any, ...]:
    return ({j: store.read(j) for j in store.job_ids()}, store.heads(), list(store.ledger()))


def test_a_version_11_store_migrates_without_losing_or_changing_anything(store: SqlStore, tmp_path: Path) -> None:
    init_keys(tmp_path / "k", tmp_path / "k.pub")
    checkpoint_store(store, load_private_key(tmp_path / "k"), tmp_path / "cps.jsonl", time="2026-03-01T00:00:00Z")
    cps = read_checkpoints(tmp_path / "cps.jsonl", load_public_key(tmp_path / "k.pub"))
    before = contents(store)
    to_version_11(store)
    assert store.schema_version() == 11 and "prev" in columns(store, "events") and "prev" in columns(store, "ledger")
    assert [m.version for m in migrate(store)] == [12, 13, 14]
    assert "prev" not in columns(store, "events") and "prev" not in columns(store, "ledger")
    stored = [bytes(r[0]) for r in store._query("SELECT hash FROM events")]
    assert stored and all(len(h) == 32 for h in stored)  # 32 bytes, not 64 hex characters
    assert contents(store) == before  # every event, prev included, every head and ledger entry
    report = verify_store(store, checkpoints=cps, replay=True)
    assert report.ok and report.covered_entries == len(before[2]), report.problems
    engine = Engine(store, roles=ROLES, clock=FixedClock("2026-02-05T09:00:00+00:00"))
    half = store.job_ids()[-1]
    walk_to(engine, half, "approval", engine.clock, version="1.1")  # the migrated jobs run on
    assert verify_store(store, checkpoints=cps, replay=True).ok


@pytest.mark.parametrize("sql", [
    "UPDATE events SET actor = 'mallory' WHERE seq = 5",
    "UPDATE events SET hash = 'not a hash' WHERE seq = 3",
    "UPDATE ledger SET head = upper(head) WHERE n = 2",
], ids=["edited event", "broken hash", "altered ledger entry"])
def test_a_tampered_version_11_store_migrates_and_stays_caught(store: SqlStore, sql: str) -> None:
    to_version_11(store)
    with store._tx():
        store._x(sql)
    assert [m.version for m in migrate(store)] == [12, 13, 14]
    report = verify_store(store)
    assert not report.ok and report.problems, "the step must not launder a tampered row"


KILLED_MIGRATOR = """
import sys, time
from sopframe.core import migrations
from tests_store_compact import raw_store
store = raw_store(sys.argv[1])
cls = type(store)
real = cls._compact_tables
def slow(self):
    real(self)
    print("compacted", flush=True)  # the tables are rewritten, the step's transaction is still open
    time.sleep(60)
cls._compact_tables = slow
migrations.migrate(store)
"""


def test_a_step_killed_half_way_leaves_version_11_and_runs_again(store: SqlStore, url: str) -> None:
    before = contents(store)
    to_version_11(store)
    store.close()
    here = Path(__file__).parent
    code = KILLED_MIGRATOR.replace("from tests_store_compact import", "from store.test_compact_layout import")
    proc = subprocess.Popen([sys.executable, "-c", code, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=here.parent, env={**os.environ, "PYTHONPATH": str(here.parent)})
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line == "compacted", proc.stderr.read() if proc.stderr else ""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    with raw_store(url) as again:
        assert again.schema_version() == 11 and "prev" in columns(again, "events")  # nothing of the step kept
        assert [m.version for m in migrate(again)] == [12, 13, 14]
        assert contents(again) == before and verify_store(again).ok


def test_version_14_ends_the_visits_of_sub_jobs_cancelled_before_it(url: str) -> None:
    """A store of version 13 kept a cancelled per-item sub-job's stage visit open; the step rebuilds the read
    models from the events, so the visit ends and `verify` finds no drift, with every event unchanged."""
    from engine.test_lists import ROLES as SCAN_ROLES, SCAN, item

    store = open_store(url, load_plugins(), create=True)
    engine = Engine(store, roles=SCAN_ROLES, clock=FixedClock("2026-03-01T09:00:00+00:00"))
    job = engine.start(SCAN, "scan.yaml", actor="ann").job_id
    engine.set_fields(job, {"scanned_at": "2026-03-01"}, actor="ann")
    engine.complete(job, actor="ann")
    engine.set_fields(job, {}, add={"findings": [item("F1"), item("F2")]}, actor="ann")
    engine.cancel(f"{job}-FF2", "false positive", actor="ann")
    store.close()
    raw = raw_store(url)
    before = contents(raw)
    node = "remediate/finding#F2/patch"
    with raw._tx():  # what version 13's code wrote for that visit, and its version
        raw._x("UPDATE stage_visits SET outcome = 'open', closed_at = NULL WHERE job = ? AND node = ?", (job, node))
        raw._x("DELETE FROM sopframe_schema WHERE version = 14")
    assert raw.schema_version() == 13
    assert [m.version for m in migrate(raw)] == [14]
    ((outcome, closed),) = raw._query("SELECT outcome, closed_at FROM stage_visits WHERE job = ? AND node = ?",
                                      (job, node))
    assert outcome == "cancelled" and closed
    assert contents(raw) == before
    report = verify_store(raw)
    assert report.ok, report.problems
    raw.close()

"""Chaining the ledger without a hot row, on a real PostgreSQL server (plugins/store_ledger.py).

An append that finds the ledger's head held by another transaction does not
wait for it: it records its batch in ``ledger_pending``, and whoever takes
the head next chains it.  These tests hold the head from a second
connection, as a concurrent append would, and check that nothing is lost,
duplicated or left unchecked.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterator

import pytest

from sopframe.checkpoints import init_keys, load_private_key, load_public_key, read_checkpoints
from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.evidence.verify import checkpoint_store, verify_store
from sopframe.testing.contract_support import _TINY_TEMPLATE, make_events
from sopframe_plugins.store_postgres import PostgresStore


@pytest.fixture
def stores(postgres_url: str) -> Iterator[tuple[PostgresStore, PostgresStore]]:
    """A store that holds the ledger's head when told to, and one that appends (and would rather fail than wait)."""
    holder, writer = PostgresStore(postgres_url), PostgresStore(postgres_url)
    writer.db.execute("SET lock_timeout = '10s'")  # waiting for the head would fail the append, not hang the test
    yield holder, writer
    holder.close()
    writer.close()


def _hold_head(store: PostgresStore) -> None:
    store._x("SELECT n FROM ledger_head WHERE id = 1 FOR UPDATE")


def _entries(store: PostgresStore) -> list[tuple[int, str, int, int]]:
    return [(e.n, e.job, e.first, e.last) for e in store.ledger()]


def test_an_append_that_finds_the_head_busy_records_its_batch_and_does_not_wait(
        stores: tuple[PostgresStore, PostgresStore]) -> None:
    holder, writer = stores
    first = make_events("J-1", 2)
    writer.append("J-1", 0, first)
    more, other = make_events("J-1", 1, after=(2, first[-1].hash)), make_events("J-2", 1)
    with holder._tx():
        _hold_head(holder)
        writer.append("J-1", 2, more)
        writer.append("J-2", 0, other)
        assert [(e.n, e.job, e.first, e.last, e.head) for e in writer.ledger_pending()] == [
            (2, "J-1", 3, 3, more[-1].hash), (3, "J-2", 1, 1, other[-1].hash)]
        report = verify_store(writer, read_models=False)
        assert report.ok and report.pending == 2, report.problems
        assert report.uncovered == {"J-1": (1, 3), "J-2": (1, 1)}
        assert any("2 batches recorded but not chained into the ledger yet" in n for n in report.notes())
    assert _entries(writer) == [(1, "J-1", 1, 2)]  # the holder chained nothing
    last = make_events("J-2", 1, after=(1, other[-1].hash))
    writer.append("J-2", 1, last)  # the head is free: pending batches first, in their order, then this one
    assert writer.ledger_pending() == []
    assert _entries(writer) == [(1, "J-1", 1, 2), (2, "J-1", 3, 3), (3, "J-2", 1, 1), (4, "J-2", 2, 2)]
    assert verify_store(writer, read_models=False).ok


def test_a_checkpoint_chains_pending_batches_first_and_covers_them(stores: tuple[PostgresStore, PostgresStore],
                                                                   tmp_path: Path) -> None:
    holder, writer = stores
    engine = Engine(writer, roles={"author": ["alice"], "lead": ["lee"]}, clock=FixedClock())
    job = engine.start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id
    with holder._tx():
        _hold_head(holder)
        engine.set_fields(job, {"summary": "pending"}, actor="alice")
    assert len(writer.ledger_pending()) == 1
    init_keys(tmp_path / "k", tmp_path / "k.pub")
    checkpoint_store(writer, load_private_key(tmp_path / "k"), tmp_path / "cps.jsonl", time="2026-03-01T00:00:00Z")
    cps = read_checkpoints(tmp_path / "cps.jsonl", load_public_key(tmp_path / "k.pub"))
    assert writer.ledger_pending() == [] and cps[-1].size == 2
    report = verify_store(writer, checkpoints=cps, replay=True)
    assert report.ok and report.uncovered == {} and report.covered_entries == 2, report.problems
    assert writer.seal_ledger() == 0


@pytest.mark.parametrize("sql, words", [
    ("DELETE FROM ledger_pending", "has events 3-3 the ledger does not record"),
    ("UPDATE ledger_pending SET head = decode(repeat('ab', 32), 'hex')", "but the stored event's hash is"),
    ("UPDATE ledger_pending SET last_seq = 2", "the job's ledger entries so far end at event 2"),
], ids=["deleted", "rewritten head", "overlapping"])
def test_a_pending_batch_tampered_with_is_caught(stores: tuple[PostgresStore, PostgresStore], sql: str,
                                                 words: str) -> None:
    holder, writer = stores
    evs = make_events("J-1", 3)
    writer.append("J-1", 0, evs[:2])
    with holder._tx():
        _hold_head(holder)
        writer.append("J-1", 2, evs[2:])
    assert verify_store(writer, read_models=False).ok
    with writer._tx():
        writer._x(sql)
    report = verify_store(writer, read_models=False)
    assert not report.ok and any(words in p for p in report.problems), report.problems


def test_concurrent_writers_lose_and_duplicate_no_batch(postgres_url: str) -> None:
    """Four connections append to four jobs at once: every batch ends up chained exactly once."""
    batches, errors = 25, []

    def write(k: int) -> None:
        try:
            with PostgresStore(postgres_url) as s:
                job, seq, head = f"J-{k}", 0, "0" * 64
                for _ in range(batches):
                    evs = make_events(job, 2, after=(seq, head))
                    s.append(job, seq, evs)
                    seq, head = evs[-1].seq, evs[-1].hash
        except Exception as exc:  # reported below, with the writer that met it
            errors.append(f"writer {k}: {exc!r}")

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with PostgresStore(postgres_url) as s:
        report = verify_store(s, read_models=False)  # ledger and pending together tile every job
        assert report.ok and report.events == 4 * batches * 2, report.problems
        s.seal_ledger()
        entries = list(s.ledger())
        assert len(entries) == 4 * batches and s.ledger_pending() == []
        for k in range(4):
            assert [(e.first, e.last) for e in entries if e.job == f"J-{k}"] == [
                (2 * i + 1, 2 * i + 2) for i in range(batches)]
        assert verify_store(s, read_models=False).ok


def test_a_read_only_role_s_checkpoint_says_which_batches_it_does_not_cover(
        stores: tuple[PostgresStore, PostgresStore], postgres_url: str, tmp_path: Path) -> None:
    """An auditor's role cannot chain pending batches: its checkpoint covers the ledger as chained and says
    what it leaves out, instead of reporting success as if it covered every commit."""
    import subprocess
    import sys

    from .pgroles import read_only_role

    holder, writer = stores
    writer.append("J-1", 0, make_events("J-1", 1))
    with holder._tx():
        _hold_head(holder)
        writer.append("J-2", 0, make_events("J-2", 1))
    assert len(writer.ledger_pending()) == 1
    init_keys(tmp_path / "k", tmp_path / "k.pub")
    with read_only_role(postgres_url) as auditor:
        r = subprocess.run([sys.executable, "-m", "sopframe", "checkpoint", "--key", str(tmp_path / "k"),
                            "--checkpoints", str(tmp_path / "cps.jsonl"), "--store", auditor],
                           capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "1 ledger entry, head" in r.stdout
    assert "note: 1 committed batch (J-2) not yet chained into the ledger, so this checkpoint does not cover" \
        in r.stderr
    assert read_checkpoints(tmp_path / "cps.jsonl", load_public_key(tmp_path / "k.pub"))[-1].size == 1
    assert len(writer.ledger_pending()) == 1  # the auditor changed nothing

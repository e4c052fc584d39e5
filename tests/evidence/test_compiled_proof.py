"""The compiled whole-store proof (SQLite) agrees with the Python checks, and is never more lenient.

``verify_store(read_models=False)`` on a whole SQLite store first asks the
compiled module to prove it; "not proven" sends it down the Python path.
These tests compare both paths on intact stores, on every attack of
tests/store/test_tamper_evidence.py, on pending batches, and on any change
of any one column of any row.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from engine.conftest import ROLES, lifecycle_text, walk_to
from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.engine.events import GENESIS, NewEvent, canonical, chain
from sopframe.core.ledger import next_entry
from sopframe.core.store import open_store
from sopframe.errors import StoreError
from sopframe.evidence.verify import StoreReport, verify_store
from sopframe.pluginmanager import load_plugins
from sopframe_plugins import store_proof
from sopframe_plugins.store_sqlite import SqliteStore
from store.test_tamper_evidence import ATTACKS, _attack, _recompute_ledger, checkpoint_now

if store_proof.compiled() is None:
    if os.environ.get("SOPFRAME_CI"):  # CI installs the build headers: a missing module is a broken build
        pytest.fail("the compiled verifier was not built (needs a C compiler, libsqlite3-dev, libssl-dev)",
                    pytrace=False)
    pytest.skip("the compiled verifier is not built here", allow_module_level=True)


def _build(path: Path) -> SqliteStore:
    s = open_store(f"sqlite:///{path}", load_plugins())
    engine = Engine(s, roles=ROLES, clock=FixedClock("2026-01-05T09:00:00+00:00"))
    done = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, done, "end", engine.clock)
    half = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, half, "security_review", engine.clock, version="1.1")
    return s  # type: ignore[return-value]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("proof") / "pristine.db"
    _build(path).close()
    return path


@pytest.fixture
def store(pristine: Path, tmp_path: Path) -> Iterator[SqliteStore]:
    copy = tmp_path / "store.db"
    copy.write_bytes(pristine.read_bytes())
    s = open_store(f"sqlite:///{copy}", load_plugins())
    yield s  # type: ignore[misc]
    s.close()


def _python(store: SqliteStore, **kw: Any) -> StoreReport:
    """The Python path alone."""
    os.environ["SOPFRAME_PURE_PYTHON"] = "1"
    store_proof.compiled.cache_clear()
    try:
        report = verify_store(store, read_models=False, **kw)
    finally:
        del os.environ["SOPFRAME_PURE_PYTHON"]
        store_proof.compiled.cache_clear()
    assert not report.proven_at_once
    return report


def _both(store: SqliteStore, **kw: Any) -> tuple[StoreReport, StoreReport]:
    return verify_store(store, read_models=False, **kw), _python(store, **kw)


def test_an_intact_store_is_proven_at_once_with_the_python_paths_figures(store: SqliteStore) -> None:
    fast, slow = _both(store)
    assert fast.proven_at_once and fast.ok and slow.ok
    assert fast.to_dict() == slow.to_dict()
    assert fast.events == sum(len(store.read(j)) for j in store.job_ids()) > 20 and fast.jobs == 2


def test_checkpoints_and_what_they_do_not_cover_agree(store: SqliteStore, tmp_path: Path) -> None:
    cps = checkpoint_now(store, tmp_path)
    engine = Engine(store, roles=ROLES, clock=FixedClock("2026-03-02T09:00:00+00:00"))
    new = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    fast, slow = _both(store, checkpoints=cps)
    assert fast.proven_at_once and fast.ok and fast.covered_entries > 0
    assert fast.to_dict() == slow.to_dict() and new in fast.uncovered


def test_pending_batches_count_as_recorded(store: SqliteStore) -> None:
    last = list(store.ledger())[-1]
    with store._tx():  # as a PostgreSQL append that found the head busy leaves it
        store._x("DELETE FROM ledger WHERE n = ?", (last.n,))
        store._x("INSERT INTO ledger_pending (job, first_seq, last_seq, head, roles) VALUES (?, ?, ?, ?, ?)",
                 (last.job, last.first, last.last, bytes.fromhex(last.head), bytes.fromhex(last.roles or "")
                  if last.roles else None))
        store._x("UPDATE ledger_head SET n = ?, hash = ?", (last.n - 1, last.prev))
    fast, slow = _both(store)
    assert fast.proven_at_once and fast.ok and fast.pending == 1
    assert fast.to_dict() == slow.to_dict()


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_no_attack_is_proven(store: SqliteStore, attack: str) -> None:
    _attack(store, attack)
    fast, slow = _both(store)
    assert not fast.ok and fast.to_dict() == slow.to_dict()
    if attack not in ("alter a kept document", "delete a kept document"):  # documents are checked apart
        assert not fast.proven_at_once


@pytest.mark.parametrize("attack", [a for a in ATTACKS if "document" not in a and "in place" not in a
                                    and "template text" not in a and "forged" not in a])
def test_a_recomputed_ledger_is_proven_consistent_and_caught_by_the_checkpoint(store: SqliteStore, attack: str,
                                                                                tmp_path: Path) -> None:
    cps = checkpoint_now(store, tmp_path)
    _attack(store, attack)
    _recompute_ledger(store)
    fast, slow = _both(store, checkpoints=cps)
    assert fast.proven_at_once, "self-consistent tables: the proof holds, the checkpoint must catch it"
    assert not fast.ok and any("checkpoint 1" in p for p in fast.problems)
    assert fast.to_dict() == slow.to_dict()


TABLES = {"events": "job, seq, type, data, actor, at, hash", "ledger": "n, job, first_seq, last_seq, head, hash, roles",
          "jobs": "job, head_seq, head_hash"}
values = (st.text(max_size=12) | st.sampled_from(['"', '\\', '}', ',"seq":3', "\n", "\x00"])
          | st.integers(-2, 60) | st.none() | st.binary(min_size=31, max_size=33) | st.floats(allow_nan=False))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=st.sampled_from(sorted(TABLES)), pick=st.integers(0, 10**6), column=st.integers(0, 6), value=values)
def test_a_changed_column_is_proven_only_if_the_python_path_passes_it(pristine: Path, tmp_path: Path, table: str,
                                                                       pick: int, column: int, value: object) -> None:
    copy = tmp_path / f"changed-{next(_copies)}.db"
    copy.write_bytes(pristine.read_bytes())
    store: SqliteStore = open_store(f"sqlite:///{copy}", load_plugins())  # type: ignore[assignment]
    try:
        cols = TABLES[table].split(", ")
        col = cols[column % len(cols)]
        keys = store._query(f"SELECT n FROM {table}" if table == "ledger" else
                            f"SELECT {cols[0]}{', seq' if table == 'events' else ''} FROM {table}")
        key = keys[pick % len(keys)]
        where = "n = ?" if table == "ledger" else "job = ? AND seq = ?" if table == "events" else "job = ?"
        try:
            with store._tx():
                store._x(f"UPDATE {table} SET {col} = ? WHERE {where}", (value, *key))
        except store.Error:  # a constraint refused it (NOT NULL, primary key): nothing changed
            return
        try:
            fast = verify_store(store, read_models=False)
        except StoreError:  # not proven: the Python path found a row it cannot read, and says so
            return
        if fast.proven_at_once:
            assert _python(store).ok, (table, col, value)
    finally:
        store.close()


_copies = itertools.count()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actor=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20),
       kind=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20),
       job=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12))
def test_any_text_is_quoted_as_the_writer_quoted_it(tmp_path: Path, actor: str, kind: str, job: str) -> None:
    """Control characters, quotes, backslashes and any Unicode in job ids, actors and types."""
    path = tmp_path / f"q{abs(hash((actor, kind, job)))}.db"
    s = open_store(f"sqlite:///{path}", load_plugins())
    try:
        events = chain(job, 0, GENESIS, [NewEvent(kind, {"k": actor}), NewEvent("note", {})], actor,
                       "2026-01-05T09:00:00Z")
        entry = next_entry(None, job, 1, 2, events[-1].hash, None)
        with s._tx():
            for e in events:
                s._x("INSERT INTO events (job, seq, type, data, actor, at, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (job, e.seq, e.type, canonical(e.data).decode(), e.actor, e.at, bytes.fromhex(e.hash)))
            s._x("INSERT INTO jobs (job, head_seq, head_hash) VALUES (?, 2, ?)", (job, bytes.fromhex(events[-1].hash)))
            s._x("INSERT INTO ledger (n, job, first_seq, last_seq, head, hash) VALUES (1, ?, 1, 2, ?, ?)",
                 (job, bytes.fromhex(entry.head), bytes.fromhex(entry.hash)))
            s._x("UPDATE ledger_head SET n = 1, hash = ?", (entry.hash,))
        assert _python(s).ok
        fast = verify_store(s, read_models=False)
        assert fast.proven_at_once and fast.ok and fast.events == 2
    finally:
        s.close()


def test_it_is_used_only_beside_the_sqlite_library_python_uses(tmp_path: Path) -> None:
    import _sqlite3

    from sopframe_plugins import _chainproof  # type: ignore[attr-defined]

    assert _chainproof.same_library(_sqlite3.__file__)
    other = tmp_path / "libother.so"
    other.write_bytes(b"not a library")
    assert not _chainproof.same_library(str(other)) and not _chainproof.same_library(str(tmp_path / "missing.so"))


def test_a_store_it_cannot_open_is_not_proven(tmp_path: Path) -> None:
    from sopframe_plugins import _chainproof  # type: ignore[attr-defined]

    assert _chainproof.prove(f"file:{tmp_path / 'missing.db'}?mode=ro", 0, []) == "the database cannot be opened"
    (tmp_path / "junk.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    assert isinstance(_chainproof.prove(f"file:{tmp_path / 'junk.db'}?mode=ro", 0, []), str)

"""The fast paths of verification agree with the full checks: a chain proven from stored rows, ledger entry hashes."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

from engine.conftest import ROLES, lifecycle_text, walk_to
from sopframe.core.chainproof import joined_intact
from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.engine.events import canonical, decode_rows, rows_intact, verify_chain
from sopframe.core.ledger import entry_hash
from sopframe_plugins.store_memory import MemoryStore
from sopframe_plugins.store_sqlite import SqliteStore


def _rows() -> list[tuple]:
    store = MemoryStore()
    engine = Engine(store, roles=ROLES, clock=FixedClock("2026-01-05T09:00:00+00:00"))
    job = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, job, "test_run", engine.clock)
    return next(rows for _job, rows in store.iter_rows())


ROWS = _rows()
JOB = ROWS[0][0]
HEAD = (ROWS[-1][1], ROWS[-1][7])


def test_an_intact_chain_is_proven_from_its_rows() -> None:
    assert rows_intact(JOB, ROWS, HEAD) and rows_intact(JOB, ROWS)
    assert not rows_intact(JOB, ROWS, (HEAD[0] + 1, HEAD[1]))
    assert not rows_intact(JOB, ROWS[:-1], HEAD) and not rows_intact(JOB, ROWS[1:], None)


texts = st.text(max_size=30) | st.sampled_from(['"', '","job":"x', '\\', '}', ',"seq":3', "\n"])


@settings(max_examples=300, deadline=None)
@given(row=st.integers(0, len(ROWS) - 1), column=st.integers(0, 7), value=texts | st.integers(0, 99) | st.none())
def test_a_changed_column_is_never_proven(row: int, column: int, value: object) -> None:
    """Whatever one column becomes, the fast path proves the chain only if the full check would pass it."""
    rows = [list(r) for r in ROWS]
    if rows[row][column] == value:
        return
    rows[row][column] = value
    if not rows_intact(JOB, rows, HEAD):
        return  # the full check then names the problem (or finds none)
    events = decode_rows(rows)  # proven intact: then the decoded events verify too, and are the originals
    assert verify_chain(JOB, events, HEAD) is None and events == decode_rows(ROWS)


def test_data_stored_in_another_json_form_is_looked_at_closer() -> None:
    rows = [list(r) for r in ROWS]
    rows[3][3] = " " + rows[3][3]  # equivalent JSON, not the canonical text
    assert not rows_intact(JOB, rows, HEAD)
    assert verify_chain(JOB, decode_rows(rows), HEAD) is None  # the full check finds nothing wrong


@given(n=st.integers(1, 10**9), job=st.text(max_size=20), first=st.integers(1, 10**6), last=st.integers(1, 10**6),
       head=st.text(max_size=64), prev=st.text(max_size=64), roles=st.none() | st.text(max_size=64))
def test_entry_hashes_are_the_canonical_json_hashes(n, job, first, last, head, prev, roles) -> None:
    body = {"n": n, "job": job, "first": first, "last": last, "head": head, "prev": prev}
    if roles is not None:
        body["roles"] = roles
    assert entry_hash(n, job, first, last, head, prev, roles) == hashlib.sha256(canonical(body)).hexdigest()


# ------------------------------------------------- texts SQLite joins (verify's fast path on SQLite)
@pytest.fixture(scope="module")
def sqlite_job(tmp_path_factory: pytest.TempPathFactory) -> tuple[SqliteStore, str, list[tuple]]:
    store = SqliteStore(tmp_path_factory.mktemp("joined") / "jobs.db")
    engine = Engine(store, roles=ROLES, clock=FixedClock("2026-01-05T09:00:00+00:00"))
    job = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, job, "test_run", engine.clock)
    yield store, job, next(rows for _job, rows in store.iter_rows([job]))
    store.close()


def _joined(store: SqliteStore, job: str) -> list[str] | None:
    chain = dict(store.joined_chains([job]))[job]
    return joined_intact(chain, store.head(job)) if chain is not None else None


def test_sqlite_joins_texts_that_prove_an_intact_chain(sqlite_job) -> None:
    store, job, rows = sqlite_job
    assert _joined(store, job) == [r[7] for r in rows]
    chain = dict(store.joined_chains([job]))[job]
    assert chain is not None and chain.count == len(rows) and chain.prevs is not None
    assert joined_intact(chain) is not None
    assert joined_intact(chain, (len(rows) + 1, rows[-1][7])) is None  # a head beyond the events
    assert joined_intact(chain._replace(prevs=None), store.head(job)) is not None  # a store without the column
    assert dict(store.joined_chains(["no-such-job"])) == {"no-such-job": None}


values = texts | st.integers(-2, 99) | st.none() | st.binary(max_size=8) | st.floats(allow_nan=False)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pick=st.data(), column=st.sampled_from(["job", "seq", "type", "data", "actor", "at", "prev", "hash"]),
       value=values)
def test_a_changed_column_is_never_proven_from_joined_texts(sqlite_job, pick, column: str, value: object) -> None:
    """Whatever one column of one row becomes (any type SQLite holds), the joined texts prove the chain only
    if the full check over the decoded rows passes it, with the events as written."""
    store, job, rows = sqlite_job
    row = pick.draw(st.integers(0, len(rows) - 1))
    if isinstance(value, bytes) and pick.draw(st.booleans()):  # a column's own text, stored as bytes
        value = str(rows[row][["job", "seq", "type", "data", "actor", "at", "prev", "hash"].index(column)]).encode()
    store.db.execute("SAVEPOINT change")
    try:
        try:
            store.db.execute(f"UPDATE events SET {column} = ? WHERE job = ? AND seq = ?", (value, job, rows[row][1]))
        except sqlite3.IntegrityError:  # a NOT NULL column, or a (job, seq) that exists
            return
        proven = _joined(store, job)
        event("proven" if proven is not None else "not proven")
        if proven is None:
            return  # the full check then names the problem (or finds none)
        changed = next(r for j, r in store.iter_rows([job]))
        events = decode_rows(changed)
        assert verify_chain(job, events, store.head(job)) is None and events == decode_rows(rows)
        assert proven == [r[7] for r in rows]
    finally:
        store.db.execute("ROLLBACK TO change")
        store.db.execute("RELEASE change")

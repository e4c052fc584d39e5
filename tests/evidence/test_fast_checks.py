"""The fast paths of verification agree with the full checks: a chain proven from stored rows, ledger entry hashes."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings, strategies as st

from engine.conftest import ROLES, lifecycle_text, walk_to
from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.engine.events import canonical, decode_rows, rows_intact, verify_chain
from sopframe.core.ledger import entry_hash
from sopframe_plugins.store_memory import MemoryStore


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

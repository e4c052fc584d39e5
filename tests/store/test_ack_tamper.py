"""Acknowledgements edited, deleted or rewritten in the database, on SQLite and on a real PostgreSQL server.

An SOP's record stream is chained and entered in the store-wide ledger like a
job: every direct edit is caught, and a forger who also recomputes the ledger
is caught by a signed checkpoint taken before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from sopframe.checkpoints import init_keys, load_private_key, load_public_key, read_checkpoints
from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.engine.records import SopRecords
from sopframe.core.identity import RoleTable
from sopframe.core.store import open_store
from sopframe.evidence.verify import checkpoint_store, verify_store
from sopframe.pluginmanager import load_plugins
from sopframe.testing.sop_lifecycle import GROUPS, ROLES, publish
from sopframe_plugins.store_sql import SqlStore
from store.test_tamper_evidence import _recompute_ledger, _rechain, _write_events

STREAM = "sop~SOP-T-001"


@pytest.fixture
def store(url: str) -> SqlStore:
    s = open_store(url, load_plugins())
    clock = FixedClock("2026-01-05T09:00:00+00:00")
    engine = Engine(s, roles=ROLES, clock=clock)
    publish(engine)
    records = SopRecords(s, roles=engine.roles, groups=RoleTable.build(GROUPS), clock=clock)
    for person in ("rita", "owen", "rob"):
        clock.advance(hours=1)
        records.acknowledge("SOP-T-001", actor=person)
    yield s  # type: ignore[misc]
    s.close()


def _as_someone_else(s: SqlStore) -> None:
    events = s.read(STREAM)
    edited = events[1]._replace(actor="mallory", data={**events[1].data, "person": "mallory"})
    _rechain(s, STREAM, [events[0], edited, *events[2:]])


ATTACKS: dict[str, Callable[[SqlStore], None]] = {
    "edit who acknowledged, in place": lambda s: s._x(
        "UPDATE events SET actor = 'mallory' WHERE job = ? AND seq = 2", (STREAM,)),
    "recompute the stream after changing who acknowledged": _as_someone_else,
    "delete an acknowledgement and renumber": lambda s: _rechain(s, STREAM, [
        e for e in s.read(STREAM) if e.seq != 2]),
    "delete the last acknowledgement and fix the head": lambda s: _write_events(s, STREAM, s.read(STREAM)[:-1]),
    "delete the whole record stream": lambda s: (s._x("DELETE FROM events WHERE job = ?", (STREAM,)),
                                                 s._x("DELETE FROM sop_acks WHERE stream = ?", (STREAM,)),
                                                 s._x("DELETE FROM jobs WHERE job = ?", (STREAM,))),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_the_ledger_catches_each_attack_on_acknowledgements(store: SqlStore, attack: str) -> None:
    assert verify_store(store).ok
    with store._tx():
        ATTACKS[attack](store)
    report = verify_store(store)
    assert not report.ok and any(STREAM in p for p in report.problems), report.problems


def test_a_checkpoint_catches_a_rewritten_acknowledgement_with_the_ledger_recomputed(
        store: SqlStore, tmp_path: Path) -> None:
    init_keys(tmp_path / "k", tmp_path / "k.pub")
    cps_file = tmp_path / "cps.jsonl"
    checkpoint_store(store, load_private_key(tmp_path / "k"), cps_file, time="2026-03-01T00:00:00Z")
    cps = read_checkpoints(cps_file, load_public_key(tmp_path / "k.pub"))
    with store._tx():
        _as_someone_else(store)
    _recompute_ledger(store)
    assert verify_store(store).ok, "the forgery is self-consistent: only the anchor can catch it"
    assert [a.person for a in store.ack_rows("SOP-T-001")] == ["rita", "mallory", "rob"]
    report = verify_store(store, checkpoints=cps)
    assert not report.ok and any("checkpoint 1" in p for p in report.problems), report.problems

"""Someone with write access to the database, on SQLite and on a real PostgreSQL server.

Each attack edits the tables directly.  The store-wide ledger catches every one
of them; an attacker who also recomputes the ledger is caught by the signed
checkpoint taken before the attack.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

import pytest

from engine.conftest import ROLES, lifecycle_text, walk_to
from sopframe.checkpoints import init_keys, load_private_key, load_public_key, read_checkpoints
from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.engine.events import GENESIS, Event, canonical
from sopframe.core.ledger import next_entry
from sopframe.core.migrations import rows_of
from sopframe.core.store import SCHEMA_VERSION, open_store
from sopframe.evidence.verify import checkpoint_store, verify_store
from sopframe.pluginmanager import load_plugins
from sopframe_plugins.store_sql import SqlStore


@pytest.fixture
def store(url: str) -> SqlStore:
    s = open_store(url, load_plugins())
    engine = Engine(s, roles=ROLES, clock=FixedClock("2026-01-05T09:00:00+00:00"))
    done = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, done, "end", engine.clock)
    half = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, half, "security_review", engine.clock, version="1.1")
    yield s  # type: ignore[misc]
    s.close()


def _job(store: SqlStore) -> str:
    return store.job_ids()[0]


def _write_events(store: SqlStore, job: str, events: list[Event]) -> None:
    store._x("DELETE FROM events WHERE job = ?", (job,))
    for e in events:
        store._x("INSERT INTO events (job, seq, type, data, actor, at, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 (e.job, e.seq, e.type, canonical(e.data).decode(), e.actor, e.at, e.prev, e.hash))
    store._x("UPDATE jobs SET head_seq = ?, head_hash = ? WHERE job = ?", (events[-1].seq, events[-1].hash, job))


def _rechain(store: SqlStore, job: str, events: list[Event]) -> None:
    fixed, prev = [], GENESIS
    for seq, e in enumerate(events, 1):
        ev = e._replace(seq=seq, prev=prev, hash="")
        ev = ev._replace(hash=ev.compute_hash())
        fixed.append(ev)
        prev = ev.hash
    _write_events(store, job, fixed)


def _first_signoff(events: list[Event]) -> int:
    return next(e.seq for e in events if e.type == "signoff.given")


def _swap_template(store: SqlStore, job: str) -> None:
    events = store.read(job)
    t = events[0].data["template"]
    text = store.template(t["sha256"]) + "# edited\n"
    sha = hashlib.sha256(text.encode()).hexdigest()
    store._x("INSERT INTO templates (sha256, text) VALUES (?, ?)", (sha, text))
    _rechain(store, job, [events[0]._replace(data={**events[0].data, "template": {**t, "sha256": sha}}), *events[1:]])


def _forge_signoff(store: SqlStore, job: str) -> None:
    events = store.read(job)
    last = events[-1]
    forged = Event(job, last.seq + 1, "signoff.given", {"stage": "security_review", "signoff": "ciso", "role": "ciso"}, "mallory",
                   last.at, last.hash, "")
    _write_events(store, job, [*events, forged._replace(hash=forged.compute_hash())])


ATTACKS: dict[str, Callable[[SqlStore], None]] = {
    "edit an event in place": lambda s: s._x("UPDATE events SET actor = 'mallory' WHERE job = ? AND seq = 5",
                                             (_job(s),)),
    "delete the last events and fix the head": lambda s: _write_events(s, _job(s), s.read(_job(s))[:-2]),
    "recompute a whole chain after an edit": lambda s: _rechain(s, _job(s), [
        e._replace(actor="lee") if e.type == "signoff.given" else e for e in s.read(_job(s))]),
    "delete a sign-off and renumber": lambda s: _rechain(s, _job(s), [
        e for e in s.read(_job(s)) if e.seq != _first_signoff(s.read(_job(s)))]),
    "append a forged sign-off": lambda s: _forge_signoff(s, s.job_ids()[-1]),
    "swap the pinned template text": lambda s: s._x(
        "UPDATE templates SET text = text || '# edited' WHERE sha256 = ?",
        (s.read(_job(s))[0].data["template"]["sha256"],)),
    "swap the pinned template and recompute": lambda s: _swap_template(s, _job(s)),
    "delete a whole job": lambda s: (s._x("DELETE FROM events WHERE job = ?", (_job(s),)),
                                     s._x("DELETE FROM job_summary WHERE job = ?", (_job(s),)),
                                     s._x("DELETE FROM sops WHERE job = ?", (_job(s),)),
                                     s._x("DELETE FROM jobs WHERE job = ?", (_job(s),))),
}


def _attack(store: SqlStore, name: str) -> None:
    with store._tx():
        ATTACKS[name](store)


def _recompute_ledger(store: SqlStore) -> None:
    """What an attacker with the code does next: rebuild the ledger and the read models to match the tables."""
    heads = {j: h for j in store.job_ids() if (h := store.head(j)) is not None}
    batches: list[tuple[str, int, int]] = []
    covered: dict[str, int] = {}
    for e in store.ledger():
        if e.job in heads and min(e.last, heads[e.job][0]) > covered.get(e.job, 0):
            batches.append((e.job, covered.get(e.job, 0) + 1, min(e.last, heads[e.job][0])))
            covered[e.job] = batches[-1][2]
    batches += [(j, covered.get(j, 0) + 1, h[0]) for j, h in heads.items() if covered.get(j, 0) < h[0]]
    with store._tx():
        store._x("DELETE FROM ledger")
        prev = None
        for job, first, last in batches:
            entry = next_entry(prev, job, first, last, store.read(job)[last - 1].hash)
            store._x("INSERT INTO ledger (n, job, first_seq, last_seq, head, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (entry.n, entry.job, entry.first, entry.last, entry.head, entry.prev, entry.hash))
            prev = (entry.n, entry.hash)
        store._x("UPDATE ledger_head SET n = ?, hash = ?", (prev[0], prev[1]))  # type: ignore[index]
    store.rebuild(rows_of(store))


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_the_ledger_catches_each_attack(store: SqlStore, attack: str) -> None:
    assert verify_store(store).ok
    _attack(store, attack)
    report = verify_store(store)
    assert not report.ok, attack
    assert any(_job(store) in p or store.job_ids()[-1] in p or "ledger" in p for p in report.problems)


@pytest.mark.parametrize("attack", [a for a in ATTACKS if a not in ("edit an event in place",
                                                                    "swap the pinned template text")])
def test_a_checkpoint_catches_the_attack_even_with_the_ledger_recomputed(store: SqlStore, attack: str,
                                                                         tmp_path: Path) -> None:
    init_keys(tmp_path / "k", tmp_path / "k.pub")
    cps_file = tmp_path / "cps.jsonl"
    checkpoint_store(store, load_private_key(tmp_path / "k"), cps_file, time="2026-03-01T00:00:00Z")
    cps = read_checkpoints(cps_file, load_public_key(tmp_path / "k.pub"))
    _attack(store, attack)
    _recompute_ledger(store)
    if attack != "append a forged sign-off":  # an append after the checkpoint changes nothing it covered
        assert verify_store(store).ok, "the forgery is self-consistent: only the anchor can catch it"
        report = verify_store(store, checkpoints=cps)
        assert not report.ok and any("checkpoint 1" in p for p in report.problems), report.problems
    else:
        report = verify_store(store, checkpoints=cps)
        assert report.ok and store.job_ids()[-1] in report.uncovered, report.problems


def test_deleting_the_ledger_tail_is_caught_by_the_checkpoint(store: SqlStore, tmp_path: Path) -> None:
    init_keys(tmp_path / "k", tmp_path / "k.pub")
    cps_file = tmp_path / "cps.jsonl"
    checkpoint_store(store, load_private_key(tmp_path / "k"), cps_file, time="2026-03-01T00:00:00Z")
    cps = read_checkpoints(cps_file, load_public_key(tmp_path / "k.pub"))
    last = list(store.ledger())[-1]
    with store._tx():
        store._x("DELETE FROM ledger WHERE n = ?", (last.n,))
    report = verify_store(store, checkpoints=cps)
    assert not report.ok and any("entries it covered were deleted" in p for p in report.problems)


def test_an_old_store_migrates_into_the_ledger(tmp_path: Path) -> None:
    """Jobs written before the ledger existed get one entry each and verify."""
    from sopframe.core.migrations import migrate
    from sopframe_plugins.store_sqlite import SqliteStore

    s = SqliteStore(tmp_path / "jobs.db")
    engine = Engine(s, roles=ROLES, clock=FixedClock("2026-01-05T09:00:00+00:00"))
    job = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, job, "technical_review", engine.clock)
    from sopframe.core.store import SCHEMA_VERSION
    from sopframe_plugins.store_auth import AUTH_TABLES
    from sopframe_plugins.store_readmodel import READ_MODELS

    with s._tx():  # back to schema 2, as a store made before this version (and the later ones)
        s._x("DROP TABLE ledger")
        s._x("DROP TABLE ledger_head")
        for table in [t for t, version in READ_MODELS.items() if version > 3]:
            s._x(f"DROP TABLE {table}")
        s._x("DROP TABLE outbox")
        for table in AUTH_TABLES:
            s._x(f"DROP TABLE {table}")
        s._x("ALTER TABLE sops DROP COLUMN acknowledgement")  # added by version 8 (SOP_RECORDS)
        s._x("DELETE FROM sopframe_schema WHERE version >= 3")
    assert s.schema_version() == 2
    assert [m.version for m in migrate(s)] == list(range(3, SCHEMA_VERSION + 1))
    entries = list(s.ledger())
    assert [(e.job, e.first, e.last) for e in entries] == [(job, 1, s.head(job)[0])]
    assert verify_store(s).ok
    s.close()

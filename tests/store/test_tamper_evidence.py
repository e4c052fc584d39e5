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
from sopframe.checkpoints import Checkpoint, init_keys, load_private_key, load_public_key, read_checkpoints
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
        store._x("INSERT INTO events (job, seq, type, data, actor, at, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (e.job, e.seq, e.type, canonical(e.data).decode(), e.actor, e.at, bytes.fromhex(e.hash)))
    store._x("UPDATE jobs SET head_seq = ?, head_hash = ? WHERE job = ?", (events[-1].seq, _raw(events[-1].hash), job))


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
    "alter a kept document": lambda s: s._x("UPDATE attachments SET data = ?", (b"draft v2",)),
    "delete a kept document": lambda s: s._x("DELETE FROM attachments"),
    "delete a whole job": lambda s: (s._x("DELETE FROM events WHERE job = ?", (_job(s),)),
                                     s._x("DELETE FROM job_summary WHERE job = ?", (_job(s),)),
                                     s._x("DELETE FROM sops WHERE job = ?", (_job(s),)),
                                     s._x("DELETE FROM jobs WHERE job = ?", (_job(s),))),
}


def _raw(digest: str | None) -> bytes | None:
    """A hash as the store keeps it (32 bytes)."""
    return bytes.fromhex(digest) if digest is not None else None


def checkpoint_now(store: SqlStore, tmp_path: Path) -> list[Checkpoint]:
    """A new key pair in ``tmp_path``, one checkpoint signed with it, read back as an auditor reads it."""
    init_keys(tmp_path / "k", tmp_path / "k.pub")
    cps_file = tmp_path / "cps.jsonl"
    checkpoint_store(store, load_private_key(tmp_path / "k"), cps_file, time="2026-03-01T00:00:00Z")
    return read_checkpoints(cps_file, load_public_key(tmp_path / "k.pub"))


def _attack(store: SqlStore, name: str) -> None:
    with store._tx():
        ATTACKS[name](store)


def _recompute_ledger(store: SqlStore) -> None:
    """What an attacker with the code does next: rebuild the ledger and the read models to match the tables."""
    heads = {j: h for j in store.job_ids() if (h := store.head(j)) is not None}
    batches: list[tuple[str, int, int, str | None]] = []
    covered: dict[str, int] = {}
    roles = None  # each batch keeps the role table it named; new ones take the last one named
    for e in store.ledger():
        roles = e.roles
        if e.job in heads and min(e.last, heads[e.job][0]) > covered.get(e.job, 0):
            batches.append((e.job, covered.get(e.job, 0) + 1, min(e.last, heads[e.job][0]), e.roles))
            covered[e.job] = batches[-1][2]
    batches += [(j, covered.get(j, 0) + 1, h[0], roles) for j, h in heads.items() if covered.get(j, 0) < h[0]]
    with store._tx():
        store._x("DELETE FROM ledger")
        prev = None
        for job, first, last, named in batches:
            entry = next_entry(prev, job, first, last, store.read(job)[last - 1].hash, named)
            store._x("INSERT INTO ledger (n, job, first_seq, last_seq, head, hash, roles) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (entry.n, entry.job, entry.first, entry.last, *map(_raw, (entry.head, entry.hash, entry.roles))))
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
                                                                    "swap the pinned template text",
                                                                    "alter a kept document",
                                                                    "delete a kept document")])
def test_a_checkpoint_catches_the_attack_even_with_the_ledger_recomputed(store: SqlStore, attack: str,
                                                                         tmp_path: Path) -> None:
    cps = checkpoint_now(store, tmp_path)
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
    cps = checkpoint_now(store, tmp_path)
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
    walk_to(engine, job, "draft", engine.clock)  # no document yet: copies were not kept before version 9
    from sopframe.core.store import SCHEMA_VERSION
    from sopframe_plugins.store_auth import AUTH_TABLES
    from sopframe_plugins.store_readmodel import READ_MODELS

    with s._tx():  # back to schema 2, as a store made before this version (and the later ones)
        for table in ["ledger", "ledger_head", "role_tables", "attachments",
                      *[t for t, version in READ_MODELS.items() if version > 3]]:
            s._x(f"DROP TABLE {table}")
        s._x("DROP TABLE outbox")
        for table in AUTH_TABLES:
            s._x(f"DROP TABLE {table}")
        s._x("ALTER TABLE sops DROP COLUMN acknowledgement")  # added with the SOP records (SOP_RECORDS)
        s._x("DELETE FROM sopframe_schema WHERE version >= 3")
    assert s.schema_version() == 2
    assert [m.version for m in migrate(s)] == list(range(3, SCHEMA_VERSION + 1))
    entries = list(s.ledger())
    assert [(e.job, e.first, e.last, e.roles) for e in entries] == [(job, 1, s.head(job)[0], None)]
    assert verify_store(s).ok
    # replay says plainly that who acted before the first recorded role table cannot be checked ...
    report = verify_store(s, replay=True)
    old = s.head(job)[0]
    assert report.ok and report.unchecked == {job: old} and report.replayed == 0
    assert any("cannot check authorisation before the first recorded role table" in n for n in report.notes())
    # ... and checks every command from then on
    walk_to(engine, job, "components", engine.clock)
    report = verify_store(s, replay=True)
    assert report.ok and report.unchecked == {job: old} and report.replayed == s.head(job)[0] - old > 0
    s.close()


# ------------------------------------------------------------------ replay
def _plant_separation_violation(store: SqlStore) -> int:
    """alice, the author, gives the technical review's it_lead sign-off (not_by: author): a perfect chain."""
    events = store.read(_job(store))
    seq = next(e.seq for e in events if e.type == "signoff.given" and e.data["signoff"] == "it_lead")
    with store._tx():
        _rechain(store, _job(store), [e._replace(actor="alice") if e.seq == seq else e for e in events])
    _recompute_ledger(store)
    return seq


def _plant_forged_signoff(store: SqlStore) -> int:
    """mallory, who holds no role, gives the ciso sign-off of the open job."""
    with store._tx():
        _forge_signoff(store, store.job_ids()[-1])
    _recompute_ledger(store)
    return store.head(store.job_ids()[-1])[0]


@pytest.mark.parametrize("plant, job_of, words", [
    (_plant_separation_violation, _job, "segregation of duties"),
    (_plant_forged_signoff, lambda s: s.job_ids()[-1], "mallory may not give sign-off 'ciso'"),
], ids=["separation of duties", "forged sign-off"])
def test_replay_names_what_the_engine_would_have_refused(store: SqlStore, url: str, plant, job_of, words: str,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from sopframe.__main__ import main

    seq = plant(store)
    job = job_of(store)
    assert verify_store(store).ok, "hashes and ledger are self-consistent: only replay can tell"
    report = verify_store(store, replay=True)
    assert not report.ok and len(report.problems) == 1, report.problems
    assert report.problems[0].startswith(f"job {job}: event {seq} (signoff.given): replay:")
    assert words in report.problems[0]
    monkeypatch.setenv("SOPFRAME_USER", "auditor")
    for argv in (["verify", "--replay"], ["job", "verify", job, "--replay"]):
        capsys.readouterr()
        with pytest.raises(SystemExit) as info:
            main([*argv, "--store", url])
        out, err = capsys.readouterr()
        assert info.value.code == 5, (argv, out, err)
        assert f"event {seq} (signoff.given)" in out + err and words in out + err
        assert "Traceback" not in err

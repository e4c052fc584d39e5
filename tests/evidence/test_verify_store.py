"""Store verification against the ledger and signed checkpoints: each attack by someone with database access."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from sopframe.checkpoints import load_private_key, load_public_key, read_checkpoints
from sopframe.core.engine.events import chain, NewEvent
from sopframe.core.ledger import next_entry
from sopframe.core.migrations import rows_of
from sopframe.errors import IntegrityError
from sopframe.evidence.verify import checkpoint_store, verify_store
from sopframe_plugins.store_memory import MemoryStore

from .conftest import forge


def _signed(store: MemoryStore, keys: tuple[Path, Path], tmp_path: Path) -> list:
    path = tmp_path / "checkpoints.jsonl"
    checkpoint_store(store, load_private_key(keys[0]), path, time="2026-03-01T00:00:00Z")
    return read_checkpoints(path, load_public_key(keys[1]))


def _rechain(store: MemoryStore, job: str, events: list) -> None:
    """Recompute a job's whole chain after an edit, as an attacker with the hashing code would."""
    new = chain(job, 0, "0" * 64, [NewEvent(e.type, e.data) for e in events], events[0].actor, events[0].at)
    # keep each event's own actor and time
    fixed, prev = [], "0" * 64
    for e, n in zip(events, new):
        ev = e._replace(seq=n.seq, prev=prev, hash="")
        ev = ev._replace(hash=ev.compute_hash())
        fixed.append(ev)
        prev = ev.hash
    store.raw(job)[:] = fixed


def _rebuild_ledger(store: MemoryStore) -> None:
    """Recompute the whole ledger (and the read models) from the tampered jobs, as an attacker would."""
    store.rebuild(rows_of(store))
    old = list(store.raw_ledger())
    store.raw_ledger().clear()
    for e in old:
        if e.job not in store._jobs:
            continue
        events = store.raw(e.job)
        last = min(e.last, len(events))
        if last < e.first:
            continue
        prev = store.raw_ledger()[-1] if store.raw_ledger() else None
        store.raw_ledger().append(next_entry((prev.n, prev.hash) if prev else None, e.job, e.first, last,
                                             events[last - 1].hash, e.roles))


def test_an_untouched_store_verifies_and_says_what_is_not_yet_covered(busy_store: MemoryStore, keys, tmp_path) -> None:
    report = verify_store(busy_store)
    assert report.ok and report.jobs == 3 and report.entries > 10
    assert set(report.uncovered) == set(busy_store.job_ids())  # nothing is anchored yet
    cps = _signed(busy_store, keys, tmp_path)
    report = verify_store(busy_store, checkpoints=cps)
    assert report.ok and report.uncovered == {} and report.covered_entries == report.entries


def test_read_model_drift_is_named_unless_skipped(busy_store: MemoryStore) -> None:
    import dataclasses

    job = busy_store.job_ids()[0]
    rows = busy_store._rows[job]
    busy_store._rows[job] = dataclasses.replace(rows, summary=dataclasses.replace(rows.summary, status="cancelled"))
    report = verify_store(busy_store)
    assert report.problems == [f"job {job}: read models: job summary differs from the events in status "
                               "(run `sopframe store rebuild`)"]
    assert verify_store(busy_store, read_models=False).ok  # derived rows, not the record


def _first_job(store: MemoryStore) -> str:
    return store.job_ids()[0]


ATTACKS = {
    "delete last events and fix the head": lambda s: s.raw(_first_job(s)).__delitem__(slice(-2, None)),
    "edit an event in place": lambda s: s.raw(_first_job(s)).__setitem__(
        3, s.raw(_first_job(s))[3]._replace(actor="mallory")),
    "recompute a whole chain after an edit": lambda s: _rechain(s, _first_job(s), [
        e._replace(actor="mallory") if e.type == "signoff.given" else e for e in s.raw(_first_job(s))]),
    "delete a sign-off and renumber": lambda s: _rechain(s, _first_job(s), [
        e for e in s.raw(_first_job(s)) if e.type != "signoff.given" or e.seq != next(
            x.seq for x in s.raw(_first_job(s)) if x.type == "signoff.given")]),
    "delete a whole job": lambda s: s._jobs.pop(_first_job(s)),
    "swap the pinned template text": lambda s: s._templates.__setitem__(
        s.raw(_first_job(s))[0].data["template"]["sha256"],
        s._templates[s.raw(_first_job(s))[0].data["template"]["sha256"]] + "# edited\n"),
    "swap the pinned template and recompute": lambda s: _swap_template(s, _first_job(s)),
}


def _swap_template(store: MemoryStore, job: str) -> None:
    events = store.raw(job)
    old = events[0].data["template"]
    text = store._templates[old["sha256"]] + "# edited\n"
    sha = hashlib.sha256(text.encode()).hexdigest()
    store._templates[sha] = text
    _rechain(store, job, [events[0]._replace(data={**events[0].data, "template": {**old, "sha256": sha}}),
                          *events[1:]])


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_attacks_are_caught_by_the_ledger_alone(busy_store: MemoryStore, attack: str) -> None:
    ATTACKS[attack](busy_store)
    report = verify_store(busy_store)
    assert not report.ok, attack
    assert _first_job(busy_store) in report.problems[0] or "ledger" in report.problems[0]


# editing in place is never self-consistent: the chain, or the template's own hash, catches it
@pytest.mark.parametrize("attack", [a for a in ATTACKS if a not in ("edit an event in place",
                                                                    "swap the pinned template text")])
def test_attacks_that_also_rewrite_the_ledger_are_caught_by_a_checkpoint(busy_store: MemoryStore, keys, tmp_path,
                                                                         attack: str) -> None:
    cps = _signed(busy_store, keys, tmp_path)
    ATTACKS[attack](busy_store)
    _rebuild_ledger(busy_store)
    assert verify_store(busy_store).ok, "the forgery is self-consistent: only the anchor can catch it"
    report = verify_store(busy_store, checkpoints=cps)
    assert not report.ok
    assert any("checkpoint 1" in p for p in report.problems)


def test_a_forged_append_after_the_checkpoint_is_named_as_not_covered(busy_store: MemoryStore, keys,
                                                                       tmp_path) -> None:
    cps = _signed(busy_store, keys, tmp_path)
    job = busy_store.job_ids()[-1]
    seq = forge(busy_store, job, "job.cancelled", {"reason": "x"}, "mallory", "2026-03-02T00:00:00.000000Z")
    report = verify_store(busy_store, checkpoints=cps)
    assert report.ok and report.uncovered == {job: (seq, seq)}


def test_a_broken_store_is_never_signed(busy_store: MemoryStore, keys, tmp_path) -> None:
    ATTACKS["delete a whole job"](busy_store)
    with pytest.raises(IntegrityError, match="fails verification, so it is not signed"):
        _signed(busy_store, keys, tmp_path)
    assert not (tmp_path / "checkpoints.jsonl").exists()


def test_a_store_that_shrank_below_its_checkpoint_cannot_be_signed_again(busy_store: MemoryStore, keys,
                                                                          tmp_path) -> None:
    _signed(busy_store, keys, tmp_path)
    del busy_store.raw_ledger()[-1]
    job = busy_store.raw_ledger()[-1].job
    with pytest.raises(IntegrityError):
        _signed(busy_store, keys, tmp_path)
    assert job

"""Replay: valid histories replay clean on SQLite and PostgreSQL; forgeries through the store's own append do not."""

from __future__ import annotations

import pytest

from engine.conftest import ROLES, lifecycle_text, walk_to
from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.engine.events import NewEvent, chain
from sopframe.core.migrations import rows_of
from sopframe.core.rolerecord import RoleRecord
from sopframe.core.store import Derived, Store, open_store
from sopframe.evidence.verify import verify_store
from sopframe.pluginmanager import load_plugins
from sopframe_plugins.store_memory import MemoryStore

#: the role table after a change: sue joins security, sam leaves it
CHANGED = {**ROLES, "security": ["sue"]}


def _history(store: Store) -> dict[str, str]:
    """Rework, a voided sign-off, SLA breaches (by a command and by tick), splits and rejoins, a cancellation,
    and a change of roles half-way."""
    clock = FixedClock("2026-01-05T09:00:00+00:00")
    engine = Engine(store, roles=ROLES, clock=clock)
    reworked = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, reworked, "technical_review", clock)
    engine.set_fields(reworked, {"review_date": "2026-01-12"}, actor="lee")
    engine.sign(reworked, "it_lead", actor="lee")
    engine.set_fields(reworked, {"review_date": "2026-01-13"}, actor="lee")  # voids the it_lead sign-off
    clock.advance(days=11)  # past the review's 10-day SLA: the next command records the breach
    engine.reject(reworked, "the escalation matrix is missing", actor="lee")
    cancelled = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, cancelled, "technical_review", clock)
    clock.advance(days=11)
    assert engine.tick(actor="cron")  # breaches recorded by `sopframe tick`, a batch of its own
    engine.cancel(cancelled, "superseded by another draft", actor="mike")
    engine.roles = CHANGED  # from here on sue, not sam, signs for security
    walk_to(engine, reworked, "draft", clock)
    engine.set_fields(reworked, {"version": "1.1"}, actor="alice")
    engine.complete(reworked, actor="alice")
    engine.set_fields(reworked, {"review_date": "2026-01-30"}, actor="lee")
    engine.sign(reworked, "it_lead", actor="lee")
    engine.sign(reworked, "security", actor="sue")
    engine.sign(reworked, "compliance", actor="carol")
    engine.complete(reworked, actor="lee")
    walk_to(engine, reworked, "end", clock)
    return {"reworked": reworked, "cancelled": cancelled}


@pytest.fixture
def store(url: str) -> Store:
    s = open_store(url, load_plugins())
    yield s  # type: ignore[misc]
    s.close()


def test_a_valid_history_replays_clean(store: Store) -> None:
    jobs = _history(store)
    types = {e.type for j in jobs.values() for e in store.read(j)}
    assert {"stage.rejected", "signoff.voided", "sla.breached", "job.cancelled", "subjob.started",
            "subjob.completed", "sop.published"} <= types
    report = verify_store(store, replay=True)
    assert report.ok, report.problems
    assert report.replayed == sum(store.head(j)[0] for j in jobs.values()) and not report.unchecked
    digests = {e.roles for e in store.ledger()}
    assert digests == {RoleRecord.of(Engine(store, roles=r).roles).digest for r in (ROLES, CHANGED)}


def test_each_batch_replays_with_the_roles_then_in_force(store: Store) -> None:
    """sue signed after the change: her batch names the new table, whose stored text its digest proves."""
    jobs = _history(store)
    sue = next(e for e in store.read(jobs["reworked"]) if e.actor == "sue")
    entry = next(e for e in store.ledger() if e.job == jobs["reworked"] and e.first <= sue.seq <= e.last)
    assert store.role_table(entry.roles) == RoleRecord.of(Engine(store, roles=CHANGED).roles).body
    with store._tx():  # the table sue's batch names, swapped for the old one: the digest no longer matches
        store._x("UPDATE role_tables SET body = ? WHERE digest = ?",
                 (RoleRecord.of(Engine(store, roles=ROLES).roles).body, entry.roles))
    report = verify_store(store, replay=True)
    assert any("does not match its digest" in p for p in report.problems), report.problems


_TYPED = """\
template: typed
title: Every kind of value
version: 1.0.0
kind: change
job_id: TYP-{seq:03}
roles:
  author: Writes it
stages:
  write:
    owner: author
    fields:
      areas:
        type: multichoice
        options:
          - network
          - storage
          - identity
      cost:
        type: number
      window:
        type: duration
      starts:
        type: datetime
      link:
        type: url
      contact:
        type: email
      done:
        type: bool
      count:
        type: integer
      owner:
        type: user
        role: author
      when:
        type: date
"""


def test_every_kind_of_value_replays_as_it_was_set() -> None:
    store = MemoryStore()
    engine = Engine(store, roles={"author": ["alice"]}, clock=FixedClock("2026-01-05T09:00:00+00:00"))
    job = engine.start(_TYPED, "typed.yaml", actor="alice").job_id
    engine.set_fields(job, {"areas": "storage, network", "cost": "12.50", "window": "2h 30m",
                            "starts": "2026-01-06T08:00:00+01:00", "link": "https://example.org/x",
                            "contact": "ops@example.org", "done": "yes", "count": "7", "owner": " ALICE ",
                            "when": "today"}, actor="alice")
    report = verify_store(store, replay=True)
    assert report.ok and report.replayed == store.head(job)[0], report.problems


# --------------------------------------------- forgeries through the store's own append (memory store)
def _forge(store: MemoryStore, job: str, new: list[NewEvent], actor: str, roles: RoleRecord | None) -> int:
    seq, head = store.head(job)
    events = chain(job, seq, head, new, actor, store.read(job)[-1].at)
    store.append(job, seq, events, Derived(rows=rows_of(store)([*store.read(job), *events]), roles=roles))
    return seq + 1


@pytest.fixture
def mem() -> tuple[MemoryStore, str, RoleRecord]:
    store = MemoryStore()
    engine = Engine(store, roles=ROLES, clock=FixedClock("2026-01-05T09:00:00+00:00"))
    job = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, job, "technical_review", engine.clock)
    return store, job, RoleRecord.of(engine.roles)


def test_an_event_no_command_writes_first_is_named(mem) -> None:
    store, job, roles = mem
    seq = _forge(store, job, [NewEvent("job.completed", {})], "mike", roles)
    report = verify_store(store, replay=True)
    assert report.problems == [f"job {job}: event {seq} (job.completed): replay: no command records a "
                               f"'job.completed' event first: it was not written by sopframe"]


def test_a_consequence_left_out_is_named(mem) -> None:
    """A stage completed without entering the next one: the engine would have recorded both."""
    store, job, roles = mem
    engine = Engine(store, roles=ROLES, clock=FixedClock("2026-01-05T12:00:00+00:00"))
    engine.set_fields(job, {"review_date": "2026-01-12"}, actor="lee")
    for who, so in (("lee", "it_lead"), ("sam", "security"), ("carol", "compliance")):
        engine.sign(job, so, actor=who)
    seq = _forge(store, job, [NewEvent("stage.completed", {"stage": "technical_review"})], "lee", roles)
    report = verify_store(store, replay=True)
    assert report.problems == [f"job {job}: event {seq} (stage.completed): replay: the engine would also have "
                               f"recorded 'stage.entered' after it (missing)"]


def test_a_batch_without_its_role_table_is_named(mem) -> None:
    store, job, _roles = mem
    seq = _forge(store, job, [NewEvent("field.set", {"stage": "technical_review", "field": "review_date",
                                                     "value": "2026-01-12"})], "lee", None)
    report = verify_store(store, replay=True)
    assert len(report.problems) == 1 and f"event {seq} (field.set)" in report.problems[0]
    assert "names no role table" in report.problems[0]


def test_a_missing_role_table_is_named(mem) -> None:
    store, job, roles = mem
    store.raw_role_tables().clear()
    report = verify_store(store, replay=True)
    assert report.problems == [f"job {job}: event 1 (job.started): replay: the role table it ran under "
                               f"({roles.digest[:12]}...) is missing from the store",
                               # and verify names it without replay too
                               f"ledger entry 1, job {job}: the role table it ran under ({roles.digest[:12]}...) is "
                               f"missing from the store (deleted)"]


# ------------------------------------------------------------------ list fields, sub-jobs, starts off-version
_LISTS = """\
template: listed
title: Lists and their sub-jobs
version: 1.0.0
kind: change
job_id: LST-{seq:03}
roles:
  req: Asks
  eng: Fixes
stages:
  collect:
    owner: req
    fields:
      things:
        type: list
        key: id
        columns:
          id:
            type: text
            required: yes
          txt:
            type: text
          on:
            type: date
    next: fix
  fix:
    owner: req
    fields:
      findings:
        type: list
        key: id
        columns:
          id:
            type: text
            required: yes
    split:
      finding:
        for_each: findings
        suffix: F
        owner: eng
        stages:
          patch:
            fields:
              done:
                type: bool
                required: yes
    rejoin: close
  close:
    owner: req
"""


def test_every_list_operation_replays_as_it_was_recorded() -> None:
    """Items added (--add, --items), a whole list set, set and added to in one command, changed, removed,
    cleared; per-item sub-jobs started, one cancelled alone, the others completed."""
    store = MemoryStore()
    engine = Engine(store, roles={"req": ["alice"], "eng": ["ed"]}, clock=FixedClock("2026-01-05T09:00:00+00:00"))
    job = engine.start(_LISTS, "listed.yaml", actor="alice").job_id
    engine.set_fields(job, {}, add={"things": [{"id": "a"}]}, actor="alice")
    engine.set_fields(job, {}, add={"things": [{"id": "b", "txt": "two", "on": "2026-01-06"}]}, actor="alice")
    engine.set_fields(job, {"things": '[{"id": "a", "txt": "changed"}]'}, actor="alice")  # b removed, a changed
    engine.set_fields(job, {"things": [{"id": "c"}]}, add={"things": [{"id": "d"}, {"id": "e"}]}, actor="alice")
    engine.set_fields(job, {"things": ""}, actor="alice")  # cleared
    engine.set_fields(job, {"things": '[{"id": "z"}]'}, actor="alice")
    engine.complete(job, actor="alice")
    engine.set_fields(job, {}, add={"findings": [{"id": "F1"}, {"id": "F2"}]}, actor="alice")
    engine.cancel(f"{job}-FF2", "a false positive", actor="alice")
    engine.set_fields(f"{job}-FF1", {"done": "yes"}, actor="ed")
    engine.complete(f"{job}-FF1", actor="ed")
    types = [e.type for e in store.read(job)]
    assert types.count("field.set") == 9 and "subjob.cancelled" in types and types[-1] == "stage.entered"
    report = verify_store(store, replay=True)
    assert report.ok and report.replayed == store.head(job)[0], report.problems


def test_a_list_set_twice_in_one_batch_not_by_adding_is_named() -> None:
    """Two whole values of one list in a batch: no command writes that."""
    store = MemoryStore()
    engine = Engine(store, roles={"req": ["alice"]}, clock=FixedClock("2026-01-05T09:00:00+00:00"))
    job = engine.start(_LISTS, "listed.yaml", actor="alice").job_id
    roles = RoleRecord.of(engine.roles)
    seq = _forge(store, job, [NewEvent("field.set", {"stage": "collect", "field": "things", "value": [{"id": "a"}]}),
                              NewEvent("field.set", {"stage": "collect", "field": "things", "value": [{"id": "b"}]})],
                 "alice", roles)
    report = verify_store(store, replay=True)
    assert report.problems == [f"job {job}: event {seq} (field.set): replay: field 'things' is set twice in one "
                               f"batch, the second time not by adding items"]


def test_a_start_off_the_current_sop_version_replays_with_its_reason() -> None:
    """`job start --reason` lets a job follow an SOP that is not the current published version: replay gives the
    reason recorded, so the start is allowed again."""
    from sopframe.testing.sop_lifecycle import incident_of

    store = MemoryStore()
    engine = Engine(store, roles={"responder": ["rita"]}, clock=FixedClock("2026-01-05T09:00:00+00:00"))
    job = engine.start(incident_of(), "incident.yaml", actor="rita", reason="a pilot before publication").job_id
    assert store.read(job)[0].data["sop"]["reason"] == "a pilot before publication"
    report = verify_store(store, replay=True)
    assert report.ok and report.replayed == store.head(job)[0], report.problems

"""The inbox service: exact items, order and SLA time left on a history run with a controlled clock."""

from __future__ import annotations

from typing import Any

import pytest

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.identity import RoleTable
from sopframe.errors import JobError
from sopframe.services.inbox import InboxItem, format_seconds, inbox
from sopframe_plugins.store_memory import MemoryStore

REVIEW = """\
template: review
title: Reviewed change
version: 1.0.0
kind: change
job_id: REV-{seq:03}
roles:
  author: Writes it
  lead: Approves it
stages:
  write:
    owner: author
    sla: 1d
    fields:
      summary:
        type: text
        required: yes
      author:
        type: user
        role: author
        required: yes
    next: approve
  approve:
    owner: lead
    sla: 2d
    signoffs:
      lead:
        role: lead
        not_by: author
      second:
        role: lead
        not_by: lead
"""

ROLES = {"author": ["alice", "bob"], "lead": ["lee", "alice"]}
TABLE = RoleTable.build(ROLES, {"alice@example.com": "alice"})


def view(items: list[InboxItem]) -> list[tuple[Any, ...]]:
    return [(i.kind, i.job, i.stage, i.signoff, i.may_act, i.seconds_left) for i in items]


@pytest.fixture
def history() -> tuple[MemoryStore, Engine, FixedClock]:
    """REV-001 waits for sign-offs (written by alice), REV-002 and REV-003 are still being written."""
    store, clock = MemoryStore(), FixedClock("2026-03-02T09:00:00+00:00")
    engine = Engine(store, roles=TABLE, clock=clock)
    first = engine.start(REVIEW, "review.yaml", actor="alice").job_id
    engine.set_fields(first, {"summary": "s", "author": "alice"}, actor="alice")
    engine.complete(first, actor="alice")  # approve entered 09:00, due in 2 days
    clock.advance(hours=3)
    engine.start(REVIEW, "review.yaml", actor="bob")  # REV-002 write entered 12:00, due next day 12:00
    clock.advance(hours=1)
    engine.start(REVIEW, "review.yaml", actor="alice")  # REV-003 write entered 13:00
    clock.advance(hours=10)  # now: 2026-03-02T23:00
    return store, engine, clock


def test_stages_owned_and_signoffs_most_urgent_first(history: tuple[MemoryStore, Engine, FixedClock]) -> None:
    store, _engine, clock = history
    assert view(inbox(store, TABLE, "alice", clock())) == [
        ("stage", "REV-002", "write", None, True, 13 * 3600),  # due 03-03 12:00
        ("stage", "REV-003", "write", None, True, 14 * 3600),  # due 03-03 13:00
        ("stage", "REV-001", "approve", None, True, 34 * 3600),  # due 03-04 09:00
        ("signoff", "REV-001", "approve", "second", True, 34 * 3600),
        ("signoff", "REV-001", "approve", "lead", False, 34 * 3600),  # she wrote it: last, with the reason
    ]
    barred = inbox(store, TABLE, "alice", clock())[-1]
    assert barred.reason == "sign-off 'lead' must not be given by the person 'author' names (alice) (not_by: author)"
    assert view(inbox(store, TABLE, "lee", clock())) == [
        ("stage", "REV-001", "approve", None, True, 34 * 3600),
        ("signoff", "REV-001", "approve", "lead", True, 34 * 3600),
        ("signoff", "REV-001", "approve", "second", True, 34 * 3600),
    ]
    assert [i.title for i in inbox(store, TABLE, "lee", clock())] == ["Reviewed change"] * 3


def test_time_left_turns_negative_once_the_sla_has_run_out(history: tuple[MemoryStore, Engine, FixedClock]) -> None:
    store, _engine, clock = history
    clock.advance(hours=15)  # 2026-03-03T14:00: both writes are overdue
    items = inbox(store, TABLE, "bob", clock())
    assert view(items) == [("stage", "REV-002", "write", None, True, -2 * 3600),
                           ("stage", "REV-003", "write", None, True, -3600)]
    assert [i.overdue for i in items] == [True, True]
    assert items[0].to_dict()["overdue"] is True and items[0].due == "2026-03-03T12:00:00.000000Z"


def test_a_signoff_given_moves_the_other_out_of_reach(history: tuple[MemoryStore, Engine, FixedClock]) -> None:
    store, engine, clock = history
    engine.sign("REV-001", "lead", actor="lee")
    lee = inbox(store, TABLE, "lee", clock())
    assert view(lee) == [("stage", "REV-001", "approve", None, True, 34 * 3600),
                         ("signoff", "REV-001", "approve", "second", False, 34 * 3600)]
    assert lee[-1].reason == "lee gave sign-off 'lead', and 'second' must be given by someone else (not_by: lead)"
    assert [(i.signoff, i.may_act) for i in inbox(store, TABLE, "alice", clock()) if i.kind == "signoff"] == \
        [("second", True)]


def test_what_the_inbox_bars_the_engine_refuses_and_what_it_allows_goes_through(
        history: tuple[MemoryStore, Engine, FixedClock]) -> None:
    store, engine, clock = history
    for user in ("alice", "lee"):
        for item in inbox(store, TABLE, user, clock()):
            if item.kind != "signoff" or item.may_act:
                continue
            with pytest.raises(JobError) as info:
                engine.sign(item.job, item.signoff or "", actor=user)
            assert item.reason is not None and item.reason in str(info.value)
    allowed = [i for i in inbox(store, TABLE, "alice", clock()) if i.kind == "signoff" and i.may_act]
    assert [i.signoff for i in allowed] == ["second"]
    engine.sign("REV-001", "second", actor="alice")  # no refusal
    assert [(i.kind, i.signoff, i.may_act) for i in inbox(store, TABLE, "alice", clock()) if i.job == "REV-001"] \
        == [("stage", None, True), ("signoff", "lead", False)]  # still barred from the other one


def test_names_resolve_through_aliases_and_nobody_without_a_role_has_an_inbox(
        history: tuple[MemoryStore, Engine, FixedClock]) -> None:
    store, _engine, clock = history
    assert inbox(store, TABLE, " Alice@Example.com", clock()) == inbox(store, TABLE, "alice", clock())
    assert inbox(store, TABLE, "mallory", clock()) == []


class ReadModelsOnly(MemoryStore):
    """A store that fails the test if anything reads events (the inbox must not fold jobs)."""

    def read(self, job: str, after: int = 0):  # type: ignore[no-untyped-def]
        raise AssertionError("the inbox read events")

    def iter_jobs(self, batch: int = 200):  # type: ignore[no-untyped-def]
        raise AssertionError("the inbox read events")


def test_the_inbox_reads_read_models_never_events(history: tuple[MemoryStore, Engine, FixedClock]) -> None:
    store, _engine, clock = history
    watched = ReadModelsOnly()
    watched._rows = store._rows  # the same read models, no way to the events
    assert inbox(watched, TABLE, "alice", clock()) == inbox(store, TABLE, "alice", clock())


def test_sub_job_stages_wait_on_the_sub_job_owner() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent.parent))
    from engine.conftest import ROLES as LIFECYCLE_ROLES, lifecycle_text, walk_to

    store, clock = MemoryStore(), FixedClock("2026-01-05T09:00:00+00:00")
    engine = Engine(store, roles=LIFECYCLE_ROLES, clock=clock)
    job = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, job, "components", clock)
    olga = inbox(store, RoleTable.build(LIFECYCLE_ROLES), "olga", clock())
    assert {(i.kind, i.subjob, i.role) for i in olga} == {("stage", f"{job}-B", "ops_lead"),
                                                          ("signoff", f"{job}-B", "ops_lead")}


def test_spans_for_people() -> None:
    assert [format_seconds(s) for s in (59, 60, 3600, 3660, 86400, 90000, -7200)] == \
        ["0m", "1m", "1h", "1h 1m", "1d", "1d 1h", "2h"]

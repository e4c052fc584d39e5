"""Which notifications a command's events and sopframe tick put in the outbox, and to whom."""

from __future__ import annotations

import pytest

from notify.support import TEMPLATE, engine_with, routing
from sopframe.core.engine.clock import FixedClock
from sopframe.core.notify.model import Trigger
from sopframe.core.notify.routing import ChannelSpec
from sopframe.core.notify.timed import timed_notifications
from sopframe.errors import JobError
from sopframe_plugins.store_memory import MemoryStore


def _rows(store: MemoryStore) -> list[tuple[str, str, str]]:
    return [(r.note.kind, r.note.channel, r.note.recipient) for r in store.notifications()]


def test_starting_a_job_tells_the_first_stages_owners_in_the_same_append() -> None:
    store = MemoryStore()
    engine = engine_with(store, routing())
    job = engine.start(TEMPLATE, "tiny.yaml", actor="alice", title="Rotate keys").job_id
    # both holders of `author` are told: alice at her [people] address, the other by the name itself
    assert _rows(store) == [("stage.entered", "mail", "alice@example.com"),
                            ("stage.entered", "mail", "ann@example.com")]
    note = store.notifications()[0].note
    assert note.job == job and note.subject == f"{job}: stage Write it waits for you"
    assert "Rotate keys" in note.body and note.data["users"] == ["alice", "ann@example.com"]
    assert note.data["stage"] == "write" and note.created_at == store.read(job)[0].at


def test_a_stage_with_sign_offs_tells_owners_and_signers() -> None:
    store = MemoryStore()
    engine = engine_with(store, routing())
    job = engine.start(TEMPLATE, "tiny.yaml", actor="alice").job_id
    engine.set_fields(job, {"summary": "done"}, actor="alice")
    engine.complete(job, actor="alice")
    assert _rows(store)[2:] == [("stage.entered", "mail", "lee@example.com"),
                                ("signoff.wanted", "mail", "lee@example.com")]


def test_a_refused_command_enqueues_nothing() -> None:
    store = MemoryStore()
    engine = engine_with(store, routing())
    job = engine.start(TEMPLATE, "tiny.yaml", actor="alice").job_id
    with pytest.raises(JobError):
        engine.complete(job, actor="alice")  # the summary is missing
    assert len(store.notifications()) == 2


def test_routes_pick_channels_and_a_webhook_gets_one_row_naming_everyone() -> None:
    store = MemoryStore()
    engine = engine_with(store, routing(routes={"stage.entered": ["hook", "mail"]}))
    engine.start(TEMPLATE, "tiny.yaml", actor="alice")
    rows = store.notifications()
    assert [(r.note.channel, r.note.recipient) for r in rows] == [
        ("hook", ""), ("mail", "alice@example.com"), ("mail", "ann@example.com")]
    assert rows[0].note.data["users"] == ["alice", "ann@example.com"]


def test_without_channels_nothing_is_planned() -> None:
    store = MemoryStore()
    engine_with(store, routing(channels={})).start(TEMPLATE, "tiny.yaml", actor="alice")
    assert store.notifications() == []


def test_a_template_override_replaces_the_route_and_the_roles() -> None:
    text = TEMPLATE.replace("notify:\n", "notify:\n  stage.entered:\n    channels:\n      - hook\n    to: boss\n")
    store = MemoryStore()
    engine_with(store, routing()).start(text, "tiny.yaml", actor="alice")
    rows = store.notifications()
    assert [(r.note.channel, r.note.data["users"]) for r in rows] == [("hook", ["bo"])]


def test_off_turns_a_trigger_off() -> None:
    text = TEMPLATE.replace("notify:\n", "notify:\n  stage.entered:\n    off: yes\n")
    store = MemoryStore()
    engine_with(store, routing()).start(text, "tiny.yaml", actor="alice")
    assert store.notifications() == []


def test_a_title_with_line_breaks_stays_one_line_in_the_subject() -> None:
    text = TEMPLATE.replace("    title: Write it", "    title: \"Write\\r\\nBcc: evil@example.com\"")
    store = MemoryStore()
    engine_with(store, routing()).start(text, "tiny.yaml", actor="alice")
    subject = store.notifications()[0].note.subject
    assert "\r" not in subject and "\n" not in subject and "Write\\r\\nBcc: evil@example.com" in subject


def test_a_plugin_trigger_tells_its_roles_on_its_routes() -> None:
    trigger = Trigger(kind="field.recorded", event_type="field.set", description="a field was set",
                      recipients=lambda ev, template: ["lead"], subject=lambda ev, title: f"{ev.job}: field set")
    store = MemoryStore()
    engine = engine_with(store, routing(routes={"field.recorded": ["mail"]}), triggers=[trigger])
    job = engine.start(TEMPLATE, "tiny.yaml", actor="alice").job_id
    engine.set_fields(job, {"summary": "x"}, actor="alice")
    rows = [r.note for r in store.notifications()]
    assert [(n.kind, n.recipient, n.subject) for n in rows] == [("field.recorded", "lee@example.com",
                                                                f"{job}: field set")]


def test_sla_breach_due_soon_and_escalation_each_enqueue_once() -> None:
    clock = FixedClock("2026-01-05T09:00:00+00:00")
    store = MemoryStore()
    route = routing(lead="6h")
    engine = engine_with(store, route, clock)
    job = engine.start(TEMPLATE, "tiny.yaml", actor="alice").job_id
    start = len(store.notifications())
    clock.advance(hours=20)  # the 1d SLA runs out in 4 hours: within the 6h lead
    assert {n.kind for n in timed_notifications(store, engine.notify, clock())} == {"sla.due_soon"}
    assert store.enqueue(timed_notifications(store, engine.notify, clock())) == 2
    assert store.enqueue(timed_notifications(store, engine.notify, clock())) == 0  # tick again: nothing new
    clock.advance(hours=5)  # past the deadline: tick records the breach, which tells the owners
    engine.tick(actor="cron")
    kinds = [r.note.kind for r in store.notifications()[start:]]
    assert kinds == ["sla.due_soon"] * 2 + ["sla.breached"] * 2
    clock.advance(hours=2)  # the breach has lasted 3 hours: escalation waits for 4 (the template's `after`)
    assert [n.kind for n in timed_notifications(store, engine.notify, clock())] == []
    clock.advance(hours=1, minutes=1)
    escalations = timed_notifications(store, engine.notify, clock())
    assert [(n.kind, n.recipient) for n in escalations] == [("sla.escalated", "bo@example.com")]
    assert store.enqueue(escalations) == 1 and store.enqueue(timed_notifications(store, engine.notify, clock())) == 0
    assert job in escalations[0].subject


def test_tick_messages_name_the_stage_by_its_title_as_the_event_messages_do() -> None:
    clock = FixedClock("2026-01-05T09:00:00+00:00")
    store = MemoryStore()
    engine = engine_with(store, routing(lead="6h"), clock)
    job = engine.start(TEMPLATE, "tiny.yaml", actor="alice").job_id
    clock.advance(hours=20)
    soon = timed_notifications(store, engine.notify, clock())[0]
    assert soon.subject == f"{job}: SLA of Write it runs out 2026-01-06 09:00 UTC"  # as a person reads a time
    assert soon.data["due"] == "2026-01-06T09:00:00.000000Z"  # the data keeps the exact time
    assert "stage Write it (write) must be done by" in soon.body and soon.data["stage_title"] == "Write it"
    clock.advance(hours=10)
    engine.tick(actor="cron")
    breached = store.notifications()[-1].note
    escalated = timed_notifications(store, engine.notify, clock())[0]
    assert breached.kind == "sla.breached" and "Write it" in breached.subject
    assert escalated.kind == "sla.escalated" and escalated.subject.startswith(f"Escalation: {job} stage Write it ")


def test_sop_publication_tells_the_audience_and_review_dates_are_watched() -> None:
    from engine.conftest import ROLES, lifecycle_text, walk_to
    from sopframe.core.identity import RoleTable
    from sopframe.core.notify.planning import Planner
    from sopframe.core.engine import Engine

    clock = FixedClock("2026-01-05T09:00:00+00:00")
    store = MemoryStore()
    table = RoleTable.build(ROLES)
    people = {u: {"email": f"{u}@example.com"} for users in ROLES.values() for u in users}
    route = routing(routes={"sop.published": ["mail"], "sop.review_due": ["mail"], "sop.review_overdue": ["mail"]})
    route = type(route)(channels=route.channels, routes=route.routes, people=people, lead="30d")
    engine = Engine(store, roles=table, clock=clock, notify=Planner(route, table))
    job = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, job, "done", clock)
    published = [r.note for r in store.notifications() if r.note.kind == "sop.published"]
    everyone = sorted({f"{u}@example.com" for users in ROLES.values() for u in users})
    assert sorted(n.recipient for n in published) == everyone  # default audience: every role of the SOP
    assert "ITSOP-2026-7" in published[0].subject
    # the version must be acknowledged: its notice says so, with the command and the time allowed
    assert "acknowledge it within 14d of it taking effect: sopframe ack ITSOP-2026-7" in published[0].body
    review = store.sop_rows()[0].next_review
    assert timed_notifications(store, engine.notify, clock()) == []
    clock.set(f"{review[:10]}T00:00:00+00:00")
    clock.advance(days=-10)
    due = timed_notifications(store, engine.notify, clock())
    assert {n.kind for n in due} == {"sop.review_due"} and store.enqueue(due) == len(due) > 0
    clock.advance(days=11)
    overdue = timed_notifications(store, engine.notify, clock())
    assert {n.kind for n in overdue} == {"sop.review_overdue"}
    assert store.enqueue(overdue) == len(overdue) and store.enqueue(overdue) == 0


def test_channels_only_in_routes_of_other_types_are_not_used() -> None:
    route = routing(channels={"mail": ChannelSpec("mail", "email", {})}, routes={"stage.entered": ["gone"]})
    store = MemoryStore()
    engine_with(store, route).start(TEMPLATE, "tiny.yaml", actor="alice")
    assert store.notifications() == []


def test_acknowledgements_due_soon_and_late_tell_the_person_once_and_the_trainer_when_late() -> None:
    from sopframe.core.engine import Engine
    from sopframe.core.engine.records import SopRecords
    from sopframe.core.identity import RoleTable
    from sopframe.core.notify.planning import Planner
    from sopframe.services.sops import training_report
    from sopframe.testing.sop_lifecycle import GROUPS, LIFECYCLE, ROLES

    clock = FixedClock("2026-01-05T09:00:00+00:00")
    store = MemoryStore()
    table, groups = RoleTable.build(ROLES), RoleTable.build(GROUPS)
    people = {u: {"email": f"{u}@example.com"} for u in ("alice", "carl", "owen", "rita", "rob")}
    route = routing(routes={"ack.due_soon": ["mail"], "ack.late": ["mail"]})
    route = type(route)(channels=route.channels, routes=route.routes, people=people, lead="3d")
    engine = Engine(store, roles=table, clock=clock, notify=Planner(route, table))
    lifecycle = LIFECYCLE.replace("stages:\n", "notify:\n  ack.late:\n    to: author\nstages:\n", 1)
    job = engine.start(lifecycle, "tiny-sop.yaml", actor="alice").job_id
    engine.set_fields(job, {"ref": "SOP-T-001", "version": "1.0.0", "effective": "2026-01-05"}, actor="alice")
    engine.complete(job, actor="alice")
    records = SopRecords(store, roles=table, groups=groups, clock=clock)

    def reminders() -> list:
        return timed_notifications(store, engine.notify, clock(), training_report(store, table, groups, clock()))

    clock.advance(days=1)
    records.acknowledge("SOP-T-001", actor="rita")
    assert reminders() == []  # due 2026-01-19, 3 days' lead: nothing yet
    clock.set("2026-01-17T08:00:00+00:00")
    soon = reminders()
    assert sorted((n.kind, n.recipient) for n in soon) == [
        ("ack.due_soon", "owen@example.com"), ("ack.due_soon", "rob@example.com")]  # rita acknowledged
    assert "please acknowledge by 2026-01-19" in soon[0].subject and soon[0].job == job
    assert store.enqueue(soon) == 2 and store.enqueue(reminders()) == 0  # a second tick sends nothing new
    clock.set("2026-01-20T08:00:00+00:00")
    records.acknowledge("SOP-T-001", actor="owen")  # late, but done: no reminder for owen
    late = reminders()
    assert sorted((n.kind, n.recipient) for n in late) == [
        ("ack.late", "alice@example.com"), ("ack.late", "rob@example.com")]  # rob, and the template's `to`
    assert all(n.data["person"] == "rob" for n in late)
    assert all("To acknowledge it, rob runs: sopframe ack SOP-T-001" in n.body for n in late)  # what to do
    assert store.enqueue(late) == 2 and store.enqueue(reminders()) == 0


def test_a_joiner_is_reminded_by_their_own_due_date_once_their_joining_is_on_record() -> None:
    """nina joins the responder role after everyone else's due date: no reminder while only today's
    configuration has her (her due date moves with now, so each tick would make a new one), then an
    ack.due_soon before her own due date, counted from the command that recorded her joining."""
    from sopframe.core.engine import Engine
    from sopframe.core.engine.records import SopRecords
    from sopframe.core.identity import RoleTable
    from sopframe.core.notify.planning import Planner
    from sopframe.services.sops import training_report
    from sopframe.testing.sop_lifecycle import GROUPS, LIFECYCLE, ROLES

    clock = FixedClock("2026-01-05T09:00:00+00:00")
    store = MemoryStore()
    table, groups = RoleTable.build(ROLES), RoleTable.build(GROUPS)
    people = {u: {"email": f"{u}@example.com"} for u in ("nina", "owen", "rita", "rob")}
    route = routing(routes={"ack.due_soon": ["mail"], "ack.late": ["mail"]})
    route = type(route)(channels=route.channels, routes=route.routes, people=people, lead="30d")
    engine = Engine(store, roles=table, clock=clock, notify=Planner(route, table))
    job = engine.start(LIFECYCLE, "tiny-sop.yaml", actor="alice").job_id
    engine.set_fields(job, {"ref": "SOP-T-001", "version": "1.0.0", "effective": "2026-01-05"}, actor="alice")
    engine.complete(job, actor="alice")
    for person in ("rita", "rob", "owen"):
        SopRecords(store, roles=table, groups=groups, clock=clock).acknowledge("SOP-T-001", actor=person)
    clock.set("2026-02-01T09:00:00+00:00")
    joined = RoleTable.build({**ROLES, "responder": ["rita", "rob", "nina"]})

    def reminders() -> list:
        return timed_notifications(store, engine.notify, clock(), training_report(store, joined, groups, clock()))

    assert reminders() == []  # not yet recorded: nothing, however often tick runs
    clock.advance(hours=1)
    assert reminders() == []
    engine.roles = joined
    engine.start(LIFECYCLE, "tiny-sop.yaml", actor="alice")  # any command records the new role table
    (soon,) = reminders()
    assert (soon.kind, soon.recipient, soon.data["due"]) == ("ack.due_soon", "nina@example.com",
                                                             "2026-02-15T10:00:00.000000Z")
    assert store.enqueue([soon]) == 1 and store.enqueue(reminders()) == 0


def test_a_reminder_before_a_deadline_at_the_end_of_the_calendar_is_skipped_not_crashed_on() -> None:
    from datetime import datetime, timezone

    from sopframe.core.notify.timed import _before

    end = datetime(9999, 12, 31, 12, tzinfo=timezone.utc)  # a deadline counted from "no end date"
    assert _before(end, "2d") is None
    assert _before(datetime(2026, 3, 10, tzinfo=timezone.utc), "2d") == datetime(2026, 3, 8, tzinfo=timezone.utc)


def test_times_in_messages_are_shown_to_the_minute_in_utc() -> None:
    from sopframe.core.notify.model import shown_time

    assert shown_time("2026-01-06T09:00:59.123456Z") == "2026-01-06 09:00 UTC"
    assert shown_time("2027-12-06") == "2027-12-06"  # a date is shown as it is

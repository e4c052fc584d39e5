"""Per-person acknowledgements of published SOP versions: recorded in a hash-chained record stream, reset by a
new version, refused for unknown people and people outside the audience, renewed yearly, verifiable."""

from __future__ import annotations

import pytest

from sopframe.commands.training import render_status
from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.engine.records import SopRecords
from sopframe.core.jobcheck import verify_jobs
from sopframe.core.sopref import record_stream
from sopframe.errors import JobError
from sopframe.evidence.verify import verify_store
from sopframe.services.sops import training_report
from sopframe.testing.sop_lifecycle import publish
from sopframe_plugins.store_memory import MemoryStore

REF = "SOP-T-001"


@pytest.fixture
def engine(sop_engine: Engine) -> Engine:
    return sop_engine  # the tiny SOP templates' roles (tests/engine/conftest.py)


def status(records: SopRecords, clock: FixedClock) -> str:
    return render_status(training_report(records.store, records.roles, records.groups, clock()))


def test_an_acknowledgement_is_recorded_with_its_attestation_and_the_status_is_exact(
        engine: Engine, records: SopRecords, clock: FixedClock) -> None:
    publish(engine)
    clock.advance(days=1)
    data = records.acknowledge(REF, actor=" Rita ", version="1.0")  # 1.0 is 1.0.0; names are normalised
    assert data["person"] == "rita" and data["version"] == "1.0.0" and data["published_by"] == "TSOP-001"
    assert data["attestation"]["text"] == "I have read this procedure and will follow it."
    assert data["attestation"]["sha256"] == "d39746bf412e79e1bc520dccfbe80fdb5db0a265ff0b888511d000a08c788bf5"
    (ev,) = records.store.read(record_stream(REF))
    assert (ev.type, ev.actor, ev.seq) == ("sop.acknowledged", "rita", 1)
    clock.advance(days=20)  # 2026-01-26: the 14 days after the effective date 2026-01-05 are over
    assert status(records, clock) == """\
SOP-T-001 version 1.0.0 (published by TSOP-001, effective 2026-01-05)
  audience: responder, group:oncall; acknowledge within 14d of the effective date, or of joining the audience if \
later; again every 12 months
  effective: no (1 of 3 have acknowledged this version; 50% needs 2)
  person  status          due by             acknowledged
  owen    late (7d)       2026-01-19T00:00Z  -
  rita    acknowledged    2027-01-06T09:00Z  2026-01-06T09:00Z
  rob     late (7d)       2026-01-19T00:00Z  -
  1 of 3 acknowledged; 2 late; 0 pending
  note: groups were first recorded at 2026-01-06T09:00Z (acknowledgements, flags and reviews record it): whoever \
joined a group before then counts from the version's start
"""
    records.acknowledge(REF, actor="owen")
    (report,) = training_report(records.store, records.roles, records.groups, clock())
    assert report.effective and report.effective_at == "2026-01-26T09:00:00.000000Z"
    assert [p.person for p in report.late] == ["rob"]


def test_a_new_version_needs_new_acknowledgements(engine: Engine, records: SopRecords, clock: FixedClock) -> None:
    publish(engine)
    records.acknowledge(REF, actor="rita")
    with pytest.raises(JobError, match="rita already acknowledged SOP-T-001 version 1.0.0"):
        records.acknowledge(REF, actor="rita")
    clock.advance(days=30)
    publish(engine, version="1.1.0", effective="2026-02-04")
    (report,) = training_report(records.store, records.roles, records.groups, clock())
    assert report.version == "1.1.0"
    assert [(p.person, p.status, p.due[:10]) for p in report.people] == [
        ("owen", "pending", "2026-02-18"), ("rita", "pending", "2026-02-18"), ("rob", "pending", "2026-02-18")]
    with pytest.raises(JobError, match="version 1.0.0 of SOP-T-001 was superseded; the current version is 1.1.0"):
        records.acknowledge(REF, actor="rita", version="1.0.0")
    records.acknowledge(REF, actor="rita")
    (report,) = training_report(records.store, records.roles, records.groups, clock())
    assert [p.person for p in report.people if p.status == "acknowledged"] == ["rita"]


def test_an_unknown_person_or_one_outside_the_audience_is_refused_and_nothing_is_written(
        engine: Engine, records: SopRecords) -> None:
    publish(engine)
    ledger = len(list(records.store.ledger()))
    with pytest.raises(JobError, match="zed is not known: no role or group of the configuration names them") as e:
        records.acknowledge(REF, actor="zed")
    assert "the audience of SOP-T-001 version 1.0.0 is responder, group:oncall" in str(e.value)
    with pytest.raises(JobError, match="carl is not in the audience"):
        records.acknowledge(REF, actor="carl")  # holds a role, but not an audience one
    with pytest.raises(JobError, match="SOP-T-002 is not on the SOP master list"):
        records.acknowledge("SOP-T-002", actor="rita")
    with pytest.raises(JobError, match="must be written in upper case"):
        records.acknowledge("sop-t-001", actor="rita")
    with pytest.raises(JobError, match="the attestation given differs"):
        records.acknowledge(REF, actor="rita", attest="I skimmed it")
    assert records.store.read(record_stream(REF)) == [] and len(list(records.store.ledger())) == ledger


def test_yearly_re_acknowledgement_with_a_controlled_clock(engine: Engine, records: SopRecords,
                                                            clock: FixedClock) -> None:
    publish(engine)
    records.acknowledge(REF, actor="rita")  # 2026-01-05T09:00
    clock.set("2027-01-05T08:59:00+00:00")
    (report,) = training_report(records.store, records.roles, records.groups, clock())
    rita = next(p for p in report.people if p.person == "rita")
    assert (rita.status, rita.due) == ("acknowledged", "2027-01-05T09:00:00.000000Z")
    with pytest.raises(JobError, match="the next acknowledgement is due by 2027-01-05T09:00:00.000000Z"):
        records.acknowledge(REF, actor="rita")
    clock.set("2027-01-08T10:00:00+00:00")  # a year and three days on: late for the yearly acknowledgement
    (report,) = training_report(records.store, records.roles, records.groups, clock())
    rita = next(p for p in report.people if p.person == "rita")
    assert (rita.status, rita.late_by_days, rita.acknowledged_at) == ("late", 3, "2026-01-05T09:00:00.000000Z")
    records.acknowledge(REF, actor="rita")
    (report,) = training_report(records.store, records.roles, records.groups, clock())
    rita = next(p for p in report.people if p.person == "rita")
    assert (rita.status, rita.due) == ("acknowledged", "2028-01-08T10:00:00.000000Z")
    assert [a.at[:10] for a in records.store.ack_rows(REF)] == ["2026-01-05", "2027-01-08"]


def test_acknowledgements_verify_and_tampering_with_one_is_caught(engine: Engine, records: SopRecords,
                                                                   store: MemoryStore) -> None:
    publish(engine)
    records.acknowledge(REF, actor="rita")
    records.acknowledge(REF, actor="owen")
    stream = record_stream(REF)
    assert all(c.ok for c in verify_jobs(store)) and verify_store(store).ok
    assert [e.job for e in store.ledger()][-2:] == [stream, stream]  # each append has its ledger entry
    # someone with database access rewrites owen's acknowledgement as rob's
    raw = store.raw(stream)
    raw[1] = raw[1]._replace(data={**raw[1].data, "person": "rob"}, actor="rob")
    (bad,) = [c for c in verify_jobs(store) if not c.ok]
    assert bad.job == stream and "event 2: content does not match its hash" in str(bad.problem)
    assert not verify_store(store).ok
    # ... or recomputes the stream's hashes after the edit: the ledger still catches it
    from sopframe.core.engine.events import chain

    forged = chain(stream, 1, raw[0].hash, [type("E", (), {"type": raw[1].type, "data": raw[1].data})()],
                   "rob", raw[1].at)
    raw[1] = forged[0]
    assert all(c.problem is None for c in verify_jobs(store))  # the stream alone looks intact
    report = verify_store(store)
    assert not report.ok and any("rewritten" in p for p in report.problems)


def test_the_read_model_drift_of_acknowledgements_is_reported(engine: Engine, records: SopRecords,
                                                               store: MemoryStore) -> None:
    publish(engine)
    records.acknowledge(REF, actor="rita")
    stream = record_stream(REF)
    store._records[stream] = type(store._records[stream])(REF)  # the rows lost, the events kept
    (bad,) = [c for c in verify_jobs(store) if not c.ok]
    assert bad.job == stream and "acknowledgement rows differ" in str(bad.drift)
    from sopframe.core.migrations import rows_of

    store.rebuild(rows_of(store))
    assert all(c.ok for c in verify_jobs(store)) and [a.person for a in store.ack_rows(REF)] == ["rita"]


def test_record_streams_are_not_jobs(engine: Engine, records: SopRecords, store: MemoryStore) -> None:
    publish(engine)
    records.flag(REF, "the escalation list is out of date", actor="anyone")
    assert engine.tick(actor="cron") == {}
    with pytest.raises(JobError, match="unknown job 'sop~SOP-T-001'"):
        engine.load(record_stream(REF))
    text = "template: bad\ntitle: Bad\nversion: 1.0.0\nkind: change\njob_id: sop~{seq}\nroles:\n  a: A\n" \
           "stages:\n  s:\n    owner: a\n"
    with pytest.raises(JobError, match="names SOP record streams"):
        Engine(store, roles={"a": ["ann"]}).start(text, "bad.yaml", actor="ann")


def test_the_configured_re_acknowledgement_default_lets_a_renewal_through_and_replays(
        store: MemoryStore, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """A template without ``every`` takes ``[training] reacknowledge-every``: once `training status` says the
    renewal is due (late), ``ack`` takes it, records the interval that applied, and replay agrees."""
    from sopframe.core.identity import RoleTable
    from sopframe.testing import sop_lifecycle
    from sopframe.testing.sop_lifecycle import GROUPS, ROLES

    monkeypatch.setattr(sop_lifecycle, "LIFECYCLE", sop_lifecycle.LIFECYCLE.replace("    every: 12 months\n", ""))
    publish(Engine(store, roles=ROLES, clock=clock))
    records = SopRecords(store, roles=RoleTable.build(ROLES), groups=RoleTable.build(GROUPS), clock=clock,
                         every="12 months")
    first = records.acknowledge(REF, actor="rita")  # 2026-01-05T09:00
    assert first["every"] == "12 months"
    clock.set("2027-02-01T00:00:00+00:00")
    (report,) = training_report(store, records.roles, records.groups, clock(), every="12 months")
    rita = next(p for p in report.people if p.person == "rita")
    assert (rita.status, rita.due) == ("late", "2027-01-05T09:00:00.000000Z")
    records.acknowledge(REF, actor="rita")  # refused before: the default was not applied to `ack`
    assert [a.at[:10] for a in store.ack_rows(REF)] == ["2026-01-05", "2027-02-01"]
    replayed = verify_store(store, replay=True)
    assert replayed.ok and replayed.replayed and not replayed.unchecked, replayed.problems


def test_an_empty_audience_is_not_awaiting_acknowledgements(engine: Engine, store: MemoryStore,
                                                            clock: FixedClock) -> None:
    from sopframe.core.identity import RoleTable

    publish(engine)
    text = render_status(training_report(store, RoleTable.build({"author": ["alice"]}), RoleTable.build({}), clock()))
    assert "  effective: no, nobody to acknowledge it\n" in text and "needs 0" not in text
    assert text.endswith("  nobody holds the audience's roles or groups\n")


def _people(report: object) -> list[tuple[str, str, str, str | None, bool]]:
    return [(p.person, p.status, p.due[:16], p.joined_at and p.joined_at[:16], p.joined_recorded)
            for p in report.people]  # type: ignore[attr-defined]


def test_who_joins_the_audience_later_has_the_grace_period_from_when_the_record_shows_them_joining(
        engine: Engine, records: SopRecords, store: MemoryStore, clock: FixedClock) -> None:
    """nina joins the responder role and gus the oncall group after the grace period of everyone else ran out:
    they are pending, not late at once, and late only 14 days after the record shows them in the audience."""
    from sopframe.core.identity import RoleTable
    from sopframe.testing.sop_lifecycle import GROUPS, ROLES

    publish(engine)
    records.acknowledge(REF, actor="rita")  # 2026-01-05: records the groups table as it was
    clock.set("2026-01-26T09:00:00+00:00")  # everyone's 14 days ran out on the 19th
    roles = RoleTable.build({**ROLES, "responder": ["rita", "rob", "nina"]})
    groups = RoleTable.build({"oncall": [*GROUPS["oncall"], "gus"]})
    (report,) = training_report(store, roles, groups, clock())  # today's configuration, nothing recorded since
    assert _people(report) == [
        ("gus", "pending", "2026-02-09T09:00", "2026-01-26T09:00", False),
        ("nina", "pending", "2026-02-09T09:00", "2026-01-26T09:00", False),
        ("owen", "late", "2026-01-19T00:00", None, True),
        ("rita", "acknowledged", "2027-01-05T09:00", None, True),
        ("rob", "late", "2026-01-19T00:00", None, True)]
    text = render_status([report])
    assert "  gus     pending         2026-02-09T09:00Z  -                  not yet recorded\n" in text
    assert "note: people marked 'not yet recorded' are in today's configuration but in no recorded table" in text
    clock.set("2026-01-27T10:00:00+00:00")  # a flag records the new role and group tables: the join is on record
    SopRecords(store, roles=roles, groups=groups, clock=clock).flag(REF, "pager changed", actor="owen")
    clock.set("2026-02-12T09:00:00+00:00")
    (report,) = training_report(store, roles, groups, clock())
    assert _people(report)[:2] == [("gus", "late", "2026-02-10T10:00", "2026-01-27T10:00", True),
                                   ("nina", "late", "2026-02-10T10:00", "2026-01-27T10:00", True)]
    assert report.late[0].late_by_days == 1
    text = render_status([report])
    assert "  nina    late (1d)       2026-02-10T10:00Z  -                  2026-01-27T10:00Z\n" in text
    assert "  1 of 5 acknowledged; 4 late; 0 pending\n" in text
    assert "their grace counted from when the recorded role and group tables first show them in it" in text


def test_a_role_joiner_shows_at_the_next_job_command(engine: Engine, records: SopRecords, store: MemoryStore,
                                                     clock: FixedClock) -> None:
    """A job command records the role table (not the groups): a new responder's join is on record from it."""
    from sopframe.testing.sop_lifecycle import ROLES, incident_of

    publish(engine)
    clock.set("2026-02-02T08:00:00+00:00")
    engine.roles = type(engine.roles).build({**ROLES, "responder": ["rita", "rob", "nina"]})
    engine.start(incident_of(), "incident.yaml", actor="nina")
    clock.set("2026-02-20T00:00:00+00:00")
    (report,) = training_report(store, engine.roles, records.groups, clock())
    nina = next(p for p in report.people if p.person == "nina")
    assert (nina.status, nina.due, nina.joined_at) == ("late", "2026-02-16T08:00:00.000000Z",
                                                       "2026-02-02T08:00:00.000000Z")


def test_as_of_uses_the_audience_recorded_in_force_then(engine: Engine, records: SopRecords, store: MemoryStore,
                                                        clock: FixedClock) -> None:
    from datetime import datetime, timezone

    from sopframe.core.identity import RoleTable
    from sopframe.testing.sop_lifecycle import ROLES

    publish(engine)
    records.acknowledge(REF, actor="rita")  # 2026-01-05T09:00
    clock.set("2026-03-01T09:00:00+00:00")
    later_roles = RoleTable.build({**ROLES, "responder": ["rita", "nina"]})  # rob left, nina joined
    later_groups = RoleTable.build({"oncall": ["rita"]})  # owen left
    SopRecords(store, roles=later_roles, groups=later_groups, clock=clock).flag(REF, "x", actor="rita")
    then = datetime(2026, 1, 20, tzinfo=timezone.utc)
    (report,) = training_report(store, later_roles, later_groups, then, past=True)
    assert [p.person for p in report.people] == ["owen", "rita", "rob"]  # as it stood then, not today
    assert (report.audience_source, report.audience_at) == ("recorded", "2026-01-05T09:00:00.000000Z")
    assert "audience as recorded in force then: the role and group tables of 2026-01-05T09:00Z" in \
        render_status([report])
    (report,) = training_report(store, later_roles, later_groups, then)  # not past: today's configuration
    assert [p.person for p in report.people] == ["nina", "rita"] and report.audience_source == "configuration"
    before = datetime(2026, 1, 1, tzinfo=timezone.utc)  # before anything was recorded: today's, said so
    assert training_report(store, later_roles, later_groups, before, past=True) == []  # not yet published


def test_the_effective_count_and_the_acknowledged_count_are_named_apart(
        engine: Engine, records: SopRecords, store: MemoryStore, clock: FixedClock) -> None:
    """A renewal falling due takes a person out of "acknowledged" but not out of the count of effectiveness:
    the two lines say which is which, and the last line adds up to the audience."""
    publish(engine)
    records.acknowledge(REF, actor="rita")
    records.acknowledge(REF, actor="owen")
    clock.set("2027-01-10T00:00:00+00:00")  # both renewals are due; rob never acknowledged
    (report,) = training_report(store, records.roles, records.groups, clock())
    assert (report.effective, report.ever_acknowledged, report.acknowledged, report.needed) == (True, 2, 0, 2)
    text = render_status([report])
    assert "  effective: yes since 2026-01-05T09:00Z (2 of 3 have acknowledged this version; 50% needs 2)\n" in text
    assert "  owen    late (4d, renewal)" in text and "  rob     late (356d)  " in text
    assert "  0 of 3 acknowledged; 3 late (2 of them to renew); 0 pending\n" in text
    data = report.to_dict()
    assert (data["ever_acknowledged"], data["acknowledged"], data["late"], data["pending"]) == (2, 0, 3, 0)


def test_a_store_without_recorded_role_tables_says_lateness_counts_from_the_start(
        engine: Engine, store: MemoryStore, records: SopRecords, clock: FixedClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    publish(engine)
    monkeypatch.setattr(store, "role_table", lambda digest: None)  # as a store from before role tables
    clock.set("2026-01-26T09:00:00+00:00")
    (report,) = training_report(store, records.roles, records.groups, clock())
    assert all(p.joined_at is None for p in report.people)
    assert "note: no role table is recorded from before the version was published: whoever joined the audience " \
           "before the first one counts from the version's start\n" in render_status([report])


def test_only_the_first_joining_after_the_start_counts(engine: Engine, records: SopRecords, store: MemoryStore,
                                                       clock: FixedClock) -> None:
    """rob was in the audience at the start, left and came back: due as before. nina joined, left and came back:
    due from her first joining. Tables that flap between machines cannot move a due date."""
    from sopframe.core.identity import RoleTable
    from sopframe.testing.sop_lifecycle import GROUPS, ROLES

    publish(engine)

    def flag_under(responders: list[str], day: str) -> None:
        clock.set(f"{day}T09:00:00+00:00")
        roles = RoleTable.build({**ROLES, "responder": responders})
        SopRecords(store, roles=roles, groups=RoleTable.build(GROUPS), clock=clock).flag(REF, "x", actor="owen")

    flag_under(["rita", "nina"], "2026-01-10")  # rob leaves, nina joins
    flag_under(["rita"], "2026-01-12")  # nina leaves
    flag_under(["rita", "rob", "nina"], "2026-01-20")  # both come back
    clock.set("2026-01-26T09:00:00+00:00")
    now = RoleTable.build({**ROLES, "responder": ["rita", "rob", "nina"]})
    (report,) = training_report(store, now, records.groups, clock())
    by = {p.person: p for p in report.people}
    assert (by["rob"].status, by["rob"].due[:10], by["rob"].joined_at) == ("late", "2026-01-19", None)
    nina = by["nina"]  # 14 days from 2026-01-10, not from her return on the 20th
    assert (nina.status, nina.due[:16], nina.joined_at) == ("late", "2026-01-24T09:00", "2026-01-10T09:00:00.000000Z")

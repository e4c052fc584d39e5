"""Replay of SOP record streams: acknowledgements, flags and reviews re-run with the tables they ran under."""

from __future__ import annotations

import pytest

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.engine.events import NewEvent, chain
from sopframe.core.engine.records import SopRecords
from sopframe.core.identity import RoleTable
from sopframe.core.migrations import rows_of
from sopframe.core.rolerecord import RoleRecord
from sopframe.core.store import Derived, Store, open_store
from sopframe.evidence.verify import verify_store
from sopframe.pluginmanager import load_plugins
from sopframe.testing.sop_lifecycle import GROUPS, ROLES, publish
from sopframe_plugins.store_memory import MemoryStore

STREAM = "sop~SOP-T-001"


def _records(store: Store, clock: FixedClock) -> SopRecords:
    engine = Engine(store, roles=ROLES, clock=clock)
    publish(engine)
    clock.advance(days=1)
    return SopRecords(store, roles=engine.roles, groups=RoleTable.build(GROUPS), clock=clock)


def _write_all(records: SopRecords, clock: FixedClock) -> None:
    records.acknowledge("SOP-T-001", actor="rob")  # holds an audience role
    records.acknowledge("SOP-T-001", actor="Owen", attest="I have read this procedure and will follow it.")  # group
    clock.advance(hours=2)
    records.flag("SOP-T-001", "step 4 is wrong", actor="carl")
    records.reviewed("SOP-T-001", "step 4 corrected in the text", actor="alice")


@pytest.fixture
def store(url: str) -> Store:
    s = open_store(url, load_plugins())
    yield s  # type: ignore[misc]
    s.close()


def test_acknowledgements_flags_and_reviews_replay_clean(store: Store) -> None:
    clock = FixedClock("2026-01-05T09:00:00+00:00")
    _write_all(_records(store, clock), clock)
    assert [e.type for e in store.read(STREAM)] == ["sop.acknowledged", "sop.acknowledged", "sop.flagged",
                                                     "sop.reviewed"]
    report = verify_store(store, replay=True)
    assert report.ok, report.problems
    assert report.replayed == store.head("TSOP-001")[0] + 4 and not report.unchecked
    # each append names the tables it ran under: the roles, and the groups an audience may name
    entries = [e for e in store.ledger() if e.job == STREAM]
    record = RoleRecord.parse(entries[0].roles, store.role_table(entries[0].roles))
    assert {e.roles for e in entries} == {record.digest}
    assert record.groups().holders("oncall") == ("owen", "rita") and record.table().holds("rob", "responder")


def _forge(store: MemoryStore, type_: str, data: dict, actor: str, roles: RoleRecord | None) -> int:
    events = store.read(STREAM)
    new = chain(STREAM, events[-1].seq, events[-1].hash, [NewEvent(type_, data)], actor, events[-1].at)
    store.append(STREAM, events[-1].seq, new, Derived(rows=rows_of(store)([*events, *new]), roles=roles))
    return new[0].seq


@pytest.fixture
def mem() -> tuple[MemoryStore, RoleRecord]:
    store = MemoryStore()
    clock = FixedClock("2026-01-05T09:00:00+00:00")
    records = _records(store, clock)
    _write_all(records, clock)
    return store, RoleRecord.of(records.roles, records.groups)


def test_an_acknowledgement_by_someone_outside_the_audience_is_named(mem) -> None:
    store, roles = mem
    ack = store.read(STREAM)[0].data
    seq = _forge(store, "sop.acknowledged", {**ack, "person": "carl"}, "carl", roles)
    report = verify_store(store, replay=True)
    assert len(report.problems) == 1 and f"job {STREAM}: event {seq} (sop.acknowledged): replay: the engine " \
        f"would have refused it: carl is not in the audience of SOP-T-001" in report.problems[0], report.problems


def test_a_review_by_someone_without_a_role_is_named(mem) -> None:
    store, roles = mem
    seq = _forge(store, "sop.reviewed", {"ref": "SOP-T-001", "version": "1.0.0", "reason": "fine"}, "owen", roles)
    report = verify_store(store, replay=True)
    assert report.problems == [f"job {STREAM}: event {seq} (sop.reviewed): replay: the engine would have refused "
                               f"it: owen holds no role of the configuration, so cannot record a review"]


def test_an_event_no_record_command_writes_is_named(mem) -> None:
    store, roles = mem
    seq = _forge(store, "sop.published", {"ref": "SOP-T-001", "version": "9.0.0"}, "alice", roles)
    report = verify_store(store, replay=True)
    assert report.problems == [f"job {STREAM}: event {seq} (sop.published): replay: no command records a "
                               f"'sop.published' event on an SOP record: it was not written by sopframe"]


def test_records_of_the_previous_release_are_unchecked_not_rewritten(monkeypatch: pytest.MonkeyPatch) -> None:
    """Record streams recorded no table before: a store made then is folded in unchecked, said so, and not called
    rewritten; once a record-stream entry names a table, one after it that names none is a problem."""
    store = MemoryStore()
    clock = FixedClock("2026-01-05T09:00:00+00:00")
    records = _records(store, clock)
    with monkeypatch.context() as m:
        m.setattr(SopRecords, "_role_record", lambda self: None)  # how the previous release appended
        _write_all(records, clock)
    report = verify_store(store, replay=True)
    assert report.ok and report.unchecked == {STREAM: 4}, report.problems
    assert any("SOP records before the release that recorded their tables" in n for n in report.notes())
    clock.advance(days=1)
    records.flag("SOP-T-001", "the escalation list is out of date", actor="carl")  # this release: a table
    report = verify_store(store, replay=True)
    assert report.ok and report.unchecked == {STREAM: 4}, report.problems
    seq = _forge(store, "sop.flagged", {"ref": "SOP-T-001", "version": "1.0.0", "reason": "x"}, "carl", None)
    report = verify_store(store, replay=True)
    assert len(report.problems) == 1 and f"event {seq} (sop.flagged)" in report.problems[0]
    assert "names no role table, though every record-stream entry since" in report.problems[0]

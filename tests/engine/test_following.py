"""Jobs tied to the current version of the SOP they implement; flags and reviews after significant changes."""

from __future__ import annotations

import pytest

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.engine.records import SopRecords
from sopframe.core.engine.sops import open_flags, overdue
from sopframe.core.jobcheck import verify_jobs
from sopframe.errors import JobError
from sopframe.services.sops import sop_versions
from sopframe.testing.sop_lifecycle import CHANGE, incident_of, publish
from sopframe_plugins.store_memory import MemoryStore

REF = "SOP-T-001"


@pytest.fixture
def engine(sop_engine: Engine) -> Engine:
    return sop_engine  # the tiny SOP templates' roles (tests/engine/conftest.py)


def test_a_job_starts_only_from_the_current_published_version(engine: Engine, store: MemoryStore,
                                                               clock: FixedClock) -> None:
    with pytest.raises(JobError, match="implements SOP-T-001, which is not on the SOP master list") as e:
        engine.start(incident_of(), "inc.yaml", actor="rita")
    assert "give a reason to start it anyway" in e.value.hint and "--reason" not in e.value.hint  # any front end
    assert "give --reason TEXT" in e.value.cli_hint and "give --reason TEXT" in e.value.format_message()
    assert store.job_ids() == []
    publish(engine)
    clock.advance(hours=1)
    current = engine.start(incident_of("1.0.0"), "inc.yaml", actor="rita").job_id
    clock.advance(hours=1)
    publish(engine, version="1.1.0")
    clock.advance(hours=1)
    with pytest.raises(JobError, match="the current published version of SOP-T-001 is 1.1.0 \\(published by "
                                       "TSOP-002\\): follow the current SOP"):
        engine.start(incident_of("1.0.0"), "inc.yaml", actor="rita")
    clock.advance(hours=1)
    late = engine.start(incident_of("1.0.0"), "inc.yaml", actor="rita",
                        reason="the 1.1 runbook is not printed yet").job_id
    started = store.read(late)[0].data["sop"]
    assert started == {"ref": REF, "version": "1.1.0", "current": False,
                       "reason": "the 1.1 runbook is not printed yet"}
    assert store.read(current)[0].data["sop"] == {"ref": REF, "version": "1.0.0", "current": True, "reason": None}
    clock.advance(hours=1)
    newest = engine.start(incident_of("1.1.0"), "inc.yaml", actor="rita").job_id
    # sops show: per version, newest first, the jobs run under it (newest first)
    shown = [(v.version, v.status, [j.job for j, _s in v.jobs]) for v in sop_versions(store, REF)]
    assert shown == [("1.1.0", "current", [newest, late]), ("1.0.0", "archived", [current])]
    assert [[j.job for j, _ in v.jobs] for v in sop_versions(store, REF, last=1)] == [[newest], [current]]
    assert all(c.ok for c in verify_jobs(store))


def test_flags_and_significant_changes_put_an_sop_up_for_review(engine: Engine, records: SopRecords,
                                                                  store: MemoryStore, clock: FixedClock) -> None:
    publish(engine)
    clock.advance(days=1)
    records.flag(REF, "the paging tool named in step 2 was retired", actor="Owen")
    clock.advance(days=1)
    small = engine.start(CHANGE, "chg.yaml", actor="carl").job_id
    engine.set_fields(small, {"sops_affected": REF, "significant": "no"}, actor="carl")
    engine.complete(small, actor="carl")  # not significant: no review
    clock.advance(hours=1)
    big = engine.start(CHANGE, "chg.yaml", actor="carl").job_id
    with pytest.raises(JobError, match="SOP-T-009 is not on the SOP master list"):
        engine.set_fields(big, {"sops_affected": "SOP-T-009"}, actor="carl")
    with pytest.raises(JobError, match="'the' is not an SOP reference"):
        engine.set_fields(big, {"sops_affected": "the pager"}, actor="carl")
    engine.set_fields(big, {"sops_affected": REF, "significant": "yes"}, actor="carl")
    engine.complete(big, actor="carl")
    flags = open_flags(store)
    assert [(f.kind, f.by, f.source) for f in flags] == [("flagged", "owen", "sop~SOP-T-001"), ("change", "carl", big)]
    assert flags[0].reason == "the paging tool named in step 2 was retired"
    assert flags[1].reason == f"significant change {big} completed: Tiny change"
    clock.advance(days=2)
    items = [(i.kind, i.ref, i.owner, i.overdue_by) for i in overdue(engine) if i.kind in ("flagged", "change")]
    assert items == [("flagged", REF, "owen", "3d 1h"), ("change", REF, "carl", "2d")]
    with pytest.raises(JobError, match="zed holds no role"):
        records.reviewed(REF, "checked", actor="zed")
    clock.advance(hours=1)
    records.reviewed(REF, "step 2 updated in place; the change did not alter the procedure", actor="alice")
    assert open_flags(store) == []
    clock.advance(hours=1)
    records.flag(REF, "still wrong", actor="rob")
    clock.advance(hours=1)
    publish(engine, version="1.1.0")  # a new version settles it too
    assert open_flags(store) == [] and all(c.ok for c in verify_jobs(store))
    kinds = [(f.kind, f.by) for f in store.flag_rows(REF)]
    assert kinds == [("flagged", "owen"), ("change", "carl"), ("reviewed", "alice"), ("flagged", "rob")]


def test_a_flag_needs_a_reason_and_a_published_sop(engine: Engine, records: SopRecords) -> None:
    publish(engine)
    with pytest.raises(JobError, match="a reason is required to flag an SOP"):
        records.flag(REF, "  ", actor="owen")
    with pytest.raises(JobError, match="SOP-X-001 is not on the SOP master list"):
        records.flag("SOP-X-001", "wrong", actor="owen")

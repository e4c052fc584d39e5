"""The bundled templates that use lists and anchors, run as jobs: a scan's findings and a leaver."""

from __future__ import annotations

from importlib import resources

import pytest

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.readmodel import rows_from_events
from sopframe.errors import JobError
from sopframe_plugins.store_memory import MemoryStore

ROLES = {"vuln_analyst": ["ann"], "engineer": ["eve", "ed"], "asset_owner": ["otto"],
         "security_manager": ["sue"], "requester": ["rita"], "system_owner": ["sol"], "access_admin": ["adam"]}


def text(kind: str, name: str) -> str:
    return (resources.files("sopframe_templates") / kind / name).read_text("utf-8")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock("2026-03-02T09:00:00+00:00")


@pytest.fixture
def engine(clock: FixedClock) -> Engine:
    return Engine(MemoryStore(), roles=ROLES, clock=clock)


#: the bundled templates implement SOPs this store has no published version of: started with a reason
NO_SOP = "the SOP is not published in this test store"


def finding(key: str, severity: str, found: str) -> dict[str, str]:
    return {"id": key, "vulnerability": f"{key} in openssl", "severity": severity, "found_at": found,
            "affected_assets": "web-01", "in_cardholder_data_environment": "no"}


def test_a_scan_with_findings_runs_one_sub_job_each_with_deadlines_from_discovery(engine: Engine,
                                                                                 clock: FixedClock) -> None:
    job = engine.start(text("vulnerability", "vulnerability-remediation.yaml"), "v.yaml", actor="ann",
                       reason=NO_SOP).job_id
    engine.set_fields(job, {"source": "internal-scan", "scan_reference": "Q1-2026",
                            "scanned_at": "2026-03-01T10:00:00Z"}, actor="ann")
    engine.attach(job, "scan_report", "scan.pdf", data=b"report", actor="ann")
    engine.complete(job, actor="ann")
    engine.set_fields(job, {}, add={"findings": [finding("CVE-2026-1", "critical", "2026-02-10"),
                                                 finding("CVE-2026-2", "low", "2026-03-01")]}, actor="ann")
    state = engine.set_fields(job, {"all_findings_listed": "yes"}, actor="ann")
    a, b = f"{job}-CVE-2026-1", f"{job}-CVE-2026-2"
    assert sorted(state.subjobs) == [a, b]
    # critical: 14 days from discovery (2026-02-10), already past when the scan was listed
    for sub in (a, b):
        engine.set_fields(sub, {"exploited_in_the_wild": "no", "remediation_owner": "eve",
                                "treatment": "remediate"}, actor="ann")
        engine.sign(sub, "asset_owner_informed", actor="otto")
        engine.complete(sub, actor="ann")
    due = {o.subjob: o.due for o in engine.store.summary(job).open_stages}
    assert due[a] == "2026-02-24T00:00:00.000000Z" and due[b] == "2026-08-28T00:00:00.000000Z"
    engine.tick(actor="ann")  # (or the next command) records the critical finding's breach, measured from discovery
    (breach,) = [e.data for e in engine.history(job) if e.type == "sla.breached"]
    assert breach["stage"] == "findings/finding#CVE-2026-1/patch" and breach["subjob"] == a
    assert breach["from"] == {"field": "item.found_at", "at": "2026-02-10T00:00:00.000000Z"}
    # the false positive is cancelled on its own; the real one is fixed and rescanned
    engine.cancel(b, "false positive: the package is not installed", actor="ann")
    engine.set_fields(a, {"change_reference": "CHG-1", "remediation": "patched", "remediation_notes": "upgraded",
                          "remediated_at": "2026-03-03T10:00:00Z"}, actor="eve")
    engine.complete(a, actor="eve")
    engine.set_fields(a, {"rescan_date": "2026-03-04", "resolved": "resolved"}, actor="ann")
    engine.attach(a, "rescan_report", "rescan.pdf", data=b"clean", actor="ann")
    state = engine.complete(a, actor="ann")
    assert list(state.active) == ["closed"]
    assert engine.verify(job) is None
    store = engine.store
    assert rows_from_events(store.read(job), store.template).summary == store.summary(job)


def test_a_leavers_revocation_runs_from_the_last_working_day(engine: Engine, clock: FixedClock) -> None:
    job = engine.start(text("access", "access-request.yaml"), "a.yaml", actor="rita", reason=NO_SOP).job_id
    engine.set_fields(job, {"requester": "rita", "request_type": "leaver", "person": "Pat (E123)",
                            "job_role": "analyst", "systems": "all", "privileged_access": "no",
                            "effective_at": "2026-02-27T17:00:00Z"}, actor="rita")
    engine.complete(job, actor="rita")  # reported three days after the last day
    (row,) = engine.store.summary(job).open_stages
    assert (row.stage, row.due) == ("revoke", "2026-02-28T17:00:00.000000Z")
    assert engine.tick(actor="adam") == {job: ["revoke"]}
    engine.set_fields(job, {"accounts_disabled": "yes", "access_removed": "all accounts",
                            "shared_credentials_rotated": "yes", "revoked_at": "2026-03-02T09:00:00Z"},
                      actor="adam")
    with pytest.raises(JobError, match="at most request.effective_at \\+ 24h"):
        engine.complete(job, actor="adam")


def test_rework_inside_one_findings_sub_job_stays_in_it(engine: Engine) -> None:
    job = engine.start(text("vulnerability", "vulnerability-remediation.yaml"), "v.yaml", actor="ann",
                       reason=NO_SOP).job_id
    engine.set_fields(job, {"source": "internal-scan", "scan_reference": "Q1", "scanned_at": "2026-03-01T10:00:00Z"},
                      actor="ann")
    engine.attach(job, "scan_report", "scan.pdf", data=b"report", actor="ann")
    engine.complete(job, actor="ann")
    engine.set_fields(job, {}, add={"findings": [finding("A1", "high", "2026-03-01"),
                                                 finding("A2", "high", "2026-03-01")]}, actor="ann")
    a = f"{job}-A1"
    engine.set_fields(a, {"exploited_in_the_wild": "no", "remediation_owner": "eve", "treatment": "remediate"},
                      actor="ann")
    engine.sign(a, "asset_owner_informed", actor="otto")
    engine.complete(a, actor="ann")
    engine.set_fields(a, {"change_reference": "CHG-2", "remediation": "patched", "remediation_notes": "x",
                          "remediated_at": "2026-03-02T10:00:00Z"}, actor="eve")
    engine.complete(a, actor="eve")
    engine.set_fields(a, {"rescan_date": "2026-03-03", "resolved": "still-present"}, actor="ann")
    state = engine.reject(a, "the rescan still finds it", actor="ann")
    assert "findings/finding#A1/patch" in state.active and "findings/finding#A2/triage" in state.active
    assert "findings/finding#A1/rescan" not in state.active
    assert engine.verify(job) is None

"""Bad input to every command: a clear error naming job, stage and field, and nothing changed."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.errors import JobError
from sopframe_plugins.store_memory import MemoryStore

from .conftest import lifecycle_text, walk_to


@pytest.fixture
def job(engine: Engine) -> str:
    return engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id


def refused(store: MemoryStore, job: str, call: Callable[[], Any], *parts: str) -> str:
    before = [e.hash for e in store.read(job)] if store.job_ids() else []
    with pytest.raises(JobError) as info:
        call()
    after = [e.hash for e in store.read(job)] if store.job_ids() else []
    assert after == before, "a refused command must append nothing"
    message = info.value.format_message()
    for part in parts:
        assert part in message, message
    return message


def test_unknown_job(engine: Engine, store: MemoryStore, job: str) -> None:
    refused(store, job, lambda: engine.set_fields("ITSOP-2026-02", {"sop_title": "x"}, actor="mike"),
            "unknown job 'ITSOP-2026-02'", "did you mean 'ITSOP-2026-01'")
    refused(store, job, lambda: engine.state("NOPE"), "unknown job 'NOPE'")


def test_unknown_stage_and_field(engine: Engine, store: MemoryStore, job: str) -> None:
    refused(store, job, lambda: engine.set_fields(job, {"sop_title": "x"}, actor="mike", stage="intiated"),
            f"job {job}", "unknown stage 'intiated'", "did you mean 'initiated'")
    refused(store, job, lambda: engine.set_fields(job, {"sop_titel": "x"}, actor="mike"),
            f"job {job}, stage initiated, field sop_titel", "no such field", "did you mean 'sop_title'")


def test_stage_not_open(engine: Engine, store: MemoryStore, job: str) -> None:
    refused(store, job, lambda: engine.set_fields(job, {"sop_ref": "x"}, actor="alice", stage="draft"),
            "stage draft", "is not open", "open now: initiated")


def test_wrong_type_names_what_was_expected(engine: Engine, store: MemoryStore, job: str) -> None:
    refused(store, job, lambda: engine.set_fields(job, {"draft_due": "next friday"}, actor="mike"),
            f"job {job}, stage initiated, field draft_due", "expected a date as YYYY-MM-DD", "'next friday'")
    walk_to(engine, job, "test_run")
    refused(store, job, lambda: engine.set_fields(job, {"test_incidents": "0"}, actor="alice"),
            "field test_incidents", "at least 1")
    refused(store, job, lambda: engine.set_fields(job, {"test_outcome": "maybe"}, actor="alice"),
            "field test_outcome", "not one of the options: pass, fail")


def test_a_value_of_a_kind_the_field_does_not_take(engine: Engine, store: MemoryStore, job: str) -> None:
    """JSON objects, arrays, null and booleans are refused by kind, never stored as Python's text of them."""
    refused(store, job, lambda: engine.set_fields(job, {"sop_title": {"a": 1}}, actor="mike"),
            f"job {job}, stage initiated, field sop_title", "text field: expected a string, got an object")
    refused(store, job, lambda: engine.set_fields(job, {"sop_title": True}, actor="mike"),
            "field sop_title", "got a boolean")
    refused(store, job, lambda: engine.set_fields(job, {"it_process": None}, actor="mike"),
            "field it_process", "got null")
    refused(store, job, lambda: engine.set_fields(job, {"author": ["alice"]}, actor="mike"),
            "field author", "user field: expected a string, got an array")
    refused(store, job, lambda: engine.set_fields(job, {"draft_due": 20260120}, actor="mike"),
            "field draft_due", "got a number")
    walk_to(engine, job, "test_run")
    refused(store, job, lambda: engine.set_fields(job, {"test_incidents": True}, actor="alice"),
            "field test_incidents", "expected a whole number (a JSON number or string), got a boolean")
    refused(store, job, lambda: engine.set_fields(job, {"adjustments_made": 1}, actor="alice"),
            "field adjustments_made", "expected yes or no (a JSON boolean or string), got a number")
    assert "test_run" not in engine.state(job).fields
    engine.set_fields(job, {"test_incidents": 3, "adjustments_made": False}, actor="alice")
    assert engine.state(job).fields["test_run"] == {"test_incidents": 3, "adjustments_made": False}


def test_multichoice_takes_an_array_of_choices(store: MemoryStore, clock: FixedClock) -> None:
    from pathlib import Path

    engine = Engine(store, roles={"requester": ["alice"], "approver": ["dana"], "sub_owner": ["sol"]},
                    clock=clock)
    job = engine.start((Path(__file__).parent / "custom.yaml").read_text("utf-8"), "custom.yaml",
                       actor="dana").job_id
    engine.set_fields(job, {"tags": ["b", "a"]}, actor="alice")
    assert engine.state(job).fields["request"]["tags"] == ["b", "a"]
    engine.set_fields(job, {"tags": "a"}, actor="alice")  # the comma-separated text still does
    assert engine.state(job).fields["request"]["tags"] == ["a"]
    refused(store, job, lambda: engine.set_fields(job, {"tags": ["a", 2]}, actor="alice"),
            "field tags", "got an array holding a number")
    refused(store, job, lambda: engine.set_fields(job, {"tags": ["a", "c"]}, actor="alice"),
            "field tags", "'c' not among the options: a, b")
    assert engine.state(job).fields["request"]["tags"] == ["a"]


def test_one_bad_value_refuses_the_whole_command(engine: Engine, store: MemoryStore, job: str) -> None:
    refused(store, job, lambda: engine.set_fields(job, {"sop_title": "ok", "draft_due": "bad"}, actor="mike"),
            "field draft_due")
    assert engine.state(job).fields == {}


def test_pattern_and_user_role_constraints(engine: Engine, store: MemoryStore, job: str) -> None:
    refused(store, job, lambda: engine.set_fields(job, {"author": "mallory"}, actor="mike"),
            "field author", "role 'author'", "alice")
    walk_to(engine, job, "draft")
    refused(store, job, lambda: engine.set_fields(job, {"sop_ref": "SOP 7"}, actor="alice"),
            "field sop_ref", "pattern")
    refused(store, job, lambda: engine.set_fields(job, {"draft_document": "x.docx"}, actor="alice"),
            "field draft_document", "job attach")


def test_signoff_by_the_wrong_role(engine: Engine, store: MemoryStore, job: str) -> None:
    walk_to(engine, job, "technical_review")
    refused(store, job, lambda: engine.sign(job, "security", actor="lee"),
            "stage technical_review", "needs role 'security'", "lee does not hold", "held by: sam")
    refused(store, job, lambda: engine.sign(job, "itlead", actor="lee"), "no sign-off 'itlead'",
            "did you mean 'it_lead'")


def test_segregation_of_duties_against_a_user_field(engine: Engine, store: MemoryStore, job: str) -> None:
    walk_to(engine, job, "technical_review")
    # alice holds it_lead, but she is the author (not_by: author)
    refused(store, job, lambda: engine.sign(job, "it_lead", actor="alice"),
            "segregation of duties", "not_by: author")


def test_segregation_of_duties_between_signoffs_both_ways(engine: Engine, store: MemoryStore, job: str) -> None:
    walk_to(engine, job, "security_review")
    engine.sign(job, "alignment_checked", actor="carol")
    refused(store, job, lambda: engine.sign(job, "legal_confirmed", actor="carol"),
            "segregation of duties", "not_by: alignment_checked")
    job2 = engine.start(lifecycle_text(), "x.yaml", actor="mike").job_id
    walk_to(engine, job2, "security_review")
    engine.sign(job2, "legal_confirmed", actor="carol")
    refused(store, job2, lambda: engine.sign(job2, "alignment_checked", actor="carol"),
            "segregation of duties", "not_by: alignment_checked")


def test_signing_twice(engine: Engine, store: MemoryStore, job: str) -> None:
    walk_to(engine, job, "technical_review")
    engine.sign(job, "security", actor="sam")
    refused(store, job, lambda: engine.sign(job, "security", actor="sam"), "already given by sam")


def test_complete_lists_everything_missing(engine: Engine, store: MemoryStore, job: str) -> None:
    walk_to(engine, job, "technical_review")
    engine.sign(job, "security", actor="sam")
    msg = refused(store, job, lambda: engine.complete(job, actor="lee"),
                  "stage technical_review", "3 things still missing",
                  "sign-off 'it_lead' by role 'it_lead'", "sign-off 'compliance'", "field 'review_date'")
    assert "security" not in msg.split("missing:")[1]


def test_gate_must_hold(engine: Engine, store: MemoryStore, job: str) -> None:
    walk_to(engine, job, "test_run")
    engine.set_fields(job, {"test_incidents": 2, "test_outcome": "fail", "test_date": "2026-01-14"}, actor="alice")
    refused(store, job, lambda: engine.complete(job, actor="alice"),
            "gate: field 'test_outcome' must equal pass, but is fail")


def test_stage_completed_twice(engine: Engine, store: MemoryStore, job: str) -> None:
    walk_to(engine, job, "draft")
    refused(store, job, lambda: engine.complete(job, actor="mike", stage="initiated"),
            "stage initiated", "already completed")


def test_split_stage_cannot_complete_before_its_subjobs(engine: Engine, store: MemoryStore, job: str) -> None:
    walk_to(engine, job, "components")
    refused(store, job, lambda: engine.complete(job, actor="alice", stage="components"),
            f"sub-job {job}-A", f"sub-job {job}-B", "not complete")
    refused(store, job, lambda: engine.complete(job, actor="alice"), "stage components", "(at tech_approval)")
    refused(store, job, lambda: engine.sign(job, "tech_lead", actor="lee"), "stage components",
            "this stage has no sign-offs")


def test_reject_needs_a_reason_and_a_rework_stage(engine: Engine, store: MemoryStore, job: str) -> None:
    refused(store, job, lambda: engine.reject(job, "no", actor="mike"), "stage initiated", "no `rework` stage")
    walk_to(engine, job, "technical_review")
    refused(store, job, lambda: engine.reject(job, "  ", actor="lee"), "a reason is required")


def test_cancel_needs_a_reason_and_then_nothing_changes(engine: Engine, store: MemoryStore, job: str,
                                                        clock: FixedClock) -> None:
    refused(store, job, lambda: engine.cancel(job, "", actor="mike"), "a reason is required")
    walk_to(engine, job, "components")
    refused(store, job, lambda: engine.cancel(f"{job}-A", "x", actor="mike"), "cancel the job")
    engine.sign(f"{job}-A", "tech_lead", actor="lee")
    engine.cancel(job, "duplicate", actor="mike")
    refused(store, job, lambda: engine.complete(f"{job}-A", actor="lee"), "job is cancelled (duplicate)")
    refused(store, job, lambda: engine.set_fields(job, {"x": 1}, actor="lee"), "cancelled")
    refused(store, job, lambda: engine.cancel(job, "again", actor="mike"), "cancelled")


def test_no_actor(engine: Engine, store: MemoryStore, job: str) -> None:
    refused(store, job, lambda: engine.set_fields(job, {"sop_title": "x"}, actor=" "), "no user")


def test_attach_an_unreadable_document(engine: Engine, store: MemoryStore, job: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    walk_to(engine, job, "draft")
    refused(store, job, lambda: engine.attach(job, "draft_document", tmp_path / "missing.pdf", actor="alice"),
            "field draft_document", "cannot attach document")
    refused(store, job, lambda: engine.attach(job, "version", tmp_path / "x", actor="alice"),
            "field version", "not a document")
    doc = tmp_path / "draft.pdf"
    doc.write_bytes(b"%PDF-1.7 draft")
    state = engine.attach(job, "draft_document", doc, actor="alice")
    import hashlib

    assert state.documents["draft"]["draft_document"]["sha256"] == hashlib.sha256(b"%PDF-1.7 draft").hexdigest()

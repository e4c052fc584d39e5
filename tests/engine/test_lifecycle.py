"""The bundled SOP-lifecycle job, walked end to end on the memory store."""

from __future__ import annotations

from sopframe.core.engine import Engine, fold
from sopframe.core.engine.clock import FixedClock
from sopframe_plugins.store_memory import MemoryStore

from .conftest import lifecycle_text, walk_to


def start(engine: Engine) -> str:
    return engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id


def test_start_takes_the_id_from_the_pattern_and_pins_the_template(engine: Engine, store: MemoryStore) -> None:
    job = start(engine)
    assert job == "ITSOP-2026-01"
    assert start(engine) == "ITSOP-2026-02"
    first = store.read(job)[0]
    assert first.type == "job.started" and first.actor == "mike" and first.at == "2026-01-05T09:00:00.000000Z"
    t = first.data["template"]
    assert t["id"] == "itsop-incident-management" and t["version"] == "1.0.0"
    assert "text" not in t and len(t["sha256"]) == 64  # pinned by hash; the store keeps the text once
    assert store.template(t["sha256"]) == lifecycle_text()
    assert store.raw_templates() == {t["sha256"]: lifecycle_text()}  # two jobs, one stored text
    state = engine.state(job)
    assert list(state.active) == ["initiated"] and state.status == "open"


def test_a_later_template_edit_never_changes_a_running_job(engine: Engine) -> None:
    job = start(engine)
    edited = lifecycle_text().replace("version: 1.0.0", "version: 2.0.0").replace(
        "      sop_title:\n        type: text\n        required: yes\n", "      sop_title:\n        type: integer\n")
    other = engine.start(edited, "sop-lifecycle.yaml", actor="mike").job_id
    engine.set_fields(job, {"sop_title": "Incident management"}, actor="mike")  # still text in the pinned one
    assert engine.state(job).template_version == "1.0.0"
    assert engine.state(other).template_version == "2.0.0"


def test_the_whole_lifecycle_runs_through_split_rejoin_and_publishes(engine: Engine, store: MemoryStore,
                                                                     clock: FixedClock) -> None:
    job = start(engine)
    walk_to(engine, job, "components", clock)
    state = engine.state(job)
    assert set(state.subjobs) == {f"{job}-A", f"{job}-B"}
    assert state.subjobs[f"{job}-A"].owner == "it_lead" and state.subjobs[f"{job}-B"].owner == "ops_lead"
    assert set(state.active) == {"components", "components/classification/tech_approval",
                                 "components/communication/comms_approval"}
    walk_to(engine, job, "end", clock)
    state = engine.state(job)
    assert state.status == "completed" and not state.active
    assert all(sj.status == "completed" for sj in state.subjobs.values())
    assert state.published is not None
    assert state.published["ref"] == "ITSOP-2026-7" and state.published["version"] == "1.0"
    assert state.published["effective_date"] == "2026-02-01" and state.published["next_review"] == "2027-02-01"
    assert engine.verify(job) is None
    assert fold(store.read(job)).to_dict() == state.to_dict()


def test_rejoin_waits_for_every_subjob(engine: Engine, clock: FixedClock) -> None:
    job = start(engine)
    walk_to(engine, job, "components", clock)
    engine.sign(f"{job}-A", "tech_lead", actor="lee")
    engine.complete(f"{job}-A", actor="lee")
    engine.set_fields(f"{job}-A", {"staff_trained": 2}, actor="lee")
    state = engine.complete(f"{job}-A", actor="lee")
    assert state.subjobs[f"{job}-A"].status == "completed"
    assert "components" in state.active and "security_review" not in state.active
    engine.sign(f"{job}-B", "comms_lead", actor="olga")
    engine.complete(f"{job}-B", actor="olga")
    engine.set_fields(f"{job}-B", {"staff_trained": 2}, actor="olga")
    state = engine.complete(f"{job}-B", actor="olga")
    assert list(state.active) == ["security_review"]


def test_reject_goes_back_to_the_rework_stage_and_resets_its_signoffs(engine: Engine, clock: FixedClock) -> None:
    job = start(engine)
    walk_to(engine, job, "test_run", clock)
    engine.set_fields(job, {"test_incidents": 2, "test_outcome": "fail", "test_date": "2026-01-14"}, actor="alice")
    state = engine.reject(job, "two escalations went to the wrong queue", actor="alice")
    assert list(state.active) == ["draft"]
    assert "technical_review" not in state.signoffs and "technical_review" not in state.done
    assert state.fields["draft"]["sop_ref"] == "ITSOP-2026-7"  # what was entered is kept
    engine.complete(job, actor="alice")
    state = engine.state(job)
    assert list(state.active) == ["technical_review"] and state.signoffs.get("technical_review") is None
    ev = engine.history(job)
    assert any(e.type == "stage.rejected" and e.data["reason"].startswith("two escalations") for e in ev)


def test_cancel_closes_the_job_and_its_subjobs(engine: Engine, clock: FixedClock) -> None:
    job = start(engine)
    walk_to(engine, job, "components", clock)
    state = engine.cancel(job, "superseded by the vendor's procedure", actor="mike")
    assert state.status == "cancelled" and state.cancel_reason == "superseded by the vendor's procedure"
    assert {sj.status for sj in state.subjobs.values()} == {"cancelled"}


def test_every_event_records_actor_and_utc_time(engine: Engine, store: MemoryStore, clock: FixedClock) -> None:
    job = start(engine)
    clock.advance(minutes=90)
    engine.set_fields(job, {"sop_title": "x"}, actor="mike")
    last = store.read(job)[-1]
    assert last.actor == "mike" and last.at == "2026-01-05T10:30:00.000000Z"


def test_second_version_archives_the_first(engine: Engine, clock: FixedClock) -> None:
    from sopframe.core.engine.sops import master_list

    first = start(engine)
    walk_to(engine, first, "end", clock)
    second = start(engine)
    walk_to(engine, second, "draft", clock)
    engine.set_fields(second, {"sop_ref": "ITSOP-2026-7", "version": "1.1", "draft_date": "2026-03-01"},
                      actor="alice")
    engine.attach(second, "draft_document", "draft.docx", data=b"v1.1", actor="alice")
    engine.complete(second, actor="alice")
    walk_to(engine, second, "end", clock)
    entries = master_list(engine.store)
    assert [(e.version, e.status, e.archived_by) for e in entries] == [("1.0", "archived", second),
                                                                        ("1.1", "current", None)]
    assert engine.state(second).published["supersedes"] == {"job": first, "version": "1.0"}  # type: ignore[index]


def test_history_of_a_subjob_is_about_it(engine: Engine, clock: FixedClock) -> None:
    job = start(engine)
    walk_to(engine, job, "security_review", clock)
    events = engine.history(f"{job}-B")
    assert events[0].type == "subjob.started" and events[-1].type == "subjob.completed"
    assert all(e.data.get("subjob") == f"{job}-B" or e.data["stage"].startswith("components/communication/")
               for e in events)
    assert len(engine.history(job)) > len(events)


def test_a_subjob_shows_who_started_it_not_who_started_the_job(engine: Engine, clock: FixedClock) -> None:
    from sopframe.core.engine.standing import standing

    job = start(engine)  # started by mike
    walk_to(engine, job, "components", clock)
    entered = [e for e in engine.history(f"{job}-A") if e.type == "subjob.started"][0]
    assert entered.actor != "mike"  # the test run's owner completed it and so started the sub-jobs
    sub = standing(engine, f"{job}-A")
    assert (sub["started_at"], sub["started_by"]) == (entered.at, entered.actor)
    assert standing(engine, job)["started_by"] == "mike"

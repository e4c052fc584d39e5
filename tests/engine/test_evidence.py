"""The record an auditor reads: SLA breaches, voided sign-offs, documents, identities, the master list."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.engine.publishing import version_key
from sopframe.core.engine.sops import breaches_since, describe_delta, master_list, overdue
from sopframe.core.engine.standing import render_standing, standing
from sopframe.core.identity import RoleTable, find_line, name_problem, normalise, roles_from_toml
from sopframe.core.safetext import escape, json_safe
from sopframe.errors import JobError
from sopframe_plugins.store_memory import MemoryStore

from .conftest import lifecycle_text, walk_to


def start(engine: Engine) -> str:
    return engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id


def test_a_late_stage_is_recorded_once_by_the_next_command_and_stays_after_it_completes(engine, clock, store):
    job = start(engine)
    walk_to(engine, job, "draft")  # draft has a 10d SLA
    clock.advance(days=11)
    engine.set_fields(job, {"sop_ref": "ITSOP-2026-7", "version": "1.0", "draft_date": "today"}, actor="alice")
    engine.set_fields(job, {"version": "1.1"}, actor="alice")
    breaches = [e for e in store.read(job) if e.type == "sla.breached"]
    assert [(e.data["stage"], e.data["due"]) for e in breaches] == [("draft", "2026-01-15T09:00:00.000000Z")]
    assert engine.state(job).fields["draft"]["draft_date"] == "2026-01-16"  # "today" is the engine's clock
    assert "[LATE]" in render_standing(standing(engine, job))
    engine.attach(job, "draft_document", "d.docx", data=b"d", actor="alice")
    engine.complete(job, actor="alice")
    assert overdue(engine) == []  # nothing open is late any more ...
    late = breaches_since(engine, clock().date().replace(day=1))  # ... but the breach is on record
    assert [(i.kind, i.ref, i.what, i.overdue_by) for i in late] == [("breach", job, "draft", "1d")]
    assert "completed late" in render_standing(standing(engine, job))


def test_tick_records_due_breaches_for_every_open_job_once(engine, clock, store):
    a, b = start(engine), start(engine)
    walk_to(engine, a, "draft")
    clock.advance(days=10, minutes=1)
    assert engine.tick(actor="cron") == {a: ["draft"]}
    assert engine.tick(actor="cron") == {}
    assert [e.type for e in store.read(b)][-1] == "stage.entered"  # b's first stage has no SLA


def test_a_new_visit_of_a_stage_can_breach_again(engine, clock, store):
    job = start(engine)
    walk_to(engine, job, "technical_review")
    clock.advance(days=11)
    engine.tick(actor="cron")  # technical_review has no SLA: nothing
    engine.reject(job, "rewrite it", actor="lee")  # back to draft, a new visit
    clock.advance(days=11)
    engine.tick(actor="cron")
    assert [e.data["stage"] for e in store.read(job) if e.type == "sla.breached"] == ["draft"]


def test_less_than_a_minute_is_never_shown_as_zero() -> None:
    assert describe_delta(30) == "<1m"
    assert describe_delta(-5) == "<1m"
    assert describe_delta(90) == "1m"
    assert describe_delta(86400 * 2 + 3600) == "2d 1h"


def test_a_change_voids_the_signoff_in_the_same_write_and_names_the_change(engine, store):
    job = start(engine)
    walk_to(engine, job, "approval")
    engine.set_fields(job, {"effective_date": "2026-02-01", "master_list_no": "17",
                            "previous_version_archived": "yes"}, actor="dora")
    engine.sign(job, "director", actor="dora")
    engine.set_fields(job, {"master_list_no": "17"}, actor="dora")  # the same value: nothing changes
    assert "director" in engine.state(job).signoffs["approval"]
    engine.set_fields(job, {"effective_date": "2030-01-01"}, actor="dora")
    last = store.read(job)[-2:]
    assert [e.type for e in last] == ["field.set", "signoff.voided"]
    assert last[1].data["change"] == "approval.effective_date" and last[1].data["user"] == "dora"
    engine.sign(job, "director", actor="dora")
    assert engine.complete(job, actor="dora").active.keys() == {"training_rollout"}


def test_a_signoff_covers_what_not_by_refers_to_in_another_stage(engine, store):
    job = start(engine)
    walk_to(engine, job, "technical_review")
    given = [e for e in store.read(job) if e.type == "signoff.given"]
    assert given == []
    engine.set_fields(job, {"review_date": "2026-01-12"}, actor="lee")
    engine.sign(job, "it_lead", actor="lee")
    ev = store.read(job)[-1]
    assert "initiated.author" in ev.data["approves"] and "technical_review.review_date" in ev.data["approves"]
    assert len(ev.data["digest"]) == 64


def test_documents_record_the_resolved_path_and_symlink_target(engine, tmp_path: Path, store):
    job = start(engine)
    walk_to(engine, job, "draft")
    real = tmp_path / "draft-v1.md"
    real.write_bytes(b"x" * (3 * 1024 * 1024 + 5))  # several chunks
    link = tmp_path / "current.md"
    link.symlink_to(real.name)
    os.chdir(tmp_path)
    engine.attach(job, "draft_document", "current.md", actor="alice")
    d = store.read(job)[-1].data
    assert d["path"] == str(real.resolve()) and d["symlink"] == "draft-v1.md" and d["size"] == 3 * 1024 * 1024 + 5
    import hashlib

    assert d["sha256"] == hashlib.sha256(real.read_bytes()).hexdigest()


def test_the_master_list_only_moves_forward(engine, clock):
    first = start(engine)
    walk_to(engine, first, "done")
    assert [e.version for e in master_list(engine.store)] == ["1.0"]
    second = start(engine)
    walk_to(engine, second, "draft")
    with pytest.raises(JobError, match="not greater than the current version 1.0"):
        engine.set_fields(second, {"sop_ref": "ITSOP-2026-7", "version": "1.0.0", "draft_date": "2026-01-10"},
                          actor="alice")
    engine.set_fields(second, {"sop_ref": "ITSOP-2026-7", "version": "1.0.1", "draft_date": "2026-01-10"},
                      actor="alice")


def test_publication_refuses_a_version_another_job_overtook(engine):
    a, b = start(engine), start(engine)
    walk_to(engine, a, "training_rollout")
    walk_to(engine, b, "done")  # b publishes 1.0 first
    engine.set_fields(a, {"staff_trained": "4", "trainer": "tom", "training_date": "2026-02-03",
                          "acknowledgements_signed": "yes"}, actor="tom")
    with pytest.raises(JobError) as info:
        engine.complete(a, actor="tom")
    assert "not greater than the current version 1.0" in str(info.value)
    assert "to re-issue ITSOP-2026-7" in info.value.format_message()


@pytest.mark.parametrize("lower, higher", [("1.0", "1.1"), ("1.9", "1.10"), ("1.0.0-rc.1", "1.0.0"),
                                           ("1.0.0-alpha", "1.0.0-beta"), ("1", "1.0.1"), ("v2.0", "10.0")])
def test_semantic_version_order(lower: str, higher: str) -> None:
    assert version_key(lower) < version_key(higher)  # type: ignore[operator]


def test_one_identity_per_person() -> None:
    assert {normalise(n) for n in ["alice", "Alice", " alice ", "ＡＬＩＣＥ"]} == {"alice"}
    assert name_problem("\u0430lice")  # Cyrillic а among Latin letters
    assert name_problem("bob\x1b[31m") and name_problem("a\u202eb") and name_problem("  ")
    assert name_problem("Zoë") is None and name_problem("山田") is None
    table = RoleTable.build({"lead": ["Alice"]}, {"alice@example.com": "alice"})
    assert table.holds("ALICE@example.com", "lead") and not table.holds("alice@example.org", "lead")


def test_a_roles_configuration_with_one_person_twice_is_refused_with_file_and_line() -> None:
    text = '[roles]\nauthor = ["alex"]\nlead = [\n  "lin",\n  "Lin ",\n]\n'
    with pytest.raises(ValueError, match=r"^sopframe.toml:5: roles.lead: 'lin' and 'Lin ' are the same person"):
        roles_from_toml(text, {"author": ["alex"], "lead": ["lin", "Lin "]}, {}, "sopframe.toml")
    text = '[tool.sopframe.roles]\nlead = ["lin", "\u0430lex"]\n'
    with pytest.raises(ValueError, match=r"^pyproject.toml:2: .*cannot mix scripts"):
        roles_from_toml(text, {"lead": ["lin", "\u0430lex"]}, {}, "pyproject.toml", "tool.sopframe.")
    assert find_line('[aliases]\n"a@x.org" = "a"\n', "aliases", "a@x.org") == 2


def test_every_printer_escape_is_one_visible_line() -> None:
    assert escape("a\nb\x1b[2Jc\\") == "a\\nb\\x1b[2Jc\\\\"
    assert escape("x\u202ey") == "x\\u202ey"
    assert escape("Zoë 山田") == "Zoë 山田"
    assert json_safe('"a\u202eb\x85"') == '"a\\u202eb\\u0085"'


def test_roles_given_as_a_plain_mapping_are_checked_too() -> None:
    from sopframe.errors import ConfigError

    with pytest.raises(ConfigError, match="same person"):
        Engine(MemoryStore(), roles={"lead": ["lin", "LIN"]}, clock=FixedClock())

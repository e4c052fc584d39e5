"""Attempts an auditor would reject: each is refused with a clear message, and nothing is written.

Every case is a command sequence (the setup, which succeeds) and one attempt,
which must raise a refusal whose message contains what it expects, while the
store's head for the job stays exactly where the setup left it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.identity import RoleTable
from sopframe.core.limits import Limits
from sopframe.errors import JobError
from sopframe_plugins.store_memory import MemoryStore

from .conftest import ROLES, lifecycle_text, walk_to

CUSTOM = (Path(__file__).parent / "custom.yaml").read_text("utf-8")
CUSTOM_ROLES = {"requester": ["alice", "bob", "pat", "quinn"], "approver": ["alice", "pat", "dana"],
                "sub_owner": ["sol"]}
ALL_ROLES = {**ROLES, **CUSTOM_ROLES, "it_director": ["dora", "alice", "mike"]}
ALIASES = {"carol@example.com": "carol"}


@dataclass
class World:
    engine: Engine
    store: MemoryStore
    clock: FixedClock
    tmp: Path
    job: str = ""

    def lifecycle(self, stop: str = "initiated") -> str:
        self.job = self.engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
        walk_to(self.engine, self.job, stop)
        return self.job

    def custom(self) -> str:
        self.job = self.engine.start(CUSTOM, "custom.yaml", actor="dana").job_id
        return self.job

    def request(self, by: str = "alice", named: str = "alice") -> str:
        job = self.custom()
        self.engine.set_fields(job, {"requested_by": named, "note": "please"}, actor=by)
        self.engine.complete(job, actor=by)
        return job


def make_world(tmp: Path, **limits: Any) -> World:
    store, clock = MemoryStore(), FixedClock("2026-01-05T09:00:00+00:00")
    engine = Engine(store, roles=RoleTable.build(ALL_ROLES, ALIASES), clock=clock,
                    limits=Limits(**limits) if limits else None)
    return World(engine, store, clock, tmp)


Setup = Callable[[World], None]
Attempt = Callable[[World], Any]


def _set(w: World, values: dict[str, str], actor: str, ref: str | None = None, **kw: Any) -> Any:
    return w.engine.set_fields(ref or w.job, values, actor=actor, **kw)


def _fifo(w: World) -> str:
    path = w.tmp / "pipe"
    os.mkfifo(path)
    return str(path)


def _symlink_out(w: World) -> str:
    (w.tmp / "inside").mkdir()
    link = w.tmp / "inside" / "link.txt"
    link.symlink_to(w.tmp / "secret.txt")
    (w.tmp / "secret.txt").write_text("x", "utf-8")
    return str(link)


def _sign_then_edit(w: World) -> None:
    w.lifecycle("approval")
    _set(w, {"effective_date": "2026-02-01", "master_list_no": "17", "previous_version_archived": "yes"}, "dora")
    w.engine.sign(w.job, "director", actor="dora")
    _set(w, {"effective_date": "2030-01-01"}, "dora")


def _publish_then(w: World, version: str) -> None:
    w.lifecycle("training_rollout")
    _set(w, {"staff_trained": "4", "trainer": "tom", "training_date": "2026-02-03",
             "acknowledgements_signed": "yes"}, "tom")
    w.engine.complete(w.job, actor="tom")
    w.lifecycle("draft")


def _draft_version(version: str) -> Attempt:
    return lambda w: _set(w, {"sop_ref": "ITSOP-2026-7", "version": version, "draft_date": "2026-01-10"}, "alice")


def _reworked(w: World) -> None:
    w.request(by="pat", named="pat")
    w.engine.reject(w.job, "needs detail", actor="dana")
    _set(w, {"requested_by": "quinn", "note": "more detail"}, "quinn")
    w.engine.complete(w.job, actor="quinn")


def _to_subjob(w: World) -> None:
    w.request(by="bob", named="bob")
    w.engine.sign(w.job, "ok", actor="dana")
    w.engine.complete(w.job, actor="dana")


def _carol_aligned(w: World) -> None:
    w.lifecycle("security_review")
    _set(w, {"review_date": "2026-01-20"}, "cate")
    w.engine.sign(w.job, "alignment_checked", actor="carol")


# name, setup, attempt, what the refusal says
CASES: list[tuple[str, Setup, Attempt, str]] = [
    # --- the cases, as it measured them
    ("sign-off then edited value then complete", _sign_then_edit,
     lambda w: w.engine.complete(w.job, actor="dora"), "voided: approval.effective_date changed"),
    ("roleless user completes a sub-job stage", lambda w: w.lifecycle("components"),
     lambda w: w.engine.complete(f"{w.job}-A", actor="nobody"), "nobody may not complete stage 'tech_approval'"),
    ("roleless user sets fields on the director's approval", lambda w: w.lifecycle("approval"),
     lambda w: _set(w, {"effective_date": "2030-01-01"}, "nobody"), "nobody may not set fields on stage 'approval'"),
    ("recorder names someone else, then approves herself", lambda w: w.request(by="alice", named="bob"),
     lambda w: w.engine.sign(w.job, "ok", actor="alice"), "whoever recorded 'requested_by' (alice)"),
    ("bound requester typed as someone else", lambda w: setattr(w, "job", w.engine.start(
        (Path(__file__).parents[2] / "templates" / "change" / "change-request.yaml").read_text("utf-8"),
        "change-request.yaml", actor="alice", reason="SOP-CHG-001 not published in this store").job_id),
     lambda w: _set(w, {"requester": "bob"}, "alice"), "it must be you (alice)"),
    ("same person, other case", _carol_aligned,
     lambda w: w.engine.sign(w.job, "legal_confirmed", actor="Carol"), "carol gave sign-off 'alignment_checked'"),
    ("same person, trailing space", _carol_aligned,
     lambda w: w.engine.sign(w.job, "legal_confirmed", actor="carol "), "carol gave sign-off 'alignment_checked'"),
    ("same person, Cyrillic letter", _carol_aligned,
     lambda w: w.engine.sign(w.job, "legal_confirmed", actor="\u0441arol"), "cannot mix scripts"),
    ("same person, configured e-mail alias", _carol_aligned,
     lambda w: w.engine.sign(w.job, "legal_confirmed", actor="carol@example.com"),
     "carol gave sign-off 'alignment_checked'"),
    ("same person, full-width letters", _carol_aligned,
     lambda w: w.engine.sign(w.job, "legal_confirmed", actor="\uff43\uff41\uff52\uff4f\uff4c"),
     "carol gave sign-off 'alignment_checked'"),
    ("required field set blank", lambda w: (w.custom(), _set(w, {"requested_by": "alice", "note": "   "}, "alice")),
     lambda w: w.engine.complete(w.job, actor="alice"), "field 'note' (text) is required and not set"),
    ("master list backwards: 1.0 after 1.1", lambda w: (_publish_then(w, "1.1")), _draft_version("1.0"),
     "not greater than the current version 1.0"),
    ("newline in --as forges a history line", lambda w: w.lifecycle("initiated"),
     lambda w: _set(w, {"sop_title": "x"}, "mike\n   7  2026-01-05T09:00:00Z  diane  signoff.given"),
     "control or invisible characters (U+000A)"),
    ("escape sequence in --as", lambda w: w.lifecycle("initiated"),
     lambda w: _set(w, {"sop_title": "x"}, "mike\x1b[2J"), "U+001B"),
    ("attach a FIFO", lambda w: w.lifecycle("draft"),
     lambda w: w.engine.attach(w.job, "draft_document", _fifo(w), actor="alice"), "a FIFO"),
    ("attach a device", lambda w: w.lifecycle("draft"),
     lambda w: w.engine.attach(w.job, "draft_document", "/dev/zero", actor="alice"), "a device"),
    ("attach a directory", lambda w: w.lifecycle("draft"),
     lambda w: w.engine.attach(w.job, "draft_document", str(w.tmp), actor="alice"), "a directory"),
    ("a 50 MB note", lambda w: w.custom(),
     lambda w: _set(w, {"requested_by": "alice", "note": "x" * 50_000_000}, "alice"), "over the limit of 65536"),
    # --- the policy, command by command
    ("start by someone holding no starter role", lambda w: None,
     lambda w: w.engine.start(lifecycle_text(), "x.yaml", actor="alice"), "alice may not start a job"),
    ("sign with the wrong role", lambda w: w.lifecycle("technical_review"),
     lambda w: w.engine.sign(w.job, "security", actor="lee"), "needs role 'security'"),
    ("complete by an editor who is not the owner", lambda w: w.lifecycle("draft"),
     lambda w: w.engine.complete(w.job, actor="mike"), "mike may not complete stage 'draft'"),
    ("attach by someone else", lambda w: w.lifecycle("draft"),
     lambda w: w.engine.attach(w.job, "draft_document", "d.docx", data=b"x", actor="tom"),
     "tom may not attach documents on stage 'draft'"),
    ("reject by someone holding neither owner nor sign-off role", lambda w: w.lifecycle("technical_review"),
     lambda w: w.engine.reject(w.job, "no", actor="tom"), "tom may not reject stage 'technical_review'"),
    ("cancel by a stranger", lambda w: w.lifecycle("draft"),
     lambda w: w.engine.cancel(w.job, "no", actor="tom"), "tom may not cancel job"),
    ("user field naming someone without the role", lambda w: w.lifecycle("initiated"),
     lambda w: _set(w, {"author": "tom"}, "mike"), "expected a user holding role 'author'"),
    ("sign-off already given", lambda w: (w.lifecycle("technical_review"),
                                          _set(w, {"review_date": "2026-01-12"}, "lee"),
                                          w.engine.sign(w.job, "it_lead", actor="lee")),
     lambda w: w.engine.sign(w.job, "it_lead", actor="alice"), "was already given by lee"),
    # --- segregation of duties on actors
    ("the named author approves", lambda w: w.lifecycle("approval"),
     lambda w: w.engine.sign(w.job, "director", actor="alice"), "the person 'author' names (alice)"),
    ("whoever initiated (recorded the author) approves", lambda w: w.lifecycle("approval"),
     lambda w: w.engine.sign(w.job, "director", actor="mike"), "whoever recorded 'author' (mike)"),
    ("across rework: worked on the request in an earlier visit", _reworked,
     lambda w: w.engine.sign(w.job, "ok", actor="pat"), "anyone who worked on stage 'request'"),
    ("in a sub-job: the requester approves a part", _to_subjob,
     lambda w: w.engine.sign(f"{w.job}-A", "sub_ok", actor="bob"), "bob may not give sign-off 'sub_ok'"),
    ("in a sub-job: the request's recorder approves a part",
     lambda w: (w.request(by="pat", named="bob"), w.engine.sign(w.job, "ok", actor="dana"),
                w.engine.complete(w.job, actor="dana")),
     lambda w: w.engine.sign(f"{w.job}-A", "sub_ok", actor="pat"), "whoever recorded 'requested_by' (pat)"),
    # --- bounded input, safe names
    ("a reason over the limit", lambda w: w.lifecycle("technical_review"),
     lambda w: w.engine.reject(w.job, "r" * 5000, actor="lee"), "over the limit of 4000"),
    ("a title over the limit", lambda w: None,
     lambda w: w.engine.start(lifecycle_text(), "x.yaml", actor="mike", title="t" * 301), "over the limit of 300"),
    ("a user name over the limit", lambda w: w.lifecycle("initiated"),
     lambda w: _set(w, {"sop_title": "x"}, "m" * 101), "at most 100 characters"),
    ("a zero-width space in a user field", lambda w: w.lifecycle("initiated"),
     lambda w: _set(w, {"author": "ali\u200bce"}, "mike"), "U+200B"),
    ("attachment over the size limit", lambda w: (w.lifecycle("draft"), (w.tmp / "big.bin").write_bytes(b"x" * 2048)),
     lambda w: make_world_same(w, attachment=1024).engine.attach(w.job, "draft_document", str(w.tmp / "big.bin"),
                                                                 actor="alice"), "over the limit of 1024"),
    ("attachment outside the attachments root, through a symlink", lambda w: w.lifecycle("draft"),
     lambda w: make_world_same(w, attachments_root=str(w.tmp / "inside")).engine.attach(
         w.job, "draft_document", _symlink_out(w), actor="alice"), "outside the attachments root"),
    ("a path that climbs out of the attachments root", lambda w: w.lifecycle("draft"),
     lambda w: make_world_same(w, attachments_root=str(w.tmp)).engine.attach(
         w.job, "draft_document", str(w.tmp / ".." / ".." / "etc" / "passwd"), actor="alice"),
     "outside the attachments root"),
]


def make_world_same(w: World, **limits: Any) -> World:
    """Another engine, with other limits, on the same store."""
    return World(Engine(w.store, roles=w.engine.roles, clock=w.clock, limits=Limits(**limits)), w.store, w.clock,
                 w.tmp, w.job)


def test_there_are_enough_attempts() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("name, setup, attempt, expected", CASES, ids=[c[0] for c in CASES])
def test_attempt_is_refused_and_writes_nothing(tmp_path: Path, name: str, setup: Setup, attempt: Attempt,
                                               expected: str) -> None:
    w = make_world(tmp_path)
    setup(w)
    heads = {j: w.store.head(j) for j in w.store.job_ids()}
    with pytest.raises(JobError) as info:
        attempt(w)
    assert {j: w.store.head(j) for j in w.store.job_ids()} == heads, "a refused command must write nothing"
    message = info.value.format_message()
    assert expected in message, message
    assert "\x1b" not in message and "\n   7 " not in message

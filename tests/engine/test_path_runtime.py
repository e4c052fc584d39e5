"""What a job does with the templates SOP110 and SOP115 are about: a field captured on two paths,
and `not_by` naming a sign-off of another stage, enforced both ways."""

from __future__ import annotations

import pytest

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.errors import JobError, TemplateError
from sopframe.pluginmanager import load_plugins
from sopframe.services.jobs import start_job
from sopframe_plugins.store_memory import MemoryStore

from pathtemplates import BOTH_PATHS

PLUGINS = load_plugins(entry_points=lambda: [])

#: `a` names `b` of a later stage; `c` and `d` are on parallel branches
SIGNOFFS = """\
template: s
title: S
version: 1.0.0
kind: change
roles:
  rev: Reviewer
stages:
  first:
    owner: rev
    signoffs:
      a:
        role: rev
        not_by: second.b
    next: second
  second:
    owner: rev
    signoffs:
      b:
        role: rev
    next:
      - left
      - right
  left:
    owner: rev
    signoffs:
      c:
        role: rev
        not_by: right.d
    next: done
  right:
    owner: rev
    signoffs:
      d:
        role: rev
    next: done
  done:
    owner: rev
"""


@pytest.fixture
def engine() -> Engine:
    return Engine(MemoryStore(), roles={"engineer": ["eve"], "rev": ["alex", "bo"]},
                  clock=FixedClock("2026-04-02T08:00:00+00:00"))


def test_a_gate_on_a_field_of_both_paths_is_refused_before_a_job_can_hang(engine: Engine) -> None:
    with pytest.raises(TemplateError) as err:
        start_job(engine, PLUGINS, BOTH_PATHS, "t.yaml", actor="eve")
    assert "SOP110" in str(err.value) or any(f.code == "SOP110" for f in err.value.findings)


def test_checking_the_field_on_each_path_runs_down_either(engine: Engine) -> None:
    text = BOTH_PATHS.replace("    gate:\n      checked: yes\n", "")
    text = text.replace("        required: yes\n    next: finish",
                        "        required: yes\n    gate:\n      checked: yes\n    next: finish")
    for path in ("a", "b"):
        job = start_job(engine, PLUGINS, text, "t.yaml", actor="eve").job_id
        engine.set_fields(job, {"path": path}, actor="eve")
        engine.complete(job, actor="eve")
        engine.set_fields(job, {"checked": "yes"}, actor="eve")
        assert list(engine.complete(job, actor="eve").active) == ["finish"]
        assert engine.complete(job, actor="eve").status == "completed"


def test_not_by_a_later_sign_off_refuses_it_to_the_earlier_signer(engine: Engine) -> None:
    job = start_job(engine, PLUGINS, SIGNOFFS, "s.yaml", actor="alex").job_id
    engine.sign(job, "a", actor="alex")
    engine.complete(job, actor="alex")
    with pytest.raises(JobError, match=r"alex gave sign-off 'first\.a', which must not be given by the same "
                                       r"person as 'b' \(not_by: second\.b\)"):
        engine.sign(job, "b", actor="alex")
    engine.sign(job, "b", actor="bo")
    assert set(engine.complete(job, actor="bo").active) == {"left", "right"}


@pytest.mark.parametrize("first", ["c", "d"])
def test_not_by_across_parallel_branches_holds_whichever_is_given_first(engine: Engine, first: str) -> None:
    job = start_job(engine, PLUGINS, SIGNOFFS, "s.yaml", actor="alex").job_id
    engine.sign(job, "a", actor="alex")
    engine.complete(job, actor="alex")
    engine.sign(job, "b", actor="bo")
    engine.complete(job, actor="bo")
    second = "d" if first == "c" else "c"
    stage = {"c": "left", "d": "right"}
    engine.sign(job, first, actor="alex", stage=stage[first])
    with pytest.raises(JobError, match=r"segregation of duties: alex gave sign-off '(right\.d|left\.c)'"):
        engine.sign(job, second, actor="alex", stage=stage[second])
    engine.sign(job, second, actor="bo", stage=stage[second])

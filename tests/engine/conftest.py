"""Fixtures for the job engine: the bundled SOP-lifecycle template on a memory store."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe_plugins.store_memory import MemoryStore

ROLES: dict[str, list[str]] = {
    "author": ["alice"],
    "it_manager": ["mike"],
    "it_lead": ["lee", "alice"],
    "security": ["sam"],
    "compliance": ["carol", "chris"],
    "ops_lead": ["olga"],
    "ciso": ["cate"],
    "it_director": ["dora", "alice"],
    "trainer": ["tom"],
}


def lifecycle_text() -> str:
    return (resources.files("sopframe_templates") / "incident" / "sop-lifecycle.yaml").read_text("utf-8")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock("2026-01-05T09:00:00+00:00")


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def engine(store: MemoryStore, clock: FixedClock) -> Engine:
    return Engine(store, roles=ROLES, clock=clock)


@pytest.fixture
def sop_engine(store: MemoryStore, clock: FixedClock) -> Engine:
    """An engine with the roles of ``sopframe.testing.sop_lifecycle`` (its tiny SOP templates)."""
    from sopframe.testing.sop_lifecycle import ROLES as SOP_ROLES

    return Engine(store, roles=SOP_ROLES, clock=clock)


@pytest.fixture
def records(store: MemoryStore, sop_engine: Engine, clock: FixedClock) -> Any:
    """Acknowledgements, flags and reviews on the same store, with the tiny templates' groups."""
    from sopframe.core.engine.records import SopRecords
    from sopframe.core.identity import RoleTable
    from sopframe.testing.sop_lifecycle import GROUPS

    return SopRecords(store, roles=sop_engine.roles, groups=RoleTable.build(GROUPS), clock=clock)


def walk_to(engine: Engine, job: str, stop: str, clock: Any = None, version: str = "1.0") -> None:
    """Drive a lifecycle job forward from where it stands until stage ``stop`` is open."""
    steps = [
        ("initiated", lambda: (engine.set_fields(job, {"sop_title": "Incident management", "it_process": "IM",
                                                       "author": "alice", "draft_due": "2026-01-20"}, actor="mike"),
                               engine.complete(job, actor="mike"))),
        ("draft", lambda: (engine.set_fields(job, {"sop_ref": "ITSOP-2026-7", "version": version,
                                                   "draft_date": "2026-01-10"}, actor="alice"),
                           engine.attach(job, "draft_document", "draft.docx", data=b"draft v1", actor="alice"),
                           engine.complete(job, actor="alice"))),
        ("technical_review", lambda: (engine.set_fields(job, {"review_date": "2026-01-12"}, actor="lee"),
                                      engine.sign(job, "it_lead", actor="lee"),
                                      engine.sign(job, "security", actor="sam"),
                                      engine.sign(job, "compliance", actor="carol"),
                                      engine.complete(job, actor="lee"))),
        ("test_run", lambda: (engine.set_fields(job, {"test_incidents": "3", "test_outcome": "pass",
                                                      "test_date": "2026-01-14"}, actor="alice"),
                              engine.complete(job, actor="alice"))),
        ("components", lambda: (
            engine.sign(f"{job}-A", "tech_lead", actor="lee"), engine.complete(f"{job}-A", actor="lee"),
            engine.set_fields(f"{job}-A", {"staff_trained": "5"}, actor="lee"),
            engine.complete(f"{job}-A", actor="lee"),
            engine.sign(f"{job}-B", "comms_lead", actor="olga"), engine.complete(f"{job}-B", actor="olga"),
            engine.set_fields(f"{job}-B", {"staff_trained": "4"}, actor="olga"),
            engine.complete(f"{job}-B", actor="olga"))),
        ("security_review", lambda: (engine.set_fields(job, {"review_date": "2026-01-20"}, actor="cate"),
                                     engine.sign(job, "ciso", actor="cate"),
                                     engine.sign(job, "alignment_checked", actor="carol"),
                                     engine.sign(job, "legal_confirmed", actor="chris"),
                                     engine.complete(job, actor="cate"))),
        ("approval", lambda: (engine.set_fields(job, {"effective_date": "2026-02-01", "master_list_no": "17",
                                                      "previous_version_archived": "yes"}, actor="dora"),
                              engine.sign(job, "director", actor="dora"),
                              engine.complete(job, actor="dora"))),
        ("training_rollout", lambda: (engine.set_fields(job, {"staff_trained": "40", "trainer": "tom",
                                                              "training_date": "2026-02-03",
                                                              "acknowledgements_signed": "yes"}, actor="tom"),
                                      engine.complete(job, actor="tom"))),
    ]
    state = engine.state(job)
    here = next((n for n in state.active if "/" not in n), None)
    names = [name for name, _ in steps]
    if here in names:
        steps = steps[names.index(here):]
    for name, step in steps:
        if name == stop:
            return
        step()
        if clock is not None:
            clock.advance(hours=1)

"""Jobs with history for the evidence tests: the bundled lifecycle walked on a store that keeps a ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from sopframe.checkpoints import init_keys
from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe_plugins.store_memory import MemoryStore

from engine.conftest import ROLES, lifecycle_text, walk_to


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    priv, pub = tmp_path / "keys" / "checkpoint.key", tmp_path / "keys" / "checkpoint.pub"
    init_keys(priv, pub)
    return priv, pub


@pytest.fixture
def busy_store() -> MemoryStore:
    """Three lifecycle jobs: one published SOP, one open half-way, one just started."""
    store = MemoryStore()
    clock = FixedClock("2026-01-05T09:00:00+00:00")
    engine = Engine(store, roles=ROLES, clock=clock)
    done = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, done, "end", clock)
    half = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, half, "components", clock, version="1.1")
    engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike")
    return store


def forge(store: MemoryStore, job: str, type: str, data: dict, actor: str, at: str) -> int:
    """Append an event through the store itself, read models and all: consistent, but never commanded."""
    from sopframe.core.engine.events import NewEvent, chain
    from sopframe.core.migrations import rows_of
    from sopframe.core.store import Derived

    seq, head = store.head(job)
    new = chain(job, seq, head, [NewEvent(type, data)], actor, at)
    store.append(job, seq, new, Derived(rows=rows_of(store)([*store.read(job), *new])))
    return seq + 1

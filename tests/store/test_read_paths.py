"""The read paths the store benchmark measures: the same answers as its hand-written SQL, and as the engine's rows.

benchmarks/store_bench.py measures ``job list``, "assigned to me" and
``overdue`` against hand-written indexed queries (the limit); these tests
keep that comparison honest (both give the same answer) and check that the
light objects the SQL stores build read back exactly what the engine
derived (the memory store keeps those objects as they were made).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock, from_text
from sopframe.core.engine.sops import describe_delta, overdue
from sopframe.core.readmodel import JobQuery
from sopframe.core.store import open_store
from sopframe.pluginmanager import load_plugins
from sopframe_plugins.store_memory import MemoryStore

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-06-01T00:00:00.000000Z"


def _bench() -> Any:
    """benchmarks/store_bench.py (not a package): its store builder and hand-written queries."""
    spec = importlib.util.spec_from_file_location("sopframe_store_bench", ROOT / "benchmarks" / "store_bench.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench()


def _built(url: str) -> tuple[Any, Any]:
    """A small benchmark store on ``url`` and the same history in a memory store."""
    store = open_store(url, load_plugins())
    memory = MemoryStore()
    for s in (store, memory):
        jobs = bench.build(s, 12)
        clock = FixedClock("2025-03-01T09:00:00+00:00")
        bench.to_review(s, jobs[0:6:3], clock)  # two jobs at their technical review: more open stages
    return store, memory


def test_the_benchmarks_hand_written_queries_give_the_services_answers(url: str) -> None:
    store, _ = _built(url)
    try:
        p = "%s" if url.startswith("postgresql") else "?"

        def raw(name: str, arg: str) -> list[Any]:
            return list(store.db.execute(bench.hand_written(name, p), (arg,)).fetchall())

        listed = store.summaries(JobQuery(status="open", limit=50))
        assert [(s.job, len(s.open_stages)) for s in listed] == [(r[0], r[-1]) for r in raw("list", "open")]
        mine = store.summaries(JobQuery(owners=("author",), limit=50))
        assert mine and [s.job for s in mine] == [r[0] for r in raw("mine", "author")]
        late = [i for i in overdue(Engine(store, roles=bench.ROLES), from_text(NOW)) if i.kind == "sla"]
        rows = raw("overdue", NOW)  # job, node, stage, subjob, owner, entered_at, due
        assert late and sorted((i.ref, i.what, i.owner, i.due) for i in late) == \
            sorted((r[3] or r[0], r[2], r[4], r[6]) for r in rows)
    finally:
        store.close()


def test_listings_read_back_the_rows_the_engine_derived(url: str) -> None:
    store, memory = _built(url)
    try:
        for query in (JobQuery(), JobQuery(status="open", limit=5), JobQuery(owners=("author", "security")),
                      JobQuery(owners=("it_lead",), limit=1), JobQuery(template="sop-lifecycle"),
                      JobQuery(overdue_at=NOW, limit=4), JobQuery(since="2025-01-05T10:30:00.000000Z")):
            assert store.summaries(query) == memory.summaries(query), query
        pages, cursor = [], None
        while True:  # paging with the cursor gives the whole listing, once
            page = store.summaries(JobQuery(status="open", after=cursor, limit=5))
            pages.extend(page)
            if len(page) < 5:
                break
            cursor = page[-1].job
        assert pages == memory.summaries(JobQuery(status="open"))
        assert [store.summary(j) for j in store.job_ids()] == [memory.summary(j) for j in memory.job_ids()]
        assert store.open_stages_due(NOW) == memory.open_stages_due(NOW)
        now = from_text(NOW)
        items = overdue(Engine(store, roles=bench.ROLES), now)
        assert [i.to_dict() for i in items] == [i.to_dict() for i in overdue(Engine(memory, roles=bench.ROLES), now)]
        first = items[0].to_dict()
        assert list(first) == ["kind", "ref", "what", "due", "overdue_by", "owner", "completed_at", "reason"]
        assert first["overdue_by"] == describe_delta((now - from_text(first["due"])).total_seconds())
    finally:
        store.close()


def test_stage_visit_columns_follow_the_row_class() -> None:
    """The SQL stores spell the ``stage_visits`` columns out (the row class is imported only when rows are read or
    written): they must stay in the order of its fields, which rows are built from and written in."""
    from sopframe.core.readmodel import StageVisit
    from sopframe_plugins.store_readmodel import _VISIT_COLS

    assert _VISIT_COLS.split(", ") == list(StageVisit._fields)

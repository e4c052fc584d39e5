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
        page = [i for i in overdue(Engine(store, roles=bench.ROLES), from_text(NOW), limit=1) if i.kind == "sla"]
        rows = raw("overdue50", NOW)  # the most overdue first (ties: by job id, in each backend's own order)
        assert len(late) > 1 and len(rows) == len(late)
        assert len(page) == 1 and page[0].due == rows[0][6] == min(i.due for i in late) and page[0] in late
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
        due = store.open_stages_due(NOW)
        assert due == memory.open_stages_due(NOW) and len(due) > 1
        for limit in (1, len(due) - 1, len(due), len(due) + 5):  # a page: the most overdue first
            assert store.open_stages_due(NOW, limit) == memory.open_stages_due(NOW, limit) == due[:limit]
        now = from_text(NOW)
        items = overdue(Engine(store, roles=bench.ROLES), now)
        assert [i.to_dict() for i in items] == [i.to_dict() for i in overdue(Engine(memory, roles=bench.ROLES), now)]
        paged = overdue(Engine(store, roles=bench.ROLES), now, limit=1)
        assert [i for i in paged if i.kind == "sla"] == [i for i in items if i.kind == "sla"][:1]
        assert [i for i in paged if i.kind != "sla"] == [i for i in items if i.kind != "sla"]
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


def test_pages_of_jobs_with_several_open_stages_or_none_equal_the_memory_stores(url: str) -> None:
    """A page and its open stages (one query on PostgreSQL, with the page's limit written into it) as the memory
    store keeps them: jobs with sub-jobs open (several open stages, of several owners), a cancelled job (none)."""
    from sopframe.testing.contract_support import _ITEMS_TEMPLATE

    store = open_store(url, load_plugins())
    memory = MemoryStore()
    try:
        for s in (store, memory):
            engine = Engine(s, roles={"author": ["alice"], "lead": ["lee"]},
                            clock=FixedClock("2026-03-01T09:00:00+00:00"))
            jobs = [engine.start(_ITEMS_TEMPLATE, "items.yaml", actor="alice").job_id for _ in range(5)]
            for n, job in enumerate(jobs[:3]):
                engine.set_fields(job, {}, add={"findings": [{"id": f"F{k}", "found_at": f"2026-02-0{k + 1}"}
                                                             for k in range(n + 1)]}, actor="alice")
            engine.cancel(jobs[3], "raised twice", actor="alice")
        shapes = {len(s.open_stages) for s in memory.summaries(JobQuery())}
        assert 0 in shapes and max(shapes) >= 3, shapes
        for limit in (None, 1, 2, 3, 4, 5, 50):
            for query in (JobQuery(limit=limit), JobQuery(owners=("lead",), limit=limit),
                          JobQuery(owners=("author", "lead"), limit=limit), JobQuery(status="open", limit=limit),
                          JobQuery(status="cancelled", limit=limit), JobQuery(overdue_at=NOW, limit=limit),
                          JobQuery(owners=("nobody",), limit=limit), JobQuery(after=jobs[1], limit=limit)):
                assert store.summaries(query) == memory.summaries(query), query
        assert [store.summary(j) for j in jobs] == [memory.summary(j) for j in jobs]
        assert store.summary("ITEMS-999") is None
    finally:
        store.close()


def test_a_postgresql_page_is_one_statement_planned_once(postgres_url: str) -> None:
    """A page is one statement, and psycopg's prepared statement of it runs its generic plan: with the limit as a
    parameter, PostgreSQL found that plan dearer than one for the page and planned the query again at every run."""
    store = open_store(postgres_url, load_plugins())
    try:
        bench.build(store, 300)
        store.db.execute("ANALYZE")
        for _ in range(12):
            assert len(store.summaries(JobQuery(owners=("author",), limit=2))) == 2
        plans = store.db.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                                 "WHERE statement LIKE %s", ("%FROM job_summary s%",)).fetchall()
        assert len(plans) == 1 and plans[0][0] > 0, plans
    finally:
        store.close()

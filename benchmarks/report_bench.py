"""The bottleneck report at scale, against a hand-written SQL query for the same per-stage medians.

    python benchmarks/report_bench.py [--jobs 10000] [--dir DIR] [--keep]

Builds an SQLite store of SOP-lifecycle jobs (the bundled incident-management
template) walked to a random depth with random gaps between steps (seeded):
some stop at their first stage, some in the draft, some at the technical
review (one in seven sent back to the draft), some in their sub-jobs.  The
build runs with synchronous=OFF to stay bounded (``--keep`` keeps the file in
DIR and reuses it next time); the measurements run with the store's normal
settings.  Then, in the same run and on the same database (median of 5):

* the report in process (``sopframe.services.reports.bottleneck_report``:
  reading the ``stage_visits`` read model and computing every figure), and
  rendered as text and as the HTML page, against the 1 s target;
* a hand-written SQL query (window functions) giving the per-stage medians of
  queue and work time, checked to give the same medians as the report;
* for scale: folding every job's events, what a report without the read
  model would have to do.

It also prints the CPU time of this process for the report and for the SQL
query (mean of 5), which other processes on a shared machine disturb less
than wall time.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from importlib import resources
from typing import Any

from store_bench import best as median_of  # the median of runs (benchmarks/ is the script's directory)

ROLES = {"author": ["alice"], "it_manager": ["mike"], "it_lead": ["lee"], "security": ["sam"],
         "compliance": ["carol", "chris"], "ops_lead": ["olga"], "ciso": ["cate"], "it_director": ["dora"],
         "trainer": ["tom"]}
NOW = "2026-06-01T00:00:00+00:00"

MEDIANS_SQL = """
WITH d AS (
  SELECT template, node, (julianday(first_action_at) - julianday(entered_at)) * 86400.0 AS queue,
         CASE WHEN outcome = 'completed' THEN (julianday(closed_at) - julianday(first_action_at)) * 86400.0 END AS work
  FROM stage_visits),
q AS (SELECT template, node, queue AS s, ROW_NUMBER() OVER (PARTITION BY template, node ORDER BY queue) AS i,
             COUNT(*) OVER (PARTITION BY template, node) AS n FROM d WHERE queue IS NOT NULL),
w AS (SELECT template, node, work AS s, ROW_NUMBER() OVER (PARTITION BY template, node ORDER BY work) AS i,
             COUNT(*) OVER (PARTITION BY template, node) AS n FROM d WHERE work IS NOT NULL)
SELECT 'queue', template, node, AVG(s) FROM q WHERE i IN ((n + 1) / 2, (n + 2) / 2) GROUP BY template, node
UNION ALL
SELECT 'work', template, node, AVG(s) FROM w WHERE i IN ((n + 1) / 2, (n + 2) / 2) GROUP BY template, node
"""


def cpu_of(fn: Any, runs: int = 5) -> float:
    """Mean CPU time of this process per run (less sensitive than wall time to other processes on the machine)."""
    start = time.process_time()
    for _ in range(runs):
        fn()
    return (time.process_time() - start) / runs


def build(store: Any, n: int, seed: int = 13) -> None:
    """``n`` lifecycle jobs, each walked to a random depth, on a clock that jumps between steps."""
    from sopframe.core.engine import Engine
    from sopframe.core.engine.clock import FixedClock, from_text

    rng = random.Random(seed)
    text = (resources.files("sopframe_templates") / "incident" / "sop-lifecycle.yaml").read_text("utf-8")
    start = from_text("2025-06-01T09:00:00+00:00")
    clock = FixedClock(start)
    engine = Engine(store, roles=ROLES, clock=clock)

    def later(hours: float) -> None:
        clock.set(clock.now + timedelta(hours=rng.uniform(0, hours)))

    for i in range(n):
        clock.set(start + timedelta(minutes=25 * i))  # one job every 25 minutes: 10,000 over ~6 months
        job = engine.start(text, "sop-lifecycle.yaml", actor="mike").job_id
        depth = rng.randint(1, 4)
        later(30)
        engine.set_fields(job, {"sop_title": f"SOP {i}", "it_process": "IM", "author": "alice",
                                "draft_due": "2025-12-20"}, actor="mike")
        later(4)
        engine.complete(job, actor="mike")
        if depth < 2:
            continue
        later(72)
        engine.set_fields(job, {"sop_ref": f"ITSOP-2025-{i}", "version": "1.0", "draft_date": "2025-12-10"},
                          actor="alice")
        engine.attach(job, "draft_document", "draft.docx", data=b"draft %d" % i, actor="alice")
        later(8)
        engine.complete(job, actor="alice")
        if depth < 3:
            continue
        later(120)
        engine.set_fields(job, {"review_date": "2025-12-12"}, actor="lee")
        for signoff, user in (("it_lead", "lee"), ("security", "sam"), ("compliance", "carol")):
            later(6)
            engine.sign(job, signoff, actor=user)
        later(4)
        if rng.random() < 1 / 7:
            engine.reject(job, "needs another pass", actor="lee")
            continue
        engine.complete(job, actor="lee")
        if depth < 4:
            continue
        later(48)
        engine.set_fields(job, {"test_incidents": "3", "test_outcome": "pass", "test_date": "2025-12-14"},
                          actor="alice")
        later(4)
        engine.complete(job, actor="alice")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jobs", type=int, default=10000)
    ap.add_argument("--dir", default=None, help="Where the store file goes (default: a temporary directory).")
    ap.add_argument("--keep", action="store_true", help="Keep the store file and reuse it next time.")
    args = ap.parse_args()

    from sopframe.core.engine.clock import from_text
    from sopframe.core.engine.state import fold
    from sopframe.reports.html import render_html
    from sopframe.reports.render import to_text
    from sopframe.services.reports import bottleneck_report
    from sopframe_plugins.store_sqlite import SqliteStore

    workdir = args.dir or tempfile.mkdtemp(prefix="report-bench-")
    path = os.path.join(workdir, f"report-bench-{args.jobs}.db")
    fresh = not (args.keep and os.path.exists(path))
    if fresh and os.path.exists(path):
        os.remove(path)
    store = SqliteStore(path)
    if fresh:
        t = time.perf_counter()
        store.db.execute("PRAGMA synchronous=OFF")  # the build only
        build(store, args.jobs)
        store.db.execute("PRAGMA synchronous=FULL")
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"built {args.jobs:,} jobs in {time.perf_counter() - t:.0f} s")
    now = from_text(NOW)
    report = bottleneck_report(store, now)
    visits = len(store.stage_visits())
    print(f"{args.jobs:,} jobs, {visits:,} stage visits, {os.path.getsize(path) / 1e6:.0f} MB")

    # the same medians, by the report and by hand-written SQL
    sql_rows = store.db.execute(MEDIANS_SQL).fetchall()
    by_sql = {(kind, template, node): value for kind, template, node, value in sql_rows}
    by_report = {}
    for g in report.stages:
        for kind, s in (("queue", g.measures.queue), ("work", g.measures.work)):
            if s.median is not None:
                by_report[(kind, g.template, g.name)] = s.median
    assert by_sql.keys() == by_report.keys(), (sorted(by_sql), sorted(by_report))
    worst = max(abs(by_sql[k] - by_report[k]) for k in by_sql)
    assert worst < 0.01, f"the medians differ by {worst} s"

    timings = {
        "report: read model + figures": median_of(lambda: bottleneck_report(store, now), runs=5),
        "report as text": median_of(lambda: to_text(bottleneck_report(store, now)), runs=5),
        "report as HTML page": median_of(lambda: render_html(bottleneck_report(store, now)), runs=5),
        "hand-written SQL: per-stage medians": median_of(lambda: store.db.execute(MEDIANS_SQL).fetchall(), runs=5),
        "folding every job's events (no read model)": median_of(
            lambda: [fold(events) for _job, events in store.iter_jobs()], runs=1),
    }
    cpu_report = cpu_of(lambda: render_html(bottleneck_report(store, now)))
    cpu_sql = cpu_of(lambda: store.db.execute(MEDIANS_SQL).fetchall())
    print(f"same per-stage medians from both ({len(by_sql)} medians, largest difference {worst:.6f} s)")
    for name, secs in timings.items():
        print(f"{name:<46}{secs * 1000:>10.0f} ms")
    full = timings["report as HTML page"]
    print(f"{'report (HTML) / hand-written SQL medians':<46}{full / timings['hand-written SQL: per-stage medians']:>10.2f}")
    print(f"{'report as HTML page, CPU time':<46}{cpu_report * 1000:>10.0f} ms")
    print(f"{'hand-written SQL medians, CPU time':<46}{cpu_sql * 1000:>10.0f} ms")
    print(f"{'CPU time: report (HTML) / hand-written SQL':<46}{cpu_report / cpu_sql:>10.2f}")
    print(f"target: the report over {args.jobs:,} jobs in <= 1 s: "
          f"{'met' if full <= 1.0 else 'NOT met'} ({full:.2f} s)")
    for b in report.bottlenecks:
        print(f"  {b.sentence}")
    store.close()
    if not args.keep and not args.dir:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Job store at scale: read commands against their hand-written indexed SQL, job start, CLI, bytes per job.

    python benchmarks/store_bench.py [--jobs 1000,10000] [--postgres URL] [--dir DIR] [--cli-runs 5]

For each size it builds a store of SOP-lifecycle jobs (the bundled
incident-management template; one job in three walked to its split, SLAs
breached by backdating the clock), on SQLite (WAL, synchronous=FULL) and, with
``--postgres`` (a server with fsync on), on PostgreSQL.  The build itself
runs with SQLite's synchronous=OFF to stay bounded; every measurement runs
with the store's normal settings.  Then, in the same run and on the same
database:

* ``job list --limit 50``, ``overdue`` and "assigned to me" in process
  (the store's read-model queries) against the hand-written indexed SQL
  query that gives the same answer (the limit);
* ``job start`` in process (median of 20);
* as CLI processes (SQLite only): ``job show``, ``job set`` and ``job list``
  medians;
* stored bytes per job.
Prints one table per backend; docs/performance.md records a run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import resources
from typing import Any, Callable

ROLES = {"author": ["alice"], "it_manager": ["mike"], "it_lead": ["lee"], "security": ["sam"],
         "compliance": ["carol", "chris"], "ops_lead": ["olga"], "ciso": ["cate"], "it_director": ["dora"],
         "trainer": ["tom"]}


def best(fn: Callable[[], Any], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def build(store: Any, n: int) -> list[str]:
    from sopframe.core.engine import Engine
    from sopframe.core.engine.clock import FixedClock

    text = (resources.files("sopframe_templates") / "incident" / "sop-lifecycle.yaml").read_text("utf-8")
    clock = FixedClock("2025-01-05T09:00:00+00:00")
    engine = Engine(store, roles=ROLES, clock=clock)
    jobs = []
    for i in range(n):
        clock.advance(minutes=10)
        job = engine.start(text, "sop-lifecycle.yaml", actor="mike").job_id
        engine.set_fields(job, {"sop_title": f"SOP {i}", "it_process": "IM", "author": "alice",
                                "draft_due": "2025-02-20"}, actor="mike")
        if i % 3 == 0:
            engine.complete(job, actor="mike")
            engine.set_fields(job, {"sop_ref": f"ITSOP-2025-{i}", "version": "1.0", "draft_date": "2025-02-10"},
                              actor="alice")
        jobs.append(job)
    return jobs


def measure(store: Any, raw: Callable[[str, tuple[Any, ...]], Any], p: str, jobs: list[str]) -> dict[str, float]:
    from sopframe.core.engine import Engine
    from sopframe.core.engine.sops import overdue
    from sopframe.core.readmodel import JobQuery

    now = "2026-06-01T00:00:00.000000Z"
    engine = Engine(store, roles=ROLES)
    out: dict[str, float] = {}
    out["list"] = best(lambda: store.summaries(JobQuery(status="open", limit=50)))
    out["list_sql"] = best(lambda: raw(f"SELECT s.*, (SELECT count(*) FROM open_stages o WHERE o.job = s.job) "
                                       f"FROM job_summary s WHERE s.status = {p} ORDER BY s.job LIMIT 50", ("open",)))
    out["overdue"] = best(lambda: overdue(engine))
    out["overdue_sql"] = best(lambda: raw(f"SELECT * FROM open_stages WHERE due IS NOT NULL AND due < {p} "
                                          f"ORDER BY due", (now,)))
    out["mine"] = best(lambda: store.summaries(JobQuery(owners=("author",), limit=50)))
    out["mine_sql"] = best(lambda: raw(f"SELECT s.* FROM job_summary s WHERE EXISTS (SELECT 1 FROM open_stages o "
                                       f"WHERE o.job = s.job AND o.owner = {p}) ORDER BY s.job LIMIT 50",
                                       ("author",)))
    text = (resources.files("sopframe_templates") / "incident" / "sop-lifecycle.yaml").read_text("utf-8")
    out["start"] = best(lambda: engine.start(text, "sop-lifecycle.yaml", actor="mike"), runs=20)
    return out


def cli_medians(url: str, job: str, workdir: str, runs: int) -> dict[str, float]:
    with open(os.path.join(workdir, "sopframe.toml"), "w") as f:
        f.write("[roles]\n" + "".join(f'{r} = {u!r}\n'.replace("'", '"') for r, u in ROLES.items()))

    def run(*args: str) -> float:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sopframe", *args, "--store", url], cwd=workdir, check=True,
                       capture_output=True)
        return time.perf_counter() - t

    out = {}
    out["cli_show"] = statistics.median(run("job", "show", job) for _ in range(runs))
    out["cli_set"] = statistics.median(run("job", "set", job, f"sop_title=t{i}", "--as", "mike")
                                       for i in range(runs))
    out["cli_list"] = statistics.median(run("job", "list", "--limit", "50") for _ in range(runs))
    return out


def sqlite_run(n: int, workdir: str, cli_runs: int) -> dict[str, float]:
    from sopframe_plugins.store_sqlite import SqliteStore

    path = os.path.join(workdir, f"bench-{n}.db")
    store = SqliteStore(path)
    store.db.execute("PRAGMA synchronous=OFF")  # the build only
    jobs = build(store, n)
    store.db.execute("PRAGMA synchronous=FULL")
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    out = measure(store, lambda sql, a: store.db.execute(sql, a).fetchall(), "?", jobs)
    store.close()
    out["bytes_per_job"] = os.path.getsize(path) / n
    out.update(cli_medians(f"sqlite:///{path}", jobs[1], workdir, cli_runs))  # still at its first stage
    return out


def postgres_run(n: int, url: str) -> dict[str, float]:
    import uuid

    import psycopg

    from sopframe.core.migrations import migrate
    from sopframe_plugins.store_postgres import PostgresStore

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    full = f"{url}{'&' if '?' in url else '?'}schema={schema}"
    store = PostgresStore(full)
    migrate(store)
    try:
        jobs = build(store, n)
        out = measure(store, lambda sql, a: store.db.execute(sql, a).fetchall(), "%s", jobs)
        size = store.db.execute("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                                "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
                                (schema,)).fetchone()[0]
        out["bytes_per_job"] = float(size) / n
        out["fsync"] = 1.0 if store.db.execute("SHOW fsync").fetchone()[0] == "on" else 0.0
        return out
    finally:
        store.close()
        with psycopg.connect(url, autocommit=True) as db:
            db.execute(f'DROP SCHEMA "{schema}" CASCADE')


def report(name: str, results: dict[int, dict[str, float]]) -> None:
    print(f"\n{name}")
    sizes = sorted(results)
    print(f"{'measure':<28}" + "".join(f"{n:>12,}" for n in sizes))
    keys = list(results[sizes[0]])
    for k in keys:
        unit = 1 if k in ("bytes_per_job", "fsync") else 1000
        print(f"{k + ('' if unit == 1 else ' ms'):<28}" + "".join(f"{results[n][k] * unit:>12.2f}" for n in sizes))
    for k in ("list", "overdue", "mine"):
        print(f"{k + ' / hand-written SQL':<28}" + "".join(f"{results[n][k] / results[n][k + '_sql']:>12.2f}"
                                                            for n in sizes))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jobs", default="1000,10000")
    ap.add_argument("--postgres", metavar="URL", help="A PostgreSQL server with fsync on (the run prints it).")
    ap.add_argument("--dir", default=".")
    ap.add_argument("--cli-runs", type=int, default=5)
    ap.add_argument("--skip-sqlite", action="store_true", help="Measure PostgreSQL only.")
    args = ap.parse_args()
    sizes = [int(x) for x in args.jobs.split(",")]
    workdir = tempfile.mkdtemp(prefix="store-bench-", dir=args.dir)
    try:
        if not args.skip_sqlite:
            report("SQLite (WAL, synchronous=FULL)", {n: sqlite_run(n, workdir, args.cli_runs) for n in sizes})
        if args.postgres:
            report("PostgreSQL", {n: postgres_run(n, args.postgres) for n in sizes})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

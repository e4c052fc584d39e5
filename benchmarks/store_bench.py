"""Job store at scale: read commands against their hand-written indexed SQL, job start, CLI, writes, bytes per job.

    python benchmarks/store_bench.py [--jobs 1000,10000] [--postgres URL] [--dir DIR] [--cli-runs 7]
    python benchmarks/store_bench.py --jobs 1000,10000,100000 ...      # 100,000 jobs: opt in (a long build)
    python benchmarks/store_bench.py --writes-only [--write-rounds 7] [--postgres URL]   # the durable writes alone

For each size it builds a store of SOP-lifecycle jobs (the bundled
incident-management template; one job in three walked to its split, SLAs
breached by backdating the clock), on SQLite (WAL, synchronous=FULL) and, with
``--postgres`` (a server with fsync on), on PostgreSQL.  The build itself
runs with SQLite's synchronous=OFF to stay bounded; every measurement runs
with the store's normal settings.  Then, in the same run and on the same
database:

* ``job list --limit 50``, ``overdue`` and "assigned to me" in process
  (the store's read-model queries) against the hand-written indexed SQL
  query that gives the same answer (the limit), each run alternately with its query;
* ``job start`` in process (median of 20), wall time and, over 20 more, CPU time;
* as CLI processes (SQLite only): ``job show``, ``job sign``, ``job set`` and
  ``job list`` medians, beside ``sopframe --version`` (the start-up floor),
  each after one warm-up run (compiled modules, the plugin index and the
  compiled template written once, as on a user's machine); with
  ``--baseline-python PY`` the same commands also run with another
  interpreter (another install: the code before a change), interleaved run
  by run, each with its own cache directory (rows ending ``_baseline``);
* stored bytes per job;
* durable writes against the raw rate on the same server or disk, in the
  same run: on SQLite one writer's commands/s against one connection's
  INSERT+COMMIT/s; on PostgreSQL four writer processes on four jobs against
  four processes doing INSERT+COMMIT (best of interleaved rounds).
Prints one table per backend, with the growth from the second largest to
the largest size; docs/performance.md records a run.
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


#: when :func:`build` starts its first job; each next one starts ten minutes later on its clock
BUILD_CLOCK = "2025-01-05T09:00:00+00:00"


def best(fn: Callable[[], Any], runs: int = 7, clock: Callable[[], float] = time.perf_counter) -> float:
    times = []
    for _ in range(runs):
        t = clock()
        fn()
        times.append(clock() - t)
    return statistics.median(times)


def build(store: Any, n: int) -> list[str]:
    from sopframe.core.engine import Engine
    from sopframe.core.engine.clock import FixedClock

    text = (resources.files("sopframe_templates") / "incident" / "sop-lifecycle.yaml").read_text("utf-8")
    clock = FixedClock(BUILD_CLOCK)
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


def built_jobs(store: Any, p: str, n: int) -> list[str]:
    """A kept store's jobs in the order :func:`build` started them, up to the time of its ``n``-th.

    The measured starts of earlier runs on the store are left out: they ran
    on the system clock, after the build's (whose 100,000th job starts in
    November 2026; a fixed cut in January 2026 left out half of those and
    had them built again).
    """
    from datetime import timedelta

    from sopframe.core.engine.clock import from_text, to_text

    end = to_text(from_text(BUILD_CLOCK) + timedelta(minutes=10 * n))
    rows = store.db.execute(f"SELECT job FROM job_summary WHERE started_at <= {p} ORDER BY started_at",
                            (end,)).fetchall()
    return [r[0] for r in rows]


def paired(fn: Callable[[], Any], peer: Callable[[], Any], runs: int = 7) -> tuple[float, float]:
    """Medians of ``fn`` and of ``peer`` run alternately: a burst of load on the shared machine (or server)
    falls on both, not on one of them."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for f, out in ((fn, times[0]), (peer, times[1])):
            t = time.perf_counter()
            f()
            out.append(time.perf_counter() - t)
    return statistics.median(times[0]), statistics.median(times[1])


#: the limit each read command is measured against: the hand-written indexed SQL query giving the same answer
#: ({p}: the driver's placeholder); tests/store/test_read_paths.py checks that they do on a small store
HAND_WRITTEN = {
    "list": "SELECT s.*, (SELECT count(*) FROM open_stages o WHERE o.job = s.job) FROM job_summary s "
            "WHERE s.status = {p} ORDER BY s.job LIMIT 50",
    "overdue": "SELECT * FROM open_stages WHERE due IS NOT NULL AND due < {p} ORDER BY due",
    "overdue50": "SELECT * FROM open_stages WHERE due IS NOT NULL AND due < {p} ORDER BY due, job, node LIMIT 50",
    "mine": "SELECT s.* FROM job_summary s WHERE EXISTS (SELECT 1 FROM open_stages o WHERE o.job = s.job "
            "AND o.owner = {p}) ORDER BY s.job LIMIT 50",
}
#: runs of each page-sized read (a fraction of a millisecond each: the median of many)
READ_RUNS = 31


def hand_written(name: str, p: str) -> str:
    return HAND_WRITTEN[name].format(p=p)


def measure(store: Any, raw: Callable[[str, tuple[Any, ...]], Any], p: str, jobs: list[str]) -> dict[str, float]:
    from sopframe.core.engine import Engine
    from sopframe.core.engine.clock import from_text
    from sopframe.core.engine.sops import overdue
    from sopframe.core.readmodel import JobQuery

    now = "2026-06-01T00:00:00.000000Z"
    engine = Engine(store, roles=ROLES)
    out: dict[str, float] = {}
    out["list"], out["list_sql"] = paired(lambda: store.summaries(JobQuery(status="open", limit=50)),
                                          lambda: raw(hand_written("list", p), ("open",)), READ_RUNS)
    out["overdue"], out["overdue_sql"] = paired(lambda: overdue(engine, from_text(now)),  # the query's time
                                                lambda: raw(hand_written("overdue", p), (now,)))
    out["overdue50"], out["overdue50_sql"] = paired(lambda: overdue(engine, from_text(now), limit=50),  # a page
                                                    lambda: raw(hand_written("overdue50", p), (now,)), READ_RUNS)
    out["mine"], out["mine_sql"] = paired(lambda: store.summaries(JobQuery(owners=("author",), limit=50)),
                                          lambda: raw(hand_written("mine", p), ("author",)), READ_RUNS)
    text = (resources.files("sopframe_templates") / "incident" / "sop-lifecycle.yaml").read_text("utf-8")
    out["start"] = best(lambda: engine.start(text, "sop-lifecycle.yaml", actor="mike"), runs=20)
    # its CPU time in this process: the wall time of a commit's flush swings with the disk's other users
    out["start_cpu"] = best(lambda: engine.start(text, "sop-lifecycle.yaml", actor="mike"), runs=20,
                            clock=time.process_time)
    return out


def to_review(store: Any, jobs: list[str], clock: Any = None) -> list[str]:
    """Move drafted jobs on to their technical review (where ``job sign`` has sign-offs to give)."""
    from sopframe.core.engine import Engine
    from sopframe.core.engine.clock import system_clock

    engine = Engine(store, roles=ROLES, clock=clock or system_clock)
    for job in jobs:
        engine.attach(job, "draft_document", "draft.docx", actor="alice", data=b"draft")
        engine.complete(job, actor="alice")
    return jobs


#: a process as users run it: compiled modules written once and reused
CLI_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("SOPFRAME_")}


def cli_medians(url: str, job: str, signable: list[str], workdir: str, runs: int,
                baseline: str | None = None) -> dict[str, float]:
    """CLI medians of this interpreter and, given ``baseline`` (another interpreter), of that one, interleaved."""
    with open(os.path.join(workdir, "sopframe.toml"), "w") as f:
        f.write("[roles]\n" + "".join(f'{r} = {u!r}\n'.replace("'", '"') for r, u in ROLES.items()))
    # each interpreter keeps its own cache (its plugin index and remembered entry points differ)
    pythons = {"": (sys.executable, CLI_ENV)}
    if baseline:
        pythons["_baseline"] = (baseline, {**CLI_ENV, "SOPFRAME_CACHE_DIR": os.path.join(workdir, "cache-baseline")})
    signs = iter(signable)

    def run(python: str, *args: str, store: bool = True) -> tuple[float, float]:
        """Wall time and CPU time (user + system) of one process."""
        import resource

        exe, env = pythons[python]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run([exe, "-m", "sopframe", *args, *(["--store", url] if store else [])],
                       cwd=workdir, check=True, capture_output=True, env=env)
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    out = {}

    def median(name: str, make: Callable[[int], tuple[str, ...]], store: bool = True) -> None:
        for python in pythons:
            run(python, *make(-1), store=store)  # warm-up: compiled modules, plugin index, compiled template
        times: dict[str, list[tuple[float, float]]] = {python: [] for python in pythons}
        for i in range(runs):
            for python in pythons:
                times[python].append(run(python, *make(i), store=store))
        for python, took in times.items():
            out[f"cli_{name}{python}"] = statistics.median(w for w, _ in took)
            out[f"cli_{name}_cpu{python}"] = statistics.median(c for _, c in took)

    median("version", lambda i: ("--version",), store=False)
    median("show", lambda i: ("job", "show", job))
    median("sign", lambda i: ("job", "sign", next(signs), "security", "--as", "sam"))
    median("set", lambda i: ("job", "set", job, f"sop_title=t{i}", "--as", "mike"))
    median("list", lambda i: ("job", "list", "--limit", "50"))
    return out


def sqlite_run(n: int, workdir: str, cli_runs: int, keep: str | None = None,
               baseline: str | None = None) -> dict[str, float]:
    from sopframe_plugins.store_sqlite import SqliteStore

    path = os.path.join(workdir, f"bench-{n}.db")
    kept = os.path.join(keep, f"store-bench-{n}.db") if keep else None
    if kept and os.path.exists(kept):  # the store as built last time, before anything moved its jobs on
        shutil.copyfile(kept, path)
        store = SqliteStore(path)
        jobs = built_jobs(store, "?", n)
    else:
        store = SqliteStore(path)
        store.db.execute("PRAGMA synchronous=OFF")  # the build only
        jobs = build(store, n)
        store.db.execute("PRAGMA synchronous=FULL")
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if kept:
            shutil.copyfile(path, kept)
    out = measure(store, lambda sql, a: store.db.execute(sql, a).fetchall(), "?", jobs)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    out["bytes_per_job"] = os.path.getsize(path) / n  # before the CLI runs move jobs on
    signs = (cli_runs + 1) * (2 if baseline else 1)  # a warm-up and the runs, of each interpreter
    signable = to_review(store, jobs[0:3 * signs:3])  # drafted jobs (one in three)
    store.close()
    out.update(cli_medians(f"sqlite:///{path}", jobs[1], signable, workdir, cli_runs, baseline))  # jobs[1]: first stage
    return out


def postgres_run(n: int, url: str, keep: bool = False) -> dict[str, float]:
    import uuid

    import psycopg

    from sopframe.core.migrations import migrate
    from sopframe_plugins.store_postgres import PostgresStore

    schema = f"bench_keep_{n}" if keep else f"bench_{uuid.uuid4().hex[:8]}"
    full = f"{url}{'&' if '?' in url else '?'}schema={schema}"
    store = PostgresStore(full)
    migrate(store)
    try:
        jobs = built_jobs(store, "%s", n) if keep else []
        if len(jobs) < n:  # a kept schema is reused once complete (each run adds its 40 measured starts)
            jobs = build(store, n - len(jobs))
        out = measure(store, lambda sql, a: store.db.execute(sql, a).fetchall(), "%s", jobs)
        size = store.db.execute("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                                "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
                                (schema,)).fetchone()[0]
        out["bytes_per_job"] = float(size) / n
        out["fsync"] = 1.0 if store.db.execute("SHOW fsync").fetchone()[0] == "on" else 0.0
        return out
    finally:
        store.close()
        if not keep:
            with psycopg.connect(url, autocommit=True) as db:
                db.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _writer(url: str, ops: int, start_at: float, raw: bool, name: str) -> tuple[float, float, float]:
    """One writer: ``ops`` commands on a job of its own (or raw INSERT+COMMITs), from ``start_at``: its start and
    end times, and the CPU time (user + system) of the writing process over them."""
    if raw:
        if url.startswith("sqlite:///"):
            import sqlite3

            db: Any = sqlite3.connect(url[len("sqlite:///"):], isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            ph = "?"
        else:
            import psycopg

            from sopframe_plugins.store_postgres import split_url

            dsn, schema = split_url(url)
            db = psycopg.connect(dsn, autocommit=True)
            db.execute(f'SET search_path TO "{schema}"')
            ph = "%s"
        db.execute("CREATE TABLE IF NOT EXISTS raw_writes (job TEXT NOT NULL, n INTEGER NOT NULL, data TEXT NOT NULL)")

        def step(i: int) -> None:
            db.execute("BEGIN")
            db.execute(f"INSERT INTO raw_writes (job, n, data) VALUES ({ph}, {ph}, {ph})", (name, i, f"note {i}"))
            db.execute("COMMIT")
    else:
        from sopframe.core.engine import Engine
        from sopframe.core.store import open_store
        from sopframe.pluginmanager import load_plugins
        from sopframe.testing.store_contract import _TINY_TEMPLATE

        db = open_store(url, load_plugins())
        engine = Engine(db, roles={"author": ["alice"], "lead": ["lee"]})
        job = engine.start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id

        def step(i: int) -> None:
            engine.set_fields(job, {"summary": f"note {i}"}, actor="alice")
    while time.time() < start_at:
        time.sleep(0.001)
    t0, cpu = time.time(), time.process_time()
    for i in range(ops):
        step(i)
    t1, cpu = time.time(), time.process_time() - cpu
    db.close()
    return t0, t1, cpu


def write_rates(url: str, writers: int, ops: int, rounds: int = 3) -> dict[str, float]:
    """Commands/s of ``writers`` processes against raw INSERT+COMMIT/s, best of interleaved rounds."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    best: dict[str, float] = {"writes": 0.0, "raw_writes": 0.0}
    cpu: dict[str, list[float]] = {"writes": [], "raw_writes": []}
    with ctx.Pool(writers) as pool:
        for r in range(rounds):
            for raw in (True, False):
                start_at = time.time() + 1.5  # every writer has connected and started its job by then
                spans = pool.starmap(_writer, [(url, ops, start_at, raw, f"w{r}-{k}") for k in range(writers)])
                rate = writers * ops / (max(t1 for _, t1, _ in spans) - min(t0 for t0, _, _ in spans))
                key = "raw_writes" if raw else "writes"
                best[key] = max(best[key], rate)
                cpu[key].append(sum(c for _, _, c in spans) / (writers * ops))
    best["writes_ratio"] = best["writes"] / best["raw_writes"]
    for key, each in cpu.items():  # the writing processes' CPU per command (a server's own is not in it)
        best[f"{key}_cpu"] = statistics.median(each)
    return best


def sqlite_writes(path: str, ops: int, rounds: int = 3) -> dict[str, float]:
    from sopframe_plugins.store_sqlite import SqliteStore

    with SqliteStore(path) as store:  # the store's tables first: a file holding only the raw table is refused
        store.db.execute("CREATE TABLE raw_writes (job TEXT NOT NULL, n INTEGER NOT NULL, data TEXT NOT NULL)")
    return write_rates(f"sqlite:///{path}", 1, ops, rounds)


def postgres_writes(url: str, ops: int, rounds: int = 3) -> dict[str, float]:
    import uuid

    import psycopg

    from sopframe.core.migrations import migrate
    from sopframe_plugins.store_postgres import PostgresStore

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    full = f"{url}{'&' if '?' in url else '?'}schema={schema}"
    with PostgresStore(full) as store:
        migrate(store)
        # made once here: four writers making it at once collide in the catalogue (IF NOT EXISTS is no lock)
        store.db.execute("CREATE TABLE raw_writes (job TEXT NOT NULL, n INTEGER NOT NULL, data TEXT NOT NULL)")
    try:
        return write_rates(full, 4, ops, rounds)
    finally:
        with psycopg.connect(url, autocommit=True) as db:
            db.execute(f'DROP SCHEMA "{schema}" CASCADE')


def fsync_state(url: str) -> str:
    """The server's ``fsync`` setting (the write rates mean something only with it on)."""
    import psycopg

    with psycopg.connect(url) as db:
        return str(db.execute("SHOW fsync").fetchone()[0])


def report(name: str, results: dict[int, dict[str, float]]) -> None:
    print(f"\n{name}")
    sizes = sorted(results)
    print(f"{'measure':<28}" + "".join(f"{n:>12,}" for n in sizes))
    keys = list(results[sizes[0]])
    for k in keys:
        unit = 1 if k in ("bytes_per_job", "fsync") else 1000
        print(f"{k + ('' if unit == 1 else ' ms'):<28}" + "".join(f"{results[n][k] * unit:>12.2f}" for n in sizes))
    for k in ("list", "overdue", "overdue50", "mine"):
        print(f"{k + ' / hand-written SQL':<28}" + "".join(f"{results[n][k] / results[n][k + '_sql']:>12.2f}"
                                                            for n in sizes))
    if len(sizes) > 1:
        a, b = sizes[-2], sizes[-1]
        for k in ("list", "mine", "overdue", "overdue50", "start", "start_cpu"):
            print(f"{k} growth {a:,} -> {b:,}: {results[b][k] / results[a][k]:.2f}")


def report_writes(name: str, rates: dict[str, float]) -> None:
    print(f"\n{name}")
    print(f"commands/s {rates['writes']:.0f}, raw INSERT+COMMIT/s {rates['raw_writes']:.0f}, "
          f"ratio {rates['writes_ratio']:.2f}")
    print(f"writer CPU per command {rates['writes_cpu'] * 1000:.3f} ms, "
          f"per raw INSERT+COMMIT {rates['raw_writes_cpu'] * 1000:.3f} ms")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jobs", default="1000,10000")
    ap.add_argument("--postgres", metavar="URL", help="A PostgreSQL server with fsync on (the run prints it).")
    ap.add_argument("--dir", default=".")
    ap.add_argument("--cli-runs", type=int, default=7)
    ap.add_argument("--write-ops", type=int, default=200, help="Commands per writer per round.")
    ap.add_argument("--skip-sqlite", action="store_true", help="Measure PostgreSQL only.")
    ap.add_argument("--skip-writes", action="store_true", help="Leave out the durable-write rates.")
    ap.add_argument("--baseline-python", metavar="PY", help="Also time the CLI commands with this interpreter "
                    "(another install, e.g. of the code before a change), interleaved with this one.")
    ap.add_argument("--writes-only", action="store_true", help="Measure only the durable-write rates (no store built).")
    ap.add_argument("--write-rounds", type=int, default=3, help="Interleaved rounds of the write rates (best of).")
    ap.add_argument("--keep", metavar="DIR", help="Keep each built store (SQLite: a copy in DIR; PostgreSQL: "
                    "schema bench_keep_N) and reuse it next time instead of building it again.")
    args = ap.parse_args()
    sizes = [int(x) for x in args.jobs.split(",")]
    workdir = os.path.abspath(tempfile.mkdtemp(prefix="store-bench-", dir=args.dir))  # the CLI runs in it
    try:
        if not args.skip_sqlite and not args.writes_only:
            report("SQLite (WAL, synchronous=FULL)", {n: sqlite_run(n, workdir, args.cli_runs, args.keep,
                                                                 args.baseline_python) for n in sizes})
        if not args.skip_sqlite and not args.skip_writes:
            report_writes("SQLite durable writes, one writer",
                          sqlite_writes(os.path.join(workdir, "writes.db"), args.write_ops, args.write_rounds))
        if args.postgres and not args.writes_only:
            report("PostgreSQL", {n: postgres_run(n, args.postgres, bool(args.keep)) for n in sizes})
        if args.postgres and not args.skip_writes:
            report_writes("PostgreSQL durable writes, four writers on four jobs",
                          postgres_writes(args.postgres, args.write_ops, args.write_rounds))
            print(f"PostgreSQL fsync: {fsync_state(args.postgres)}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

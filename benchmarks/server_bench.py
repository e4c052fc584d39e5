"""The server under load: 50 simulated users against uvicorn with two workers on PostgreSQL (loopback only).

    python benchmarks/server_bench.py --postgres URL [--users 50] [--cycles 8] [--max-seconds 120]

Starts ``sopframe serve --workers 2`` on 127.0.0.1 (a free port) over a
fresh PostgreSQL schema holding one SOP-lifecycle job per simulated user,
each at its technical review.  Every user signs in twice through the sign-in
form (as ``lee``, the stage's owner, and as ``sam``, the security reviewer)
and then runs ``--cycles`` rounds of a realistic mix, one request at a time:

    lee: board (HTML) -> job page (HTML) -> set a field (JSON API; this voids
    the security sign-off, which approved the old value);
    sam: inbox (HTML) -> job page (HTML) -> sign (JSON API)

so every write is one the engine accepts.  Bounded: users x cycles x 6
requests, and ``--max-seconds`` of wall time.  Reports requests per second,
p50/p95/p99 latency per kind, and errors (any transport error or status other
than the expected one).  Then it checks the store: ``verify`` of every job
(chain, pinned template, read model) and the ledger, and that each job holds
exactly one ``field.set`` event per accepted set and one ``signoff.given``
per accepted sign (nothing lost, nothing duplicated).  Targets: p95 <= 100 ms
for the board, inbox and job page, 0 errors, 0 lost or duplicated events.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from importlib import resources
from pathlib import Path
from typing import Any

ROLES_TOML = """[roles]
author = ["alice"]
it_manager = ["mike"]
it_lead = ["lee"]
security = ["sam"]
compliance = ["carol"]
ops_lead = ["olga"]
ciso = ["cate"]
it_director = ["dora"]
trainer = ["tom"]
"""
PASSWORD = "benchmark password 1"


def prepare(url: str, users: int) -> list[str]:
    """A migrated store with the accounts and one job per user at technical_review."""
    from sopframe.core.engine import Engine
    from sopframe.core.migrations import migrate
    from sopframe.services.auth import add_user
    from sopframe_plugins.store_postgres import PostgresStore

    store = PostgresStore(url)
    migrate(store)  # creates the schema too
    for name in ("lee", "sam"):
        add_user(store, name, PASSWORD)
    roles = {"author": ["alice"], "it_manager": ["mike"], "it_lead": ["lee"], "security": ["sam"],
             "compliance": ["carol"]}
    engine = Engine(store, roles=roles)
    text = (resources.files("sopframe_templates") / "incident" / "sop-lifecycle.yaml").read_text("utf-8")
    jobs = []
    for n in range(users):
        job = engine.start(text, "sop-lifecycle.yaml", actor="mike").job_id
        engine.set_fields(job, {"sop_title": "Incident management", "it_process": "IM", "author": "alice",
                                "draft_due": "2026-01-20"}, actor="mike")
        engine.complete(job, actor="mike")
        engine.set_fields(job, {"sop_ref": f"ITSOP-2026-{n + 1}", "version": "1.0", "draft_date": "2026-01-10"},
                          actor="alice")
        engine.attach(job, "draft_document", "draft.md", data=b"draft", actor="alice")
        engine.complete(job, actor="alice")
        jobs.append(job)
    store.close()
    return jobs


async def sign_in(client: Any, user: str) -> str:
    page = await client.get("/signin")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = await client.post("/signin", data={"user": user, "password": PASSWORD, "csrf": token, "next": "/"})
    if r.status_code != 303:
        raise RuntimeError(f"sign-in of {user} failed: {r.status_code}")
    return str((await client.get("/api/v1/me")).json()["csrf"])


async def run_user(base: str, job: str, cycles: int, think: float, go: Any, gate: Any, out: dict[str, list[float]],
                   errors: list[str], accepted: dict[str, dict[str, int]]) -> None:
    import random

    import httpx2

    limits = httpx2.Limits(max_connections=1)
    async with httpx2.AsyncClient(base_url=base, limits=limits, timeout=120) as lee, \
            httpx2.AsyncClient(base_url=base, limits=limits, timeout=120) as sam:
        async with gate:  # Argon2id is slow on purpose: a few sign-ins at a time, before the measured part
            lee_csrf, sam_csrf = await sign_in(lee, "lee"), await sign_in(sam, "sam")
        for client in (lee, sam):  # warm up: connections, each worker's compiled template (not measured)
            await client.get("/")
            await client.get(f"/jobs/{job}")
        deadline = await go()  # everyone signs in first; then the measured part starts together

        async def call(kind: str, client: Any, method: str, path: str, expect: int, **kw: Any) -> bool:
            if think:  # a person reads the page before the next click
                await asyncio.sleep(random.uniform(0.5 * think, 1.5 * think))
            t = time.perf_counter()
            try:
                r = await client.request(method, path, **kw)
                ok = r.status_code == expect
                if not ok:
                    errors.append(f"{kind} {path}: {r.status_code} {r.text[:200]}")
            except httpx2.HTTPError as exc:
                ok = False
                errors.append(f"{kind} {path}: {type(exc).__name__}")
            out[kind].append(time.perf_counter() - t)
            return ok

        for i in range(cycles):
            if time.monotonic() > deadline:
                return
            await call("board", lee, "GET", "/", 200)
            await call("job page", lee, "GET", f"/jobs/{job}", 200)
            if await call("set", lee, "POST", f"/api/v1/jobs/{job}/fields", 200, headers={"X-CSRF-Token": lee_csrf},
                          json={"values": {"changes_made": f"round {i}"}}):
                accepted[job]["set"] += 1
            await call("inbox", sam, "GET", "/inbox", 200)
            await call("job page", sam, "GET", f"/jobs/{job}", 200)
            if await call("sign", sam, "POST", f"/api/v1/jobs/{job}/signoffs", 200,
                          headers={"X-CSRF-Token": sam_csrf}, json={"signoff": "security"}):
                accepted[job]["sign"] += 1


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def in_process(url: str, jobs: list[str]) -> float:
    """The limit in the same run: median ms of what a job page reads and computes, called in process."""
    from sopframe.core.engine import Engine
    from sopframe.core.engine.standing import standing
    from sopframe_plugins.store_postgres import PostgresStore

    store = PostgresStore(url)
    engine = Engine(store, roles={"it_lead": ["lee"], "security": ["sam"], "compliance": ["carol"]})
    times = []
    for job in jobs * 2:
        t = time.perf_counter()
        standing(engine, job)
        engine.history(job)
        times.append(time.perf_counter() - t)
    store.close()
    return statistics.median(times[len(jobs):]) * 1000


def check_store(url: str, jobs: list[str], accepted: dict[str, dict[str, int]]) -> list[str]:
    from sopframe.core.jobcheck import verify_jobs
    from sopframe.evidence.verify import verify_store
    from sopframe_plugins.store_postgres import PostgresStore

    store = PostgresStore(url)
    problems = [f"{c.job}: {c.problem or c.drift}" for c in verify_jobs(store, None) if not c.ok]
    report = verify_store(store)
    if not report.ok:
        problems.append(f"store verification: {report}")
    for job in jobs:
        events = store.read(job)
        sets = sum(1 for e in events if e.type == "field.set" and e.data.get("field") == "changes_made")
        signs = sum(1 for e in events if e.type == "signoff.given" and e.data.get("signoff") == "security")
        if sets != accepted[job]["set"] or signs != accepted[job]["sign"]:
            problems.append(f"{job}: {sets} sets and {signs} signs stored, {accepted[job]['set']} and "
                            f"{accepted[job]['sign']} accepted")
    store.close()
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--postgres", default=os.environ.get("SOPFRAME_TEST_POSTGRES_URL"))
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--cycles", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--think", type=float, default=1.0,
                    help="mean seconds a user waits before each request (0: back to back, the saturation run)")
    ap.add_argument("--max-seconds", type=float, default=180)
    args = ap.parse_args()
    if not args.postgres:
        print("give --postgres URL (or SOPFRAME_TEST_POSTGRES_URL)", file=sys.stderr)
        return 2
    sep = "&" if "?" in args.postgres else "?"
    url = f"{args.postgres}{sep}schema=bench_{uuid.uuid4().hex[:10]}"
    jobs = prepare(url, args.users)
    work = Path(tempfile.mkdtemp(prefix="sopframe-server-bench-"))
    (work / "sopframe.toml").write_text(ROLES_TOML, "utf-8")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = subprocess.Popen([sys.executable, "-m", "sopframe", "serve", "--workers", str(args.workers),
                               "--port", str(port), "--store", url, "--insecure-cookies"], cwd=work)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx2

        for _ in range(300):
            try:
                if httpx2.get(f"{base}/signin", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.1)
        out: dict[str, list[float]] = defaultdict(list)
        errors: list[str] = []
        accepted: dict[str, dict[str, int]] = {j: {"set": 0, "sign": 0} for j in jobs}

        async def everyone() -> float:
            started, gate = asyncio.Event(), asyncio.Semaphore(4)
            count = [0]
            clock: list[float] = []

            async def go() -> float:
                count[0] += 1
                if count[0] == len(jobs):
                    clock.append(time.perf_counter())
                    started.set()
                await started.wait()
                return time.monotonic() + args.max_seconds

            await asyncio.gather(*(run_user(base, job, args.cycles, args.think, go, gate, out, errors, accepted)
                                   for job in jobs))
            return time.perf_counter() - clock[0]

        wall = asyncio.run(everyone())
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = sum(len(v) for v in out.values())
    print(f"{args.users} users, {args.workers} workers, PostgreSQL, think time {args.think} s; {total} requests in "
          f"{wall:.1f} s (sign-ins before): {total / wall:.1f} requests/s, {len(errors)} errors")
    print(f"{'request':<10} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind in ("board", "inbox", "job page", "set", "sign"):
        v = out[kind]
        if v:
            print(f"{kind:<10} {len(v):>6} {pct(v, 50):>8.1f} {pct(v, 95):>8.1f} {pct(v, 99):>8.1f}")
    for e in errors[:10]:
        print(f"  error: {e}")
    limit = in_process(url, jobs)
    print(f"limit: the job page's engine work in process, no HTTP: p50 {limit:.1f} ms "
          f"(server job page p50 {pct(out['job page'], 50):.1f} ms)")
    problems = check_store(url, jobs, accepted)
    print(f"verify: {len(jobs)} jobs, ledger; accepted sets {sum(a['set'] for a in accepted.values())}, signs "
          f"{sum(a['sign'] for a in accepted.values())}; {'no event lost or duplicated' if not problems else ''}")
    for p in problems[:10]:
        print(f"  PROBLEM: {p}")
    reads_p95 = max(pct(out[k], 95) for k in ("board", "inbox", "job page")) if out["board"] else float("inf")
    print(f"target p95 <= 100 ms for the read pages: {'met' if reads_p95 <= 100 else 'NOT met'} "
          f"({reads_p95:.1f} ms); errors 0: {'met' if not errors else 'NOT met'}; events: "
          f"{'met' if not problems else 'NOT met'}")
    return 0 if not errors and not problems else 1


if __name__ == "__main__":
    sys.exit(main())

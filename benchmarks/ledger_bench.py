"""Tamper-evidence benchmark: what the store-wide ledger costs a durable command, and how fast a store verifies.

    pip install -e '.[test]'
    python benchmarks/ledger_bench.py [--jobs 300] [--verify-jobs 1500] [--rounds 3] [--skip-replay] [--dir DIR]
                                      [--keep DIR]

Measures, in one run and on one disk:

1. Durable steps per second on the SQLite store (``synchronous=FULL``), with
   the ledger (as shipped) and with the ledger append switched off (a
   subclass whose ``_ledger_append`` does nothing), interleaved, best of 3.
   Target: the ledger costs no more than 10% (ratio >= 0.90).
2. Verifying a store against a signed checkpoint (every job's chain,
   pinned templates, kept documents, the ledger, its coverage and the
   checkpoint): the command ``sopframe verify --checkpoints ... --public-key
   ... --skip-read-models`` run as a process, wall time, against hashing the
   same events' canonical bytes with ``hashlib.sha256``, already encoded
   (the limit), interleaved, best of ``--rounds``.  Target: events per
   second at least half of hashlib's (ratio >= 0.50).  Also measured, in
   the same rounds: the command's work in process (``verify_store``), the
   same work on the Python path alone (``SOPFRAME_PURE_PYTHON=1``: what a
   store gets where the compiled module was not built, and every
   PostgreSQL store) and the command's start-up alone; then once each, the default
   ``verify`` (which also compares every job's read models with its events)
   and ``verify --replay`` (every command re-run through the engine).
   ``--jobs 0`` leaves out part 1.

The verification store is built without ``synchronous=FULL`` (durability
is not what is measured there), so ``--verify-jobs 34200`` (444,600 events,
the issue's size) builds in minutes; ``--keep DIR`` keeps it (and its keys)
in DIR and reuses it on the next run.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, os.path.dirname(__file__))
from job_bench import TEMPLATE  # noqa: E402  (the same procedure the job benchmark runs)

from sopframe.checkpoints import init_keys, load_private_key, load_public_key, read_checkpoints  # noqa: E402
from sopframe.core.engine import Engine  # noqa: E402
from sopframe.core.engine.events import canonical  # noqa: E402
from sopframe.evidence.verify import checkpoint_store, verify_store  # noqa: E402
from sopframe_plugins import store_proof  # noqa: E402
from sopframe_plugins.store_sqlite import SqliteStore  # noqa: E402


#: processes run as a user's do: compiled modules written once and reused (with PYTHONDONTWRITEBYTECODE set,
#: every module would be compiled from source in every process, which alone costs the command about 0.4 s)
CLI_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("SOPFRAME_")}


class NoLedgerStore(SqliteStore):
    def _ledger_append(self, job: str, first: int, last: int, head: str, roles: str | None = None) -> None:
        return None


def run_jobs(store: SqliteStore, jobs: int, prefix: str) -> int:
    engine = Engine(store, roles={"eng": ["eve"]})
    steps = 0
    for i in range(jobs):
        job = engine.start(TEMPLATE, "bench.yaml", actor="eve", job_id=f"{prefix}-{i:05}").job_id
        engine.complete(job, actor="eve")
        engine.complete(job, actor="eve", stage="review_a")
        engine.complete(job, actor="eve", stage="review_b")
        engine.complete(job, actor="eve")
        engine.complete(job, actor="eve")
        steps += 6
    return steps


def steps_per_second(cls: type[SqliteStore], workdir: str, jobs: int, tag: str) -> float:
    path = os.path.join(workdir, f"{tag}.db")
    store = cls(path)
    t = time.perf_counter()
    steps = run_jobs(store, jobs, tag)
    elapsed = time.perf_counter() - t
    store.close()
    os.remove(path)
    return steps / elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=300)
    ap.add_argument("--verify-jobs", type=int, default=1500)
    ap.add_argument("--dir", default=".")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keep", help="build the verification store in this directory, or reuse the one there")
    ap.add_argument("--skip-replay", action="store_true",
                    help="leave out `verify --replay` (minutes at 444,600 events)")
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="sopframe-ledger-bench-", dir=args.dir)
    try:
        with_ledger, without = [], []
        for round_ in range(3 if args.jobs else 0):  # --jobs 0: verification only
            with_ledger.append(steps_per_second(SqliteStore, workdir, args.jobs, f"L{round_}"))
            without.append(steps_per_second(NoLedgerStore, workdir, args.jobs, f"N{round_}"))
        if with_ledger:
            a, b = max(with_ledger), max(without)
            print(f"durable steps/s with the ledger {a:,.0f}, without {b:,.0f}: ratio {a / b:.2f} (target >= 0.90)")

        where = Path(args.keep) if args.keep else Path(workdir)
        keys = where / "keys"
        reuse = (keys / "cps.jsonl").exists()
        where.mkdir(parents=True, exist_ok=True)
        store = SqliteStore(os.path.join(where, "verify.db"))
        if not reuse:
            store.db.execute("PRAGMA synchronous=OFF")  # building the store is not what is measured
            run_jobs(store, args.verify_jobs, "V")
            init_keys(keys / "cp.key", keys / "cp.pub")
            checkpoint_store(store, load_private_key(keys / "cp.key"), keys / "cps.jsonl",
                             time="2026-01-01T00:00:00Z")
        cps = read_checkpoints(keys / "cps.jsonl", load_public_key(keys / "cp.pub"))
        bodies = [canonical(e.body()) for job in store.job_ids() for e in store.read(job)]
        n = len(bodies)
        command = [sys.executable, "-m", "sopframe", "verify", "--checkpoints", str(keys / "cps.jsonl"),
                   "--public-key", str(keys / "cp.pub"), "--skip-read-models", "--store", store.url]

        def hash_all() -> None:
            for body in bodies:
                hashlib.sha256(body).hexdigest()

        store_entries = list(store.ledger())
        covers = f"covers {len(store_entries)} of {len(store_entries)} ledger entries"

        def cli() -> None:
            done = subprocess.run(command, capture_output=True, text=True, env={**CLI_ENV, "SOPFRAME_USER": "auditor"})
            assert done.returncode == 0 and covers in done.stdout, done.stdout + done.stderr

        def startup() -> None:
            subprocess.run([sys.executable, "-m", "sopframe", "--version"], capture_output=True, check=True, env=CLI_ENV)

        def check(**kw: object) -> None:
            report = verify_store(store, checkpoints=cps, **kw)  # type: ignore[arg-type]
            assert report.ok and report.covered_entries == report.entries, report.problems

        def python_path() -> None:
            os.environ["SOPFRAME_PURE_PYTHON"] = "1"
            store_proof.compiled.cache_clear()
            try:
                check(read_models=False)
            finally:
                del os.environ["SOPFRAME_PURE_PYTHON"]
                store_proof.compiled.cache_clear()

        measures: list[tuple[str, Callable[[], None]]] = [
            ("hashlib over the same canonical bytes", hash_all),
            ("`sopframe verify --checkpoints ... --skip-read-models` (the command, wall time)", cli),
            ("  its work in process (verify_store, read_models=False)", lambda: check(read_models=False)),
            ("  the same on the Python path alone (SOPFRAME_PURE_PYTHON=1)", python_path),
            ("  the command's start-up alone (`sopframe --version`)", startup),
        ]
        best = {name: float("inf") for name, _ in measures}
        for _ in range(args.rounds):  # interleaved: the machine's load hits every measure alike
            for name, run in measures:
                t = time.perf_counter()
                run()
                best[name] = min(best[name], time.perf_counter() - t)
        h = n / best[measures[0][0]]
        print(f"{n:,} events, {len(store_entries):,} ledger entries, {len(store.job_ids()):,} jobs; "
              f"best of {args.rounds} interleaved rounds; compiled proof "
              f"{'built' if store_proof.compiled() else 'NOT built: the Python path'}")
        print(f"{measures[0][0]}: {h:,.0f} events/s")
        for name, _ in measures[1:-1]:
            v = n / best[name]
            target = " (target >= 0.50)" if name.startswith("`") else ""
            print(f"{name}: {v:,.0f} events/s, ratio {v / h:.3f}{target}")
        print(f"{measures[-1][0]}: {best[measures[-1][0]]:.2f} s")
        for what, kw in (("verify (default: also the read models)", {}), ("verify --replay", {"replay": True})):
            if what.endswith("--replay") and args.skip_replay:
                continue
            t = time.perf_counter()
            check(**kw)
            v = n / (time.perf_counter() - t)
            print(f"{what}, in process, one round: {v:,.0f} events/s, ratio {v / h:.3f}")
        store.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

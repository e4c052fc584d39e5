"""benchmarks/store_bench.py runs as docs/performance.md shows it, from any working directory.

The benchmark's figures are the evidence for the job store's targets, so
its documented command must work for whoever re-runs it: a tiny store
here, nothing timed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from testsupport import ROOT


def test_the_documented_command_runs_with_the_default_directory(tmp_path: Path) -> None:
    # --dir defaults to ".": the CLI processes it times run inside the work directory, so every path
    # they are given must be absolute (a relative store path was looked up a second time inside it)
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "store_bench.py"), "--jobs", "20",
                        "--cli-runs", "1", "--skip-writes"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "bytes_per_job" in r.stdout and "cli_show ms" in r.stdout
    assert not list(tmp_path.iterdir())  # its work directory is removed afterwards

"""The CI's PostgreSQL start script is valid shell, and CI runs it before the tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "start-postgres.sh"


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_script_parses_and_stop_needs_a_directory() -> None:
    assert subprocess.run(["bash", "-n", str(SCRIPT)]).returncode == 0
    r = subprocess.run(["bash", str(SCRIPT), "stop"], capture_output=True, text=True)
    assert r.returncode != 0 and "usage" in r.stderr


def test_ci_starts_postgres_before_the_test_command() -> None:
    lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text("utf-8").splitlines()]
    start = next(i for i, ln in enumerate(lines) if "start-postgres.sh)" in ln)
    assert start < len(lines) - 1 and lines[-1].endswith("pytest")
    assert any("SOPFRAME_CI=1" in ln for ln in lines[:start])

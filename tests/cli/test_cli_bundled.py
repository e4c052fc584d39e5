"""Every bundled template validates clean, and `sopframe graph` draws each one."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import invoke
from testsupport import ROOT

BUNDLED = sorted((ROOT / "templates").rglob("*.yaml"))


def test_there_are_bundled_templates_of_every_core_kind() -> None:
    kinds = {p.parent.name for p in BUNDLED}
    assert {"incident", "change", "backup", "access", "vulnerability", "continuity"} <= kinds


def test_bundled_templates_validate_clean(capsys: pytest.CaptureFixture[str]) -> None:
    r = invoke(capsys, "validate", "--fail-level", "info", str(ROOT / "templates"))
    assert r.code == 0, r.out
    assert r.out.strip() == f"no problems in {len(BUNDLED)} files"


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_graph_draws_every_bundled_template(capsys: pytest.CaptureFixture[str], path: Path, fmt: str) -> None:
    r = invoke(capsys, "graph", "--format", fmt, str(path))
    assert r.code == 0, r.err
    first = r.out.splitlines()[0]
    assert first == "flowchart TD" if fmt == "mermaid" else first.startswith("digraph ")
    arrows = r.out.count("-->") if fmt == "mermaid" else r.out.count(" -> ")
    assert arrows >= 3

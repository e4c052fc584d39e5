"""Shared test helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLE = SHARED / "template-example.yaml"


def shared_file(name: str) -> Path:
    """A file of the team's shared folder, or skip where it is absent."""
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"shared reference {name} is not available beside this checkout")
    return path


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never pick up a developer's own sopframe configuration."""
    monkeypatch.delenv("SOPFRAME_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    os.environ.setdefault("NO_COLOR", "1")

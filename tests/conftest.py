"""Shared test helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests do not inherit plugin blocking, CI annotations or colour from the
    caller, and validation results are cached in the test's own directory."""
    monkeypatch.delenv("SOPFRAME_DISABLE_PLUGINS", raising=False)
    monkeypatch.setenv("SOPFRAME_CACHE_DIR", str(tmp_path / "sopframe-cache"))
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    os.environ.setdefault("NO_COLOR", "1")

"""Helpers shared by the core tests."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


def shared_file(config: pytest.Config, name: str) -> Path:
    """``shared_file`` of tests/conftest.py (skips where the shared folder is absent).

    Every conftest.py outside a package is imported as the module ``conftest``
    and the last one loaded wins, so ``from conftest import shared_file`` can
    pick up another directory's conftest; pytest's own registry cannot.
    """
    module = config.pluginmanager.get_plugin(str(ROOT_CONFTEST))
    assert module is not None, f"{ROOT_CONFTEST} is not loaded"
    return module.shared_file(name)

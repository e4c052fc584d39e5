"""Paths and helpers every test area shares.

Imported as ``testsupport`` (tests/conftest.py puts this folder on
``sys.path``); a plain ``from conftest import ...`` would be ambiguous,
since every test folder may have a conftest.py of its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: the team's shared folder beside a checkout; absent on a user's machine
SHARED = ROOT.parent / "shared"
EXAMPLE = SHARED / "template-example.yaml"


def shared_file(name: str) -> Path:
    """A file of the shared folder, or skip (with the reason) where it is absent."""
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"shared reference {name} is not available beside this checkout")
    return path

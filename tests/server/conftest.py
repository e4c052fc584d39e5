"""Fixtures for the server tests (the server extra is part of the test extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from serversupport import Server, make_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = make_server(tmp_path)
    yield s
    s.state.close()

"""The memory backend passes the store contract."""

from __future__ import annotations

from typing import Callable

import pytest

from sopframe.core.store import Store
from sopframe.testing import StoreContract
from sopframe_plugins.store_memory import MemoryStore


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def make_store(self) -> Callable[[], Store]:
        shared = MemoryStore()
        return lambda: shared

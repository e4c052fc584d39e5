"""The ``memory://`` job store: events in a dict, for tests and demos.

``memory://`` opens a fresh store; ``memory://NAME`` opens the store of
that name shared by everything in the same process (so a test can run
several CLI commands against one store).  The store itself,
:class:`MemoryStore`, is in :mod:`sopframe_plugins.store_memory_backend`,
imported on first use: every command that opens a store asks this plugin,
and an SQLite or PostgreSQL one never needs it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from sopframe._lazy import lazy_getattr
from sopframe.hookspecs import hookimpl

if TYPE_CHECKING:  # pragma: no cover
    from sopframe_plugins.store_memory_backend import MemoryStore

__all__ = ["MemoryStore", "sopframe_store"]

_NAMED: dict[str, "MemoryStore"] = {}
_LOCK = threading.Lock()


@hookimpl
def sopframe_store(url: str) -> Any:
    if not url.startswith("memory://"):
        return None
    from sopframe_plugins.store_memory_backend import MemoryStore

    name = url[len("memory://"):]
    if not name:
        return MemoryStore(url)
    with _LOCK:
        return _NAMED.setdefault(name, MemoryStore(url))


__getattr__ = lazy_getattr(__name__, globals(), {"MemoryStore": "sopframe_plugins.store_memory_backend"})

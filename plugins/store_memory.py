"""The ``memory://`` job store: events in a dict, for tests and demos.

``memory://`` opens a fresh store; ``memory://NAME`` opens the store of
that name shared by everything in the same process (so a test can run
several CLI commands against one store).
"""

from __future__ import annotations

import threading
from typing import Any, Sequence

from sopframe.core.engine.events import Event
from sopframe.core.store import Store, check_batch
from sopframe.errors import ConflictError
from sopframe.hookspecs import hookimpl

__all__ = ["MemoryStore", "sopframe_store"]

_NAMED: dict[str, "MemoryStore"] = {}
_LOCK = threading.Lock()


class MemoryStore(Store):
    """Every job's events in a list, guarded by a lock."""

    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        self._jobs: dict[str, list[Event]] = {}
        self._lock = threading.Lock()

    def append(self, job: str, expected_seq: int, events: Sequence[Event]) -> None:
        check_batch(job, expected_seq, events)
        with self._lock:
            stream = self._jobs.get(job, [])
            if len(stream) != expected_seq:
                raise ConflictError(job, expected_seq, len(stream))
            self._jobs[job] = [*stream, *events]

    def read(self, job: str, after: int = 0) -> list[Event]:
        with self._lock:
            return list(self._jobs.get(job, ())[after:])

    def head(self, job: str) -> tuple[int, str] | None:
        with self._lock:
            stream = self._jobs.get(job)
            return (stream[-1].seq, stream[-1].hash) if stream else None

    def job_ids(self) -> list[str]:
        with self._lock:
            return sorted(self._jobs)

    def events_of_type(self, type: str) -> list[Event]:
        with self._lock:
            found = [e for stream in self._jobs.values() for e in stream if e.type == type]
        return sorted(found, key=lambda e: (e.at, e.job, e.seq))

    # for tamper tests: the raw list behind a job
    def raw(self, job: str) -> list[Event]:
        return self._jobs[job]


@hookimpl
def sopframe_store(url: str) -> Any:
    if not url.startswith("memory://"):
        return None
    name = url[len("memory://"):]
    if not name:
        return MemoryStore(url)
    with _LOCK:
        return _NAMED.setdefault(name, MemoryStore(url))

"""The job store contract, and opening a store by URL through plugins.

A store keeps each job's events in order and appends with optimistic
concurrency: :meth:`Store.append` states the sequence number the job is
expected to be at; if another writer got there first it raises
:class:`~sopframe.errors.ConflictError` and writes nothing.  One append is
atomic: all of its events are stored, or none.

Backends are plugins implementing the ``sopframe_store(url)`` hook; the
built-in ones are ``memory://``, ``sqlite:///path`` and ``postgresql://...``.
:mod:`sopframe.store_contract` is the test suite every backend must pass.
"""

from __future__ import annotations

import abc
import os
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from sopframe.core.engine.events import Event
from sopframe.errors import ConflictError, StoreError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.config import Config
    from sopframe.pluginmanager import Plugins

__all__ = ["Store", "open_store", "store_url", "DEFAULT_STORE", "ENV_STORE", "check_batch"]

DEFAULT_STORE = "sqlite:///sopframe.db"
ENV_STORE = "SOPFRAME_STORE"


class Store(abc.ABC):
    """Where jobs' events live.  Subclass it to write a backend."""

    url: str = ""

    @abc.abstractmethod
    def append(self, job: str, expected_seq: int, events: Sequence[Event]) -> None:
        """Append ``events`` (numbered ``expected_seq + 1`` on) to ``job``, atomically.

        ``expected_seq`` 0 creates the job.  Raise :class:`ConflictError`
        (writing nothing) if the job is not at ``expected_seq``.
        """

    @abc.abstractmethod
    def read(self, job: str, after: int = 0) -> list[Event]:
        """The job's events with seq > ``after``, in order (empty if no such job)."""

    @abc.abstractmethod
    def head(self, job: str) -> tuple[int, str] | None:
        """(seq, hash) of the job's last event as the store recorded it, or None."""

    @abc.abstractmethod
    def job_ids(self) -> list[str]:
        """Every job id, sorted."""

    @abc.abstractmethod
    def events_of_type(self, type: str) -> list[Event]:
        """Every event of a type across jobs, ordered by (time, job, seq)."""

    def close(self) -> None:
        """Release connections; the store is not used afterwards."""

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def exists(self, job: str) -> bool:
        return self.head(job) is not None

    def iter_jobs(self) -> Iterator[tuple[str, list[Event]]]:
        for job in self.job_ids():
            yield job, self.read(job)


def check_batch(job: str, expected_seq: int, events: Sequence[Event]) -> None:
    """What every backend checks before writing: a non-empty batch numbered on from ``expected_seq``."""
    if not events:
        raise StoreError(f"job {job}: nothing to append")
    for i, ev in enumerate(events, expected_seq + 1):
        if ev.job != job or ev.seq != i:
            raise StoreError(f"job {job}: event {ev.seq} of job {ev.job} does not follow event {i - 1}")
    if expected_seq < 0:
        raise ConflictError(job, expected_seq)


def store_url(explicit: str | None = None, config: "Config | None" = None) -> str:
    """The store URL: ``--store``, then SOPFRAME_STORE, then config key ``store``, then the default."""
    return explicit or os.environ.get(ENV_STORE) or (config.get("store") if config else None) or DEFAULT_STORE


def open_store(url: str, plugins: "Plugins | None" = None) -> Store:
    """Open the store a URL names, asking every plugin's ``sopframe_store`` hook."""
    if plugins is None:
        from sopframe.pluginmanager import load_plugins

        plugins = load_plugins()
    store = plugins.store(url)
    if store is None:
        scheme = url.split(":", 1)[0] if ":" in url else url
        raise StoreError(f"no store backend handles {url!r} (scheme {scheme!r})",
                         hint="use memory://, sqlite:///path/to/file.db or postgresql://user@host/db, "
                              "or install the plugin for that scheme")
    return store

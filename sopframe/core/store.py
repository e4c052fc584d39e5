"""The job store contract, and opening a store by URL through plugins.

A store keeps each job's events in order and appends with optimistic
concurrency: :meth:`Store.append` states the sequence number the job is
expected to be at; if another writer got there first it raises
:class:`~sopframe.errors.ConflictError` and writes nothing.  One append is
atomic: all of its events are stored, or none.

Backends are plugins implementing the ``sopframe_store(url, create)`` hook; the
built-in ones are ``memory://``, ``sqlite:///path`` and ``postgresql://...``.
:mod:`sopframe.testing.store_contract` is the test suite every backend must pass.

Besides the events a store keeps, written by the same ``append``: each
template text once per SHA-256, each attached document's bytes once per
SHA-256, each role table once per digest, a counter per job-id pattern and period, and
the read models of :mod:`sopframe.core.readmodel`, and the notification
outbox (:mod:`sopframe.core.notify`): rows written with the events that
cause them, claimed by delivery workers under a lease; and (written on their own,
never with events) the accounts, sessions, API tokens and sign-in log of
:mod:`sopframe.core.accounts`.  Schema versions and the
migration runner are in :mod:`sopframe.core.migrations`.
"""

from __future__ import annotations

import abc
import os
import re
from typing import TYPE_CHECKING, Any, Callable, Iterator, NamedTuple, Sequence

from sopframe.core.accountstore import AccountRecords
from sopframe.core.engine.events import Event
from sopframe.errors import ConflictError, StoreError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.config import Config
    from sopframe.core.readmodel import JobQuery, JobRows, JobSummary, OpenSignoff, OpenStage, SopRow, StageVisit
    from sopframe.core.ledger import LedgerEntry, StoreProof
    from sopframe.core.notify.model import Notification, OutboxRow
    from sopframe.core.rolerecord import RoleRecord
    from sopframe.core.records import AckRow, FlagRow, RecordRows, SopJobRow
    from sopframe.pluginmanager import Plugins

__all__ = ["Store", "Derived", "RowsOf", "open_store", "store_url", "DEFAULT_STORE", "ENV_STORE", "check_batch",
           "SCHEMA_VERSION"]

#: the schema version this code reads and writes (see sopframe.core.migrations)
SCHEMA_VERSION = 14
#: a job's read-model rows from its events (sopframe.core.readmodel.rows_from_events, bound to a store)
RowsOf = Callable[[Sequence[Event]], "JobRows | RecordRows"]

_SHA256_HEX = re.compile("[0-9a-f]{64}")

DEFAULT_STORE = "sqlite:///sopframe.db"
ENV_STORE = "SOPFRAME_STORE"


class Derived(NamedTuple):
    """What an append writes besides the events, in the same transaction.

    ``rows``: the job's read-model rows after the append (replacing its old
    ones), or an SOP record stream's (:class:`~sopframe.core.records.RecordRows`); ``template``: ``(sha256, text)`` of a template to keep once per
    hash; ``counter``: ``(key, number)`` of the job-id number this append
    takes (the counter must be below ``number``, else the append conflicts);
    ``notifications``: outbox rows the events cause (a key already in the
    outbox is kept as it is).
    ``roles``: the role table the command ran under, kept once per digest
    and named by the batch's ledger entry (:mod:`sopframe.core.rolerecord`);
    ``attachment``: ``(sha256, bytes)`` of an attached document, kept once
    per hash (its size was checked against ``limits.attachment-size``).
    ``before``: the job's read-model rows as the append that moved the job
    to ``expected_seq`` wrote them, when the writer knows them (the engine
    keeps the rows of its own appends): a backend may then write only what
    differs.  Stores that write every row ignore it.
    """

    rows: "JobRows | RecordRows | None" = None
    template: tuple[str, str] | None = None
    counter: tuple[str, int] | None = None
    notifications: "tuple[Notification, ...]" = ()
    roles: "RoleRecord | None" = None
    attachment: tuple[str, bytes] | None = None
    before: "JobRows | None" = None


class Store(AccountRecords, abc.ABC):
    """Where jobs' events live, with the read models kept beside them.  Subclass it to write a backend."""

    url: str = ""

    # ------------------------------------------------------------- events
    @abc.abstractmethod
    def append(self, job: str, expected_seq: int, events: Sequence[Event], derived: Derived | None = None) -> None:
        """Append ``events`` (numbered ``expected_seq + 1`` on) to ``job``, atomically, with ``derived``.

        ``expected_seq`` 0 creates the job.  Raise :class:`ConflictError`
        (writing nothing) if the job is not at ``expected_seq``, or if
        ``derived.counter`` was taken by another writer.
        """

    @abc.abstractmethod
    def read(self, job: str, after: int = 0) -> list[Event]:
        """The job's events with seq > ``after``, in order (empty if no such job)."""

    @abc.abstractmethod
    def head(self, job: str) -> tuple[int, str] | None:
        """(seq, hash) of the job's last event as the store recorded it, or None."""

    @abc.abstractmethod
    def job_ids(self, prefix: str = "") -> list[str]:
        """Every job id (starting with ``prefix``), sorted."""

    @abc.abstractmethod
    def events_of_type(self, type: str) -> list[Event]:
        """Every event of a type across jobs, ordered by (time, job, seq)."""

    def iter_jobs(self, batch: int = 200) -> Iterator[tuple[str, list[Event]]]:
        """Every job with its events, in job order (backends read them in batches)."""
        for job in self.job_ids():
            yield job, self.read(job)

    def iter_rows(self, jobs: Sequence[str] | None = None, batch: int = 500) -> Iterator[tuple[str, list[Any]]]:
        """Every job (or those given) with its events as stored rows, for verification.

        A row is ``(job, seq, type, data text, actor, at, prev, hash)``, the
        data as the stored JSON text (see :func:`~sopframe.core.engine.events.rows_intact`);
        SQL backends read the columns as stored, this default encodes decoded events.
        """
        from sopframe.core.engine.events import canonical

        for job in (self.job_ids() if jobs is None else list(jobs)):
            yield job, [(*e[:3], canonical(e.data).decode("utf-8"), *e[4:]) for e in self.read(job)]

    def heads(self) -> dict[str, tuple[int, str]]:
        """Every job's (last seq, last hash) as the store records it."""
        return {j: h for j in self.job_ids() if (h := self.head(j)) is not None}

    # ---------------------------------------------- templates and job ids
    @abc.abstractmethod
    def template(self, sha256: str) -> str | None:
        """The template text stored under its SHA-256, or None."""

    @abc.abstractmethod
    def last_number(self, key: str) -> int | None:
        """The last job-id number taken for a counter key, or None if none was taken through a counter."""

    # ------------------------------------------------------- read models
    @abc.abstractmethod
    def summaries(self, query: "JobQuery") -> list["JobSummary"]:
        """Job summaries matching ``query``, in job-id order, from the read model."""

    @abc.abstractmethod
    def summary(self, job: str) -> "JobSummary | None":
        """One job's summary row, or None."""

    def template_ids(self) -> list[str]:
        """The id of every template a job of the store was started from, sorted (from the read model).

        This default pages through :meth:`summaries`; backends answer it from an index.
        """
        from sopframe.core.readmodel import JobQuery

        found: set[str] = set()
        after: str | None = None
        while True:
            page = self.summaries(JobQuery(after=after, limit=1000))
            found.update(s.template for s in page)
            if len(page) < 1000:
                return sorted(found)
            after = page[-1].job

    @abc.abstractmethod
    def open_stages_due(self, before: str, limit: int | None = None) -> list["OpenStage"]:
        """Open stages whose SLA deadline is before ``before`` (UTC text), earliest first (the first ``limit``)."""

    @abc.abstractmethod
    def open_signoffs(self, roles: Sequence[str] | None = None) -> list["OpenSignoff"]:
        """Sign-offs open stages wait for (of these roles; every one if None), by job, stage node, sign-off."""

    @abc.abstractmethod
    def stage_visits(self, template: str | None = None, since: str | None = None,
                     job: str | None = None) -> list["StageVisit"]:
        """Stage visits (of one template or job; still open or closed at or after ``since``), by job, then entry."""

    @abc.abstractmethod
    def sop_rows(self, ref: str | None = None) -> list["SopRow"]:
        """Every published SOP version (of ``ref`` only, if given), by reference, then publication time and job."""

    def ack_rows(self, ref: str | None = None) -> list["AckRow"]:
        """Acknowledgements (of one SOP reference, or all), by reference, then time and stream position."""
        raise StoreError(f"{type(self).__name__} keeps no SOP records")

    def flag_rows(self, ref: str | None = None) -> list["FlagRow"]:
        """Review flags and reviews (of one SOP reference, or all), by reference, then time."""
        raise StoreError(f"{type(self).__name__} keeps no SOP records")

    def sop_job_rows(self, ref: str | None = None) -> list["SopJobRow"]:
        """The jobs that follow an SOP (or every SOP), by reference, then start time and job."""
        raise StoreError(f"{type(self).__name__} keeps no SOP records")

    @abc.abstractmethod
    def rebuild(self, rows_of: "RowsOf") -> tuple[int, list[str]]:
        """Replace every read-model row by ``rows_of(events)`` of each job, in one transaction.

        Returns the number of jobs with rows, and a message for each job
        whose rows cannot be computed (its template text is missing or was
        altered: ``job verify`` names it); such a job gets no rows.
        """

    # --------------------------------------------------------- schema
    def schema_version(self) -> int:
        """The schema version of the stored data (0: nothing created yet)."""
        return SCHEMA_VERSION

    def apply_migration(self, version: int, rows_of: "RowsOf") -> None:
        """Bring the schema from ``version - 1`` to ``version`` in one transaction (with its version row)."""

    # ------------------------------------------------------------ outbox
    def enqueue(self, notifications: Sequence["Notification"]) -> int:
        """Write notifications not caused by an append (``sopframe tick``'s time-based ones) in one
        transaction; a key already in the outbox is skipped.  Returns how many were new."""
        raise StoreError(f"{type(self).__name__} keeps no outbox")

    def claim_notifications(self, worker: str, now: str, lease_until: str, limit: int = 10) -> list["OutboxRow"]:
        """Claim up to ``limit`` notifications that are due (pending with ``next_at <= now``, or claimed
        under a lease that ran out) for ``worker`` until ``lease_until``, counting an attempt each, oldest
        first.  Concurrent workers never claim the same row while its lease holds."""
        raise StoreError(f"{type(self).__name__} keeps no outbox")

    def settle_notifications(self, worker: str, now: str,
                             outcomes: Sequence[tuple[int, str | None, str | None]]) -> int:
        """End ``worker``'s claims, in one transaction: each ``(id, error, retry_at)`` is delivered (no
        error), pending again from ``retry_at``, or dead (an error and no ``retry_at``).  A row whose claim
        is no longer the worker's (its lease ran out and another worker took it) is left alone.  Returns
        how many rows were settled."""
        raise StoreError(f"{type(self).__name__} keeps no outbox")

    def notifications(self, status: str | None = None, limit: int | None = None) -> list["OutboxRow"]:
        """Outbox rows (of one status), oldest first."""
        raise StoreError(f"{type(self).__name__} keeps no outbox")

    def notification_counts(self) -> dict[str, int]:
        """Status -> number of outbox rows."""
        raise StoreError(f"{type(self).__name__} keeps no outbox")

    def retry_notifications(self, ids: Sequence[int] | None, now: str) -> int:
        """Make dead notifications (all, or those of ``ids``) pending again from ``now``, attempts reset."""
        raise StoreError(f"{type(self).__name__} keeps no outbox")

    # ------------------------------------------------------------ other
    def store_id(self) -> str:
        """A stable, unique id of this store, made when it was created (checkpoints name it)."""
        raise StoreError(f"{type(self).__name__} keeps no ledger")

    def ledger(self, after: int = 0) -> Iterator["LedgerEntry"]:
        """The store-wide ledger's entries with n > ``after``, in order (see :mod:`sopframe.core.ledger`)."""
        raise StoreError(f"{type(self).__name__} keeps no ledger")

    def ledger_pending(self) -> list["LedgerEntry"]:
        """Batches recorded in their append's transaction but not chained into the ledger yet, oldest first.

        Numbered on from the ledger's last entry in the order they will be
        chained, with empty ``prev`` and ``hash``.  A store whose appends
        always chain their own entry (SQLite, memory) has none.
        """
        return []

    def role_digests(self) -> dict[str, int]:
        """Digest -> the first ledger entry (chained or pending) that names it: every role table the record needs."""
        out: dict[str, int] = {}
        for e in [*self.ledger(), *self.ledger_pending()]:
            if e.roles is not None:
                out.setdefault(e.roles, e.n)
        return out

    def seal_ledger(self) -> int:
        """Chain every pending batch into the ledger now (waiting for an append that is chaining); how many."""
        return 0

    def prove(self, after: int, sizes: Sequence[int]) -> "StoreProof | None":
        """The whole store proven in one pass, or None: then verification checks it piece by piece.

        ``after`` is the ledger size the last checkpoint covers (``tail``
        lists the entries after it), ``sizes`` the entry numbers whose
        hashes the checkpoints name.  A backend returns a proof only when
        every check holds; None says nothing about the store (no fast
        path, or something the piece-by-piece checks must name).
        """
        return None

    def attachment(self, sha256: str) -> bytes | None:
        """The stored copy of an attached document, by the SHA-256 it was attached with, or None."""
        return None

    def role_table(self, digest: str) -> str | None:
        """The text of a role table a batch ran under, by its digest, or None (see :mod:`sopframe.core.rolerecord`)."""
        return None

    def backup(self, dest: str) -> None:
        """Write a consistent copy of the whole store to the new file ``dest`` while it stays in use.

        A backend whose database has its own backup tools raises
        :class:`~sopframe.errors.StoreError` naming them (the default).
        """
        raise StoreError(f"{self.url} cannot be copied by sopframe",
                         hint="back it up with the tools of the database that holds it")

    def usable(self) -> bool:
        """Whether this handle can still reach its data, as far as it knows without a round trip: False once
        its connection was lost (a database server restarted), so a long-lived holder (the server's threads)
        opens a new one instead of failing every later request."""
        return True

    def close(self) -> None:
        """Release connections; the store is not used afterwards."""

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def exists(self, job: str) -> bool:
        return self.head(job) is not None


def check_batch(job: str, expected_seq: int, events: Sequence[Event]) -> None:
    """What every backend checks before writing: a non-empty batch numbered on from ``expected_seq``, hashes as hex."""
    if not events:
        raise StoreError(f"job {job}: nothing to append")
    for i, ev in enumerate(events, expected_seq + 1):
        if ev.job != job or ev.seq != i:
            raise StoreError(f"job {job}: event {ev.seq} of job {ev.job} does not follow event {i - 1}")
        if type(ev.hash) is not str or not _SHA256_HEX.fullmatch(ev.hash):  # SQL stores keep it as 32 bytes
            raise StoreError(f"job {job}: event {ev.seq}: its hash {str(ev.hash)[:80]!r} is not a SHA-256 in "
                             f"lower-case hex")
    if expected_seq < 0:
        raise ConflictError(job, expected_seq)


def rows_or_problem(job: str, events: Sequence[Event], rows_of: RowsOf,
                    problems: list[str]) -> "JobRows | RecordRows | None":
    """``rows_of(events)``, or None with the reason added to ``problems`` (for rebuilds)."""
    from sopframe.errors import SopframeError

    if not events:
        return None
    try:
        return rows_of(events)
    except (SopframeError, KeyError, ValueError, TypeError) as exc:
        problems.append(f"job {job}: no read-model rows: {exc}")
        return None


def store_url(explicit: str | None = None, config: "Config | None" = None) -> str:
    """The store URL: ``--store``, then SOPFRAME_STORE, then config key ``store``, then the default."""
    return explicit or os.environ.get(ENV_STORE) or (config.get("store") if config else None) or DEFAULT_STORE


def open_store(url: str, plugins: "Plugins", *, check_schema: bool = True, create: bool = True) -> Store:
    """Open the store a URL names, asking the given plugins' ``sopframe_store`` hooks.

    The caller passes the plugins in: core never starts plugin discovery.
    With ``check_schema`` a store not at :data:`SCHEMA_VERSION` is refused
    (closed) with what to run; ``sopframe store`` commands open without it.
    Without ``create`` a backend that would make a new, empty store on open
    (the embedded SQLite file) refuses instead: commands that only work on
    records that must exist already pass it, so a mistyped path is an error,
    not an empty store.
    """
    store = plugins.store(url, create=create)
    if store is None:
        from sopframe.core.safetext import escape

        if "://" not in url:  # a file name where a URL belongs: the commonest slip
            raise StoreError(f"'{escape(url)}' is not a store URL",
                             hint=f"for a SQLite file write sqlite:///{escape(url)} (four slashes before an "
                                  "absolute path); for PostgreSQL postgresql://user@host/db")
        scheme = url.split(":", 1)[0]
        raise StoreError(f"no store backend handles '{escape(url)}' (scheme '{escape(scheme)}')",
                         hint="use memory://, sqlite:///path/to/file.db or postgresql://user@host/db, "
                              "or install the plugin for that scheme")
    if check_schema:
        try:
            current = store.schema_version()
            if current != SCHEMA_VERSION:  # the migration steps are imported only to say what to run
                from sopframe.core.migrations import check_version

                check_version(store, current)
        except BaseException:
            store.close()
            raise
    return store

"""The ``memory://`` job store itself: events in a dict, for tests and demos.

Opened through :mod:`sopframe_plugins.store_memory` (the plugin), which
imports this module only for a ``memory://`` URL.  It keeps the read models
as dicts and answers their queries by scanning them: fine for tests.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from dataclasses import replace
from typing import Any, Iterator, Sequence

from sopframe.core.engine.events import Event
from sopframe.core.readmodel import JobQuery, JobRows, JobSummary, OpenSignoff, OpenStage, SopRow, StageVisit
from sopframe.core.records import AckRow, FlagRow, RecordRows, SopJobRow
from sopframe.core.store import Derived, RowsOf, Store, check_batch, rows_or_problem
from sopframe.core.ledger import LedgerEntry, next_entry
from sopframe.core.notify.model import Notification, OutboxRow
from sopframe.errors import ConflictError
from sopframe_plugins.store_memory_accounts import MemoryAccounts

__all__ = ["MemoryStore"]


class MemoryStore(MemoryAccounts, Store):
    """Every job's events in a list, guarded by a lock."""

    def __init__(self, url: str = "memory://") -> None:
        MemoryAccounts.__init__(self)
        self.url = url
        self._jobs: dict[str, list[Event]] = {}
        self._templates: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        self._rows: dict[str, JobRows] = {}
        self._records: dict[str, RecordRows] = {}
        self._ledger: list[LedgerEntry] = []
        self._outbox: dict[int, OutboxRow] = {}
        self._keys: set[str] = set()
        self._role_tables: dict[str, str] = {}
        self._attachments: dict[str, bytes] = {}
        self._id = uuid.uuid4().hex
        self._lock = threading.Lock()

    def append(self, job: str, expected_seq: int, events: Sequence[Event], derived: Derived | None = None) -> None:
        check_batch(job, expected_seq, events)
        with self._lock:
            stream = self._jobs.get(job, [])
            if len(stream) != expected_seq:
                raise ConflictError(job, expected_seq, len(stream))
            if derived is not None and derived.counter is not None:
                key, number = derived.counter
                if self._counters.get(key, 0) >= number:
                    raise ConflictError(job, expected_seq)
                self._counters[key] = number
            self._jobs[job] = [*stream, *events]
            if derived is not None and derived.template is not None:
                self._templates.setdefault(*derived.template)
            if derived is not None and derived.rows is not None:
                self._keep(job, derived.rows, self._rows, self._records)
            if derived is not None:
                self._enqueue(derived.notifications)
            roles = derived.roles if derived is not None else None
            if roles is not None:
                self._role_tables.setdefault(roles.digest, roles.body)
            if derived is not None and derived.attachment is not None:
                self._attachments.setdefault(*derived.attachment)
            last = self._ledger[-1] if self._ledger else None
            self._ledger.append(next_entry((last.n, last.hash) if last else None, job, events[0].seq,
                                           events[-1].seq, events[-1].hash, roles.digest if roles else None))

    @staticmethod
    def _keep(job: str, rows: JobRows | RecordRows, jobs: dict[str, JobRows],
              records: dict[str, RecordRows]) -> None:
        if isinstance(rows, RecordRows):
            records[job] = rows
        else:
            jobs[job] = rows

    def store_id(self) -> str:
        return self._id

    # ----------------------------------------------------------- outbox
    def _enqueue(self, notes: Sequence[Notification]) -> int:
        n = 0
        for note in notes:
            if note.key not in self._keys:
                self._keys.add(note.key)
                i = len(self._outbox) + 1
                self._outbox[i] = OutboxRow(i, note, "pending", 0, "")
                n += 1
        return n

    def enqueue(self, notifications: Sequence[Notification]) -> int:
        with self._lock:
            return self._enqueue(notifications)

    def claim_notifications(self, worker: str, now: str, lease_until: str, limit: int = 10) -> list[OutboxRow]:
        with self._lock:
            due = [r for r in self._outbox.values() if (r.status == "pending" and r.next_at <= now)
                   or (r.status == "sending" and (r.lease_until or "") <= now)][:limit]
            for r in due:
                self._outbox[r.id] = replace(r, status="sending", worker=worker, lease_until=lease_until,
                                             attempts=r.attempts + 1)
            return [self._outbox[r.id] for r in due]

    def settle_notifications(self, worker: str, now: str,
                             outcomes: Sequence[tuple[int, str | None, str | None]]) -> int:
        n = 0
        with self._lock:
            for id, error, retry_at in outcomes:
                r = self._outbox.get(id)
                if r is None or r.worker != worker or r.status != "sending":
                    continue
                if error is None:
                    new = replace(r, status="delivered", delivered_at=now, lease_until=None, last_error=None)
                elif retry_at is not None:
                    new = replace(r, status="pending", next_at=retry_at, lease_until=None, last_error=error)
                else:
                    new = replace(r, status="dead", lease_until=None, last_error=error)
                self._outbox[id] = new
                n += 1
        return n

    def notifications(self, status: str | None = None, limit: int | None = None) -> list[OutboxRow]:
        with self._lock:
            rows = [r for r in self._outbox.values() if status is None or r.status == status]
        return rows[:limit] if limit is not None else rows

    def notification_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(Counter(r.status for r in self._outbox.values()))

    def retry_notifications(self, ids: Sequence[int] | None, now: str) -> int:
        with self._lock:
            chosen = [r for r in self._outbox.values()
                      if (r.status == "dead" if ids is None else r.id in ids and r.status in ("dead", "pending"))]
            for r in chosen:
                self._outbox[r.id] = replace(r, status="pending", attempts=0, next_at=now, worker=None,
                                             lease_until=None)
            return len(chosen)

    def ledger(self, after: int = 0) -> Iterator[LedgerEntry]:
        with self._lock:
            entries = self._ledger[after:]
        return iter(entries)

    def read(self, job: str, after: int = 0) -> list[Event]:
        with self._lock:
            return list(self._jobs.get(job, ())[after:])

    def head(self, job: str) -> tuple[int, str] | None:
        with self._lock:
            stream = self._jobs.get(job)
            return (stream[-1].seq, stream[-1].hash) if stream else None

    def job_ids(self, prefix: str = "") -> list[str]:
        with self._lock:
            return sorted(j for j in self._jobs if j.startswith(prefix))

    def events_of_type(self, type: str) -> list[Event]:
        with self._lock:
            found = [e for stream in self._jobs.values() for e in stream if e.type == type]
        return sorted(found, key=lambda e: (e.at, e.job, e.seq))

    def template(self, sha256: str) -> str | None:
        return self._templates.get(sha256)

    def role_table(self, digest: str) -> str | None:
        return self._role_tables.get(digest)

    def attachment(self, sha256: str) -> bytes | None:
        return self._attachments.get(sha256)

    def last_number(self, key: str) -> int | None:
        return self._counters.get(key)

    def summaries(self, query: JobQuery) -> list[JobSummary]:
        with self._lock:
            rows = [self._rows[j].summary for j in sorted(self._rows)]
        out = []
        for s in rows:
            if (query.status and s.status != query.status) or (query.template and s.template != query.template) \
                    or (query.since and s.last_change < query.since) or (query.after and s.job <= query.after):
                continue
            if query.owners is not None and not any(o.owner in query.owners for o in s.open_stages):
                continue
            if query.overdue_at and not any(o.due and o.due < query.overdue_at for o in s.open_stages):
                continue
            out.append(s)
            if query.limit is not None and len(out) >= query.limit:
                break
        return out

    def summary(self, job: str) -> JobSummary | None:
        rows = self._rows.get(job)
        return rows.summary if rows else None

    def template_ids(self) -> list[str]:
        with self._lock:
            return sorted({r.summary.template for r in self._rows.values()})

    def open_stages_due(self, before: str, limit: int | None = None) -> list[OpenStage]:
        with self._lock:
            found = [o for r in self._rows.values() for o in r.summary.open_stages if o.due and o.due < before]
        return sorted(found, key=lambda o: (o.due, o.job, o.node))[:limit]

    def open_signoffs(self, roles: Sequence[str] | None = None) -> list[OpenSignoff]:
        with self._lock:
            found = [o for r in self._rows.values() for o in r.signoffs if roles is None or o.role in roles]
        return sorted(found, key=lambda o: (o.job, o.node, o.signoff))

    def stage_visits(self, template: str | None = None, since: str | None = None,
                     job: str | None = None) -> list[StageVisit]:
        with self._lock:
            found = [v for j, r in self._rows.items() if job is None or j == job for v in r.visits
                     if (template is None or v.template == template)
                     and (since is None or v.closed_at is None or v.closed_at >= since)]
        return sorted(found, key=lambda v: (v.job, v.entered_at, v.node, v.visit))

    def sop_rows(self, ref: str | None = None) -> list[SopRow]:
        with self._lock:
            found = [r.sop for r in self._rows.values() if r.sop is not None and ref in (None, r.sop.ref)]
        return sorted(found, key=lambda p: (p.ref, p.published_at, p.job))

    def ack_rows(self, ref: str | None = None) -> list[AckRow]:
        with self._lock:
            found = [a for r in self._records.values() for a in r.acks if ref is None or a.ref == ref]
        return sorted(found, key=lambda a: (a.ref, a.at, a.seq))

    def flag_rows(self, ref: str | None = None) -> list[FlagRow]:
        with self._lock:
            holders: list[JobRows | RecordRows] = [*self._records.values(), *self._rows.values()]
            found = [f for r in holders for f in r.flags if ref is None or f.ref == ref]
        return sorted(found, key=lambda f: (f.ref, f.at, f.source, f.seq))

    def sop_job_rows(self, ref: str | None = None) -> list[SopJobRow]:
        with self._lock:
            found = [r.follows for r in self._rows.values() if r.follows is not None
                     and (ref is None or r.follows.ref == ref)]
        return sorted(found, key=lambda f: (f.ref, f.started_at, f.job))

    def rebuild(self, rows_of: RowsOf) -> tuple[int, list[str]]:
        problems: list[str] = []
        new: dict[str, JobRows] = {}
        records: dict[str, RecordRows] = {}
        for job in self.job_ids():
            rows = rows_or_problem(job, self.read(job), rows_of, problems)
            if rows is not None:
                self._keep(job, rows, new, records)
        with self._lock:
            self._rows, self._records = new, records
        return len(new) + len(records), problems

    # for tamper tests: the raw lists behind a job, the stored templates and the ledger
    # for tamper tests: the stored templates, role tables and documents
    def raw_role_tables(self) -> dict[str, str]:
        return self._role_tables

    def raw_attachments(self) -> dict[str, bytes]:
        return self._attachments

    def raw(self, job: str) -> list[Event]:
        return self._jobs[job]

    def raw_templates(self) -> dict[str, str]:
        return self._templates

    def raw_ledger(self) -> list[LedgerEntry]:
        return self._ledger

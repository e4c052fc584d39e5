"""Schema versions and the migration runner every store backend shares.

A store records its schema version in a table (``sopframe_schema``: one row
per applied version).  Each version is one step that a backend applies in a
single transaction together with its version row, so a step interrupted by a
crash (even ``kill -9``) leaves the previous version intact and can simply
be run again.

Versions:

1. Events and job heads (the layout of sopframe 0.x; SQLite files of that
   layout say ``schema=1`` in ``sopframe_meta``, PostgreSQL ones have no
   version table: both are read as version 1).
2. Templates stored once per SHA-256, job-id counters, and the read models
   (job summaries, open stages with owner and SLA deadline, the SOP list),
   filled from the events by the step itself.
3. The store-wide ledger (:mod:`sopframe.core.ledger`) and the store's id.
   Events written before this step are entered as one ledger entry per job
   (their batch boundaries were not recorded), in the order the jobs started.
4. The sign-offs open stages wait for, with who may not give them under
   segregation of duties (the inbox's read model), filled from the events.
5. Stage visits: each time a job entered a stage, when someone first acted,
   when and how it ended, its SLA deadline and breach (the bottleneck
   report's read model), filled from the events.
6. The notification outbox (:mod:`sopframe.core.notify`): one row per
   notification, unique by its idempotency key, with its delivery state.
7. Accounts (Argon2id password hashes), server sessions, API tokens and the
   sign-in log (:mod:`sopframe.core.accounts`); new, empty tables.
8. The role table each batch ran under: ``role_tables`` keeps each table
   once per digest, and ledger entries name the digest (:mod:`sopframe.core.rolerecord`).
   Entries written before this step name none: replay cannot check who was
   allowed to act before the first recorded table, and says so.
9. Attached documents kept in the store, once per SHA-256 (``attachments``).
   Documents attached before this step were recorded by path and hash only:
   their events carry no ``kept`` mark, and ``verify`` reports them as not
   held rather than as missing.
10. The SOP-lifecycle read models (:mod:`sopframe.core.records`): acknowledgements,
   review flags, the jobs that follow each SOP, and each published version's
   acknowledgement policy; filled from the events by the step itself.
11. An index of the sign-in log by client address (``auth_audit_by_remote``),
   which the server's per-address sign-in limit reads.
12. Compact events and ledger (:mod:`sopframe_plugins.store_events`): the
   ``prev`` columns of ``events`` and ``ledger`` are dropped (each hash still
   covers the previous hash, which readers take from the row before), the
   hashes of events, ledger entries and job heads are kept as 32 bytes, and
   ``events_by_type`` holds only the rare types read across jobs.  No event
   or entry changes, so every chain and checkpoint verifies as before.  The
   step rewrites ``jobs``, ``events`` and ``ledger`` once (SQLite copies them
   into the new layout; PostgreSQL alters them in place, keeping grants):
   on a large store it takes a while and, on PostgreSQL, locks those tables
   until it commits.
13. SQLite: the ledger's head is its last entry.  An append no longer reads
   and rewrites the ``ledger_head`` row (which keeps the store's id; its
   number and hash are set to 0 and 64 zeros): every SQLite append holds the
   whole file anyway, and the row cost each durable command a statement and a
   page.  PostgreSQL keeps the row, which its appends lock.  Nothing else
   changes; code of version 12 refuses the file, as it must (it would number
   entries from the row).
14. The read models are rebuilt from the events, as `sopframe store rebuild`
   does: a per-item sub-job cancelled on its own now ends its stages' open
   visits (the bottleneck report showed them as waiting for ever).  No event
   changes.  On a large store the step takes as long as a rebuild.

Opening a store never changes its schema on PostgreSQL: a store that is not
at :data:`~sopframe.core.store.SCHEMA_VERSION` is refused with the command
that migrates it (``sopframe store migrate``).  The embedded SQLite store
migrates itself when opened (see ``plugins/store_sqlite.py``).  A store newer
than this code is always refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from sopframe.core.store import SCHEMA_VERSION, RowsOf, Store
from sopframe.errors import StoreError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine.events import Event
    from sopframe.core.readmodel import JobRows
    from sopframe.core.records import RecordRows

__all__ = ["Migration", "MIGRATIONS", "SchemaStatus", "status", "migrate", "check_version", "rows_of"]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "events and job heads"),
    Migration(2, "templates stored once, job-id counters, read models (job summaries, open stages, SOP list)"),
    Migration(3, "store-wide ledger over every committed batch, and the store's id"),
    Migration(4, "read model of the sign-offs open stages wait for, with who may not give them (inbox)"),
    Migration(5, "read model of stage visits: entered, first action, ended, SLA deadline and breach (reports)"),
    Migration(6, "notification outbox, written in the same transaction as the events that cause it"),
    Migration(7, "accounts, sessions, API tokens and the sign-in log of the server"),
    Migration(8, "the role table each batch ran under, kept once per digest and named by its ledger entry"),
    Migration(9, "attached documents kept in the store, once per SHA-256"),
    Migration(10, "SOP lifecycle read models: acknowledgements, review flags, jobs per SOP version"),
    Migration(11, "the sign-in log indexed by client address (the per-address sign-in limit)"),
    Migration(12, "compact events and ledger: no stored prev hash, events indexed by type only where read by type"),
    Migration(13, "SQLite: the ledger's head is its last entry, not a row rewritten by every append"),
    Migration(14, "read models rebuilt from the events: visits of a cancelled per-item sub-job end with it"),
)
assert [m.version for m in MIGRATIONS] == list(range(1, SCHEMA_VERSION + 1))


@dataclass(frozen=True)
class SchemaStatus:
    current: int
    latest: int
    pending: tuple[Migration, ...]

    @property
    def newer(self) -> bool:
        return self.current > self.latest


def status(store: Store) -> SchemaStatus:
    current = store.schema_version()
    return SchemaStatus(current, SCHEMA_VERSION, tuple(m for m in MIGRATIONS if m.version > current))


def rows_of(store: Store) -> RowsOf:
    """A job's read-model rows from its events, with template texts looked up in ``store``."""
    from sopframe.core.readmodel import rows_from_events

    def rows(events: Sequence["Event"]) -> "JobRows | RecordRows":
        return rows_from_events(events, store.template)

    return rows


def _newer(store: Store, current: int) -> StoreError:
    return StoreError(f"store {store.url} is at schema version {current}, newer than this sopframe "
                      f"(which knows versions up to {SCHEMA_VERSION})",
                      hint="upgrade sopframe to work with this store; nothing was changed")


def migrate(store: Store) -> list[Migration]:
    """Apply every pending step, oldest first; returns the steps applied."""
    st = status(store)
    if st.newer:
        raise _newer(store, st.current)
    done = []
    for m in st.pending:
        store.apply_migration(m.version, rows_of(store))
        done.append(m)
    return done


def check_version(store: Store, current: int) -> None:
    """Refuse a store that is not at this code's schema version, saying what to do."""
    if current == SCHEMA_VERSION:
        return
    if current > SCHEMA_VERSION:
        raise _newer(store, current)
    if current == 0:
        raise StoreError(f"store {store.url} has no sopframe tables yet",
                         hint=f"create them with `sopframe store init --store URL` (schema version {SCHEMA_VERSION})")
    raise StoreError(f"store {store.url} is at schema version {current}; this sopframe needs version "
                     f"{SCHEMA_VERSION}", hint="back it up, then run `sopframe store migrate --store URL` "
                                               "(`sopframe store status` lists the steps)")

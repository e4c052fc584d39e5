"""What a job store reads and writes: the record types of :class:`sopframe.Store`'s methods.

Public for authors of store backends (the ``sopframe_store`` hook): a backend
receives these objects from the engine and returns them from its queries, and
``sopframe.testing.StoreContract`` checks that it does so as sopframe's own
stores do.  Their fields follow the store's schema version (``SCHEMA_VERSION``):
a new schema version may add fields with defaults, which is not a breaking
change; anything else changes only as docs/api.md's stability policy says.
Programs that only run jobs need none of this.
"""

from __future__ import annotations

from sopframe.core.accounts import Account, AuditRecord, SessionRecord, TokenRecord
from sopframe.core.engine.events import Event
from sopframe.core.ledger import LedgerEntry, StoreProof
from sopframe.core.notify.model import Notification, OutboxRow
from sopframe.core.readmodel import JobQuery, JobRows, JobSummary, OpenSignoff, OpenStage, SopRow, StageVisit
from sopframe.core.records import AckRow, FlagRow, RecordRows, SopJobRow
from sopframe.core.store import SCHEMA_VERSION, Derived, RowsOf, Store, check_batch

__all__ = [
    "Store", "SCHEMA_VERSION", "check_batch", "Derived", "RowsOf", "Event",
    "JobQuery", "JobSummary", "JobRows", "OpenStage", "OpenSignoff", "StageVisit", "SopRow",
    "RecordRows", "AckRow", "FlagRow", "SopJobRow",
    "LedgerEntry", "StoreProof", "Notification", "OutboxRow",
    "Account", "AuditRecord", "SessionRecord", "TokenRecord",
]

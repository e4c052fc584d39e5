"""How the SQLite and PostgreSQL stores keep events and ledger entries since schema version 12.

**No stored ``prev``.**  An event's hash covers the hash of the event before
it (``prev``), so a ``prev`` column only repeated the previous row's
``hash``.  Since version 12 neither ``events`` nor ``ledger`` keeps it:
readers give each row the hash of the row read before it (64 zeros before a
job's first event or the ledger's first entry), which is exactly the text
the row's hash covered when it was written.  Nothing is weaker for it: a row
removed, inserted or rewritten changes what the *next* row's hash is checked
against, so verification still fails there (and the sequence-number and
entry-number checks still name a gap first).

**Hashes as 32 bytes.**  ``events.hash`` and the ledger's ``head``, ``hash``
and ``roles`` are stored as their 32 bytes (``BLOB``/``BYTEA``) instead of 64
hex characters.  They are converted here, on the way in (:func:`packed`) and
out (:func:`hexed`, :func:`linked`): every reader above the store still sees
the hex text the hashes are computed and compared as.

**A partial index by type.**  ``events_by_type`` indexes only the rare event
types read across jobs (:data:`INDEXED_TYPES`: published SOPs, attached
documents, SLA breaches).  A query for one of them repeats the index's
condition so that SQLite and PostgreSQL both use it.  Any other type is read
by a scan: in practice ``job.started``, one event in eight, which only
whole-store commands read (``verify``, evidence packs), and they read every
event anyway; on 10,000 jobs the scan took about as long as the index's
lookups did (35-55 ms either way), and the index cost 0.5 KB a job.
"""

from __future__ import annotations

from typing import Any, Sequence

from sopframe.core.engine.events import GENESIS

__all__ = ["EVENT_COLS", "INDEXED_TYPES", "COMPACT_DDL", "linked", "by_type_sql", "hexed", "packed"]

#: the columns an event is stored in (its ``prev`` is the hash of the row before)
EVENT_COLS = "job, seq, type, data, actor, at, hash"
#: the rare event types read across jobs (``Store.events_of_type``), the only ones ``events_by_type`` holds
INDEXED_TYPES = ("document.attached", "sla.breached", "sop.published")
_TYPES_IN = "type IN (" + ", ".join(f"'{t}'" for t in INDEXED_TYPES) + ")"

#: version 12's index (each backend drops the ``prev`` columns and stores the hashes as bytes)
COMPACT_DDL = f"""
DROP INDEX IF EXISTS events_by_type;
DROP INDEX IF EXISTS ledger_by_job;
CREATE INDEX events_by_type ON events (type, at) WHERE {_TYPES_IN}
"""


def hexed(value: Any) -> Any:
    """A stored hash as hex text (a value that is not bytes is returned as it is, for verification to judge)."""
    return value.hex() if type(value) is bytes else value


def packed(value: str, what: str) -> bytes:
    """A hex hash as the 32 bytes stored; refuses anything that would not read back as the same text."""
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError):
        raw = b""
    if len(raw) != 32 or raw.hex() != value:
        raise ValueError(f"{what}: {value!r} is not a SHA-256 in lower-case hex")
    return raw


def linked(rows: Sequence[Sequence[Any]], prev: str = GENESIS) -> list[tuple[Any, ...]]:
    """Stored rows ``(job, seq, type, data, actor, at, hash)`` of one job, in order, as event rows with ``prev``.

    Each row's ``prev`` is the hash of the row before it (``prev`` for the first); hashes as hex.
    """
    out = []
    for r in rows:
        h = r[6].hex() if type(r[6]) is bytes else r[6]
        out.append((r[0], r[1], r[2], r[3], r[4], r[5], prev, h))
        prev = h
    return out


def by_type_sql(type: str, order: str) -> str:
    """Every event of ``type``, as stored, with the hash of the job's event before it (NULL for none) last."""
    where = f"e.{_TYPES_IN} AND e.type = ?" if type in INDEXED_TYPES else "e.type = ?"
    return (f"SELECT e.job, e.seq, e.type, e.data, e.actor, e.at, e.hash, p.hash "
            f"FROM events e LEFT JOIN events p ON p.job = e.job AND p.seq = e.seq - 1 WHERE {where} ORDER BY {order}")


def by_type_rows(rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """The rows of :func:`by_type_sql` as event rows ``(job, seq, type, data, actor, at, prev, hash)``."""
    return [(*r[:6], hexed(r[7]) if r[7] is not None else GENESIS, hexed(r[6])) for r in rows]

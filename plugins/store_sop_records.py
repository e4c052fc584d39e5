"""The SOP-lifecycle read models of the SQLite and PostgreSQL stores (schema version 10).

``sop_acks`` holds one row per acknowledgement, ``sop_flags`` one per review
flag, change-triggered review and review (see :mod:`sopframe.core.records`),
``sop_jobs`` the SOP each job follows.  Rows of an SOP's record stream and of
a job are replaced by the append that changes them, in its transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sopframe_plugins.store_readmodel import ReadModelTables

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.readmodel import JobRows
    from sopframe.core.records import AckRow, FlagRow, RecordRows, SopJobRow

__all__ = ["SopRecordTables", "SOP_RECORDS_DDL"]

SOP_RECORDS_DDL = """
CREATE TABLE sop_acks (
    stream TEXT NOT NULL, seq {big} NOT NULL, ref TEXT NOT NULL, version TEXT, person TEXT NOT NULL,
    at TEXT NOT NULL, attestation TEXT, PRIMARY KEY (stream, seq)
);
CREATE INDEX sop_acks_by_ref ON sop_acks (ref, at);
CREATE TABLE sop_flags (
    source TEXT NOT NULL, seq {big} NOT NULL, ref TEXT NOT NULL, kind TEXT NOT NULL, by_user TEXT NOT NULL,
    reason TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (source, seq, ref)
);
CREATE INDEX sop_flags_by_ref ON sop_flags (ref, at);
CREATE TABLE sop_jobs (
    job TEXT{c} PRIMARY KEY, ref TEXT NOT NULL, version TEXT, current_version INTEGER NOT NULL, reason TEXT,
    template TEXT NOT NULL, template_version TEXT NOT NULL, started_at TEXT NOT NULL
);
CREATE INDEX sop_jobs_by_ref ON sop_jobs (ref, started_at);
ALTER TABLE sops ADD COLUMN acknowledgement TEXT
"""
_ACK_COLS = "stream, seq, ref, version, person, at, attestation"
_FLAG_COLS = "source, seq, ref, kind, by_user, reason, at"
_FOLLOW_COLS = "job, ref, version, current_version, reason, template, template_version, started_at"


class SopRecordTables(ReadModelTables):
    """The read-model tables with the SOP records' writes and queries (``SqlStore`` supplies the connection)."""

    def _write_followers(self, job: str, rows: JobRows, replace: bool, before: JobRows | None = None) -> None:
        """A job's SOP rows: the SOP it follows, and the reviews its completion asked for (``before``: the
        rows the append before wrote, see ``_write_rows``)."""
        if before is None or before.flags != rows.flags:
            if replace:
                self._x("DELETE FROM sop_flags WHERE source = ?", (job,))
            self._many(f"INSERT INTO sop_flags ({_FLAG_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [(f.source, f.seq, f.ref, f.kind, f.by, f.reason, f.at) for f in rows.flags])
        f = rows.follows  # recorded at the start, never changed: written once
        if f is not None and (before is None or before.follows != f):
            self._x(f"INSERT INTO sop_jobs ({_FOLLOW_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job) DO NOTHING",
                    (f.job, f.ref, f.version, int(f.current), f.reason, f.template, f.template_version, f.started_at))

    def _write_records(self, rows: RecordRows, replace: bool) -> None:
        """An SOP record stream's rows, replacing the stream's earlier ones."""
        stream = rows.acks[0].stream if rows.acks else rows.flags[0].source if rows.flags else None
        if stream is None:
            return
        if replace:
            self._x("DELETE FROM sop_acks WHERE stream = ?", (stream,))
            self._x("DELETE FROM sop_flags WHERE source = ?", (stream,))
        self._many(f"INSERT INTO sop_acks ({_ACK_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [(a.stream, a.seq, a.ref, a.version, a.person, a.at, a.attestation) for a in rows.acks])
        self._many(f"INSERT INTO sop_flags ({_FLAG_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [(f.source, f.seq, f.ref, f.kind, f.by, f.reason, f.at) for f in rows.flags])

    def _where_ref(self, ref: str | None) -> tuple[str, tuple[Any, ...]]:
        return (" WHERE ref = ?", (ref,)) if ref is not None else ("", ())

    def ack_rows(self, ref: str | None = None) -> list[AckRow]:
        from sopframe.core.records import AckRow  # the row classes on use: job commands read none

        where, args = self._where_ref(ref)
        rows = self._query(f"SELECT {_ACK_COLS} FROM sop_acks{where} ORDER BY ref{self.collate_c}, at, seq", args)
        return [AckRow(r[0], int(r[1]), *r[2:]) for r in rows]

    def flag_rows(self, ref: str | None = None) -> list[FlagRow]:
        from sopframe.core.records import FlagRow

        where, args = self._where_ref(ref)
        rows = self._query(f"SELECT {_FLAG_COLS} FROM sop_flags{where} ORDER BY ref{self.collate_c}, at, "
                           f"source{self.collate_c}, seq", args)
        return [FlagRow(r[0], int(r[1]), *r[2:]) for r in rows]

    def sop_job_rows(self, ref: str | None = None) -> list[SopJobRow]:
        from sopframe.core.records import SopJobRow

        where, args = self._where_ref(ref)
        rows = self._query(f"SELECT {_FOLLOW_COLS} FROM sop_jobs{where} ORDER BY ref{self.collate_c}, started_at, "
                           f"job{self.collate_c}", args)
        return [SopJobRow(r[0], r[1], r[2], bool(r[3]), *r[4:]) for r in rows]

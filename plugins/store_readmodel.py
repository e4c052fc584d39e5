"""The read-model tables of the SQLite and PostgreSQL stores: writing a job's rows, and the queries on them.

Kept apart from :mod:`sopframe_plugins.store_sql` (the tables' DDL is there,
with the schema version that added each: ``READ_MODELS``).  The row classes
are imported by the methods that make or write rows: a job command that only
reads events (``job show``) creates none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from sopframe.core.store import SCHEMA_VERSION, RowsOf, rows_or_problem
from sopframe.errors import StoreError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.readmodel import JobQuery, JobRows, JobSummary, OpenSignoff, OpenStage, SopRow, StageVisit
    from sopframe.core.records import RecordRows

__all__ = ["ReadModelTables", "READ_MODELS", "SOP_RECORDS"]

#: the schema version that added the SOP-lifecycle rows (sopframe_plugins.store_sop_records), sops.acknowledgement
SOP_RECORDS = 10
#: the schema version that added each read-model table (a rebuild at an older version leaves later ones alone)
READ_MODELS: dict[str, int] = {"job_summary": 2, "open_stages": 2, "sops": 2, "open_signoffs": 4, "stage_visits": 5,
                               "sop_acks": SOP_RECORDS, "sop_flags": SOP_RECORDS, "sop_jobs": SOP_RECORDS}

_SUMMARY_COLS = "job, template, version, sha256, title, status, started_at, started_by, finished_at, " \
                "last_change, events, subjobs"
_OPEN_COLS = "job, node, stage, subjob, owner, entered_at, due"
#: an open stage's columns after its job, as a page's join reads them
_PAGE_OPEN_COLS = ", ".join(f"o.{c}" for c in _OPEN_COLS.split(", ")[1:])
_SOP_COLS = "ref, version, title, effective_date, next_review, job, template, published_at, acknowledgement"
#: the ``sops`` columns before schema version 8 (what a migration's earlier steps write)
_SOP_COLS_4 = _SOP_COLS.rsplit(", ", 1)[0]
_SIGNOFF_COLS = "job, node, stage, subjob, signoff, role, entered_at, due, barred"
#: the columns of ``stage_visits``, in the order of ``StageVisit``'s fields
_VISIT_COLS = "job, template, node, stage, subjob, visit, owner, entered_at, first_action_at, first_actor, closed_at, " \
              "closed_by, outcome, due, breached_at"
_SUMMARY_SET = ", ".join(f"{c} = excluded.{c}" for c in _SUMMARY_COLS.split(", ")[1:])
#: the summary's columns an append may change (``subjobs`` besides: stored as JSON)
_SUMMARY_CHANGING = ("template", "version", "sha256", "title", "status", "started_at", "started_by", "finished_at",
                     "last_change", "events")


class ReadModelTables:
    """Read-model writes and queries for a store with ``_x``, ``_many``, ``_query`` and ``iter_jobs`` (``SqlStore``)."""

    collate_c = ""
    url: str
    Error: type[BaseException] = Exception

    def _tx(self) -> Any:  # pragma: no cover - provided by SqlStore
        raise NotImplementedError

    def _x(self, sql: str, args: Sequence[Any] = ()) -> Any:  # pragma: no cover - provided by SqlStore
        raise NotImplementedError

    def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:  # pragma: no cover - provided by SqlStore
        raise NotImplementedError

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:  # pragma: no cover - provided by SqlStore
        raise NotImplementedError

    def iter_jobs(self, batch: int = 200) -> Any:  # pragma: no cover - provided by SqlStore
        raise NotImplementedError

    def _write_rows(self, rows: "JobRows | RecordRows", replace: bool, version: int = SCHEMA_VERSION,
                    before: JobRows | None = None) -> None:
        """The rows of a job (summary and SOP row upserted, open stages and sign-offs replaced) or of an SOP's
        record stream (see ``SopRecordTables``).

        ``version``: the schema version being filled (a migration step writes the tables it has).
        ``before``: the job's rows as the append before this one wrote them (``Derived.before``): a table
        whose rows are unchanged is not written, the summary only in its changed columns.
        """
        from sopframe.core.readmodel import JobRows

        if not isinstance(rows, JobRows):  # an SOP record stream's RecordRows
            self._write_records(rows, replace)  # type: ignore[attr-defined]  # in SopRecordTables, a subclass
            return
        s = rows.summary
        was = before if before is not None and before.summary.job == s.job else None
        self._write_summary(s, was.summary if was is not None else None)
        if version >= SOP_RECORDS:
            self._write_followers(s.job, rows, replace, was)  # type: ignore[attr-defined]  # SopRecordTables
        if version >= READ_MODELS["stage_visits"] and (was is None or was.visits != rows.visits):
            if replace:
                self._x("DELETE FROM stage_visits WHERE job = ?", (s.job,))
            marks = ", ".join("?" * (_VISIT_COLS.count(",") + 1))
            self._many(f"INSERT INTO stage_visits ({_VISIT_COLS}) VALUES ({marks})", [tuple(v) for v in rows.visits])
        if version >= READ_MODELS["open_signoffs"] and (was is None or was.signoffs != rows.signoffs):
            if replace:
                self._x("DELETE FROM open_signoffs WHERE job = ?", (s.job,))
            self._many(f"INSERT INTO open_signoffs ({_SIGNOFF_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [(o.job, o.node, o.stage, o.subjob, o.signoff, o.role, o.entered_at, o.due, o.barred_json())
                        for o in rows.signoffs])
        if was is None or was.summary.open_stages != s.open_stages:
            if replace:
                self._x("DELETE FROM open_stages WHERE job = ?", (s.job,))
            self._many(f"INSERT INTO open_stages ({_OPEN_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [(o.job, o.node, o.stage, o.subjob, o.owner, o.entered_at, o.due) for o in s.open_stages])
        p = rows.sop  # a job publishes once, as it completes: its row is never taken back
        if p is not None and (was is None or was.sop != p):
            cols = _SOP_COLS if version >= SOP_RECORDS else _SOP_COLS_4
            values = (p.ref, p.version, p.title, p.effective_date, p.next_review, p.job, p.template, p.published_at,
                      p.acknowledgement)[:cols.count(",") + 1]
            update = ", ".join(f"{c} = excluded.{c}" for c in cols.split(", ") if c != "job")
            self._x(f"INSERT INTO sops ({cols}) VALUES ({', '.join('?' * len(values))}) "
                    f"ON CONFLICT (job) DO UPDATE SET {update}", values)

    def _write_summary(self, s: JobSummary, was: JobSummary | None) -> None:
        """The job's summary row; with the row the append before wrote (``was``), only the columns that changed are
        set (an index on an unchanged column is not rewritten), and a missing row is still written whole."""
        changed = _SUMMARY_SET
        if was is not None:
            changed = ", ".join(f"{c} = excluded.{c}" for c in _SUMMARY_CHANGING if was.__dict__[c] != s.__dict__[c])
            if was.subjobs != s.subjobs:
                changed += ", subjobs = excluded.subjobs" if changed else "subjobs = excluded.subjobs"
        self._x(f"INSERT INTO job_summary ({_SUMMARY_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                f"ON CONFLICT (job) DO {f'UPDATE SET {changed}' if changed else 'NOTHING'}",
                (s.job, s.template, s.version, s.sha256, s.title, s.status, s.started_at, s.started_by,
                 s.finished_at, s.last_change, s.events, s.subjobs_json()))

    # ------------------------------------------------------- read models
    def summaries(self, query: JobQuery) -> list[JobSummary]:
        where, args = [], []
        if query.status:
            where.append("s.status = ?")
            args.append(query.status)
        if query.template:
            where.append("s.template = ?")
            args.append(query.template)
        if query.since:
            where.append("s.last_change >= ?")
            args.append(query.since)
        if query.after:
            where.append("s.job > ?")
            args.append(query.after)
        if query.owners is not None:
            if not query.owners:
                return []
            marks = ", ".join("?" * len(query.owners))
            where.append(f"EXISTS (SELECT 1 FROM open_stages o WHERE o.job = s.job AND o.owner IN ({marks}))")
            args.extend(query.owners)
        if query.overdue_at:
            where.append("EXISTS (SELECT 1 FROM open_stages o WHERE o.job = s.job AND o.due < ?)")
            args.append(query.overdue_at)
        return self._page(where, args, query.limit)

    def _page(self, where: list[str], args: list[Any], limit: int | None) -> list[JobSummary]:
        """Summaries in job order, each with its open stages.

        The limit is written into the SQL: as a parameter, PostgreSQL's
        generic plan of the prepared statement estimates a tenth of the table
        instead of the page, so it planned the query again at every run.
        """
        page = f"SELECT {_SUMMARY_COLS} FROM job_summary s"
        if where:
            page += " WHERE " + " AND ".join(where)
        page += " ORDER BY s.job"
        if limit is not None:
            page += f" LIMIT {int(limit)}"
        join = self._open_join(limit is not None)
        if join is None:
            return self._with_open_stages(self._query(page, args))
        from sopframe.core.readmodel import JobSummary, OpenStage

        rows = self._query(f"SELECT p.*, {_PAGE_OPEN_COLS} FROM ({page}) p {join} ORDER BY p.job, o.node", args)
        out: list[JobSummary] = []
        last: Any = None
        opened: list[OpenStage] = []
        for r in rows:  # a job's rows are consecutive: one per open stage, or one with no stage (node is NULL)
            if last is None or r[0] != last[0]:
                if last is not None:
                    out.append(JobSummary.from_row(last, tuple(opened)))
                last, opened = r, []
            if r[12] is not None:
                opened.append(OpenStage(r[0], *r[12:]))
        if last is not None:
            out.append(JobSummary.from_row(last, tuple(opened)))
        return out

    def _open_join(self, paged: bool) -> str | None:
        """How one query joins a page of ``job_summary`` rows (``p``) to their open stages (``o``), or None
        to read them with a second query.

        None here (SQLite: in process a second query costs no round trip;
        measured, the join was 7% slower, SQLite sorting its rows); the
        PostgreSQL store joins (one round trip instead of two).
        """
        return None

    def _with_open_stages(self, rows: list[Any]) -> list[JobSummary]:
        """Summaries from ``job_summary`` rows, with their open stages (a second query, by the primary key)."""
        from sopframe.core.readmodel import JobSummary, OpenStage

        if not rows:
            return []
        opened: dict[str, list[OpenStage]] = {}
        jobs = [r[0] for r in rows]
        for i in range(0, len(jobs), 500):
            chunk = jobs[i:i + 500]
            marks = ", ".join("?" * len(chunk))
            for o in self._query(f"SELECT {_OPEN_COLS} FROM open_stages WHERE job IN ({marks}) ORDER BY job, node",
                                 chunk):
                opened.setdefault(o[0], []).append(OpenStage(*o))
        return [JobSummary.from_row(r, tuple(opened.get(r[0], ()))) for r in rows]

    def summary(self, job: str) -> JobSummary | None:
        found = self._page(["s.job = ?"], [job], 1)
        return found[0] if found else None

    def template_ids(self) -> list[str]:
        return sorted(r[0] for r in self._query("SELECT DISTINCT template FROM job_summary"))

    def open_stages_due(self, before: str, limit: int | None = None) -> list[OpenStage]:
        from sopframe.core.readmodel import OpenStage

        rows = self._query(f"SELECT {_OPEN_COLS} FROM open_stages WHERE due IS NOT NULL AND due < ? "
                           f"ORDER BY due, job{self.collate_c}, node" +
                           (f" LIMIT {int(limit)}" if limit is not None else ""), (before,))
        return [OpenStage(*r) for r in rows]

    def open_signoffs(self, roles: Sequence[str] | None = None) -> list[OpenSignoff]:
        from sopframe.core.readmodel import OpenSignoff

        sql, args = f"SELECT {_SIGNOFF_COLS} FROM open_signoffs", list(roles or ())
        if roles is not None:
            if not roles:
                return []
            sql += f" WHERE role IN ({', '.join('?' * len(args))})"
        rows = self._query(sql + f" ORDER BY job{self.collate_c}, node{self.collate_c}, signoff{self.collate_c}",
                           args)
        return [OpenSignoff(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], OpenSignoff.barred_from_json(r[8]))
                for r in rows]

    def stage_visits(self, template: str | None = None, since: str | None = None,
                     job: str | None = None) -> list[StageVisit]:
        from sopframe.core.readmodel import StageVisit

        where, args = [], []
        if job is not None:
            where.append("job = ?")
            args.append(job)
        if template is not None:
            where.append("template = ?")
            args.append(template)
        if since is not None:
            where.append("(closed_at IS NULL OR closed_at >= ?)")
            args.append(since)
        sql = f"SELECT {_VISIT_COLS} FROM stage_visits"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._query(sql + f" ORDER BY job{self.collate_c}, entered_at, node{self.collate_c}, visit", args)
        return [StageVisit(*r) for r in rows]

    def sop_rows(self, ref: str | None = None) -> list[SopRow]:
        from sopframe.core.readmodel import SopRow

        where, args = ("WHERE ref = ? ", (ref,)) if ref is not None else ("", ())
        rows = self._query(f"SELECT {_SOP_COLS} FROM sops {where}ORDER BY ref{self.collate_c}, published_at, "
                           f"job{self.collate_c}", args)
        return [SopRow(*r) for r in rows]

    def rebuild(self, rows_of: RowsOf) -> tuple[int, list[str]]:
        try:
            with self._tx():
                return self._rebuild(rows_of)
        except self.Error as exc:
            raise StoreError(f"cannot rebuild the read models of {self.url}: {str(exc).strip()}") from None

    def _rebuild(self, rows_of: RowsOf, version: int = SCHEMA_VERSION) -> tuple[int, list[str]]:
        from sopframe.core.records import RecordRows

        for table, since in READ_MODELS.items():
            if version >= since:
                self._x(f"DELETE FROM {table}")
        n = 0
        problems: list[str] = []
        for job, events in self.iter_jobs():
            rows = rows_or_problem(job, events, rows_of, problems)
            if rows is not None and (version >= SOP_RECORDS or not isinstance(rows, RecordRows)):
                self._write_rows(rows, replace=False, version=version)
                n += 1
        return n, problems

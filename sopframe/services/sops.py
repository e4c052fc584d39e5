"""Read-side use cases of the SOP lifecycle: training status, the jobs run under each version, open review flags.

Each function reads the read models of one store (no event scans) and
returns plain data that the CLI (or a server) renders.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sopframe.core.engine.clock import from_text
from sopframe.core.training import TrainingStatus, audience_people, policy_of, training_status

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine import Engine
    from sopframe.core.engine.records import SopRecords
    from sopframe.core.identity import RoleTable
    from sopframe.core.limits import Limits
    from sopframe.core.readmodel import JobSummary, SopRow
    from sopframe.core.records import SopJobRow
    from sopframe.core.store import Store
    from sopframe.settings import Settings

__all__ = ["training_report", "training_for", "VersionJobs", "sop_versions", "sop_records"]


def _current_rows(store: "Store", ref: str | None, now: datetime) -> list["SopRow"]:
    """The version of each SOP current at ``now``: the last one published by then."""
    current: dict[str, "SopRow"] = {}
    for row in store.sop_rows():  # by reference, then publication: the last one of a reference is current
        if (ref is None or row.ref == ref) and from_text(row.published_at) <= now:
            current[row.ref] = row
    return [current[r] for r in sorted(current)]


def _short(when: str) -> str:
    return f"{when[:16]}Z"


def training_report(store: "Store", roles: "RoleTable", groups: "RoleTable", now: datetime, ref: str | None = None,
                    grace: str | None = None, every: str | None = None, *,
                    past: bool = False) -> list[TrainingStatus]:
    """The training status of the current version of ``ref`` (or of every SOP whose template names an audience)
    at ``now``: only the versions published and the acknowledgements made by then count.

    ``roles`` and ``groups`` are today's configuration.  With ``past`` (``--as-of`` a time gone by) the audience
    is the one the record shows in force at ``now`` instead (the role and group tables recorded by then; today's
    where none was, said in the notes).  Either way, someone who joined the audience after the version's start
    has their grace period counted from when the record shows them joining (see :mod:`sopframe.core.audience`).
    """
    from sopframe.core.audience import NOT_YET_RECORDED, AudienceHistory
    from sopframe.core.engine.clock import to_text
    from sopframe.core.training import version_start

    out = []
    history: AudienceHistory | None = None
    until = to_text(now)
    for row in _current_rows(store, ref, now):
        policy = policy_of(row, grace, every)
        if policy is None and ref is None:
            continue
        if policy is None:
            out.append(training_status(row, [], [], None, now))
            continue
        if history is None:
            history = AudienceHistory.of(store)
        use_roles, use_groups, source, source_at, notes = roles, groups, "configuration", None, []
        names_groups = any(a.startswith("group:") for a in policy.audience)
        if past:
            state = history.tables_at(until)
            if state is None:
                notes.append(f"no role table had been recorded by {_short(until)}: the audience is today's "
                             f"configuration")
            else:
                use_roles, source, source_at = state.roles, "recorded", state.at
                if state.groups is not None:
                    use_groups = state.groups
                elif names_groups:
                    notes.append(f"no groups table had been recorded by {_short(until)}: the groups are today's "
                                 f"configuration")
        people = audience_people(policy, use_roles, use_groups)
        start = to_text(version_start(row))
        joined = {p: history.joined(policy.audience, p, start, until, groups) for p in people}
        first = history.states[0].at if history else None
        first_groups = next((st.groups_at for st in history.states if st.groups is not None), None)
        if first is None or first > row.published_at:  # a store from before role tables were recorded
            notes.append("no role table is recorded from before the version was published" +
                         (f" (the first is from {_short(first)})" if first else "") +
                         ": whoever joined the audience before the first one counts from the version's start")
        elif names_groups and (first_groups is None or first_groups > start):
            notes.append((f"groups were first recorded at {_short(first_groups)}" if first_groups else
                          "no groups table is recorded yet") +
                         " (acknowledgements, flags and reviews record it): whoever joined a group before then "
                         "counts from the version's start")
        if any(j is not None for j in joined.values()):
            notes.append("people who joined the audience after the version's start have their grace counted from "
                         "when the recorded role and group tables first show them in it")
        if any(j == NOT_YET_RECORDED for j in joined.values()):
            notes.append("people marked 'not yet recorded' are in today's configuration but in no recorded table: "
                         "their grace counts from now until a command records the tables")
        acks = [a for a in store.ack_rows(row.ref) if from_text(a.at) <= now]
        status = training_status(row, acks, people, policy, now, joined)
        missing = tuple(a for a in policy.audience if a.startswith("group:")
                        and not use_groups.holders(a[len("group:"):]))
        out.append(replace(status, undefined_groups=missing, audience_source=source, audience_at=source_at,
                           notes=tuple(notes)))
    return out


def training_for(settings: "Settings", store: "Store", roles: "RoleTable", now: datetime,
                 ref: str | None = None, *, past: bool = False) -> list[TrainingStatus]:
    """:func:`training_report` with the ``groups`` and ``[training]`` defaults of the settings (checked):
    what ``sopframe training status`` and the server's ``/api/v1/training`` both call.

    A malformed reference, or one not on the master list, is refused (with the known ones).
    """
    from sopframe.core.engine.records import SopRecords
    from sopframe.services.context import groups_from_settings, training_defaults_from

    groups = groups_from_settings(settings)
    grace, every = training_defaults_from(settings)
    if ref is not None:
        SopRecords(store).versions(ref)
    return training_report(store, roles, groups, now, ref, grace, every, past=past)


def sop_records(settings: "Settings", engine: "Engine", roles: "RoleTable", limits: "Limits") -> "SopRecords":
    """What records acknowledgements, flags and reviews on the engine's store, with the ``groups`` and the
    ``[training] reacknowledge-every`` default of the settings (checked): what ``sopframe ack``, ``sops flag``,
    ``sops reviewed`` and the server's acknowledgement both use, so a renewal is due as `training status`
    says it is."""
    from sopframe.core.engine.records import SopRecords
    from sopframe.services.context import groups_from_settings, training_defaults_from

    _grace, every = training_defaults_from(settings)
    return SopRecords(engine.store, roles=roles, groups=groups_from_settings(settings), clock=engine.clock,
                      limits=limits, every=every)


@dataclass(frozen=True)
class VersionJobs:
    """One published version of an SOP, and the jobs started while it was current (newest first)."""

    ref: str
    version: str | None
    status: str  # current or archived
    published_by: str
    effective_date: str | None
    jobs: tuple[tuple["SopJobRow", "JobSummary | None"], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "version": self.version, "status": self.status, "published_by": self.published_by,
                "effective_date": self.effective_date,
                "jobs": [{**asdict(j), "status": s.status if s else None, "finished_at": s.finished_at if s else None}
                         for j, s in self.jobs]}


def sop_versions(store: "Store", ref: str, last: int | None = None) -> list[VersionJobs]:
    """Every published version of ``ref`` (newest first) with the jobs that followed it (the ``last`` N of each)."""
    from sopframe.core.engine.publishing import version_key

    rows = [r for r in store.sop_rows() if r.ref == ref]
    followers = store.sop_job_rows(ref)
    out = []
    for i, row in enumerate(rows):
        key = version_key(str(row.version or ""))
        mine = [f for f in followers if f.version is not None and version_key(str(f.version)) == key]
        mine.sort(key=lambda f: (f.started_at, f.job), reverse=True)
        if last is not None:
            mine = mine[:last]
        out.append(VersionJobs(ref, row.version, "current" if i == len(rows) - 1 else "archived", row.job,
                               row.effective_date, tuple((f, store.summary(f.job)) for f in mine)))
    out.reverse()
    unpublished = [f for f in followers if f.version is None]
    if unpublished:  # started with a reason before any version was published
        unpublished.sort(key=lambda f: (f.started_at, f.job), reverse=True)
        out.append(VersionJobs(ref, None, "unpublished", "-", None,
                               tuple((f, store.summary(f.job)) for f in unpublished[:last])))
    return out

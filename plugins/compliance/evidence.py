"""What the job store shows was done: the evidence half of ``sopframe gaps``.

A readiness point is complete *by design* when a template could produce the
evidence, and complete *in fact* when the store shows it was produced within
its interval.  This module reads the store only through the public
:class:`sopframe.core.store.Store` API (jobs and their events, folded into
:class:`~sopframe.core.engine.state.JobState`), and reports each point's
evidence, or honestly what is not evidenced.

Intervals are organisation policy (``restore-test-every``, ``dr-drill-every``
...); the leaver deadline is ``leaver-revocation`` (24 hours by default),
counted from the end of the recorded last day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from typing import Any, Iterable, Mapping, Sequence

from sopframe.core.durations import Duration
from sopframe.core.engine.state import JobState, fold
from sopframe.core.graph import build_graph
from sopframe.core.identity import RoleTable
from sopframe.core.model import Template
from sopframe.core.store import Store

from sopframe_plugins.compliance.extension import declared
from sopframe_plugins.compliance.policy import policy_value

__all__ = ["Evidence", "Audience", "gather", "ACKNOWLEDGEMENTS_PENDING"]

#: a current SOP version whose template names nobody to acknowledge it (kept for plugins that import it)
ACKNOWLEDGEMENTS_PENDING = "not evidenced: no audience named to acknowledge it"


@dataclass
class Evidence:
    complete: bool = False
    #: what the store shows, in words
    shown: list[str] = field(default_factory=list)
    #: what it does not show, in words
    missing: list[str] = field(default_factory=list)


def _when(text: Any) -> datetime | None:
    if text in (None, ""):
        return None
    s = str(text)
    try:
        if len(s) == 10:  # a date: the end of that day
            return datetime.combine(datetime.fromisoformat(s).date(), time.max, timezone.utc)
        value = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _jobs_of(states: Sequence[JobState], templates: Iterable[Template]) -> list[tuple[Template, JobState]]:
    by_id = {t.id: t for t in templates}
    return [(by_id[s.template_id], s) for s in states if s.template_id in by_id]


def _recent(jobs: list[tuple[Template, JobState]], interval: Duration, as_of: datetime) -> list[JobState]:
    return [s for _, s in jobs if s.status == "completed" and (at := _when(s.finished_at)) is not None
            and interval.add_to(at) >= as_of >= at]


def _record_value(t: Template, s: JobState, name: str) -> Any:
    ref = declared(build_graph(t)).data.get("records", {}).get(name)
    if not ref or "." not in str(ref):
        return None
    stage, fid = str(ref).split(".", 1)
    return s.field_value(stage, fid)


def _periodic(jobs: list[tuple[Template, JobState]], key: str, what: str, as_of: datetime,
              policy: Mapping[str, Any], results: Sequence[str] = ()) -> Evidence:
    interval, text, _ = policy_value(key, policy)
    ev = Evidence()
    if not jobs:
        ev.missing.append(f"not evidenced: no {what} job recorded")
        return ev
    recent = _recent(jobs, interval, as_of)
    if not recent:
        ev.missing.append(f"not evidenced: no {what} completed in the last {text} (policy {key})")
        return ev
    by_job = {s.job_id: t for t, s in jobs}
    with_results = [s for s in recent if all(_record_value(by_job[s.job_id], s, r) is not None for r in results)]
    if not with_results:
        ev.missing.append(f"not evidenced: the {what} completed in the last {text} recorded no "
                          + " or ".join(results))
        return ev
    last = max(with_results, key=lambda s: s.finished_at or "")
    ev.shown.append(f"{what} {last.job_id} completed {str(last.finished_at)[:10]}, within {text}"
                    + (f", with {', '.join(results)} recorded" if results else ""))
    ev.complete = True
    return ev


def _changes(jobs: list[tuple[Template, JobState]]) -> Evidence:
    ev = Evidence()
    done = [(t, s) for t, s in jobs if s.status == "completed"]
    if not done:
        ev.missing.append("not evidenced: no completed change job recorded")
        return ev
    unapproved = [s.job_id for t, s in done if not set(declared(build_graph(t)).step_ids("approval")) & set(s.done)]
    if unapproved:
        ev.missing.append(f"not evidenced: completed changes without a completed approval stage: "
                          f"{', '.join(unapproved)}")
        return ev
    ev.shown.append(f"{len(done)} completed change job(s), each through an approval stage")
    ev.complete = True
    return ev


def _leavers(jobs: list[tuple[Template, JobState]], policy: Mapping[str, Any]) -> Evidence:
    limit, text, _ = policy_value("leaver-revocation", policy)
    ev = Evidence()
    checked = 0
    for t, s in jobs:
        d = declared(build_graph(t))
        revoked = [s.done[n] for n in d.step_ids("leaver") if n in s.done]
        if not revoked:
            continue
        last_day = _when(_record_value(t, s, "last_day"))
        if last_day is None:
            ev.missing.append(f"not evidenced: leaver job {s.job_id} records no last day "
                              "(declare `compliance.records.last_day`)")
            continue
        checked += 1
        at = _when(revoked[0])
        if at is None or at > limit.deadline_from(last_day):
            ev.missing.append(f"leaver job {s.job_id}: access revoked {str(revoked[0])[:16]}, later than {text} "
                              f"after the last day {str(_record_value(t, s, 'last_day'))[:16]}")
    if not checked and not ev.missing:
        ev.missing.append("not evidenced: no leaver job recorded")
    if checked and not ev.missing:
        ev.shown.append(f"{checked} leaver(s) revoked within {text} of the recorded last day")
        ev.complete = True
    return ev


def _sops(store: Store, as_of: datetime, people: "Audience | None" = None) -> Evidence:
    ev = Evidence()
    from sopframe.core.engine.clock import to_text

    current: dict[str, Mapping[str, Any]] = {}
    for e in store.events_of_type("sop.published"):  # in time order: the last one of a reference by then is current
        if e.at <= to_text(as_of):
            current[str(e.data.get("ref"))] = e.data
    if not current:
        ev.missing.append("not evidenced: no SOP published through the store")
    for ref, data in sorted(current.items()):
        due = _when(data.get("next_review"))
        if due is None:
            ev.missing.append(f"SOP {ref} version {data.get('version')} is in use with no review date")
        elif due < as_of:
            ev.missing.append(f"SOP {ref} version {data.get('version')} was due for review on "
                              f"{str(data.get('next_review'))[:10]}")
    if current and not ev.missing:
        ev.shown.append("1 published SOP, with a review date not yet passed" if len(current) == 1 else
                        f"{len(current)} published SOPs, each with a review date not yet passed")
    _acknowledged(store, as_of, people or Audience(), ev)
    ev.complete = bool(current) and not ev.missing
    return ev


@dataclass(frozen=True)
class Audience:
    """Who holds which role and group, and the acknowledgement defaults (from the configuration)."""

    roles: RoleTable = field(default_factory=RoleTable)
    groups: RoleTable = field(default_factory=RoleTable)
    grace: str | None = None
    every: str | None = None


def _acknowledged(store: Store, as_of: datetime, people: Audience, ev: Evidence) -> None:
    """Each current SOP version acknowledged by its audience within its grace period (PCI DSS 12.6.3)."""
    from sopframe.core.engine.clock import from_text
    from sopframe.services.sops import training_report

    past = as_of < datetime.now(timezone.utc)  # `gaps --as-of`: the audience the record shows in force then
    report = training_report(store, people.roles, people.groups, as_of, None, people.grace, people.every, past=past)
    for s in report:
        what = f"SOP {s.ref} version {s.version}"
        if not s.people:
            ev.missing.append(f"not evidenced: nobody holds the audience of {what}")
        elif s.late:
            ev.missing.append(f"{what}: {len(s.late)} of {len(s.people)} late acknowledging it "
                              f"({', '.join(p.person for p in s.late)})")
        else:
            ev.shown.append(f"{what}: {s.acknowledged} of {len(s.people)} acknowledged, nobody late")
    with_policy = {s.ref for s in report}
    # the last row of a reference published by then is its current version
    current = {r.ref: r for r in store.sop_rows() if from_text(r.published_at) <= as_of}
    for ref in sorted(set(current) - with_policy):
        ev.missing.append(f"{ACKNOWLEDGEMENTS_PENDING}: SOP {ref} version {current[ref].version} "
                          f"(publishes.acknowledgement)")


def gather(store: Store, templates: Sequence[Template], policy: Mapping[str, Any],
           as_of: datetime | None = None, people: "Audience | None" = None) -> dict[int, Evidence]:
    """Evidence per readiness point number, read from ``store`` (``people``: who must acknowledge SOPs)."""
    from sopframe.core.engine.clock import to_text

    now = as_of or datetime.now(timezone.utc)
    until = to_text(now)  # the store as it stood then: nothing recorded later counts (`gaps --as-of`)
    states = [fold(seen) for _, events in store.iter_jobs() if (seen := [e for e in events if e.at <= until])]

    def of(kind: str) -> list[tuple[Template, JobState]]:
        return _jobs_of(states, [t for t in templates if t.kind == kind])

    return {
        1: _periodic(of("incident"), "incident-plan-test-every", "incident response", now, policy),
        2: _changes(of("change")),
        3: _leavers(of("access"), policy),
        4: _periodic(of("backup"), "restore-test-every", "restoration test", now, policy, ("restore_result",)),
        5: _periodic(of("vulnerability"), "scan-every", "vulnerability scan", now, policy),
        6: _periodic(of("continuity"), "dr-drill-every", "continuity drill", now, policy, ("rto_met", "rpo_met")),
        7: _sops(store, now, people),
    }

"""The seven-point IT SOP readiness checklist behind ``sopframe gaps``.

Each point is met *by design* by templates of a given kind that pass a set
of the shared checks (framework-neutral: the same checks every framework
cites), with the checklist's own numbers applied: a leaver revoked within
``leaver-revocation`` (24 hours), a drill at least every ``dr-drill-every``
(12 months), a review interval on every SOP within ``sop-review-every``,
patch deadlines by severity within ``patch-*``.  These are organisation
policy (configurable); a template that exceeds one, or states none, keeps
the point open.  A template with errors of its own never counts.  What the
job store shows was done is :mod:`.evidence`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from sopframe.core.diagnostics import Finding, Severity
from sopframe.core.graph import build_graph
from sopframe.core.model import Template

from sopframe_plugins.compliance.checks import CHECKS, Issue
from sopframe_plugins.compliance.extension import declared
from sopframe_plugins.compliance.policy import Limit, bind_limits

__all__ = ["Point", "PointResult", "POINTS", "assess"]


@dataclass(frozen=True)
class Point:
    number: int
    title: str
    kind: str
    checks: tuple[str, ...]
    #: steps the templates of the kind must declare between them
    steps: tuple[str, ...] = ()


POINTS: tuple[Point, ...] = (
    Point(1, "Incident response procedure", "incident",
          ("incident-triage", "incident-response", "lessons-learned")),
    Point(2, "Change management with every production change logged", "change",
          ("change-record", "change-follow-up")),
    Point(3, "Access provisioning and de-provisioning", "access",
          ("access-authorised", "leaver-no-wait", "leaver-deadline"), steps=("joiner", "leaver")),
    Point(4, "Backup with tested restoration", "backup", ("restoration-test", "recovery-objectives")),
    Point(5, "Vulnerability management with patch timelines by severity", "vulnerability",
          ("severity-ranking", "patch-deadlines", "scan-and-rescan")),
    Point(6, "Business continuity with RTO/RPO and a drill", "continuity",
          ("recovery-objectives", "continuity-drill", "plan-exercised")),
    Point(7, "Every SOP version-controlled with review dates", "sop-lifecycle",
          ("sop-published", "sop-review-interval")),
)

#: parameters for checks that compare with a limit: the organisation's policy
_PARAMS: dict[str, dict[str, Any]] = {
    "sop-review-interval": {"limit": Limit(policy="sop-review-every")},
    "leaver-deadline": {"limit": Limit(policy="leaver-revocation")},
    "plan-exercised": {"limit": Limit(policy="dr-drill-every")},
    "patch-deadlines": {"limits": {"critical": Limit(policy="patch-critical"), "high": Limit(policy="patch-high"),
                                   "medium": Limit(policy="patch-medium")}},
}


@dataclass
class PointResult:
    point: Point
    complete: bool = False
    #: templates that meet the point
    met_by: list[str] = field(default_factory=list)
    #: what is missing, in words, with the file it concerns
    missing: list[str] = field(default_factory=list)


def _issues(template: Template, check: str, policy: Mapping[str, Any]) -> list[Issue]:
    tg = build_graph(template)
    return list(CHECKS[check].run(tg, bind_limits(_PARAMS.get(check, {}), policy)))


def assess(templates: Sequence[tuple[Template | None, str, Sequence[Finding]]],
           policy: Mapping[str, Any] | None = None) -> list[PointResult]:
    """Assess (template, file, findings) triples against the checklist, under the organisation's ``policy``
    values (``[policy]`` of the configuration; the defaults where it sets none).

    ``findings`` are the template's validation findings: a template with
    errors of its own (codes starting with SOP) does not count.
    """
    results = []
    for point in POINTS:
        r = PointResult(point)
        candidates = [(t, path, fs) for t, path, fs in templates if t is not None and t.kind == point.kind]
        if not candidates:
            r.missing.append(f"no template of kind {point.kind!r}")
            results.append(r)
            continue
        steps_seen: set[str] = set()
        for t, path, fs in candidates:
            broken = [f for f in fs if f.severity >= Severity.ERROR and f.code.startswith("SOP")]
            if broken:
                r.missing.append(f"{path}: {len(broken)} template error(s) to fix first, e.g. {broken[0].code} "
                                 f"{broken[0].message}")
                continue
            d = declared(build_graph(t))
            own = {s for s in point.steps if d.has_step(s)}
            if point.steps and not own:
                continue  # of the kind, but none of the point's parts (an access review): neither meets nor fails it
            issues = [(c, i) for c in point.checks for i in _issues(t, c, policy or {})]
            if issues:
                r.missing.extend(f"{path}: {i.message}" for _, i in issues)
                continue
            r.met_by.append(path)
            steps_seen |= own
        lacking = [s for s in point.steps if s not in steps_seen]
        if lacking and (r.met_by or not r.missing):
            r.missing.append("no passing template declares the " + " or ".join(lacking) + " step")
        r.complete = bool(r.met_by) and not lacking
        if r.complete:
            r.missing = []
        results.append(r)
    return results

"""Training status and reports under ``/api/v1``: the CLI's services, cut down to what the caller may see.

Who sees what (the authorisation policy, :mod:`sopframe.core.policy`, decides;
nothing here re-implements it):

- **Training status** (``GET /training``): everyone's row of an SOP version
  for holders of a ``readers`` role (auditors) or a ``training-readers`` role
  (trainers), and for whoever may start a job of the lifecycle template that
  published the version (its authors: ``policy.may_start``).  Anyone else in
  the audience sees their own row only (``"view": "own"``); an SOP whose
  audience they are not in is left out, and asked for by name it is a 403.
  Members of a ``groups`` entry who hold no role may ask for it too (and for
  nothing else): an audience can be a group.
- **Acknowledging** (``POST /sops/{ref}/acknowledgements``): the caller, as
  themselves, acknowledges the current version of an SOP whose audience they
  are in (the same record writer as ``sopframe ack``; anyone else is a 403).
- **Bottleneck report** (``GET /reports/bottlenecks``): figures over the jobs
  the caller may read (``policy.may_read``, as for ``GET /jobs``), so an
  aggregate never carries a job they may not see.  Asked for one template
  whose jobs they may read none of, it is a 403.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from sopframe.core.safetext import escape
from sopframe.errors import JobError
from sopframe.server.api import member, principal, state_of
from sopframe.server.problems import Problem
from sopframe.server.security import Principal
from sopframe.server.state import ServerState

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.training import TrainingStatus
    from sopframe.reports.bottlenecks import BottleneckReport

__all__ = ["router", "training_items", "report_for"]

router = APIRouter(prefix="/api/v1")


def _sees_everyone(st: ServerState, status: "TrainingStatus", user: str) -> bool:
    """Whether ``user`` may see every person's row of ``status`` (see the module's documentation)."""
    from sopframe.core.engine.pinned import pinned_by_sha
    from sopframe.core.policy import may_start

    if any(st.roles.holds(user, r) for r in (*st.config.readers, *st.config.training_readers)):
        return True
    store = st.engine().store
    summary = store.summary(status.published_by)
    if summary is None:  # pragma: no cover - a master-list row always comes from a stored job
        return False
    template, graph = pinned_by_sha(summary.sha256, "", store.template, summary.job)
    first = graph.stage(graph.start) if graph.start else None
    return may_start(st.roles, template, first, user) is None


def training_items(st: ServerState, user: str, sop: str | None = None) -> list[dict[str, Any]]:
    """The training status the user may see (each with its ``view``: ``all`` or ``own``)."""
    from sopframe.core.sopref import ref_problem
    from sopframe.services.sops import training_for

    engine = st.engine()
    if sop is not None and ref_problem(sop):
        raise Problem(422, ref_problem(sop) or "")
    try:
        report = training_for(st.settings, engine.store, st.roles, engine.clock(), sop)
    except JobError as exc:  # a reference not on the master list
        raise Problem(404, exc.message, hint=exc.hint) from None
    items = []
    for status in report:
        if _sees_everyone(st, status, user):
            items.append({**status.to_dict(), "view": "all"})
        elif any(p.person == user for p in status.people):
            own = replace(status, people=tuple(p for p in status.people if p.person == user), undefined_groups=())
            items.append({**own.to_dict(), "view": "own"})
    if sop is not None and not items:
        raise Problem(403, f"{user} may not see the training status of {escape(sop)}: it is shown to its audience "
                           "(each their own row), its authors, and the readers and training-readers roles")
    return items


def report_for(st: ServerState, user: str, template: str | None, since: str | None,
               top: int = 3) -> "BottleneckReport":
    """The bottleneck report over the jobs ``user`` may read (403 for a template none of whose jobs they may)."""
    from sopframe.core.engine.clock import to_text
    from sopframe.core.readmodel import JobQuery
    from sopframe.services.reports import bottleneck_report, since_text

    engine = st.engine()
    now, start = engine.clock(), since_text(since, "since")
    if start and start > to_text(now):
        raise Problem(422, f"since {escape(since or '')} is in the future: the report covers what happened up to now")
    readable: dict[str, bool] = {}  # by pinned template hash
    allowed, refused = set(), 0
    for s in engine.store.summaries(JobQuery(template=template)):
        if s.sha256 not in readable:
            readable[s.sha256] = st.may_read(st.template_of(s.sha256, s.job), user)
        if readable[s.sha256]:
            allowed.add(s.job)
        else:
            refused += 1
    if template is not None and refused and not allowed:
        raise Problem(403, f"{user} may not see jobs of template {escape(template)!r}, so not its report")
    return bottleneck_report(engine.store, now, template=template, since=start, top=top, jobs=allowed)


@router.get("/training", summary="Training status: who has acknowledged the current version of each SOP, who "
                                 "has not, who is late")
def training(request: Request, sop: str | None = Query(None, description="One SOP reference (default: every SOP "
                                                                          "whose version names an audience)"),
             who: Principal = Depends(member)) -> dict[str, Any]:
    """``sopframe training status --format json``, with each SOP's ``view``: ``all`` (every person) for its
    authors, the ``readers`` and the ``training-readers`` roles; ``own`` (the caller's row) for the rest of
    its audience."""
    return {"items": training_items(state_of(request), who.user, sop)}


@router.get("/reports/bottlenecks", summary="Where jobs wait: per stage, owner role and person, over the jobs "
                                            "you may see")
def bottlenecks(request: Request, template: str | None = Query(None, description="Only jobs of this template id"),
                since: str | None = Query(None, description="Only stage visits open or ended at or after this date "
                                                            "or date-time (UTC)"),
                top: int = Query(3, ge=0, le=50, description="How many stages to name as bottlenecks"),
                who: Principal = Depends(principal)) -> dict[str, Any]:
    """``sopframe report bottlenecks --format json`` over the jobs the caller may read."""
    from sopframe.reports.render import to_data

    return to_data(report_for(state_of(request), who.user, template, since, top))


def acknowledge_as(st: ServerState, user: str, ref: str, version: str | None = None,
                   attest: str | None = None) -> dict[str, Any]:
    """``user`` acknowledges the current version of ``ref`` (refused unless they are in its audience)."""
    from sopframe.services.sops import sop_records

    engine = st.engine()
    return sop_records(st.settings, engine, st.roles, st.limits).acknowledge(ref, actor=user, version=version,
                                                                              attest=attest)


class AckBody(BaseModel):
    version: str | None = Field(None, min_length=1, description="The version read (default: the current one; "
                                                                  "any other is refused)")
    attest: str | None = Field(None, min_length=1, description="The statement agreed to (default: the version's "
                                                                 "own attestation text, if it has one)")


@router.post("/sops/{ref}/acknowledgements", status_code=201,
             summary="Acknowledge the current version of an SOP as yourself (you must be in its audience)")
def acknowledge(request: Request, ref: str, body: AckBody, who: Principal = Depends(member)) -> dict[str, Any]:
    """``sopframe ack REF`` as the signed-in user: recorded hash-chained in the SOP's record stream, with the
    attestation's SHA-256 and the role and group tables in force."""
    return acknowledge_as(state_of(request), who.user, ref, body.version, body.attest)

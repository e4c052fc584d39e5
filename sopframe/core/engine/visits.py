"""Stage visits: each time a job enters a stage, and what happened until it left.

Part of the fold (:mod:`.state` applies :data:`VISIT_STEPS` to every event), so a
job's visits are a pure function of its events and the read model
``stage_visits`` (:class:`sopframe.core.readmodel.StageVisit`) is derived
from them like every other row.  The bottleneck report reads that model.

A visit starts with ``stage.entered`` and ends when the stage is completed
(``completed``), sent back (``rejected``), reset by a rejection further on
(``reset``) or cancelled with the job or with its per-item sub-job (``cancelled``).  Its *first action*
is the first thing a person did on it: set a value, attach a document,
give a sign-off, complete or reject it.  Time-based events (an SLA breach
recorded by ``tick``) and consequences (a sign-off voided) are not actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, NamedTuple

from sopframe.core.identity import normalise

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine.state import EventLike, JobState

__all__ = ["Visit", "VISIT_STEPS"]


class Visit(NamedTuple):
    """One visit of a stage node (``n`` counts the node's visits: 2 after one rework)."""

    node: str
    n: int
    subjob: str | None
    entered_at: str
    first_action_at: str | None = None
    first_actor: str | None = None
    closed_at: str | None = None
    closed_by: str | None = None
    outcome: str = "open"  # open, completed, rejected, reset, cancelled
    breached_at: str | None = None


def _open(s: "JobState", node: str) -> int | None:
    """Index of the node's open visit, or None."""
    for i in range(len(s.visits) - 1, -1, -1):
        v = s.visits[i]
        if v.node == node:
            return i if v.outcome == "open" else None
    return None


def _close(s: "JobState", i: int, e: "EventLike", outcome: str, by: str | None) -> None:
    v = s.visits[i]
    first = (v.first_action_at, v.first_actor) if v.first_action_at or by is None else (e.at, by)
    s.visits[i] = v._replace(closed_at=e.at, closed_by=by, outcome=outcome, first_action_at=first[0],
                          first_actor=first[1])


def _entered(s: "JobState", e: "EventLike") -> None:
    node = e.data["stage"]
    i = _open(s, node)
    if i is not None:  # entered again while open (not done by the engine): the old visit ends
        _close(s, i, e, "reset", None)
    n = 1 + sum(1 for v in s.visits if v.node == node)
    s.visits.append(Visit(node, n, e.data.get("subjob"), e.at))


def _acted(s: "JobState", e: "EventLike") -> None:
    i = _open(s, e.data["stage"])
    if i is not None and s.visits[i].first_action_at is None:
        s.visits[i] = s.visits[i]._replace(first_action_at=e.at, first_actor=normalise(e.actor))


def _completed(s: "JobState", e: "EventLike") -> None:
    i = _open(s, e.data["stage"])
    if i is not None:
        _close(s, i, e, "completed", normalise(e.actor))


def _rejected(s: "JobState", e: "EventLike") -> None:
    i = _open(s, e.data["stage"])
    if i is not None:
        _close(s, i, e, "rejected", normalise(e.actor))
    for node in e.data.get("reset", ()):
        j = _open(s, node)
        if j is not None:
            _close(s, j, e, "reset", None)


def _breached(s: "JobState", e: "EventLike") -> None:
    i = _open(s, e.data["stage"])
    if i is not None and s.visits[i].breached_at is None:
        s.visits[i] = s.visits[i]._replace(breached_at=e.at)


def _cancelled(s: "JobState", e: "EventLike") -> None:
    for i, v in enumerate(s.visits):
        if v.outcome == "open":
            _close(s, i, e, "cancelled", None)


def _subjob_cancelled(s: "JobState", e: "EventLike") -> None:
    """A per-item sub-job cancelled on its own: its stages' open visits end with it (the rest of the job goes on)."""
    inside = s.subjobs[e.data["subjob"]].scope + "/"
    for i, v in enumerate(s.visits):
        if v.outcome == "open" and v.node.startswith(inside):
            _close(s, i, e, "cancelled", None)


VISIT_STEPS: dict[str, Callable[["JobState", "EventLike"], None]] = {
    "stage.entered": _entered,
    "field.set": _acted,
    "document.attached": _acted,
    "signoff.given": _acted,
    "stage.completed": _completed,
    "stage.rejected": _rejected,
    "sla.breached": _breached,
    "job.cancelled": _cancelled,
    "subjob.cancelled": _subjob_cancelled,
}


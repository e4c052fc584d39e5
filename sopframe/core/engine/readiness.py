"""What stops an open stage from being completed, listed all at once."""

from __future__ import annotations

from sopframe.core.engine.command import Loaded, in_scope
from sopframe.core.engine.gates import gate_problem, present
from sopframe.core.engine.signoffs import approved, digest
from sopframe.core.engine.state import JobState
from sopframe.core.policy import separation_problem

__all__ = ["missing"]


def missing(loaded: Loaded, node: str, state: JobState | None = None) -> list[str]:
    """Everything that stops an open stage from being completed.

    Required values must be present (not blank, not an empty list); every
    sign-off must be live, still match what it approved, and still meet its
    segregation-of-duties constraints; the gate must hold; a split's
    sub-jobs must be complete.
    """
    state = state or loaded.state
    st = loaded.graph.stage(node)
    out: list[str] = []
    values = state.fields.get(node, {})
    for f in st.fields.values():
        if f.required and not present(values.get(f.id)):
            doc = f.type == "file"
            out.append(f"{'document' if doc else 'field'} {f.id!r} ({f.type}) is required and not "
                       f"{'attached' if doc else 'set'}")
    given = state.signoffs.get(node, {})
    voided = state.voided.get(node, {})
    for so in st.signoffs.values():
        rec = given.get(so.id)
        if rec is None:
            why = f" (voided: {voided[so.id]} changed after it was given; sign again)" if so.id in voided else ""
            out.append(f"sign-off {so.id!r} by role {so.role!r} is not given{why}")
            continue
        if rec.get("digest") and rec["digest"] != digest(approved(loaded, state, node, so)):
            out.append(f"sign-off {so.id!r} no longer matches what it approved; it must be given again")
        problem = separation_problem(loaded, state, node, so.id, rec["user"])
        if problem:
            out.append(f"segregation of duties: {problem}")
    for cond in st.gate:
        problem = gate_problem(loaded, state, st, cond)
        if problem:
            out.append(problem)
    for sj in state.subjobs.values():
        if sj.split == node and sj.status == "open":  # a cancelled per-item sub-job is not waited for
            at = ", ".join(n.rsplit("/", 1)[-1] for n in state.active if in_scope(n, sj.scope))
            out.append(f"sub-job {sj.id} ({sj.title or sj.key}, owner {sj.owner or '-'}) is not complete"
                       + (f" (at {at})" if at else ""))
    return out

"""What stops an open stage from being completed, listed all at once."""

from __future__ import annotations

from sopframe.core.engine.command import Loaded, in_scope
from sopframe.core.engine.gates import gate_problem, label, present
from sopframe.core.engine.signoffs import approved, digest
from sopframe.core.engine.state import JobState
from sopframe.core.policy import separation_problem

__all__ = ["missing"]


def missing(loaded: Loaded, node: str, state: JobState | None = None, labels: bool = False) -> list[str]:
    """Everything that stops an open stage from being completed.

    Required values must be present (not blank, not an empty list); every
    sign-off must be live, still match what it approved, and still meet its
    segregation-of-duties constraints; the gate must hold; a split's
    sub-jobs must be complete.

    Fields and sign-offs are named by their ids (what the command line and the API take), or with ``labels``
    by their titles, as the job page's forms show them.
    """
    state = state or loaded.state
    st = loaded.graph.stage(node)
    out: list[str] = []
    values = state.fields.get(node, {})
    for f in st.fields.values():
        if f.required and not present(values.get(f.id)):
            doc = f.type == "file"
            name = label(f, f.id) if labels else f"{f.id!r} ({f.type})"
            out.append(f"{'document' if doc else 'field'} {name} is required and not {'attached' if doc else 'set'}")
    given = state.signoffs.get(node, {})
    voided = state.voided.get(node, {})
    for so in st.signoffs.values():
        rec = given.get(so.id)
        name = f"\u201c{so.title or so.id}\u201d" if labels else repr(so.id)
        if rec is None:
            change = _changed(loaded, voided[so.id]) if labels and so.id in voided else voided.get(so.id)
            why = f" (voided: {change} changed after it was given; sign again)" if so.id in voided else ""
            role = so.role if labels else repr(so.role)
            out.append(f"sign-off {name} by role {role} is not given{why}")
            continue
        if rec.get("digest") and rec["digest"] != digest(approved(loaded, state, node, so)):
            out.append(f"sign-off {name} no longer matches what it approved; it must be given again")
        problem = separation_problem(loaded, state, node, so.id, rec["user"])
        if problem:
            out.append(f"segregation of duties: {problem}")
    for cond in st.gate:
        problem = gate_problem(loaded, state, st, cond, labels)
        if problem:
            out.append(problem)
    for sj in state.subjobs.values():
        if sj.split == node and sj.status == "open":  # a cancelled per-item sub-job is not waited for
            at = ", ".join(n.rsplit("/", 1)[-1] for n in state.active if in_scope(n, sj.scope))
            out.append(f"sub-job {sj.id} ({sj.title or sj.key}, owner {sj.owner or '-'}) is not complete"
                       + (f" (at {at})" if at else ""))
    return out


def _changed(loaded: Loaded, refs: str) -> str:
    """The fields a voiding change names (``node.field, ...``), by their labels."""
    out = []
    for ref in str(refs).split(", "):
        node, _, fid = ref.rpartition(".")
        f = loaded.graph.stage(node).fields.get(fid) if node in loaded.graph else None
        out.append(label(f, fid))
    return ", ".join(out)

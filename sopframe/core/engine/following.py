"""Jobs and the SOPs they follow: version pinning at the start, review triggers at completion.

A template that declares ``implements: REF`` carries out the SOP of that
reference on the master list, and its ``version`` is the SOP version it
carries out.  A job may start from it only when that version is the SOP's
current published version; otherwise (an older or newer template, or an SOP
not yet published) the start is refused unless the starter gives a reason,
which the start event records with what was current.

A template with a ``review_trigger`` names, in a text field, the SOPs a job
affects; when the job completes (and its ``significant`` field, if named,
says yes) it records ``sop.review_due`` for each, which puts them up for
review until they are reviewed or a new version is published.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

from sopframe.core.engine.command import Command
from sopframe.core.engine.publishing import SopRowsOf, publication, version_key
from sopframe.core.safetext import escape
from sopframe.core.sopref import RECORD_PREFIX, ref_problem, split_refs
from sopframe.core.values import BOOL_TRUE
from sopframe.errors import JobError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.model import Template
    from sopframe.core.readmodel import SopRow

__all__ = ["sop_binding", "refuse_reserved_id", "affects_problem", "review_due", "on_job_completed"]

REASON_HINT = "give a reason to start it anyway: the reason is recorded in the job"
CLI_REASON_HINT = "give --reason TEXT to start it anyway: the reason is recorded in the job"


def _current(ref: str, rows: Sequence["SopRow"]) -> "SopRow | None":
    mine = [r for r in rows if r.ref == ref]
    return mine[-1] if mine else None


def sop_binding(template: "Template", rows: Sequence["SopRow"], reason: str | None) -> dict[str, Any] | None:
    """What the start event records about the SOP the template implements; refuses an off-version start."""
    ref = template.implements
    if not ref:
        return None
    current = _current(ref, rows)
    cur_version = current.version if current else None
    mine = version_key(template.version)
    same = current is not None and mine is not None and version_key(str(cur_version or "")) == mine
    if not same and not reason:
        who = f"template {template.id} {template.version} implements {ref}"
        if current is None:
            refs = sorted({r.ref for r in rows})
            raise JobError(f"{who}, which is not on the SOP master list{did_you_mean(ref, refs)}: no published "
                           f"version of it is in force", hint=f"publish it with an SOP-lifecycle job first, or "
                                                            f"{REASON_HINT}",
                           cli_hint=f"publish it with an SOP-lifecycle job first, or {CLI_REASON_HINT}")
        raise JobError(f"{who}, but the current published version of {ref} is {escape(str(cur_version))} "
                       f"(published by {current.job}): follow the current SOP",
                       hint=f"start the job from the template of version {escape(str(cur_version))}, or "
                            f"{REASON_HINT}",
                       cli_hint=f"start the job from the template of version {escape(str(cur_version))}, or "
                                f"{CLI_REASON_HINT}")
    return {"ref": ref, "version": cur_version, "current": same, "reason": reason or None}


def refuse_reserved_id(job_id: str) -> None:
    """Job ids never take the prefix of SOP record streams."""
    if job_id.startswith(RECORD_PREFIX):
        raise JobError(f"job id {escape(job_id)!r} starts with {RECORD_PREFIX!r}, which names SOP record streams",
                       hint="change the template's job_id pattern")


def _trigger_value(cmd: Command, ref: str | None) -> Any:
    if not ref:
        return None
    sid, _, fid = ref.rpartition(".")
    node = cmd.loaded.graph.node_in_scope((), sid)
    return cmd.work.field_value(node, fid) if node else None


def affects_problem(cmd: Command, known: Callable[[], Sequence["SopRow"]]) -> str | None:
    """Refuse, as it is recorded, an ``affects`` value naming something that is not a published SOP."""
    trig = cmd.loaded.template.review_trigger
    if trig is None:
        return None
    sid, _, fid = trig.affects.rpartition(".")
    node = cmd.loaded.graph.node_in_scope((), sid)
    if node is None or (node, fid) not in cmd.changes:
        return None
    refs = split_refs(str(cmd.work.field_value(node, fid) or ""))
    on_list = sorted({r.ref for r in known()})
    for ref in refs:
        problem = ref_problem(ref)
        if problem:
            return f"{problem} (an affected SOP is named by its reference on the master list)"
        if ref not in on_list:
            return f"{ref} is not on the SOP master list{did_you_mean(ref, on_list)}"
    return None


def review_due(cmd: Command) -> dict[str, Any] | None:
    """The ``sop.review_due`` data of a job that has just completed, or None."""
    trig = cmd.loaded.template.review_trigger
    if trig is None:
        return None
    refs = split_refs(str(_trigger_value(cmd, trig.affects) or ""))
    significant = _trigger_value(cmd, trig.significant) if trig.significant else True
    if not refs or not (significant is True or str(significant).strip().lower() in BOOL_TRUE):
        return None
    return {"refs": refs, "reason": f"significant change {cmd.loaded.root} completed: {cmd.work.title}"}


def on_job_completed(cmd: Command, sop_rows: SopRowsOf) -> None:
    """What a job's completion causes: its SOP version published, the next review scheduled (when they apply)."""
    data = publication(cmd, sop_rows)
    if data is not None:
        cmd.emit("sop.published", **data)
    due = review_due(cmd)
    if due is not None:
        cmd.emit("sop.review_due", **due)

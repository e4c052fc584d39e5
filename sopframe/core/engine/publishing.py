"""Publishing to the SOP master list when a job whose template ``publishes`` completes.

The master list only moves forward: a version that is not greater, by
semantic versioning, than the current version of the same SOP reference is
refused, with a message saying how to re-issue it.  The versions published
so far come from the SOP read model (:class:`~sopframe.core.readmodel.SopRow`,
one row per publishing job, read by reference), never from a fold of events.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Sequence

from sopframe.core.durations import parse_duration
from sopframe.core.engine.command import Command
from sopframe.errors import JobError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.readmodel import SopRow

#: the SOP read model's rows of one reference (Store.sop_rows)
SopRowsOf = Callable[[str], Sequence["SopRow"]]

__all__ = ["version_key", "publication", "version_problem"]

_SEMVER = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def version_key(text: str) -> tuple[Any, ...] | None:
    """A sort key for a semantic version (``1``, ``1.2``, ``1.2.3``, ``1.2.3-rc.1``), or None if it is not one.

    Missing minor and patch numbers count as 0; a pre-release sorts before
    its release, its dot-separated parts numerically where they are numbers.
    """
    m = _SEMVER.match(text.strip())
    if not m:
        return None
    core = tuple(int(g or 0) for g in m.group(1, 2, 3))
    pre = m.group(4)
    if pre is None:
        return (*core, 1, ())
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (*core, 0, parts)


def version_problem(ref: str, version: Any, earlier: Sequence["SopRow"]) -> str | None:
    """Why publishing ``version`` of ``ref`` would move the master list backwards, or None."""
    current = [p for p in earlier if p.ref == ref]
    if not current:
        return None
    last = current[-1].version
    new_key, last_key = version_key(str(version or "")), version_key(str(last or ""))
    if last_key is None:
        return None
    if new_key is None:
        return (f"version {version!r} of {ref} is not a semantic version (such as 1.2 or 1.2.0), so it cannot be "
                f"ordered after the current version {last}")
    if new_key <= last_key:
        return (f"version {version} of {ref} is not greater than the current version {last} "
                f"(published by {current[-1].job}): the master list only moves forward")
    return None


def publication(cmd: Command, earlier: SopRowsOf) -> dict[str, Any] | None:
    """The ``sop.published`` data for a job that has just completed, or None; refuses a backward version.

    ``earlier(ref)`` gives the versions of ``ref`` published so far."""
    pub = cmd.loaded.template.publishes
    if pub is None:
        return None
    graph, work = cmd.loaded.graph, cmd.work

    def value(ref: str | None) -> Any:
        if not ref:
            return None
        sid, _, fid = ref.rpartition(".")
        node = graph.node_in_scope((), sid) if sid else None
        if node is None:
            for st, f in graph.all_fields():
                if f.id == fid and st.node in work.done:
                    node = st.node
        return work.field_value(node, fid) if node else None

    ref, version, effective = value(pub.ref), value(pub.version), value(pub.effective_date)
    ref = ref or cmd.loaded.root
    mine = [p for p in earlier(str(ref)) if p.job != cmd.loaded.root]
    problem = version_problem(str(ref), version, mine)
    if problem:
        raise JobError(problem, job=cmd.loaded.ref,
                       hint=f"to re-issue {ref}, publish it as a greater version: correct the version by "
                            f"rejecting back to the stage that records it (where the template allows rework), or "
                            f"cancel this job and start a new one with a version above the current",
                       cli_hint=f"to re-issue {ref}, publish it as a greater version: correct the version with "
                                f"`sopframe job reject` back to the stage that records it (where the template allows "
                                f"rework), or cancel this job and start a new one with a version above the current")
    effective = effective or cmd.at[:10]
    supersedes = None
    if mine:
        supersedes = {"job": mine[-1].job, "version": mine[-1].version}
    data = {"ref": ref, "version": version, "effective_date": effective,
            "next_review": _next_review(pub.review_every, effective), "title": work.title,
            "template": cmd.loaded.template.id, "job": cmd.loaded.root, "supersedes": supersedes}
    ack = pub.acknowledgement
    if ack is not None:  # who must acknowledge this version, as the template says (docs/training.md)
        data["acknowledgement"] = {"audience": list(ack.audience), "within": ack.within, "every": ack.every,
                                   "effective_share": ack.effective_share, "attestation": ack.attestation}
    return data


def _next_review(every: str | None, effective: Any) -> str | None:
    if not every:
        return None
    try:
        return parse_duration(every).add_to(datetime.fromisoformat(str(effective)[:10])).date().isoformat()
    except ValueError:
        return None


def early_version_problem(cmd: Command, earlier: SopRowsOf) -> str | None:
    """Refuse, when it is recorded, a version the master list would refuse at publication.

    ``earlier(ref)`` reads the publications of ``ref`` so far; it is called only when this command records
    the version or ref.
    """
    pub = cmd.loaded.template.publishes
    if pub is None or not pub.version or not pub.ref:
        return None
    where = {}
    for key, ref in (("ref", pub.ref), ("version", pub.version)):
        sid, _, fid = ref.rpartition(".")
        node = cmd.loaded.graph.node_in_scope((), sid) if sid else None
        if node is None:
            return None
        where[key] = (node, fid)
    if not any(w in cmd.changes for w in where.values()):
        return None
    ref, version = (cmd.work.field_value(*where[k]) for k in ("ref", "version"))
    if not ref or not version:
        return None
    return version_problem(str(ref), version, [p for p in earlier(str(ref)) if p.job != cmd.loaded.root])


"""Routing: entering stages, splits into sub-jobs, joins and rejoins, and the end of a job.

Each function takes the command being worked out and emits the events that
move the job on; what they decide depends only on the pinned template and
the command's working state.  ``on_job_completed`` is how the engine adds
what a finished job publishes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from sopframe.core.engine.command import Command, in_scope, to_json, typed_value
from sopframe.core.engine.gates import value_of
from sopframe.core.engine.ids import subjob_id
from sopframe.core.engine.lists import start_items
from sopframe.core.values import convert
from sopframe.errors import JobError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.model import Stage

__all__ = ["enter", "finish_stage", "targets", "rework_reset"]

Finisher = Callable[[Command], None]
Ready = Callable[[Command, str], bool]


def enter(cmd: Command, node: str, ready: Ready, on_job_completed: Finisher) -> None:
    """Enter a stage; a split stage starts its sub-jobs (and may finish at once if they have no stages)."""
    loaded = cmd.loaded
    st = loaded.graph.stage(node)
    owner_sj = cmd.work.subjob_of(node)
    cmd.emit("stage.entered", stage=node, subjob=owner_sj.id if owner_sj else None)
    if not st.split:
        return
    parent = owner_sj.id if owner_sj else loaded.root
    for key, sub in st.split.items():
        if sub.for_each:
            continue  # one sub-job per item: started below
        sid = subjob_id(parent, sub.suffix)
        cmd.emit("subjob.started", subjob=sid, key=key, split=node, scope=f"{node}/{key}", suffix=sub.suffix,
                 title=sub.title, owner=sub.owner)
        if sub.stages:
            enter(cmd, f"{node}/{key}/{next(iter(sub.stages))}", ready, on_job_completed)
        else:
            cmd.emit("subjob.completed", subjob=sid)
    start_items(cmd, node, ready, on_job_completed, only_new=False)
    _maybe_finish_split(cmd, node, ready, on_job_completed)


def finish_stage(cmd: Command, node: str, ready: Ready, on_job_completed: Finisher) -> None:
    """Complete a stage and follow its routing."""
    st = cmd.loaded.graph.stage(node)
    cmd.emit("stage.completed", stage=node)
    found = targets(cmd, st)
    for t in found:
        _arrive(cmd, t, ready, on_job_completed)
    _release_waiting(cmd, ready, on_job_completed)
    if not found:
        _scope_ended(cmd, node, ready, on_job_completed)


def targets(cmd: Command, st: "Stage") -> list[str]:
    """The stages a completed stage leads to."""
    g = cmd.loaded.graph
    if st.split and st.rejoin:
        names = [st.rejoin]
    elif st.next is None:
        names = []
    elif st.next.when:
        names = [_chosen(cmd, st)]
    else:
        names = list(st.next.targets)
    return [n for n in (g.node_in_scope(st.scope, t) for t in names) if n]


def _chosen(cmd: Command, st: "Stage") -> str:
    assert st.next is not None and st.next.when is not None
    f, value = value_of(cmd.loaded, cmd.work, st, st.next.when)
    chosen = st.next.otherwise
    for case, target in st.next.cases.items():
        try:
            if f is not None and value is not None and typed_value(f, convert(f.type, case)) == value:
                chosen = target
                break
        except ValueError:
            continue
    if chosen is None:
        raise JobError(f"routing: field {st.next.when!r} is {to_json(value)!r}, which no route takes",
                       job=cmd.loaded.ref, stage=st.id)
    return chosen


def rework_reset(cmd: Command, node: str, target: str) -> list[str]:
    """The stages a rejection from ``node`` back to ``target`` resets."""
    return sorted({target, *cmd.loaded.graph.descendants(target)} - {node})


def _reaches(cmd: Command, target: str) -> bool:
    g = cmd.loaded.graph
    # an open split stage contains its sub-jobs' stages: it waits for them, not they for it
    return any(n != target and not target.startswith(n + "/") and g.has_path(n, target)
               for n in cmd.work.active)


def _arrive(cmd: Command, node: str, ready: Ready, on_job_completed: Finisher) -> None:
    if node in cmd.work.active or node in cmd.work.waiting:
        return
    if _reaches(cmd, node):
        cmd.emit("stage.waiting", stage=node)
    else:
        enter(cmd, node, ready, on_job_completed)


def _release_waiting(cmd: Command, ready: Ready, on_job_completed: Finisher) -> None:
    changed = True
    while changed:
        changed = False
        for node in list(cmd.work.waiting):
            if not _reaches(cmd, node):
                enter(cmd, node, ready, on_job_completed)
                changed = True


def _scope_ended(cmd: Command, node: str, ready: Ready, on_job_completed: Finisher) -> None:
    work = cmd.work
    sj = work.subjob_of(node)
    if sj is not None:
        if any(in_scope(n, sj.scope) for n in (*work.active, *work.waiting)):
            return
        cmd.emit("subjob.completed", subjob=sj.id)
        _maybe_finish_split(cmd, sj.split, ready, on_job_completed)
        return
    if work.active or work.waiting:
        return
    cmd.emit("job.completed")
    on_job_completed(cmd)


def _maybe_finish_split(cmd: Command, split: str, ready: Ready, on_job_completed: Finisher) -> None:
    if split in cmd.work.active and ready(cmd, split):
        finish_stage(cmd, split, ready, on_job_completed)


maybe_finish_split = _maybe_finish_split

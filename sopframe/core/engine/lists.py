"""List fields at run time: one sub-job per item, items added late, sub-jobs cancelled, gates over items.

A split whose sub-job declares ``for_each: LIST`` starts one sub-job per item
of that list field.  Its id is the parent's id, the sub-job's ``suffix`` (if
any) and the item's key (its ``key`` column, else its position):
``VUL-2026-0001-F1``.  Its stages are the sub-job's stages, owned as the
template says, and see the item's columns as ``item.COLUMN``.

The job's graph is the template's, with the per-item sub-job copied once per
started item (:func:`expanded`): stage nodes are ``scan/finding#F1/patch``,
so every other part of the engine (routing, gates, SLAs, sign-offs, read
models) works on an item's stages as on any sub-job's.

Rules (also in docs/templates.md):

* entering the split starts a sub-job for every item already listed;
* an item added while the split stage is open starts its sub-job at once;
  the split (and so its ``rejoin``) waits for every one of them;
* an item whose sub-job has started can no longer be changed or removed;
* a per-item sub-job can be cancelled on its own, with a reason
  (``subjob.cancelled``): its open stages close, it stays in the record as
  cancelled, and the split no longer waits for it.  A fixed sub-job is part
  of the procedure and is only cancelled with its job.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from sopframe.core import policy
from sopframe.core.engine.command import Command, Loaded, to_json
from sopframe.core.engine.ids import subjob_id
from sopframe.core.listvalues import ItemError, check_items, item_from_pairs, item_key
from sopframe.core.model import frozen_map
from sopframe.core.safetext import escape
from sopframe.errors import JobError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine.state import JobState, SubJobState
    from sopframe.core.graph import TemplateGraph
    from sopframe.core.limits import Limits
    from sopframe.core.model import Condition, FieldDef, Stage, SubJob, Template

__all__ = ["expanded", "item_field", "refresh", "start_items", "after_set", "add_items", "added", "checked_list", "cancel_subjob",
           "list_gate_problem", "item_defs"]

Ready = Callable[[Command, str], bool]
Finisher = Callable[[Command], None]

_CACHE: "OrderedDict[tuple[Any, ...], TemplateGraph]" = OrderedDict()
_CACHE_SIZE = 64


# ------------------------------------------------------------------ the graph
def _has_items(stages: Mapping[str, "Stage"]) -> bool:
    return any(sub.for_each or _has_items(sub.stages) for st in stages.values() for sub in st.split.values())


def expanded(template: "Template", graph: "TemplateGraph", state: "JobState") -> "TemplateGraph":
    """The job's graph: the template's, with each per-item sub-job copied for every started item."""
    if not _has_items(template.stages):
        return graph  # templates without lists run on their own graph, unchanged
    started = tuple((sj.split, sj.key, sj.item_key) for sj in state.subjobs.values() if sj.item_key is not None)
    key = (template.sha256, template.file, started)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    from sopframe.core.graph import build_graph

    instances: dict[tuple[str, str], list[str]] = {}
    for split, sub, ikey in started:
        keys = instances.setdefault((split, sub), [])
        if ikey not in keys:
            keys.append(ikey)
    defs: dict[str, dict[str, "SubJob"]] = {}
    stages = _expand(template.stages, (), instances, defs)
    tg = build_graph(replace(template, stages=stages))
    for node in defs:  # a list with no items yet: the split leads straight to its rejoin
        st = tg.stage(node)
        rejoin = tg.node_in_scope(st.scope, st.rejoin) if st.rejoin else None
        if rejoin:
            tg.add_edge(node, rejoin, "rejoin")
    tg.item_defs = defs  # type: ignore[attr-defined]
    _CACHE[key] = tg
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return tg


def _expand(stages: Mapping[str, "Stage"], scope: tuple[str, ...], instances: dict[tuple[str, str], list[str]],
            defs: dict[str, dict[str, "SubJob"]]) -> Mapping[str, "Stage"]:
    out = {}
    for sid, st in stages.items():
        node = "/".join((*scope, sid))
        split: dict[str, "SubJob"] = {}
        for jid, sub in st.split.items():
            if sub.for_each:
                defs.setdefault(node, {})[jid] = sub
                for ikey in instances.get((node, jid), ()):
                    iid = f"{jid}#{ikey}"
                    split[iid] = replace(sub, id=iid, stages=_expand(sub.stages, (*scope, sid, iid), instances, defs))
            else:
                split[jid] = replace(sub, stages=_expand(sub.stages, (*scope, sid, jid), instances, defs))
        out[sid] = replace(st, scope=scope, split=frozen_map(split))
    return frozen_map(out)


def item_defs(graph: "TemplateGraph", node: str) -> Mapping[str, "SubJob"]:
    """The per-item sub-jobs a split stage declares (sub-job id -> definition)."""
    return getattr(graph, "item_defs", {}).get(node, {})


def item_field(loaded: Loaded, sj: "SubJobState") -> "FieldDef | None":
    """The list field whose item a per-item sub-job works on (None for another sub-job)."""
    sub = item_defs(loaded.graph, sj.split).get(sj.key) if sj.item is not None and sj.split in loaded.graph else None
    if sub is None:
        return None
    return loaded.graph.lookup_field(loaded.graph.stage(sj.split), sub.for_each or "").field


def refresh(cmd: Command) -> None:
    """Point the command at the graph its working state needs (after sub-jobs were started)."""
    cmd.loaded.graph = expanded(cmd.loaded.template, cmd.loaded.graph, cmd.work)


# -------------------------------------------------------------- starting items
def _list_of(loaded: Loaded, state: "JobState", split: "Stage", sub: "SubJob") -> tuple["FieldDef | None", list]:
    """The list field a per-item sub-job runs over, and its items as stored."""
    look = loaded.graph.lookup_field(split, sub.for_each or "")
    if look.field is None or look.stage is None or look.item_scope is not None:
        return None, []
    stored = state.field_value(look.stage.node, look.field.id)
    return look.field, [i for i in stored if isinstance(i, dict)] if isinstance(stored, list) else []


def start_items(cmd: Command, node: str, ready: Ready, finisher: Finisher, *, only_new: bool) -> None:
    """Start a sub-job for each item of the split's lists (``only_new``: items without one yet)."""
    from sopframe.core.engine.routing import enter

    work = cmd.work
    for jid, sub in item_defs(cmd.loaded.graph, node).items():
        split = cmd.loaded.graph.stage(node)
        f, items = _list_of(cmd.loaded, work, split, sub)
        if f is None:
            continue
        have = {sj.item_key for sj in work.subjobs.values() if sj.split == node and sj.key == jid}
        owner = work.subjob_of(node)
        parent = owner.id if owner else cmd.loaded.root
        for position, item in enumerate(items, 1):
            ikey = item_key(f, item, position)
            if only_new and ikey in have:
                continue
            scope = f"{node}/{jid}#{ikey}"
            title = f"{sub.title or jid}: {ikey}"
            cmd.emit("subjob.started", subjob=subjob_id(parent, f"{sub.suffix}{ikey}"), key=jid, item_key=ikey,
                     item=item, split=node, scope=scope, suffix=f"{sub.suffix}{ikey}", title=title, owner=sub.owner)
            refresh(cmd)
            if sub.stages:
                enter(cmd, f"{scope}/{next(iter(sub.stages))}", ready, finisher)
            else:
                cmd.emit("subjob.completed", subjob=subjob_id(parent, f"{sub.suffix}{ikey}"))


def after_set(cmd: Command, before: "JobState", ready: Ready, finisher: Finisher) -> None:
    """After list values changed: refuse changes to items that have sub-jobs; start sub-jobs for new items."""
    changed = set(cmd.changes)
    if not changed:
        return
    g = cmd.loaded.graph
    for node in list(cmd.work.active):
        for jid, sub in item_defs(g, node).items():
            look = g.lookup_field(g.stage(node), sub.for_each or "")
            if look.field is None or look.stage is None or (look.stage.node, look.field.id) not in changed:
                continue
            _keep_started(cmd, before, node, jid, look.stage.node, look.field)
            start_items(cmd, node, ready, finisher, only_new=True)


def _keep_started(cmd: Command, before: "JobState", split: str, jid: str, node: str, f: "FieldDef") -> None:
    def by_key(state: "JobState") -> dict[str, Any]:
        stored = state.field_value(node, f.id) or []
        return {item_key(f, item, i): item for i, item in enumerate(stored, 1)}

    old, new = by_key(before), by_key(cmd.work)
    for sj in cmd.work.subjobs.values():
        if sj.split == split and sj.key == jid and sj.item_key in old and new.get(sj.item_key) != old[sj.item_key]:
            raise JobError(f"item {sj.item_key} has its sub-job {sj.id}: it can no longer be changed or removed",
                           job=cmd.loaded.ref, stage=cmd.loaded.graph.stage(node).id, field=f.id,
                           hint=f"cancel the sub-job {sj.id} and add a corrected item under a new key",
                           cli_hint=f"cancel the sub-job (`sopframe job cancel {sj.id} --reason ...`) "
                                    "and add a corrected item under a new key")


# ------------------------------------------------------------------- values
def checked_list(cmd: Command, st: "Stage", f: "FieldDef", raw: Any, limits: "Limits") -> list[dict[str, Any]]:
    """A whole list value (a list of mappings, or its JSON text) checked item by item."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw, object_pairs_hook=item_from_pairs) if raw.strip() else []
        except ValueError as exc:  # where the JSON goes wrong: a form's user finds it in the box
            where = f" ({exc.msg}: line {exc.lineno} column {exc.colno})" if isinstance(exc, json.JSONDecodeError) \
                else ""
            raise JobError(f"list field: not valid JSON{where}: give a JSON array of objects", job=cmd.loaded.ref,
                           stage=st.id, field=f.id, cli_hint="or add items with --add FIELD ITEM") from None
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise JobError("list field: expected a list of items", job=cmd.loaded.ref, stage=st.id, field=f.id)
    for i, item in enumerate(raw, 1):
        for v in (item.values() if isinstance(item, Mapping) else ()):
            if isinstance(v, str) and len(v) > limits.text:
                raise JobError(f"item {i}: a value is {len(v)} characters, over the limit of {limits.text}",
                               job=cmd.loaded.ref, stage=st.id, field=f.id)
    try:
        return check_items(f, raw, to_json, today=cmd.at[:10])
    except ItemError as exc:
        raise JobError(f"list field: {escape(str(exc))}", job=cmd.loaded.ref, stage=st.id, field=f.id) from None


def add_items(cmd: Command, node: str, st: "Stage", add: Mapping[str, Sequence[Mapping[str, Any]]],
              limits: "Limits") -> None:
    """Append items to list fields of an open stage (one ``field.set`` with the whole new list each)."""
    if not add:
        return
    from sopframe.core.engine.inputs import field_of

    for fid, items in add.items():
        value = added(cmd, node, st, field_of(cmd.loaded, st, fid), items, limits)
        cmd.emit("field.set", stage=node, field=fid, value=value)


def added(cmd: Command, node: str, st: "Stage", f: "FieldDef", items: Sequence[Mapping[str, Any]],
          limits: "Limits") -> list[dict[str, Any]]:
    """The list after appending ``items`` to what the stage holds, every item checked."""
    if f.type != "list":
        raise JobError(f"is of type {f.type}, not a list: set it with FIELD=VALUE", job=cmd.loaded.ref,
                       stage=st.id, field=f.id)
    current = cmd.work.field_value(node, f.id) or []
    return checked_list(cmd, st, f, [*current, *items], limits)


# --------------------------------------------------------------- cancelling
def cancel_subjob(cmd: Command, roles: Any, reason: str, ready: Ready, finisher: Finisher) -> None:
    """Cancel one per-item sub-job (see the module's rules)."""
    from sopframe.core.engine.routing import maybe_finish_split

    loaded = cmd.loaded
    sj = loaded.subjob
    assert sj is not None
    if sj.item_key is None:
        raise JobError(f"{sj.id} is a fixed sub-job of the procedure: cancel the job {loaded.root} itself",
                       job=loaded.ref, hint="only the sub-jobs started per item of a list can be cancelled alone")
    split = loaded.graph.stage(sj.split)
    problem = policy.may_edit(roles, split, cmd.actor, "cancel sub-jobs")
    if problem:
        raise JobError(problem, job=loaded.ref, stage=split.id,
                       hint="the owner of the split stage (or the job's starter) decides which items are dropped")
    cmd.emit("subjob.cancelled", subjob=sj.id, item_key=sj.item_key, split=sj.split, reason=reason)
    maybe_finish_split(cmd, sj.split, ready, finisher)


# --------------------------------------------------------------------- gates
def list_gate_problem(f: "FieldDef", cond: "Condition", items: list[dict[str, Any]],
                      name: str | None = None) -> str | None:
    """What is wrong with an every / any / count condition on a list, or None if it holds (``name``: the list
    as the job page labels it; columns are then named by their titles too)."""
    from sopframe.core.engine.gates import describe, holds, shown
    from sopframe.core.model import FieldDef as _Field

    def column(ref: str) -> str:
        col = f.columns.get(ref.removeprefix("item."))
        return ref if name is None or col is None or not col.title else col.title

    listed = name or repr(cond.field)
    if cond.op == "count":
        n = len(items)
        counted = _Field(id="count", type="integer")
        for c in cond.items:
            if not holds(counted, c, n):
                return f"gate: the number of items of {listed} must {describe(c)}, but is {n}"
        return None

    def problems(item: dict[str, Any]) -> list[str]:
        out = []
        for c in cond.items:
            col = f.columns.get(c.field)
            value = item.get(c.field)
            if col is None or value is None:
                out.append(f"{column(c.field)} is not set")
                continue
            other = None
            if c.other:
                from sopframe.core.engine.anchors import shifted

                other = item.get(c.other.removeprefix("item."))
                if other is None:
                    out.append(f"{column(c.other)} is not set")
                    continue
                try:
                    other = shifted(other, c.offset)
                except ValueError as exc:  # e.g. a date moved past the year 9999
                    out.append(f"{column(c.field)} must {describe(c)}, which cannot be worked out: {exc}")
                    continue
            try:
                ok = holds(col, c, value, other)
            except (ValueError, TypeError):
                ok = False
            if not ok:
                out.append(f"{column(c.field)} must {describe(c)}, but is {shown(value)}")
        return out

    named = [(item_key(f, item, i), problems(item)) for i, item in enumerate(items, 1)]
    if cond.op == "every":
        bad = [(k, p) for k, p in named if p]
        if bad:
            k, p = bad[0]
            more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
            return f"gate: every item of {listed} must match; item {k}: {'; '.join(p)}{more}"
        return None
    if not any(not p for _k, p in named):
        want = "; ".join(f"{column(c.field)} {describe(c)}" for c in cond.items)
        return f"gate: no item of {listed} has {want}"
    return None


"""Where a job stands: open stages and sub-jobs, owners, what is missing, SLA time left."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sopframe.core.engine.clock import describe_delta, to_text

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine.command import Loaded
    from sopframe.core.engine.engine import Engine

__all__ = ["standing", "render_standing"]


def standing(engine: "Engine", ref: str, now: datetime | None = None) -> dict[str, Any]:
    """A JSON-ready description of a job (or sub-job) and what it waits for."""
    from sopframe.core.engine.command import in_scope
    from sopframe.core.engine.sla import sla_deadline

    now = now or engine.clock()
    loaded = engine.load(ref)
    s = loaded.state
    g = loaded.graph

    def users(role: str | None) -> list[str]:
        return list(engine.roles.holders(role))

    stages = []
    for node, run in s.active.items():
        if not loaded.covers(node):
            continue
        st = g.stage(node)
        sj = s.subjob_of(node)
        owner = st.owner or (sj.owner if sj else None)
        due = sla_deadline(loaded, node, run.entered_at)
        left = (due - now).total_seconds() if due else None
        late = run.breached_at is not None or (left is not None and left < 0)
        stages.append({
            "stage": st.id, "node": node, "title": st.title, "job": sj.id if sj else loaded.root,
            "owner": owner, "owner_users": users(owner), "entered_at": run.entered_at,
            "sla_due": to_text(due) if due else None, "late": late, "breach_recorded_at": run.breached_at,
            "sla_left": None if left is None else (describe_delta(left) if left >= 0 else
                                                   f"overdue by {describe_delta(left)}"),
            "missing": engine.missing(loaded, node),
        })
    subjobs = []
    for sj in s.subjobs.values():
        if loaded.subjob is not None and sj.id != loaded.subjob.id and not loaded.covers(sj.scope):
            continue
        subjobs.append({"id": sj.id, "title": sj.title or sj.key, "owner": sj.owner, "owner_users": users(sj.owner),
                        "status": sj.status, "at": [g.stage(n).id for n in s.active if in_scope(n, sj.scope)],
                        "item": sj.item, "cancel_reason": sj.cancel_reason})
    breaches = [{"stage": g.stage(b["stage"]).id, "node": b["stage"], "job": b.get("subjob") or loaded.root,
                 "due": b["due"], "recorded_at": b["at"], "open": b["stage"] in s.active}
                for b in s.breaches if loaded.covers(b["stage"])]
    return {
        "job": loaded.ref, "root": loaded.root,
        "title": (loaded.subjob.title or loaded.subjob.key) if loaded.subjob else s.title,  # untitled: its key
        "status": loaded.subjob.status if loaded.subjob else s.status,
        "template": {"id": s.template_id, "version": s.template_version, "sha256": s.template_sha256},
        "started_at": loaded.subjob.started_at if loaded.subjob else s.started_at,
        "started_by": loaded.subjob.started_by if loaded.subjob else s.started_by,
        "finished_at": loaded.subjob.completed_at if loaded.subjob else s.finished_at,
        "cancel_reason": _cancel_reason(loaded),
        "events": s.seq, "head": s.head,
        "open_stages": stages, "waiting": sorted(s.waiting), "subjobs": subjobs, "sla_breaches": breaches,
        "published": None if loaded.subjob else s.published,
        "item": _item(loaded),  # what a per-item sub-job works on
    }


def _cancel_reason(loaded: "Loaded") -> str | None:
    """Why the job was cancelled; for a sub-job, why it was (alone, or with its job), never its job's reason for
    a sub-job that completed before."""
    sj = loaded.subjob
    if sj is None:
        return loaded.state.cancel_reason
    return (sj.cancel_reason or loaded.state.cancel_reason) if sj.status == "cancelled" else None


def _item(loaded: "Loaded") -> dict[str, Any] | None:
    """A per-item sub-job's item, its columns in the order the list field declares them."""
    from sopframe.core.engine.lists import item_field

    sj = loaded.subjob
    if sj is None or sj.item is None:
        return None
    f = item_field(loaded, sj)
    order = list(f.columns or {}) if f is not None else []
    return {k: sj.item[k] for k in sorted(sj.item, key=lambda k: order.index(k) if k in order else len(order))}


def render_standing(d: dict[str, Any]) -> str:
    """``sopframe job show`` as text (every value from the record escaped)."""
    from sopframe.core.safetext import escape as e

    t = d["template"]
    lines = [f"{e(d['job'])}  {e(d['title'])}",
             f"  status:   {d['status']}" + (f" ({e(d['cancel_reason'])})" if d.get("cancel_reason") else ""),
             f"  template: {e(t['id'])} {e(t['version'])} (sha256 {t['sha256'][:12]})",
             f"  started:  {d['started_at']} by {e(d['started_by'])}"]
    if d.get("finished_at"):
        lines.append(f"  finished: {d['finished_at']}")
    if d.get("item"):
        from sopframe.core.engine.gates import shown

        lines.append(f"  item:     {e(shown(d['item']))}")
    for st in d["open_stages"]:
        owner = st["owner"] or "-"
        if st["owner_users"]:
            owner += f" ({', '.join(map(e, st['owner_users']))})"
        where = f"{st['job']} " if st["job"] != d["job"] else ""
        mark = "  [LATE]" if st.get("late") else ""
        lines.append(f"  open:     {where}{st['stage']}  {e(st['title'])}".rstrip() + mark)
        lines.append(f"            owner {owner}; entered {st['entered_at']}")
        if st["sla_due"]:
            lines.append(f"            SLA due {st['sla_due']}: {st['sla_left']}"
                         + ("" if "overdue" in st["sla_left"] else " left"))
        if st["missing"]:
            lines.append("            to move on:")
            lines += [f"              - {line}" for m in st["missing"] for line in _lines(m)]
        else:
            lines.append("            ready to complete")
    for sj in d["subjobs"]:
        owner = sj["owner"] or "-"
        if sj["owner_users"]:
            owner += f" ({', '.join(map(e, sj['owner_users']))})"
        at = f" at {', '.join(sj['at'])}" if sj["at"] else ""
        why = f" ({e(sj['cancel_reason'])})" if sj.get("cancel_reason") else ""
        lines.append(f"  sub-job:  {e(sj['id'])}  {e(sj['title'])}  [{sj['status']}{at}]{why}  owner {owner}")
    for b in d.get("sla_breaches", ()):
        where = f"{b['job']} " if b["job"] != d["job"] else ""
        state = "still open" if b["open"] else "completed late"
        lines.append(f"  late:     {where}{b['stage']}  SLA was due {b['due']} ({state})")
    if d.get("published"):
        p = d["published"]
        lines.append(f"  published: {e(p['ref'])} version {e(p.get('version'))} effective "
                     f"{e(p.get('effective_date'))}, next review {p.get('next_review')}")
    return "\n".join(lines)


def _lines(message: str) -> list[str]:
    """A message the engine wrote, one escaped line per line it meant."""
    from sopframe.core.safetext import escape

    return [escape(part) for part in message.split("\n")]

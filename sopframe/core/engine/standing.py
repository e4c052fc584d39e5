"""Where a job stands: open stages and sub-jobs, owners, what is missing, SLA time left."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sopframe.core.engine.clock import to_text
from sopframe.core.engine.sops import describe_delta

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine.engine import Engine

__all__ = ["standing", "render_standing"]


def standing(engine: "Engine", ref: str, now: datetime | None = None) -> dict[str, Any]:
    """A JSON-ready description of a job (or sub-job) and what it waits for."""
    from sopframe.core.engine.engine import sla_deadline

    now = now or engine.clock()
    loaded = engine.load(ref)
    s = loaded.state
    g = loaded.graph

    def users(role: str | None) -> list[str]:
        return list(engine.roles.get(role, [])) if role else []

    stages = []
    for node, run in s.active.items():
        if loaded.subjob is not None and not node.startswith(loaded.subjob.scope + "/"):
            continue
        st = g.stage(node)
        sj = s.subjob_of(node)
        owner = st.owner or (sj.owner if sj else None)
        due = sla_deadline(loaded, node, run.entered_at)
        left = (due - now).total_seconds() if due else None
        stages.append({
            "stage": st.id, "node": node, "title": st.title, "job": sj.id if sj else loaded.root,
            "owner": owner, "owner_users": users(owner), "entered_at": run.entered_at,
            "sla_due": to_text(due) if due else None,
            "sla_left": None if left is None else (describe_delta(left) if left >= 0 else
                                                   f"overdue by {describe_delta(left)}"),
            "missing": engine.missing(loaded, node),
        })
    subjobs = []
    for sj in s.subjobs.values():
        if loaded.subjob is not None and sj.id != loaded.subjob.id and not sj.scope.startswith(
                loaded.subjob.scope + "/"):
            continue
        subjobs.append({"id": sj.id, "title": sj.title, "owner": sj.owner, "owner_users": users(sj.owner),
                        "status": sj.status,
                        "at": [g.stage(n).id for n in s.active if n.startswith(sj.scope + "/")]})
    return {
        "job": loaded.ref, "root": loaded.root, "title": loaded.subjob.title if loaded.subjob else s.title,
        "status": loaded.subjob.status if loaded.subjob else s.status,
        "template": {"id": s.template_id, "version": s.template_version, "sha256": s.template_sha256},
        "started_at": loaded.subjob.started_at if loaded.subjob else s.started_at, "started_by": s.started_by,
        "finished_at": loaded.subjob.completed_at if loaded.subjob else s.finished_at,
        "cancel_reason": s.cancel_reason, "events": s.seq, "head": s.head,
        "open_stages": stages, "waiting": sorted(s.waiting), "subjobs": subjobs,
        "published": None if loaded.subjob else s.published,
    }


def render_standing(d: dict[str, Any]) -> str:
    """``sopframe job show`` as text."""
    t = d["template"]
    lines = [f"{d['job']}  {d['title']}",
             f"  status:   {d['status']}" + (f" ({d['cancel_reason']})" if d.get("cancel_reason") else ""),
             f"  template: {t['id']} {t['version']} (sha256 {t['sha256'][:12]})",
             f"  started:  {d['started_at']} by {d['started_by']}"]
    if d.get("finished_at"):
        lines.append(f"  finished: {d['finished_at']}")
    for st in d["open_stages"]:
        owner = st["owner"] or "-"
        if st["owner_users"]:
            owner += f" ({', '.join(st['owner_users'])})"
        where = f"{st['job']} " if st["job"] != d["job"] else ""
        lines.append(f"  open:     {where}{st['stage']}  {st['title']}".rstrip())
        lines.append(f"            owner {owner}; entered {st['entered_at']}")
        if st["sla_due"]:
            lines.append(f"            SLA due {st['sla_due']}: {st['sla_left']}"
                         + ("" if "overdue" in st["sla_left"] else " left"))
        if st["missing"]:
            lines.append("            to move on:")
            lines += [f"              - {m}" for m in st["missing"]]
        else:
            lines.append("            ready to complete")
    for sj in d["subjobs"]:
        owner = sj["owner"] or "-"
        if sj["owner_users"]:
            owner += f" ({', '.join(sj['owner_users'])})"
        at = f" at {', '.join(sj['at'])}" if sj["at"] else ""
        lines.append(f"  sub-job:  {sj['id']}  {sj['title']}  [{sj['status']}{at}]  owner {owner}")
    if d.get("published"):
        p = d["published"]
        lines.append(f"  published: {p['ref']} version {p.get('version')} effective {p.get('effective_date')}, "
                     f"next review {p.get('next_review')}")
    return "\n".join(lines)

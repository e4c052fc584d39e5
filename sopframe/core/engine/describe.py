"""Events in words: one line saying what an event did, as `sopframe job history`, the job page and the
evidence pack's history pages show it (every recorded value escaped)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine.events import Event

__all__ = ["describe_event", "history_lines"]


def describe_event(type: str, d: Any) -> str:
    """One line about an event's data, for history listings (every recorded value escaped)."""
    from sopframe.core.safetext import escape

    def e(value: Any) -> str:
        return "-" if value is None else escape(value)

    def stage(node: str | None) -> str:
        return e(node or "").replace("/", " > ")

    if type == "job.started":
        t = d["template"]
        text = f"{e(d['job'])} from {e(t['id'])} {e(t['version'])} (sha256 {t['sha256'][:12]})"
        sop = d.get("sop")
        if isinstance(sop, dict) and sop.get("ref"):
            if sop.get("current"):
                text += f", follows {e(sop['ref'])} {e(sop.get('version'))}"
            else:
                text += (f", started off the current version of {e(sop['ref'])} "
                         f"({e(sop.get('version') or 'none')}): {e(sop.get('reason') or '')}")
        return text
    if type == "field.set":
        from sopframe.core.engine.gates import shown

        value = d["value"]
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            count = f"{len(value)} item{'s' if len(value) != 1 else ''}: "
        else:
            count = ""
        return f"{stage(d['stage'])}.{e(d['field'])} = {count}{e(shown(value))}"
    if type == "document.attached":
        where = f", from {e(d['path'])}" if d.get("path") and d.get("path") != d.get("uri") else ""
        link = f", via symlink to {e(d['symlink'])}" if d.get("symlink") else ""
        return (f"{stage(d['stage'])}.{e(d['field'])} <- {e(d['name'])} (sha256 {d['sha256'][:12]}, "
                f"{d['size']} bytes{where}{link})")
    if type == "signoff.given":
        return f"{stage(d['stage'])}: {e(d['signoff'])} (role {e(d['role'])})"
    if type == "signoff.voided":
        return (f"{stage(d['stage'])}: {e(d['signoff'])} by {e(d.get('user'))} voided: "
                f"{e(d.get('change'))} changed after it was given")
    if type == "sla.breached":
        return f"{stage(d['stage'])}: LATE, SLA was due {e(d.get('due'))}"
    if type in ("stage.entered", "stage.completed", "stage.waiting"):
        return stage(d["stage"])
    if type == "stage.rejected":
        return f"{stage(d['stage'])} -> {stage(d['to'])}: {e(d['reason'])}"
    if type in ("subjob.started", "subjob.completed"):
        extra = f" {e(d.get('title', ''))} (owner {e(d.get('owner'))})" if type == "subjob.started" else ""
        return f"{e(d['subjob'])}{extra}"
    if type == "subjob.cancelled":
        return f"{e(d.get('subjob'))}: {e(d.get('reason', ''))}"
    if type == "job.cancelled":
        return e(d.get("reason", ""))
    if type == "sop.published":
        sup = f", supersedes {e(d['supersedes']['version'])}" if d.get("supersedes") else ""
        return f"{e(d['ref'])} version {e(d.get('version'))} effective {e(d.get('effective_date'))}{sup}"
    if type == "sop.review_due":
        return f"review due for {', '.join(e(r) for r in d.get('refs', ()))}: {e(d.get('reason'))}"
    return ""


def history_lines(events: "list[Event]", width: int = 10) -> list[str]:
    """``sopframe job history`` as text; a stage completed after its SLA breach is marked late."""
    from sopframe.core.safetext import escape

    late: set[str | None] = set()
    out = []
    for ev in events:
        text = describe_event(ev.type, ev.data)
        node = ev.data.get("stage") if isinstance(ev.data, dict) else None
        if ev.type == "sla.breached":
            late.add(node)
        elif ev.type == "stage.entered":
            late.discard(node)
        elif ev.type == "stage.completed" and node in late:
            text += "  (late)"
        out.append(f"{ev.seq:>4}  {ev.at[:19]}Z  {escape(ev.actor):<{width}} {ev.type:<18} {text}".rstrip())
    return out

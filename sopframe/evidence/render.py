"""Readable HTML pages of a pack, rendered with Jinja2 (autoescaped: event text is never markup)."""

from __future__ import annotations

from typing import Any, Sequence

from sopframe.checkpoints import Checkpoint
from sopframe.core.engine.events import Event

__all__ = ["render_job", "render_index"]


def _env() -> Any:
    try:
        import jinja2
    except ImportError:  # pragma: no cover - exercised only without the extra
        from sopframe.errors import UsageError

        raise UsageError("evidence packs need Jinja2 for their pages", hint="pip install 'sopframe[evidence]'") \
            from None
    return jinja2.Environment(loader=jinja2.PackageLoader("sopframe.evidence", "templates"),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined)


def _detail(ev: Event) -> str:
    """One line saying what an event did, from its data (keys sorted, values as written)."""
    d = dict(ev.data)
    d.pop("template", None) if ev.type == "job.started" else None
    return ", ".join(f"{k}={v}" for k, v in sorted(d.items()) if v not in (None, "", [], {}))


def _said(ev: Event) -> str:
    """The event in words, as `sopframe job history` says it (its data in full follows on the page)."""
    from sopframe.core.engine.describe import describe_event

    try:
        return describe_event(ev.type, ev.data)
    except (KeyError, TypeError, AttributeError):  # data of a shape this version does not know: the raw data says it
        return ""


def _signoff(ev: Event) -> dict[str, Any]:
    """A sign-off given or voided, in the columns an auditor reads: where, which, by whose role, over what."""
    d = ev.data if isinstance(ev.data, dict) else {}
    approves = d.get("approves")
    return {"seq": ev.seq, "at": ev.at, "actor": ev.actor, "voided": ev.type == "signoff.voided",
            "stage": str(d.get("stage", "")).replace("/", " > "), "signoff": d.get("signoff", ""),
            "role": d.get("role", ""), "approves": ", ".join(map(str, approves)) if isinstance(approves, list) else "",
            "digest": str(d.get("digest", "")), "user": d.get("user", ""), "change": d.get("change", "")}


def render_job(job: str, events: Sequence[Event], covered: int) -> str:
    first = events[0].data if events else {}
    rows = [{"seq": e.seq, "at": e.at, "actor": e.actor, "type": e.type, "said": _said(e), "detail": _detail(e),
             "hash": e.hash, "covered": e.seq <= covered} for e in events]
    signoffs = [_signoff(e) for e in events if e.type in ("signoff.given", "signoff.voided")]
    documents = [{"name": e.data.get("name"), "sha256": e.data.get("sha256"), "size": e.data.get("size"),
                  "actor": e.actor, "at": e.at} for e in events if e.type == "document.attached"]
    return _env().get_template("job.html.j2").render(
        job=job, title=first.get("title", ""), template=first.get("template", {}), rows=rows,
        signoffs=signoffs, documents=documents, covered=covered, total=len(events))


def render_index(jobs: Sequence[dict[str, Any]], sops: Sequence[dict[str, Any]], checkpoint: Checkpoint,
                 selection: dict[str, Any], created: str) -> str:
    return _env().get_template("index.html.j2").render(jobs=jobs, sops=sops, checkpoint=checkpoint,
                                                       selection=selection, created=created)

"""SLA deadlines, and the breaches a command records.

A stage's SLA runs from the moment the stage was entered.  Once it has run
out, the next command on the job (or ``sopframe tick``) appends one
``sla.breached`` event for that visit of the stage: the breach stays in the
record after the stage completes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sopframe.core.durations import parse_duration
from sopframe.core.engine.clock import from_text, to_text
from sopframe.core.engine.command import Command, Loaded, typed_value
from sopframe.core.engine.state import JobState
from sopframe.core.values import convert

__all__ = ["sla_deadline", "due_breaches", "record_breaches"]


def sla_deadline(loaded: Loaded, node: str, entered_at: str, state: JobState | None = None) -> datetime | None:
    """When an open stage's SLA runs out, or None if it has none."""
    st = loaded.graph.stage(node)
    sla = st.sla
    if sla is None:
        return None
    text = sla.duration
    if text is None and sla.when:
        text = _duration_for(loaded, state or loaded.state, st, sla)
    if not text:
        return None
    try:
        return parse_duration(text).add_to(from_text(entered_at))
    except ValueError:
        return None


def _duration_for(loaded: Loaded, state: JobState, st: Any, sla: Any) -> str | None:
    look = loaded.graph.lookup_field(st, sla.when)
    if look.field is None or look.stage is None:
        return sla.otherwise
    stored = state.field_value(look.stage.node, look.field.id)
    if stored is None:
        return sla.otherwise
    for case, d in sla.cases.items():
        try:
            if typed_value(look.field, convert(look.field.type, case)) == typed_value(look.field, stored):
                return d
        except ValueError:
            continue
    return sla.otherwise


def due_breaches(loaded: Loaded, state: JobState, now: datetime) -> list[dict[str, Any]]:
    """The ``sla.breached`` data for every open stage past its SLA whose breach is not yet recorded."""
    out = []
    for node, run in state.active.items():
        if run.breached_at is not None:
            continue
        due = sla_deadline(loaded, node, run.entered_at, state)
        if due is not None and due < now:
            out.append({"stage": node, "subjob": run.subjob, "entered_at": run.entered_at, "due": to_text(due)})
    return out


def record_breaches(cmd: Command, now: datetime) -> None:
    """Emit the breaches that are due, first thing in a command."""
    for data in due_breaches(cmd.loaded, cmd.work, now):
        cmd.emit("sla.breached", **data)

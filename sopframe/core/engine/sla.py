"""SLA deadlines, and the breaches a command records.

A stage's SLA runs from the moment the stage was entered, or, with
``from:``, from the date or time recorded in a field (:mod:`.anchors`; a
field not yet recorded falls back to entering the stage).  Once it has run
out, the next command on the job (or ``sopframe tick``) appends one
``sla.breached`` event for that visit of the stage: the breach stays in the
record after the stage completes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sopframe.core.durations import parse_duration
from sopframe.core.engine.clock import from_text, to_text
from sopframe.core.engine.anchors import anchor_time
from sopframe.core.engine.command import Command, Loaded, typed_value
from sopframe.core.engine.gates import value_of
from sopframe.core.engine.state import JobState
from sopframe.core.values import convert

__all__ = ["sla_deadline", "sla_start", "due_breaches", "record_breaches"]


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
        start = sla_start(loaded, st, entered_at, state or loaded.state)
        return parse_duration(text).add_to(start)
    except ValueError:
        return None


def sla_start(loaded: Loaded, st: Any, entered_at: str, state: JobState) -> datetime:
    """Where a stage's SLA runs from: its anchor's recorded date or time, else entering the stage."""
    return anchor_time(loaded, state, st) or from_text(entered_at)


def _duration_for(loaded: Loaded, state: JobState, st: Any, sla: Any) -> str | None:
    f, value = value_of(loaded, state, st, sla.when)
    if f is None or value is None:
        return sla.otherwise
    for case, d in sla.cases.items():
        try:
            if typed_value(f, convert(f.type, case)) == value:
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
            data: dict[str, Any] = {"stage": node, "subjob": run.subjob, "entered_at": run.entered_at,
                                    "due": to_text(due)}
            st = loaded.graph.stage(node)
            anchor = anchor_time(loaded, state, st)
            if anchor is not None:  # measured from the recorded date, not from entering the stage
                data["from"] = {"field": st.sla.anchor, "at": to_text(anchor)}  # type: ignore[union-attr]
            out.append(data)
    return out


def record_breaches(cmd: Command, now: datetime) -> None:
    """Emit the breaches that are due, first thing in a command."""
    for data in due_breaches(cmd.loaded, cmd.work, now):
        cmd.emit("sla.breached", **data)

"""A command being worked out, and the job it works on.

:class:`Loaded` is a job read from the store with the template it is pinned
to (and, when a sub-job was named, that sub-job).  :class:`Command` is one
command in progress: the state as it will be and the events that make it so.
The decision modules (:mod:`.gates`, :mod:`.routing`, :mod:`.signoffs`,
:mod:`.publishing`, :mod:`sopframe.core.policy`) read these and emit events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Mapping, NamedTuple

from sopframe.core.engine.clock import to_text
from sopframe.core.engine.events import NewEvent
from sopframe.core.engine.state import JobState, SubJobState, apply
from sopframe.core.values import convert

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.graph import TemplateGraph
    from sopframe.core.model import FieldDef, Template

__all__ = ["Loaded", "Command", "to_json", "typed_value", "in_scope"]


def in_scope(node: str, scope: str) -> bool:
    """Whether stage ``node`` lies inside sub-job scope ``scope`` ("" is the whole job).

    The one scope filter: listings, history and "is the sub-job finished"
    all ask it.
    """
    return not scope or node.startswith(scope + "/")


def to_json(value: Any) -> Any:
    """A converted field value as plain JSON (how it is stored in events)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, datetime):
        return to_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return str(value)  # a number (Decimal), a duration: its text


def typed_value(f: "FieldDef", stored: Any) -> Any:
    """A stored value converted back to the field's type, for comparisons."""
    if stored is None:
        return None
    if f.type == "multichoice":
        return tuple(stored)
    if f.type == "list":  # items: column -> typed value
        return [{c: typed_value(f.columns[c], v) for c, v in item.items() if c in f.columns}
                for item in stored if isinstance(item, dict)]
    return convert(f.type, stored)


class _Pending(NamedTuple):
    """An event a command will append, before it is numbered and chained."""

    type: str
    data: Mapping[str, Any]
    actor: str
    at: str


@dataclass
class Loaded:
    """A job read from the store, with the template it is pinned to."""

    ref: str  # the id asked for: the job or one of its sub-jobs
    root: str
    state: JobState
    template: "Template"
    graph: "TemplateGraph"
    subjob: SubJobState | None = None

    @property
    def prefix(self) -> str:
        return self.subjob.scope if self.subjob else ""

    def node(self, stage_id: str) -> str:
        return f"{self.prefix}/{stage_id}" if self.prefix else stage_id

    def covers(self, node: str) -> bool:
        """Whether a stage belongs to what was named: the job, or the sub-job (with its own sub-jobs)."""
        return in_scope(node, self.prefix)

    def check_open(self) -> None:
        """Refuse (a conflict) if the job, or the sub-job named, is no longer open: nothing can change."""
        s = self.state
        if s.status == "open" and (self.subjob is None or self.subjob.status == "open"):
            return
        from sopframe.core.safetext import escape  # a refusal only: not imported by every command
        from sopframe.errors import JobError

        if s.status != "open":
            why = f" ({escape(s.cancel_reason)})" if s.cancel_reason else ""
            raise JobError(f"the job is {s.status}{why}; nothing can change", job=self.ref, kind="conflict")
        if self.subjob is not None and self.subjob.status != "open":
            raise JobError(f"the sub-job is {self.subjob.status}; nothing can change", job=self.ref, kind="conflict")

    def open_stages(self) -> list[str]:
        """The open stages this job or sub-job acts on itself (not those of its sub-jobs)."""
        own = self.subjob.id if self.subjob else None
        return [n for n in self.state.active if (sj := self.state.subjob_of(n)) is None and own is None
                or sj is not None and sj.id == own]


@dataclass
class Command:
    """A command being worked out: the state as it will be, and the events that make it so."""

    loaded: Loaded
    actor: str
    at: str
    work: JobState
    pending: list[NewEvent] = field(default_factory=list)
    #: (stage node, field) of every value or document this command changes
    changes: list[tuple[str, str]] = field(default_factory=list)

    def emit(self, type: str, **data: Any) -> None:
        ev = NewEvent(type, data)
        self.pending.append(ev)
        if type in ("field.set", "document.attached"):
            self.changes.append((data["stage"], data["field"]))
        apply(self.work, _Pending(type, data, self.actor, self.at))

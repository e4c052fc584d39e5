"""Gates: reading field values as a stage sees them, and whether a gate condition holds.

Pure functions of the pinned template and a job state.  "Present" is one
rule everywhere: a value that is missing, a blank string or an empty list
is not there (``required`` and a gate's ``set`` both ask :func:`present`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sopframe.core.durations import Duration
from sopframe.core.engine.command import Loaded, to_json, typed_value
from sopframe.core.engine.state import JobState
from sopframe.core.values import convert

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.model import Condition, FieldDef, Stage

__all__ = ["present", "value_of", "gate_problem", "holds", "describe", "shown", "label", "EMPTY"]


def present(stored: Any) -> bool:
    """Whether a stored value counts as given: not missing, not blank, not an empty list."""
    if stored is None:
        return False
    if isinstance(stored, str):
        return bool(stored.strip())
    if isinstance(stored, (list, tuple)):
        return any(present(v) for v in stored)
    return True


def value_of(loaded: Loaded, state: JobState, at: "Stage", ref: str) -> tuple["FieldDef | None", Any]:
    """The field ``ref`` names as seen from stage ``at``, and its typed value (None when not present)."""
    look = loaded.graph.lookup_field(at, ref)
    if look.field is None:
        return None, None
    if look.item_scope is not None:  # item.column inside a per-item sub-job: the sub-job's own item
        sj = next((s for s in state.subjobs.values() if s.scope == look.item_scope), None)
        stored = (sj.item or {}).get(look.field.id) if sj is not None else None
    elif look.stage is None:
        return None, None
    else:
        stored = state.field_value(look.stage.node, look.field.id)
    return look.field, typed_value(look.field, stored) if present(stored) else None


def label(f: "FieldDef | None", ref: str) -> str:
    """A field as the job page's form labels it (its title, else the reference), quoted: for people who see
    labels, not ids."""
    return f"\u201c{(f.title if f is not None else None) or ref}\u201d"


def gate_problem(loaded: Loaded, state: JobState, st: "Stage", cond: "Condition", labels: bool = False) -> str | None:
    """What is wrong with one gate condition, or None if it holds (``labels``: fields named by their titles, as
    the job page's form shows them, rather than by their ids)."""
    f, value = value_of(loaded, state, st, cond.field)
    if f is None:
        return f"gate: field {cond.field!r} is unknown"
    name = label(f, cond.field) if labels else repr(cond.field)
    if cond.op == "set":
        if (value is not None) != bool(cond.value):
            return f"gate: field {name} must {'be set' if cond.value else 'not be set'}"
        return None
    if cond.op in LIST_OPS:
        from sopframe.core.engine.lists import list_gate_problem

        return list_gate_problem(f, cond, value or [], name if labels else None)
    if value is None:
        return f"gate: field {name} is not set (it must {describe(cond)})"
    other = None
    if cond.other:
        from sopframe.core.engine.anchors import other_value

        try:
            found, other = other_value(loaded, state, st, cond)
        except ValueError as exc:  # e.g. a date moved past the year 9999
            return f"gate: {name} must {describe(cond)}, which cannot be worked out: {exc}"
        if not found:
            theirs = label(loaded.graph.lookup_field(st, cond.other).field, cond.other) if labels else \
                repr(cond.other)
            return f"gate: field {theirs} is not set ({name} must {describe(cond)})"
    try:
        ok = holds(f, cond, value, other)
    except (ValueError, TypeError):
        return f"gate: field {name} cannot be compared with {describe(cond)[3:]}"
    if not ok:
        extra = f" ({shown(other)})" if cond.other else ""
        compared = label(loaded.graph.lookup_field(st, cond.other).field, cond.other) if labels and cond.other \
            else None
        return f"gate: field {name} must {describe(cond, compared)}{extra}, but is {shown(value)}"
    return None


#: gate operators over the items of a list field
LIST_OPS = ("every", "any", "count")


#: how a value that is not there (missing, blank or an empty list) is shown
EMPTY = "(empty)"


def shown(value: Any) -> str:
    """A value (typed or as stored) as people read it, never as Python writes it: text as it is, ``yes``/``no``
    for booleans, a multichoice's choices comma-separated, a list field's items as ``(column: value, ...)``
    one after the other, and :data:`EMPTY` for a value that is not there.  Not escaped: printers escape it."""
    value = to_json(value)
    if not present(value):
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {shown(v)}" for k, v in value.items() if present(v))
    if isinstance(value, list):
        if any(isinstance(v, dict) for v in value):
            return "; ".join(f"({shown(v)})" for v in value)
        return ", ".join(shown(v) for v in value if present(v))
    return str(value)


def describe(cond: "Condition", other: str | None = None) -> str:
    """What a condition asks, as "must ..." continues (``other``: how to name the field it compares with)."""
    if cond.other:
        word = {"equals": "equal", "at_least": "be at least", "at_most": "be at most"}.get(cond.op, cond.op)
        offset = f" {cond.offset[0]} {cond.offset[1:]}" if cond.offset else ""
        return f"{word} {other or cond.other}{offset}"
    if cond.op == "in":
        return f"be one of {', '.join(cond.value)}"  # type: ignore[arg-type]
    return {"equals": "equal", "at_least": "be at least", "at_most": "be at most"}.get(cond.op, cond.op) + \
        f" {cond.value}"


def holds(f: "FieldDef", cond: "Condition", value: Any, other: Any = None) -> bool:
    """Whether ``value`` meets ``cond``; ``other`` is the compared field's value (offset applied) if it names one."""
    from sopframe.core.engine.anchors import comparable

    def conv(text: Any) -> Any:
        if cond.other:
            return other
        if f.type == "multichoice":
            return str(text)
        return convert(f.type, text)

    def size(v: Any) -> Any:
        return v.approx_days() if isinstance(v, Duration) else v

    if cond.op == "equals":
        if f.type == "multichoice" and not cond.other:
            return conv(cond.value) in value
        a, b = comparable(value, conv(cond.value))
        return a == b
    if cond.op == "in":
        options = [conv(v) for v in cond.value]  # type: ignore[union-attr]
        return any(o in value for o in options) if f.type == "multichoice" else value in options
    if cond.op in ("at_least", "at_most"):
        a, b = comparable(size(value), size(conv(cond.value)))
        return a >= b if cond.op == "at_least" else a <= b
    return False

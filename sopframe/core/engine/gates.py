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

__all__ = ["present", "value_of", "gate_problem", "holds", "describe"]


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


def gate_problem(loaded: Loaded, state: JobState, st: "Stage", cond: "Condition") -> str | None:
    """What is wrong with one gate condition, or None if it holds."""
    f, value = value_of(loaded, state, st, cond.field)
    name = cond.field
    if f is None:
        return f"gate: field {name!r} is unknown"
    if cond.op == "set":
        if (value is not None) != bool(cond.value):
            return f"gate: field {name!r} must {'be set' if cond.value else 'not be set'}"
        return None
    if cond.op in LIST_OPS:
        from sopframe.core.engine.lists import list_gate_problem

        return list_gate_problem(f, cond, value or [])
    if value is None:
        return f"gate: field {name!r} is not set (it must {describe(cond)})"
    other = None
    if cond.other:
        from sopframe.core.engine.anchors import other_value

        try:
            found, other = other_value(loaded, state, st, cond)
        except ValueError as exc:  # e.g. a date moved past the year 9999
            return f"gate: {name!r} must {describe(cond)}, which cannot be worked out: {exc}"
        if not found:
            return f"gate: field {cond.other!r} is not set ({name!r} must {describe(cond)})"
    try:
        ok = holds(f, cond, value, other)
    except (ValueError, TypeError):
        return f"gate: field {name!r} cannot be compared with {describe(cond)[3:]}"
    if not ok:
        extra = f" ({shown(other)})" if cond.other else ""
        return f"gate: field {name!r} must {describe(cond)}{extra}, but is {shown(value)}"
    return None


#: gate operators over the items of a list field
LIST_OPS = ("every", "any", "count")


def shown(value: Any) -> str:
    """A typed value as a template writes it: ``yes``/``no`` for booleans, never Python's ``True``."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return repr(to_json(value))


def describe(cond: "Condition") -> str:
    if cond.other:
        word = {"equals": "equal", "at_least": "be at least", "at_most": "be at most"}.get(cond.op, cond.op)
        offset = f" {cond.offset[0]} {cond.offset[1:]}" if cond.offset else ""
        return f"{word} {cond.other}{offset}"
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

"""Rules about list fields, per-item sub-jobs, anchored deadlines and comparisons across fields."""

from __future__ import annotations

from typing import Iterator

from sopframe.core.diagnostics import Finding, Location, Rule, Severity
from sopframe.core.graph import ITEM, TemplateGraph
from sopframe.core.model import Condition, FieldDef, Stage
from sopframe.core.rules.definitions import ORDERED
from sopframe.core.rules.references import ANCHORED, _field_refs, not_certain
from sopframe.core.values import convert
from sopframe.errors import did_you_mean

E = Severity.ERROR
TIMES = ("date", "datetime")
LIST_OPS = ("every", "any", "count")
#: field types whose values compare with each other
_KINDS = {"date": "time", "datetime": "time", "integer": "number", "number": "number", "duration": "duration",
          "bool": "bool", "text": "text", "longtext": "text", "choice": "text", "user": "text", "email": "text",
          "url": "text"}


def _list_field(tg: TemplateGraph, st: Stage, ref: str) -> FieldDef | None:
    f = tg.lookup_field(st, ref).field
    return f if f is not None and f.type == "list" else None


def _value_loc(c: Condition) -> Location:
    return c.value_locs[0] if c.value_locs else c.loc


# --------------------------------------------------------------------- SOP121
def _columns(tg: TemplateGraph) -> Iterator[Finding]:
    for st in tg.stages():
        for f in st.fields.values():
            at = f.key_locs.get
            if f.type != "list":
                for key in ("columns", "key"):
                    if key in f.key_locs:
                        yield COLUMNS.finding(f"`{key}` only applies to list fields, not {f.type} field {f.id!r}",
                                              at=at(key, f.loc), stage=st.node, hint="use `type: list`")
                continue
            if not f.columns:
                yield COLUMNS.finding(f"list field {f.id!r} declares no `columns`", at=f.loc, stage=st.node,
                                      hint="declare each item's columns under `columns:`, like fields")
            if f.key and f.key not in f.columns:
                yield COLUMNS.finding(f"`key` of list field {f.id!r} names column {f.key!r}, which it does not "
                                      f"declare{did_you_mean(f.key, f.columns)}", at=at("key", f.loc), stage=st.node)
            for col in f.columns.values():
                if col.type in ("list", "file"):
                    yield COLUMNS.finding(f"column {col.id!r} of list field {f.id!r} is of type {col.type}: a "
                                          "column holds a single value", at=col.key_locs.get("type", col.loc),
                                          stage=st.node, hint="give each item a text, number, date or choice column")
        for c in st.gate:
            listed = _list_field(tg, st, c.field) if c.op in ("every", "any") else None
            if listed is None:
                continue
            for item in c.items:
                names = [(item.field, item.loc)]
                if item.other:
                    names.append((item.other.removeprefix(ITEM), _value_loc(item)))
                for name, loc in names:
                    if name not in listed.columns:
                        yield COLUMNS.finding(
                            f"gate of stage {st.node!r}: list field {c.field!r} has no column {name!r}"
                            f"{did_you_mean(name, listed.columns)}", at=loc, stage=st.node,
                            hint=f"columns: {', '.join(listed.columns)}")
    for st, ref, loc, what in _field_refs(tg):
        look = tg.lookup_field(st, ref)
        if look.unknown_column is None:
            continue
        if look.item_scope is None:
            yield COLUMNS.finding(f"{what} of stage {st.node!r} uses {ref!r}, but the stage is not in a sub-job "
                                  "started per item of a list", at=loc, stage=st.node,
                                  hint="`item.COLUMN` names a column of the item a `for_each` sub-job runs for")
            continue
        found = tg.item_list(st)
        columns = found[1].columns if found and found[1] is not None else {}
        yield COLUMNS.finding(f"{what} of stage {st.node!r} uses {ref!r}, but the list has no column "
                              f"{look.unknown_column!r}{did_you_mean(look.unknown_column, columns)}", at=loc,
                              stage=st.node, hint=f"columns: {', '.join(columns)}" if columns else "")


# --------------------------------------------------------------------- SOP122
def _split_over(tg: TemplateGraph) -> Iterator[Finding]:
    for st in tg.stages():
        for sub in st.split.values():
            if not sub.for_each:
                continue
            f = tg.lookup_field(st, sub.for_each).field
            if f is not None and f.type != "list":
                yield SPLIT_OVER.finding(
                    f"sub-job {sub.id!r} of stage {st.node!r} runs `for_each` item of {sub.for_each!r}, a "
                    f"{f.type} field, not a list", at=sub.for_each_loc, stage=st.node,
                    hint="name a field of `type: list`, or write the sub-jobs out one by one without `for_each`")


# --------------------------------------------------------------------- SOP123
def _anchors(tg: TemplateGraph) -> Iterator[Finding]:
    for st, ref, loc, what in _field_refs(tg):
        if what not in ANCHORED or not tg.reachable(st.node):
            continue
        look = tg.lookup_field(st, ref)
        if look.field is None or look.stage is None:
            continue  # unknown: SOP108, SOP121
        sla = what == ANCHORED[0]
        if look.not_on_every_path:
            yield ANCHOR.finding(
                f"{what} of stage {st.node!r} measures from {ref!r}, but {not_certain(look)}", at=loc, stage=st.node,
                hint="capture it in a stage every path passes through before this one")
        elif sla and look.item_scope is None and look.stage.node == st.node:
            yield ANCHOR.finding(
                f"the SLA of stage {st.node!r} runs from {ref!r}, which this same stage captures: its deadline "
                "would not be known while the stage is open", at=loc, stage=st.node,
                hint="capture the date in an earlier stage (or as a column of the item)")
        elif sla and not look.field.required:
            yield ANCHOR.finding(
                f"the SLA of stage {st.node!r} runs from {ref!r}, which is not required: a job could arrive "
                "without it and the deadline would fall back to entering the stage", at=loc, stage=st.node,
                hint=f"mark {look.field.id!r} `required: yes`")


# --------------------------------------------------------------------- SOP124
def _literal_problem(f: FieldDef, c: Condition) -> str | None:
    if c.op in ("at_least", "at_most") and f.type not in ORDERED:
        return f"compares {f.type} column {f.id!r} with `{c.op}`, which needs a number, date or duration"
    values = c.value if isinstance(c.value, tuple) else (c.value,)
    for v in values:
        if f.type in ("choice", "multichoice") and f.options and v not in f.options:
            return f"{v!r} is not an option of column {f.id!r}{did_you_mean(str(v), f.options)}"
        try:
            convert(f.type, v)
        except ValueError as exc:
            return f"column {f.id!r}: {exc}"
    return None


def _pair_problem(f: FieldDef, c: Condition, other: FieldDef) -> str | None:
    kind, other_kind = _KINDS.get(f.type), _KINDS.get(other.type)
    if kind is None or kind != other_kind:
        return f"compares {f.type} field {c.field!r} with {other.type} field {c.other!r}: they cannot be compared"
    if c.op in ("at_least", "at_most") and f.type not in ORDERED:
        return f"compares {f.type} field {c.field!r} with `{c.op}`, which needs a number, date or duration"
    if c.offset and kind != "time":
        return f"adds a duration to {other.type} field {c.other!r}: `plus`/`minus` apply to dates and times"
    return None


def _comparisons(tg: TemplateGraph) -> Iterator[Finding]:
    for st in tg.stages():
        for c in st.gate:
            f = tg.lookup_field(st, c.field).field
            if f is None:
                continue
            where = f"gate of stage {st.node!r}"
            if c.op in LIST_OPS and f.type != "list":
                yield TYPES.finding(f"{where} uses `{c.op}` on {f.type} field {c.field!r}: it applies to lists",
                                    at=c.loc, stage=st.node)
                continue
            if f.type == "list" and c.op not in (*LIST_OPS, "set"):
                yield TYPES.finding(f"{where} compares list field {c.field!r} with `{c.op}`", at=c.loc,
                                    stage=st.node, hint="use `every:`, `any:` or `count:` on a list")
                continue
            if c.op == "count":
                for i in c.items:
                    try:
                        convert("integer", i.value)
                    except ValueError:
                        yield TYPES.finding(f"{where}: `count` of {c.field!r} is compared with {i.value!r}, not "
                                            "a whole number", at=_value_loc(i), stage=st.node)
                continue
            if c.op in ("every", "any"):
                for i in c.items:
                    col = f.columns.get(i.field)
                    if col is None:
                        continue  # SOP121
                    other = f.columns.get(i.other.removeprefix(ITEM)) if i.other else None
                    problem = (_pair_problem(col, i, other) if other is not None else None) if i.other \
                        else _literal_problem(col, i)
                    if problem:
                        yield TYPES.finding(f"{where} on {c.field!r}: {problem}", at=_value_loc(i), stage=st.node)
                continue
            if c.other:
                other = tg.lookup_field(st, c.other).field
                problem = _pair_problem(f, c, other) if other is not None else None
                if problem:
                    yield TYPES.finding(f"{where} {problem}", at=_value_loc(c), stage=st.node)
        yield from _time_refs(tg, st)


def _time_refs(tg: TemplateGraph, st: Stage) -> Iterator[Finding]:
    if st.sla is not None and st.sla.anchor:
        f = tg.lookup_field(st, st.sla.anchor).field
        if f is not None and f.type not in TIMES:
            yield TYPES.finding(f"the SLA of stage {st.node!r} runs from {st.sla.anchor!r}, a {f.type} field, "
                                "not a date or time", at=st.sla.value_locs.get("from", st.at("sla")),
                                stage=st.node, hint="`from:` names a date or datetime field")
    for ref, loc, what in ((st.next.when if st.next else None,
                            st.next.target_locs.get("when", st.at("next")) if st.next else None, "routes"),
                           (st.sla.when if st.sla else None,
                            st.sla.value_locs.get("when", st.at("sla")) if st.sla else None, "sets its SLA")):
        f = tg.lookup_field(st, ref).field if ref else None
        if f is not None and f.type == "list":
            yield TYPES.finding(f"stage {st.node!r} {what} by list field {ref!r}, which holds many values",
                                at=loc, stage=st.node, hint="decide on one value: a column of the item "
                                "(`item.COLUMN`) inside a per-item sub-job, or another field")


COLUMNS = Rule("SOP121", "list-column", E, "A list field's columns are missing, or a column is unknown.",
               "A `list` field holds items whose `columns` are typed like fields; `key` names the column "
               "that identifies an item. Gates (`every`, `any`) and `item.COLUMN` references name columns "
               "the list declares, and `item.` is only meaningful inside a sub-job started per item.", _columns)
SPLIT_OVER = Rule("SOP122", "split-over-non-list", E, "A sub-job runs `for_each` over a field that is not a list.",
                  "`for_each:` starts one sub-job per item of a list field; any other field has no items.",
                  _split_over)
ANCHOR = Rule("SOP123", "anchor-not-captured", E,
              "A date a deadline or comparison is measured from is not recorded on every path before it.",
              "An SLA's `from:` and a gate's `field:` comparison measure time from a recorded date. The date "
              "must be captured on every path before the stage (for `from:`, in an earlier stage and "
              "required), or the deadline could not be known.", _anchors)
TYPES = Rule("SOP124", "comparison-types", E, "A comparison of values that cannot be compared.",
             "A gate compares a field with a value or another field of the same kind (dates and times, "
             "numbers, text, durations); `plus`/`minus` move dates and times; `every`/`any`/`count` apply to "
             "lists; `from:` names a date or time; routes and SLAs decide on one value, not a list.",
             _comparisons)

RULES = [COLUMNS, SPLIT_OVER, ANCHOR, TYPES]

"""Rules about definitions: roles used, durations, ids, field constraints, owners."""

from __future__ import annotations

import re
from typing import Iterator

from sopframe.core.diagnostics import Finding, Location, Rule, Severity
from sopframe.core.durations import parse_duration
from sopframe.core.graph import TemplateGraph
from sopframe.core.rules.references import _role_refs
from sopframe.core.values import bound_value, convert
from sopframe.errors import did_you_mean

E = Severity.ERROR
ORDERED = ("integer", "number", "date", "datetime", "duration")


def _unused_roles(tg: TemplateGraph) -> Iterator[Finding]:
    used = {role for role, *_ in _role_refs(tg)}
    pub = tg.template.publishes
    if pub is not None and pub.acknowledgement is not None:  # an audience role is used: its holders acknowledge
        used.update(pub.acknowledgement.audience)
    for rule in tg.template.notify.values():  # a role only told of something is used too
        used.update(rule.to)
    for role in tg.template.roles.values():
        if role.id not in used:
            yield UNUSED_ROLE.finding(
                f"role {role.id!r} is defined but no stage, sign-off, field or `notify:` entry uses it", at=role.loc,
                hint="remove it, or make it the owner of a stage or the role of a sign-off",
            )


def _durations(tg: TemplateGraph) -> Iterator[Finding]:
    def check(text: str | None, loc, what: str, stage: str | None = None) -> Iterator[Finding]:
        if text is None:
            return
        try:
            parse_duration(text)
        except ValueError as exc:
            yield BAD_DURATION.finding(f"{what}: {exc}", at=loc, stage=stage,
                                       hint="examples: 15m, 4h, 10d, 2w, 12 months, PT15M")

    for st in tg.stages():
        if st.sla is not None:
            yield from check(st.sla.duration, st.at("sla"), f"SLA of stage {st.node!r}", st.node)
            for value, d in st.sla.cases.items():
                yield from check(d, st.sla.value_locs.get(value, st.at("sla")),
                                 f"SLA of stage {st.node!r} for {value!r}", st.node)
            yield from check(st.sla.otherwise, st.sla.value_locs.get("otherwise", st.at("sla")),
                             f"SLA of stage {st.node!r} otherwise", st.node)
        for c in (*st.gate, *(i for c in st.gate for i in c.items)):
            if c.offset:
                yield from check(c.offset[1:], c.loc, f"gate of stage {st.node!r} on {c.field!r}", st.node)
    pub = tg.template.publishes
    if pub is not None:
        yield from check(pub.review_every, pub.key_locs.get("review_every", pub.loc), "publishes.review_every")
        ack = pub.acknowledgement
        if ack is not None:
            for key in ("within", "every"):
                yield from check(getattr(ack, key), ack.key_locs.get(key, ack.loc),
                                 f"publishes.acknowledgement.{key}")


def _duplicates(tg: TemplateGraph) -> Iterator[Finding]:
    for st in tg.stages():
        seen: dict[str, str] = {}
        for sub in st.split.values():
            if sub.suffix in seen:
                yield DUPLICATE.finding(
                    f"sub-jobs {seen[sub.suffix]!r} and {sub.id!r} of stage {st.node!r} share the suffix "
                    f"{sub.suffix!r}: their job ids would be the same",
                    at=sub.suffix_loc, stage=st.node, hint="give each sub-job its own suffix (A, B, C ...)",
                )
            seen.setdefault(sub.suffix, sub.id)
        for so in st.signoffs.values():
            if so.id in st.fields:
                yield DUPLICATE.finding(
                    f"stage {st.node!r} has a field and a sign-off both called {so.id!r}",
                    at=so.loc, stage=st.node, hint="rename one: `not_by` and gates could not tell them apart",
                )


def _constraints(tg: TemplateGraph) -> Iterator[Finding]:
    for st in tg.stages():
        for f in st.fields.values():
            at = f.key_locs.get
            if f.type in ("choice", "multichoice") and not f.options:
                yield CONSTRAINT.finding(f"{f.type} field {f.id!r} has no `options`", at=f.loc, stage=st.node,
                                         hint="list the allowed values under `options:`")
            if f.options and f.type not in ("choice", "multichoice"):
                yield CONSTRAINT.finding(f"`options` only applies to choice and multichoice fields, "
                                         f"not {f.type} field {f.id!r}", at=at("options", f.loc), stage=st.node,
                                         hint="use `type: choice`, or remove `options`")
            if f.role and f.type != "user":
                yield CONSTRAINT.finding(f"`role` only applies to user fields, not {f.type} field {f.id!r}",
                                         at=at("role", f.loc), stage=st.node)
            if f.pattern is not None:
                if f.type not in ("text", "longtext"):
                    yield CONSTRAINT.finding(f"`pattern` only applies to text fields, not {f.type} field {f.id!r}",
                                             at=at("pattern", f.loc), stage=st.node)
                else:
                    try:
                        re.compile(f.pattern)
                    except (re.error, OverflowError, RecursionError) as exc:  # a{99999999999}: OverflowError
                        yield CONSTRAINT.finding(f"pattern of field {f.id!r} is not a valid regular expression: {exc}",
                                                 at=at("pattern", f.loc), stage=st.node)
            bounds = {}
            for key in ("min", "max"):
                raw = getattr(f, key)
                if raw is None:
                    continue
                if f.type not in (*ORDERED, "text", "longtext"):
                    yield CONSTRAINT.finding(f"`{key}` does not apply to {f.type} field {f.id!r}",
                                             at=at(key, f.loc), stage=st.node)
                    continue
                try:
                    bounds[key] = bound_value(f, raw)
                except ValueError as exc:
                    yield CONSTRAINT.finding(f"`{key}` of field {f.id!r}: {exc}", at=at(key, f.loc), stage=st.node)
            if len(bounds) == 2:
                lo, hi = bounds["min"], bounds["max"]
                if f.type == "duration":
                    lo, hi = lo.approx_days(), hi.approx_days()
                if lo > hi:
                    yield CONSTRAINT.finding(f"field {f.id!r} has `min` {f.min} above `max` {f.max}",
                                             at=at("min", f.loc), stage=st.node)
            if f.required and f.type in ("text", "longtext") and bounds.get("max") == 0:
                yield CONSTRAINT.finding(f"required field {f.id!r} has `max` 0: no value is both present and at "
                                         "most 0 characters long, so its stage can never complete",
                                         at=at("max", f.loc), stage=st.node)


def _condition_values(tg: TemplateGraph) -> Iterator[Finding]:
    for st in tg.stages():
        checks: list[tuple[str, object, Location, str, str]] = []
        for c in st.gate:
            if c.op in ("set", "every", "any", "count") or c.other:
                continue  # lists and comparisons with another field: SOP121, SOP124
            values = c.value if isinstance(c.value, tuple) else (c.value,)
            locs = c.value_locs if len(c.value_locs) == len(values) else (c.loc,) * len(values)
            checks.extend((c.field, v, loc, "gate", c.op) for v, loc in zip(values, locs))
        if st.next is not None and st.next.when:
            checks.extend((st.next.when, v, st.next.target_locs.get(f"is.{v}", st.at("next")), "routing", "equals")
                          for v in st.next.cases)
        if st.sla is not None and st.sla.when:
            checks.extend((st.sla.when, v, st.sla.value_locs.get(v, st.at("sla")), "SLA", "equals")
                          for v in st.sla.cases)
        for ref, value, loc, what, op in checks:
            f = tg.lookup_field(st, ref).field
            if f is None:
                continue
            if op in ("at_least", "at_most") and f.type not in ORDERED:
                yield COND_VALUE.finding(f"{what} of stage {st.node!r} compares {f.type} field {ref!r} with "
                                         f"`{op}`, which needs a number, date or duration", at=loc, stage=st.node)
                continue
            if f.type in ("choice", "multichoice") and f.options and value not in f.options:
                yield COND_VALUE.finding(
                    f"{what} of stage {st.node!r}: {value!r} is not an option of field {ref!r}"
                    f"{did_you_mean(str(value), f.options)}", at=loc, stage=st.node,
                    hint=f"options: {', '.join(f.options)}")
                continue
            try:
                convert(f.type, value)
            except ValueError as exc:
                yield COND_VALUE.finding(f"{what} of stage {st.node!r} on field {ref!r}: {exc}", at=loc,
                                         stage=st.node)


def _owners(tg: TemplateGraph) -> Iterator[Finding]:
    for st in tg.stages():
        if not st.split and not st.owner:
            yield NO_OWNER.finding(
                f"stage {st.node!r} has no owner", at=st.loc, stage=st.node,
                hint="add `owner: <role>` (inside a sub-job, or give the sub-job an `owner:`)",
            )


def _bindings(tg: TemplateGraph) -> Iterator[Finding]:
    for st in tg.stages():
        for f in st.fields.values():
            if f.bind is not None and f.type != "user":
                yield BIND.finding(f"`bind: {f.bind}` only applies to user fields, not {f.type} field {f.id!r}",
                                   at=f.key_locs.get("bind", f.loc), stage=st.node,
                                   hint="use `type: user`, or remove `bind`")


UNUSED_ROLE = Rule("SOP112", "unused-role", Severity.WARNING, "A role is defined but never used.",
                   "A role no stage, sign-off or user field names is usually a leftover or a typo "
                   "elsewhere.", _unused_roles)
BAD_DURATION = Rule("SOP113", "invalid-duration", E, "An SLA or review interval that is not a duration.",
                    "Durations are a number and a unit (15m, 4h, 10d, 2w, 12 months, 1y), several "
                    "joined by spaces (1h 30m), or ISO 8601 (PT15M, P1D).", _durations)
DUPLICATE = Rule("SOP114", "duplicate-id", E, "Two things share an id where they must not.",
                 "Sub-jobs of one split need distinct suffixes (they become part of job ids), and a stage's "
                 "sign-offs and fields need distinct names. Duplicate keys in YAML are refused by the "
                 "parser (SOP002).", _duplicates)
CONSTRAINT = Rule("SOP116", "field-constraint", E, "A field constraint that does not fit the field's type.",
                  "choice and multichoice fields need `options`; `pattern` is for text; `role` is for "
                  "user fields; `min`/`max` must be values of the field's type (a length for text) with "
                  "min not above max; a required text field needs a `max` above 0.", _constraints)
COND_VALUE = Rule("SOP117", "condition-value", E, "A gate, route or SLA value the field can never hold.",
                  "A condition compares a field with a value; the value must be possible for the field: "
                  "one of a choice field's options, yes/no for bool, a date for a date field.", _condition_values)
NO_OWNER = Rule("SOP118", "stage-without-owner", E, "A stage with no owner role.",
                "Every stage that does work is owned by a role (ISO 27001 A.5.2 asks for allocated "
                "responsibilities). Sub-job stages default to the sub-job's owner.", _owners)

BIND = Rule("SOP119", "bind-not-user", E, "`bind: actor` on a field that is not a user field.",
            "`bind: actor` makes a user field record whoever enters it (the requester is whoever really "
            "raised the request), so segregation of duties holds against the real actor. Only a user "
            "field can name a person.", _bindings)

RULES = [UNUSED_ROLE, BAD_DURATION, DUPLICATE, CONSTRAINT, COND_VALUE, NO_OWNER, BIND]

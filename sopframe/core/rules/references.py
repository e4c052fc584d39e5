"""Rules about names: roles, fields, stages and sign-offs that must exist."""

from __future__ import annotations

from typing import Iterator, Mapping

from sopframe.core.diagnostics import Finding, Location, Rule, Severity
from sopframe.core.graph import FieldLookup, TemplateGraph
from sopframe.core.model import NOWHERE, Stage
from sopframe.errors import did_you_mean

E = Severity.ERROR


def _role_refs(tg: TemplateGraph) -> Iterator[tuple[str, Location, Stage | None, str]]:
    """(role, where, stage, what) for every role reference in the template."""
    for role in tg.template.starters:
        yield role, tg.template.at("starters"), None, "`starters`"
    for st in tg.stages():
        if st.owner and "owner" in st.key_locs:
            yield st.owner, st.at("owner"), st, f"owner of stage {st.node!r}"
        for role in st.editors:
            yield role, st.at("editors"), st, f"`editors` of stage {st.node!r}"
        for sub in st.split.values():
            if sub.owner:
                yield sub.owner, sub.owner_loc, st, f"owner of sub-job {sub.id!r}"
        for so in st.signoffs.values():
            yield so.role, so.role_loc if so.role_loc != NOWHERE else so.loc, st, f"sign-off {so.id!r}"
        for f in st.fields.values():
            if f.role:
                yield f.role, f.key_locs.get("role", f.loc), st, f"field {f.id!r}"


def _undefined_roles(tg: TemplateGraph) -> Iterator[Finding]:
    roles = tg.template.roles
    for role, loc, st, what in _role_refs(tg):
        if role not in roles:
            yield UNDEFINED_ROLE.finding(
                f"{what} names role {role!r}, which is not defined{did_you_mean(role, roles)}",
                at=loc, stage=st.node if st else None,
                hint=f"define it under `roles:` or use one of: {', '.join(roles)}",
            )


def _field_refs(tg: TemplateGraph) -> Iterator[tuple[Stage, str, Location, str]]:
    """(stage, ref, where, what) for every gate, routing, SLA and split field reference."""
    for st in tg.stages():
        for c in st.gate:
            yield st, c.field, c.loc, "gate"
            if c.other:
                yield st, c.other, c.value_locs[0] if c.value_locs else c.loc, ANCHORED[1]
        if st.next is not None and st.next.when:
            yield st, st.next.when, st.next.target_locs.get("when", st.at("next")), "routing `when`"
        if st.sla is not None and st.sla.when:
            yield st, st.sla.when, st.sla.value_locs.get("when", st.at("sla")), "SLA `when`"
        if st.sla is not None and st.sla.anchor:
            yield st, st.sla.anchor, st.sla.value_locs.get("from", st.at("sla")), ANCHORED[0]
        for sub in st.split.values():
            if sub.for_each:
                yield st, sub.for_each, sub.for_each_loc, "split `for_each`"


#: references a date is measured from: SOP123 checks they are captured on every path before
ANCHORED = ("SLA `from`", "gate comparison")


def _undefined_fields(tg: TemplateGraph) -> Iterator[Finding]:
    names = tg.field_names()
    for st, ref, loc, what in _field_refs(tg):
        look = tg.lookup_field(st, ref)
        if look.unknown_stage or look.unknown_column is not None:
            continue  # reported by SOP109, SOP121
        if look.field is None:
            fid = ref.split(".")[-1]
            yield UNDEFINED_FIELD.finding(
                f"{what} of stage {st.node!r} refers to field {ref!r}, which no stage captures"
                f"{did_you_mean(fid, names)}",
                at=loc, stage=st.node,
                hint="declare the field under `fields:` of this stage or of an earlier one",
            )
    pub = tg.template.publishes
    if pub is not None:
        top = Stage(id="", scope=())
        for key, ref in pub.references().items():
            loc = pub.key_locs.get(key, pub.loc)
            if "." not in ref:
                yield UNDEFINED_FIELD.finding(
                    f"publishes.{key} must name a field as stage.field, got {ref!r}", at=loc,
                    hint="for example `ref: draft.sop_ref`",
                )
                continue
            sid, fid = ref.split(".", 1)
            named = tg.find_stage(top, sid)
            if named is None:
                yield UNDEFINED_STAGE.finding(
                    f"publishes.{key} names stage {sid!r}, which is not defined"
                    f"{did_you_mean(sid, tg.template.stages)}", at=loc,
                )
            elif fid not in named.fields:
                yield UNDEFINED_FIELD.finding(
                    f"publishes.{key} names field {fid!r} of stage {sid!r}, which that stage does not capture"
                    f"{did_you_mean(fid, named.fields)}", at=loc,
                )


def not_certain(look: FieldLookup) -> str:
    """Why a field a lookup found in ``not_on_every_path`` is not certain to be captured: a message's tail."""
    where = ", ".join(repr(s.node) for s in look.not_on_every_path)
    if look.per_path:
        return (f"it is captured in {where} on different paths, and a name refers to one stage's field: none "
                "of them is on every path before this one")
    return f"it is captured only in {where}, which not every path passes through first"


def _not_captured(tg: TemplateGraph) -> Iterator[Finding]:
    for st, ref, loc, what in _field_refs(tg):
        if what in ANCHORED:
            continue  # SOP123
        look = tg.lookup_field(st, ref)
        if look.field is not None and look.not_on_every_path:
            yield NOT_CAPTURED.finding(
                f"{what} of stage {st.node!r} uses field {ref!r}, but {not_certain(look)}",
                at=loc, stage=st.node,
                hint=("capture the field once, in a stage every path passes through, or check it on each path"
                      if look.per_path else
                      "capture the field in this stage or in a stage every path passes through before it"),
            )


def _undefined_stages(tg: TemplateGraph) -> Iterator[Finding]:
    for d in tg.dangling:
        if d.key == "next" and d.stage.scope and tg.find_stage(d.stage, d.target) is not None:
            continue  # a branch escaping its split: SOP105
        siblings = [n.split("/")[-1] for n in tg.scopes.get(d.stage.scope, [])]
        yield UNDEFINED_STAGE.finding(
            f"`{d.key}` of stage {d.stage.node!r} names stage {d.target!r}, which is not defined"
            + (" in its sub-job" if d.stage.scope else "") + did_you_mean(d.target, siblings),
            at=d.loc, stage=d.stage.node,
            hint=f"stages here: {', '.join(siblings)}",
        )
    for st, ref, loc, what in _field_refs(tg):
        look = tg.lookup_field(st, ref)
        if look.unknown_stage:
            yield UNDEFINED_STAGE.finding(
                f"{what} of stage {st.node!r} names stage {look.unknown_stage!r}, which is not defined"
                f"{did_you_mean(look.unknown_stage, tg.template.stages)}",
                at=loc, stage=st.node,
            )


def _covers_all(tg: TemplateGraph, st: Stage, when: str, cases: Mapping[str, str]) -> bool:
    f = tg.lookup_field(st, when).field
    if f is None:
        return False
    if f.type == "choice" and f.options:
        return set(f.options) <= set(cases)
    return f.type == "bool" and {c.lower() for c in cases} >= {"yes", "no"}


def _no_default(tg: TemplateGraph) -> Iterator[Finding]:
    for st in tg.stages():
        r = st.next
        if r is not None and r.when and not r.otherwise and not _covers_all(tg, st, r.when, r.cases):
            yield NO_DEFAULT.finding(
                f"stage {st.node!r} routes on {r.when!r} with no `otherwise`: a value not listed leaves the "
                "job stuck",
                at=st.at("next"), stage=st.node,
                hint="add `otherwise: <stage>`, or list every option of the choice field under `is:`",
            )
        sla = st.sla
        if sla is not None and sla.when and not sla.otherwise and not _covers_all(tg, st, sla.when, sla.cases):
            yield NO_DEFAULT.finding(
                f"the SLA of stage {st.node!r} depends on {sla.when!r} with no `otherwise`: a value not listed "
                "has no time limit",
                at=st.at("sla"), stage=st.node,
                hint="add `otherwise: <duration>`, or list every option of the choice field under `is:`",
            )


def _separation(tg: TemplateGraph) -> Iterator[Finding]:
    for st in tg.stages():
        for so in st.signoffs.values():
            for ref, loc in zip(so.not_by, so.not_by_locs or (so.loc,) * len(so.not_by)):
                if ref == so.id:
                    yield SEPARATION.finding(f"sign-off {so.id!r} cannot be kept apart from itself",
                                             at=loc, stage=st.node)
                    continue
                if "." not in ref and ref in st.signoffs:
                    continue
                if "." in ref:
                    sid, name = ref.split(".", 1)
                    other = tg.find_stage(st, sid)
                    if other is not None and name in other.signoffs:
                        if not (tg.reachable(st.node) and tg.reachable(other.node)) or \
                                tg.together(st.node, other.node):
                            continue  # enforced whichever of the two is given second
                        yield SEPARATION.finding(
                            f"`not_by` of sign-off {so.id!r} names sign-off {ref!r}, but no job passes through "
                            f"both stage {other.node!r} and stage {st.node!r}: the two are never given in one "
                            "job, so they are never kept apart",
                            at=loc, stage=st.node,
                            hint="name a sign-off of a stage on the same path as this one (before or after it)",
                        )
                        continue
                look = tg.lookup_field(st, ref)
                if look.field is not None and look.field.type == "user" and not look.not_on_every_path:
                    continue
                if look.field is not None and look.field.type != "user":
                    msg = f"`not_by` of sign-off {so.id!r} names field {ref!r} of type {look.field.type}, not a user"
                    hint = "name a sign-off or a field of type user: the person who must not sign"
                elif look.field is not None:
                    msg = (f"`not_by` of sign-off {so.id!r} names user field {ref!r}, which is not captured on "
                           "every path before this stage")
                    hint = "capture the user field in a stage every path passes through first"
                else:
                    known = [*st.signoffs, *(f.id for _, f in tg.all_fields() if f.type == "user")]
                    msg = (f"`not_by` of sign-off {so.id!r} names {ref!r}, which is neither a sign-off of this "
                           f"stage nor a user field{did_you_mean(ref.split('.')[-1], known)}")
                    hint = "name another sign-off of this stage, `stage.signoff`, or a user field"
                yield SEPARATION.finding(msg, at=loc, stage=st.node, hint=hint)


UNDEFINED_ROLE = Rule("SOP107", "undefined-role", E, "A role is used but not defined under `roles:`.",
                      "Stage owners, sub-job owners, sign-offs, user fields, `starters` and `editors` name "
                      "roles; each must be defined under `roles:`.", _undefined_roles)
UNDEFINED_FIELD = Rule("SOP108", "undefined-field", E,
                       "A gate, route, SLA, split or publish names a field no stage captures.",
                       "Fields are referenced by name (looked up in the stage itself, then in earlier "
                       "stages) or as `stage.field`.", _undefined_fields)
UNDEFINED_STAGE = Rule("SOP109", "undefined-stage", E, "`next`, `rework`, `rejoin` or a reference names no stage.",
                       "Stage references are looked up among the stages of the same scope: the job's own "
                       "stages, or the stages of the same sub-job.", _undefined_stages)
NOT_CAPTURED = Rule("SOP110", "field-not-captured", E,
                    "A gate or `when` uses a field not captured on every path before it.",
                    "A condition can only be decided if the field was filled in whatever path the job "
                    "took: in the same stage, or in a stage every path passes through first.", _not_captured)
NO_DEFAULT = Rule("SOP111", "route-without-default", E, "Conditional routing or SLA without `otherwise`.",
                  "When `next` (or `sla`) depends on a field's value, a value not listed under `is:` must "
                  "still lead somewhere (or have a time limit): add `otherwise:`. Listing every option of a "
                  "choice field (or yes and no of a bool) needs no default.", _no_default)
SEPARATION = Rule("SOP115", "separation-invalid", E, "A `not_by` that names nothing a person can be compared with.",
                  "Segregation of duties compares people: `not_by` names another sign-off (of the same "
                  "stage, or `stage.signoff` of a stage a job can pass through together with this one: "
                  "before it, after it or on a parallel branch; whichever is given second is refused to "
                  "the person who gave the first) or a user field captured on every path before.", _separation)

RULES = [UNDEFINED_ROLE, UNDEFINED_FIELD, UNDEFINED_STAGE, NOT_CAPTURED, NO_DEFAULT, SEPARATION]

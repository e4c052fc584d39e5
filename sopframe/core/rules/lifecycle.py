"""Rules about an SOP's lifecycle: the SOP a template implements, who acknowledges it, review triggers."""

from __future__ import annotations

from typing import Iterator

from sopframe.core.diagnostics import Finding, Rule, Severity
from sopframe.core.graph import TemplateGraph
from sopframe.core.model import Stage
from sopframe.core.sopref import REF_HINT, parse_share, ref_problem
from sopframe.errors import did_you_mean

E = Severity.ERROR


def _implements(tg: TemplateGraph) -> Iterator[Finding]:
    ref = tg.template.implements
    if ref is None:
        return
    problem = ref_problem(ref)
    if problem:
        yield IMPLEMENTS.finding(f"`implements` {problem}", at=tg.template.at("implements"), hint=REF_HINT)


def _audience(tg: TemplateGraph) -> Iterator[Finding]:
    pub = tg.template.publishes
    ack = pub.acknowledgement if pub is not None else None
    if ack is None:
        return
    roles = tg.template.roles
    for name, loc in zip(ack.audience, ack.audience_locs or (ack.loc,) * len(ack.audience)):
        if name.startswith("group:"):
            continue  # groups come from the configuration: checked when someone acknowledges
        if name not in roles:
            yield AUDIENCE.finding(
                f"the acknowledgement audience names {name!r}, which is neither a role of this template nor a "
                f"group{did_you_mean(name, roles)}", at=loc,
                hint=f"name a role defined under `roles:` ({', '.join(roles)}) or a configured group as group:NAME")


def _share(tg: TemplateGraph) -> Iterator[Finding]:
    pub = tg.template.publishes
    ack = pub.acknowledgement if pub is not None else None
    if ack is None or ack.effective_share is None:
        return
    try:
        parse_share(ack.effective_share)
    except ValueError as exc:
        yield SHARE.finding(f"effective_share {exc}", at=ack.key_locs.get("effective_share", ack.loc),
                            hint="a percentage above 0% and at most 100%, such as 80%")


def _trigger(tg: TemplateGraph) -> Iterator[Finding]:
    trig = tg.template.review_trigger
    if trig is None:
        return
    top = Stage(id="", scope=())
    for key, ref, types in (("affects", trig.affects, ("text", "longtext")), ("significant", trig.significant,
                                                                              ("bool",))):
        if not ref:
            continue
        loc = trig.key_locs.get(key, trig.loc)
        sid, _, fid = ref.rpartition(".")
        st = tg.find_stage(top, sid) if sid else None
        if st is None or fid not in st.fields:
            known = [f"{s.id}.{f}" for s in tg.template.stages.values() for f in s.fields]
            yield TRIGGER.finding(f"review_trigger.{key} names {ref!r}, which is not a field of a stage of this "
                                  f"template{did_you_mean(ref, known)}", at=loc,
                                  hint="write stage.field, naming a field of one of the job's own stages")
        elif st.fields[fid].type not in types:
            yield TRIGGER.finding(f"review_trigger.{key} names field {ref!r} of type {st.fields[fid].type}; it "
                                  f"must be {' or '.join(types)}", at=loc,
                                  hint="`affects` lists SOP references as text; `significant` is a yes/no field")


IMPLEMENTS = Rule("SOP150", "implements-malformed", E, "`implements` is not an SOP reference.",
                  "A template names the SOP it carries out by its reference on the master list "
                  "(such as SOP-IR-001), so jobs can be tied to the SOP's current published version.", _implements)
AUDIENCE = Rule("SOP151", "audience-undefined", E, "The acknowledgement audience names an undefined role.",
                "Each person who holds an audience role (or belongs to a configured group:NAME) must "
                "acknowledge every published version; a role the template does not define reaches nobody.",
                _audience)
SHARE = Rule("SOP152", "effective-share-range", E, "`effective_share` is not a percentage above 0 and up to 100.",
             "A version becomes effective once that share of its audience has acknowledged it; 0% would "
             "make acknowledgements meaningless and more than 100% could never be reached.", _share)
TRIGGER = Rule("SOP153", "review-trigger-field", E, "`review_trigger` names a field that is not there or of the "
               "wrong type.", "A change job names the SOPs it affects in a text field and, optionally, whether "
               "the change is significant in a yes/no field; completing it puts those SOPs up for review.",
               _trigger)

RULES = [IMPLEMENTS, AUDIENCE, SHARE, TRIGGER]

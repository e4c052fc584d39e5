"""Build the immutable model from a structurally valid parsed document."""

from __future__ import annotations

from typing import Any, Mapping

from sopframe.core.diagnostics import Location
from sopframe.core.model import (
    Condition,
    FieldDef,
    Acknowledgement,
    NotifyRule,
    Publishes,
    ReviewTrigger,
    Role,
    Routing,
    Signoff,
    Sla,
    Stage,
    SubJob,
    Template,
    frozen_map,
)
from sopframe.core.values import BOOL_TRUE
from sopframe.core.yamlsource import ParsedDocument, Path_

__all__ = ["build_template"]
_MODEL_KEYS = {"template", "title", "version", "description", "kind", "frameworks", "job_id",
               "roles", "starters", "stages", "publishes", "notify",
               "implements", "review_trigger"}


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


def _names(v: Any) -> tuple[str, ...]:
    """A role list written as one name or a list of names."""
    if not v:
        return ()
    return (str(v),) if isinstance(v, str) else tuple(str(x) for x in v)


def _bool(v: Any) -> bool:
    return v is True or (isinstance(v, str) and v.strip().lower() in BOOL_TRUE)


class _Builder:
    def __init__(self, doc: ParsedDocument) -> None:
        self.doc = doc

    def key(self, path: Path_) -> Location:
        return self.doc.key_at(path)

    def value(self, path: Path_) -> Location:
        return self.doc.value_at(path)

    def key_locs(self, data: Mapping[str, Any], path: Path_) -> Mapping[str, Location]:
        # a scalar is pointed at where its value is written; a block mapping or
        # list at its key (its "value" position is its first nested line)
        return frozen_map({k: self.key((*path, k)) if isinstance(v, (dict, list)) else self.value((*path, k))
                           for k, v in data.items()})

    def field(self, fid: str, d: Mapping[str, Any], path: Path_) -> FieldDef:
        return FieldDef(
            id=fid,
            type=_text(d.get("type")),
            title=_text(d.get("title")),
            description=_text(d.get("description")),
            required=_bool(d.get("required", False)),
            role=d.get("role"),
            options=tuple(_text(o) for o in d.get("options", ())),
            min=None if d.get("min") is None else _text(d["min"]),
            max=None if d.get("max") is None else _text(d["max"]),
            pattern=d.get("pattern"),
            bind=d.get("bind"),
            loc=self.key(path),
            key_locs=self.key_locs(d, path),
            columns=frozen_map({c: self.field(c, cd or {}, (*path, "columns", c))
                                for c, cd in (d.get("columns") or {}).items()}),
            key=d.get("key"),
        )

    def signoff(self, sid: str, d: Mapping[str, Any], path: Path_) -> Signoff:
        nb = d.get("not_by", ())
        locs: tuple[Location, ...]
        if isinstance(nb, str):
            refs, locs = (nb,), (self.value((*path, "not_by")),)
        else:
            refs = tuple(nb)
            locs = tuple(self.value((*path, "not_by", i)) for i in range(len(refs)))
        return Signoff(id=sid, role=_text(d.get("role")), title=_text(d.get("title")),
                       not_by=refs, loc=self.key(path), not_by_locs=locs,
                       role_loc=self.value((*path, "role")))

    def condition(self, fid: str, v: Any, path: Path_) -> Condition:
        loc = self.key(path)
        if not isinstance(v, dict):
            return Condition(field=fid, op="equals", value=_text(v), loc=loc, value_locs=(self.value(path),))
        # one condition per operator; several operators on one field all apply
        op, val = next(iter(v.items()))
        if op == "in":
            return Condition(field=fid, op="in", value=tuple(_text(x) for x in val), loc=loc,
                             value_locs=tuple(self.value((*path, "in", i)) for i in range(len(val))))
        if op == "set":
            return Condition(field=fid, op="set", value=_bool(val), loc=loc)
        if op in ("every", "any"):
            items = self.conditions(val if isinstance(val, dict) else {}, (*path, op))
            return Condition(field=fid, op=op, value="", loc=loc, items=items)
        if op == "count":
            if isinstance(val, dict):
                items = tuple(self.condition("", {o: x}, (*path, op)) for o, x in val.items())
            else:
                items = (Condition(field="", op="equals", value=_text(val), loc=loc,
                                   value_locs=(self.value((*path, op)),)),)
            return Condition(field=fid, op="count", value="", loc=loc, items=items)
        if isinstance(val, dict):  # compared with another field: {field: ref, plus|minus: duration}
            sign = "-" if "minus" in val else "+"
            offset = val.get("minus", val.get("plus"))
            return Condition(field=fid, op=op, value="", loc=loc, value_locs=(self.value((*path, op, "field")),),
                             other=_text(val.get("field")), offset=f"{sign}{_text(offset)}" if offset else None)
        return Condition(field=fid, op=op, value=_text(val), loc=loc, value_locs=(self.value((*path, op)),))

    def conditions(self, gate: Mapping[str, Any], path: Path_) -> tuple[Condition, ...]:
        out: list[Condition] = []
        for fid, v in gate.items():
            if isinstance(v, dict) and len(v) > 1:
                out.extend(self.condition(fid, {op: val}, (*path, fid)) for op, val in v.items())
            else:
                out.append(self.condition(fid, v, (*path, fid)))
        return tuple(out)

    def routing(self, v: Any, path: Path_) -> Routing:
        loc = self.value(path)
        if isinstance(v, str):
            return Routing(targets=(v,), loc=loc, target_locs=frozen_map({v: loc}))
        if isinstance(v, list):
            return Routing(targets=tuple(v), loc=loc,
                           target_locs=frozen_map({t: self.value((*path, i)) for i, t in enumerate(v)}))
        cases = {_text(k): t for k, t in v.get("is", {}).items()}
        locs = {f"is.{k}": self.value((*path, "is", k)) for k in v.get("is", {})}
        other = v.get("otherwise")
        if other is not None:
            locs["otherwise"] = self.value((*path, "otherwise"))
        targets = tuple(dict.fromkeys([*cases.values(), *([other] if other else [])]))
        for key, loc in list(locs.items()):
            if key == "otherwise" or key.startswith("is."):
                locs.setdefault(other if key == "otherwise" else cases[key[3:]], loc)
        locs["when"] = self.value((*path, "when"))
        return Routing(targets=targets, when=v.get("when"), cases=frozen_map(cases), otherwise=other,
                       loc=loc, target_locs=frozen_map(locs))

    def sla(self, v: Any, path: Path_) -> Sla:
        loc = self.value(path)
        if isinstance(v, str):
            return Sla(duration=v, loc=loc, value_locs=frozen_map({"": loc}))
        cases = {_text(k): _text(d) for k, d in (v.get("is") or {}).items()}
        locs = {k: self.value((*path, "is", k)) for k in (v.get("is") or {})}
        for key in ("otherwise", "when", "from", "within"):
            if v.get(key) is not None:
                locs[key] = self.value((*path, key))
        if v.get("within") is not None:
            locs[""] = locs["within"]
        return Sla(duration=None if v.get("within") is None else _text(v["within"]), when=v.get("when"),
                   cases=frozen_map(cases), otherwise=v.get("otherwise"), loc=loc, value_locs=frozen_map(locs),
                   anchor=v.get("from"))

    def stages(self, data: Mapping[str, Any], path: Path_, scope: tuple[str, ...],
               default_owner: str | None) -> Mapping[str, Stage]:
        return frozen_map({sid: self.stage(sid, d or {}, (*path, sid), scope, default_owner)
                           for sid, d in data.items()})

    def stage(self, sid: str, d: Mapping[str, Any], path: Path_, scope: tuple[str, ...],
              default_owner: str | None) -> Stage:
        split = {}
        for jid, j in (d.get("split") or {}).items():
            jp = (*path, "split", jid)
            split[jid] = SubJob(
                id=jid,
                suffix=_text(j.get("suffix")),
                title=_text(j.get("title")),
                owner=j.get("owner"),
                stages=self.stages(j.get("stages", {}), (*jp, "stages"), (*scope, sid, jid), j.get("owner")),
                loc=self.key(jp),
                owner_loc=self.value((*jp, "owner")),
                suffix_loc=self.value((*jp, "suffix")),
                for_each=j.get("for_each"),
                for_each_loc=self.value((*jp, "for_each")),
            )
        return Stage(
            id=sid,
            title=_text(d.get("title")),
            description=_text(d.get("description")),
            owner=d.get("owner", default_owner),
            editors=_names(d.get("editors")),
            fields=frozen_map({k: self.field(k, v, (*path, "fields", k))
                               for k, v in (d.get("fields") or {}).items()}),
            signoffs=frozen_map({k: self.signoff(k, v, (*path, "signoffs", k))
                                 for k, v in (d.get("signoffs") or {}).items()}),
            gate=self.conditions(d.get("gate") or {}, (*path, "gate")),
            next=self.routing(d["next"], (*path, "next")) if d.get("next") not in (None, "") else None,
            rework=d.get("rework"),
            sla=self.sla(d["sla"], (*path, "sla")) if d.get("sla") not in (None, "") else None,
            split=frozen_map(split),
            rejoin=d.get("rejoin"),
            loc=self.key(path),
            key_locs=self.key_locs(d, path),
            scope=scope,
        )

    def acknowledgement(self, d: Any, path: Path_) -> Acknowledgement | None:
        if not isinstance(d, dict):
            return None
        audience = _names(d.get("audience"))
        if isinstance(d.get("audience"), str):
            locs: tuple[Location, ...] = (self.value((*path, "audience")),)
        else:
            locs = tuple(self.value((*path, "audience", i)) for i in range(len(audience)))
        share = d.get("effective_share")
        return Acknowledgement(audience=audience, within=d.get("within"), every=d.get("every"),
                               effective_share=None if share in (None, "") else _text(share),
                               attestation=d.get("attestation"), loc=self.key(path),
                               key_locs=self.key_locs(d, path), audience_locs=locs)

    def notify_rule(self, trigger: str, d: Mapping[str, Any], path: Path_) -> NotifyRule:
        channels = d.get("channels")
        to = _names(d.get("to"))
        to_path = (*path, "to")
        return NotifyRule(
            trigger=trigger,
            channels=() if _bool(d.get("off")) else None if channels is None else tuple(str(c) for c in channels),
            to=to,
            lead=d.get("lead"),
            after=d.get("after"),
            loc=self.key(path),
            key_locs=self.key_locs(d, path),
            channel_locs=tuple(self.value((*path, "channels", i)) for i in range(len(channels or ()))),
            to_locs=tuple(self.value((*to_path, i)) for i in range(len(to))) if isinstance(d.get("to"), list)
            else tuple(self.value(to_path) for _ in to),
        )

    def template(self) -> Template:
        d = self.doc.data
        pub = d.get("publishes")
        publishes = None
        if isinstance(pub, dict):
            publishes = Publishes(
                ref=pub.get("ref"), version=pub.get("version"), effective_date=pub.get("effective_date"),
                review_every=pub.get("review_every"), loc=self.key(("publishes",)),
                key_locs=self.key_locs(pub, ("publishes",)),
                acknowledgement=self.acknowledgement(pub.get("acknowledgement"), ("publishes", "acknowledgement")),
            )
        trig = d.get("review_trigger")
        trigger = None
        if isinstance(trig, dict):
            trigger = ReviewTrigger(affects=_text(trig.get("affects")), significant=trig.get("significant"),
                                    loc=self.key(("review_trigger",)), key_locs=self.key_locs(trig, ("review_trigger",)))
        return Template(
            id=_text(d.get("template")),
            title=_text(d.get("title")),
            version=_text(d.get("version")),
            kind=_text(d.get("kind")),
            file=self.doc.file,
            description=_text(d.get("description")),
            frameworks=tuple(d.get("frameworks") or ()),
            job_id=_text(d.get("job_id")) or "{template}-{year}-{seq:03}",
            roles=frozen_map({r: Role(r, _text(desc), self.key(("roles", r)))
                              for r, desc in (d.get("roles") or {}).items()}),
            starters=_names(d.get("starters")),
            stages=self.stages(d.get("stages") or {}, ("stages",), (), None),
            publishes=publishes,
            implements=_text(d["implements"]) if d.get("implements") not in (None, "") else None,
            review_trigger=trigger,
            notify=frozen_map({k: self.notify_rule(str(k), v, ("notify", k))
                               for k, v in (d.get("notify") or {}).items() if isinstance(v, dict)}),
            extra=frozen_map({k: v for k, v in d.items() if k not in _MODEL_KEYS}),
            loc=Location(self.doc.file, 1, 1),
            key_locs=self.key_locs(d, ()),
            sha256=self.doc.sha256,
        )


def build_template(doc: ParsedDocument) -> Template:
    """The immutable model of a document that passed the schema."""
    return _Builder(doc).template()

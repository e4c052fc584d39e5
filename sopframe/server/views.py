"""What the pages show, computed from the engine and the policy (no authorisation decided here)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from sopframe.core.engine.gates import shown
from sopframe.core.safetext import escape

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine.command import Loaded
    from sopframe.core.readmodel import JobSummary
    from sopframe.server.state import ServerState

__all__ = ["job_view", "board_view", "inbox_view", "history_rows", "form_values", "changed_values", "Refused"]


@dataclass(frozen=True)
class Refused:
    """A refused form of field values: its stage, what was typed in it, and the field the refusal names."""

    stage: str
    typed: dict[str, str]
    field: str | None = None


def _signoff_view(st: "ServerState", loaded: "Loaded", node: str, stage: Any, user: str) -> list[dict[str, Any]]:
    """Each sign-off of an open stage: given (by whom), or whether this user may give it and why not."""
    from sopframe.core import policy

    given = loaded.state.signoffs.get(node, {})
    out = []
    for so in stage.signoffs.values():
        done = given.get(so.id)
        why = None
        if not done:
            why = policy.may_sign(st.roles, stage, so.id, user)
            if why is None:
                sep = policy.separation_problem(loaded, loaded.state, node, so.id, user)
                why = f"segregation of duties: {sep}" if sep else None
        out.append({"id": so.id, "title": so.title or so.id, "role": so.role, "given_by": done["user"] if done else None,
                    "given_at": done["at"] if done else None, "refusal": why})
    return out


def _field_view(loaded: "Loaded", node: str, f: Any, typed: dict[str, str] | None = None,
                invalid: str | None = None) -> dict[str, Any]:
    """One field as its form shows it: what is recorded, or what was ``typed`` into a form that was refused."""
    value = typed[f.id] if typed is not None and f.id in typed else loaded.state.field_value(node, f.id)
    doc = loaded.state.documents.get(node, {}).get(f.id) if f.type == "file" else None
    return {"id": f.id, "title": f.title or f.id, "type": f.type, "required": f.required, "options": list(f.options),
            "value": _list_text(value) if f.type == "list" else _form_value(value),
            "chosen": _choices(value) if f.type == "multichoice" else [], "document": doc, "invalid": f.id == invalid,
            "columns": [{"id": c.id, "title": c.title or c.id, "type": c.type, "required": c.required,
                         "options": list(c.options)} for c in (f.columns or {}).values()]}


def _list_text(value: Any) -> str:
    """A list field's items as they are edited: a JSON array, one item a line (text typed is kept as typed)."""
    if value is None or isinstance(value, str):
        return value or ""
    if not value:
        return "[]"
    return "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in value) + "\n]"


def _form_value(value: Any) -> str:
    """A stored value as a form shows it for editing (yes/no for booleans, as templates write them; the
    choices of a multichoice comma-separated, as they are typed)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return shown(value) if isinstance(value, bool) else str(value)


def _choices(value: Any) -> list[str]:
    """The choices of a multichoice: stored (a list) or submitted (comma-separated)."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return [c for c in (str(i).strip() for i in items) if c]


def _lf(text: str) -> str:
    """Line breaks as LF: browsers submit a textarea's with CRLF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _stage_fields(loaded: "Loaded", node: str | None) -> dict[str, Any]:
    if node is None or node not in loaded.state.active:
        return {}
    return dict(loaded.graph.stage(node).fields)


def form_values(loaded: "Loaded", node: str | None, items: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """The field values a job page's form submits (``f:FIELD`` entries), line breaks as LF.

    A multichoice field sends each chosen option as a value of its own, after an empty one that is always
    there (so that choosing none clears it): they are joined, comma-separated.  Another field sent more than
    once is refused.
    """
    sent: dict[str, list[str]] = {}
    for key, value in items:
        if key.startswith("f:") and isinstance(value, str):
            sent.setdefault(key[len("f:"):], []).append(_lf(value))
    fields = _stage_fields(loaded, node)
    given = {}
    for fid, values in sent.items():
        f = fields.get(fid)
        if f is not None and f.type == "multichoice":
            given[fid] = ", ".join(v for v in values if v.strip())
        elif len(values) > 1:
            raise ValueError(f"field '{escape(fid)}' was sent {len(values)} times")
        else:
            given[fid] = values[0]
    return given


def changed_values(loaded: "Loaded", node: str | None, given: dict[str, str]) -> dict[str, str]:
    """The fields of a submitted form whose value differs from what is recorded (a form sends every field;
    recording the unchanged ones again would void sign-offs that approved them).

    Line breaks are compared as LF on both sides, and a multichoice's choices as a set (in any order)."""
    if node is None or node not in loaded.state.active:
        return given  # the engine names the problem with the stage
    fields = _stage_fields(loaded, node)
    return {k: v for k, v in given.items() if not _same(fields.get(k), v, loaded.state.field_value(node, k))}


def _same(f: Any, given: str, stored: Any) -> bool:
    if f is not None and f.type == "multichoice":
        return set(_choices(given)) == set(_choices(stored))
    if f is not None and f.type == "list":  # the same items, however the JSON is laid out
        try:
            return bool(json.loads(given) == (stored or [])) if given.strip() else not stored
        except ValueError:
            return False  # the engine says what is wrong with it
    return _lf(given) == _lf(_form_value(stored))


def _refusals(st: "ServerState", stage: Any, user: str) -> dict[str, str | None]:
    """Why this user may not edit, complete or reject the stage (None where they may), as the policy says:
    the page disables those forms and says why, as it does for sign-offs (the engine decides either way)."""
    from sopframe.core import policy

    return {"edit": policy.may_edit(st.roles, stage, user, "record values"),
            "complete": policy.may_complete(st.roles, stage, user),
            "reject": policy.may_reject(st.roles, stage, user) if stage.rework else None}


def job_view(st: "ServerState", job: str, user: str, refused: "Refused | None" = None) -> dict[str, Any]:
    """The job page: standing, each open stage's fields and sign-offs for this user, the history.

    ``refused``: a form of values the engine refused; its stage shows what was typed, not what is recorded
    (nothing of it was), and the field the refusal names is marked.
    """
    from sopframe.core.engine.standing import standing

    engine = st.engine()
    d = standing(engine, job)
    loaded = engine.load(job)
    for stage in d["open_stages"]:
        st_def = loaded.graph.stage(stage["node"])
        mine = refused is not None and refused.stage == stage["node"]
        typed, invalid = (refused.typed, refused.field) if mine and refused else (None, None)
        stage["fields"] = [_field_view(loaded, stage["node"], f, typed, invalid) for f in st_def.fields.values()]
        stage["missing"] = engine.missing(loaded, stage["node"], labels=True)  # as the forms below name them
        stage["signoffs"] = _signoff_view(st, loaded, stage["node"], st_def, user)
        stage["rework"] = st_def.rework
        stage["refusals"] = _refusals(st, st_def, user)
    d["item"] = _item_rows(loaded)
    d["cancel"] = _cancel_view(st, loaded, user)
    d["history"] = history_rows(engine.history(job))
    d["stage_list"] = stage_list(loaded)
    d["drawn"] = shutil.which("dot") is not None
    return d


def _cancel_view(st: "ServerState", loaded: "Loaded", user: str) -> dict[str, str] | None:
    """Whether this user may cancel the job (its starter, or a holder of a role that starts it), or the per-item
    sub-job of this page (the owner of its split stage): the page offers the form only then (the engine decides)."""
    from sopframe.core import policy

    if loaded.state.status != "open":
        return None
    sj = loaded.subjob
    if sj is None:
        return None if policy.may_cancel(st.roles, loaded, user) else {"what": "job"}
    if sj.item_key is None or sj.status != "open":
        return None  # a fixed sub-job is cancelled with its job
    split = loaded.graph.stage(sj.split)
    return None if policy.may_edit(st.roles, split, user, "cancel sub-jobs") else {"what": "sub-job"}


def _item_rows(loaded: "Loaded") -> dict[str, Any] | None:
    """The item a per-item sub-job works on, column by column as the list field titles them (None for a job or
    another sub-job): the person remediating a finding sees the finding."""
    from sopframe.core.engine.lists import item_field

    sj = loaded.subjob
    if sj is None or not sj.item:
        return None
    f = item_field(loaded, sj)
    columns = dict(f.columns or {}) if f is not None else {}
    keys = [c for c in columns if c in sj.item] + [k for k in sj.item if k not in columns]
    return {"key": sj.item_key, "list": (f.title or f.id) if f is not None else "",
            "rows": [{"id": k, "title": (columns[k].title if k in columns else None) or k, "value": shown(sj.item[k])}
                     for k in keys]}


def stage_list(loaded: "Loaded") -> list[dict[str, Any]]:
    """The template's stages with where the job is and where each leads: the diagram as text (works everywhere)."""
    g = loaded.graph
    state = loaded.state
    out = []
    for node in g.graph:  # the order the template writes its stages in
        st = g.stage(node)
        where = "open" if node in state.active else "done" if node in state.done else ""
        nexts = [f"{g.stage(t).id} ({g.graph.edges[node, t].get('kind', 'next')})" for t in g.graph.successors(node)]
        out.append({"node": node, "title": st.title or st.id, "depth": node.count("/"), "state": where,
                    "next": nexts, "rework": st.rework})
    return out


def history_rows(events: list[Any]) -> list[dict[str, Any]]:
    from sopframe.core.engine.describe import describe_event

    return [{"seq": e.seq, "at": e.at[:19].replace("T", " "), "actor": e.actor, "type": e.type,
             "text": describe_event(e.type, e.data)} for e in events]


def board_view(summaries: list["JobSummary"], now: str,
               stage_title: Any = None) -> list[dict[str, Any]]:
    """Columns of the board: one per open stage name (in first-seen order), then finished jobs by status.

    ``stage_title(summary, node)`` gives a stage's title, as the job page shows it: a column is named by the
    title of its first card's stage (its id where there is none)."""
    columns: dict[str, list[dict[str, Any]]] = {}
    names: dict[str, str] = {}
    for s in summaries:
        card = {"job": s.job, "title": s.title, "template": s.template, "status": s.status}
        if s.status == "open":
            for o in s.open_stages or ():
                if o.stage not in names:
                    names[o.stage] = (stage_title(s, o.node) if stage_title is not None else None) or o.stage
                columns.setdefault(o.stage, []).append({**card, "at": o.subjob or s.job, "owner": o.owner,
                                                        "due": o.due, "late": bool(o.due and o.due < now)})
            if not s.open_stages:
                columns.setdefault("in sub-jobs", []).append(card)
        else:
            columns.setdefault(s.status, []).append(card)
    return [{"name": names.get(k, k), "id": k, "cards": v} for k, v in columns.items()]


def inbox_view(store: Any, items: Iterable[Any]) -> list[dict[str, Any]]:
    """The inbox's items with the titles the job page shows: ``stage_title`` and ``signoff_title`` (ids where
    a template gives none, or cannot be read)."""
    from sopframe.core.engine.pinned import pinned_by_sha
    from sopframe.errors import SopframeError

    graphs: dict[str, Any] = {}
    out = []
    for item in items:
        if item.job not in graphs:
            summary = store.summary(item.job)
            try:
                graphs[item.job] = pinned_by_sha(summary.sha256, "", store.template, item.job)[1] if summary else None
            except SopframeError:  # the job page says what is wrong with it; the inbox still lists it
                graphs[item.job] = None
        stage_title, signoff_title = item.stage, item.signoff
        try:
            st = graphs[item.job].stage(item.node) if graphs[item.job] is not None else None
        except KeyError:
            st = None
        if st is not None:
            stage_title = st.title or st.id
            so = st.signoffs.get(item.signoff) if item.signoff else None
            signoff_title = (so.title or so.id) if so is not None else item.signoff
        out.append({**item.to_dict(), "stage_title": stage_title, "signoff_title": signoff_title})
    return out

"""Checking what a command names and enters: the stage, the field and the value."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sopframe.core import policy
from sopframe.core.engine.command import Command, Loaded, to_json
from sopframe.core.identity import RoleTable, check_name
from sopframe.core.limits import Limits
from sopframe.core.safetext import escape
from sopframe.core.values import coerce, input_problem
from sopframe.errors import JobError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.model import FieldDef, Stage

__all__ = ["stage_node", "field_of", "checked_value", "refuse", "bounded"]


def refuse(problem: str | None, loaded: Loaded, st: "Stage | None" = None, **kw: Any) -> None:
    """Raise the refusal for a policy answer that is not None."""
    if problem:
        raise JobError(problem, job=loaded.ref, stage=st.id if st else None, field=kw.get("field"), kind="forbidden",
                       hint=kw.get("hint", "roles come from the `roles` key of the sopframe configuration; "
                                           "see \"Who may do what\" in docs/jobs.md"))


def bounded(text: str | None, limit: int, what: str, job: str | None = None) -> str:
    """``text`` trimmed; refused if it is longer than ``limit``."""
    text = (text or "").strip()
    if len(text) > limit:
        raise JobError(f"the {what} is {len(text)} characters, over the limit of {limit}", job=job,
                       hint=f"shorten it, or raise limits.{what}-length in the configuration")
    return text


def stage_node(loaded: Loaded, stage: str | None, doing: str) -> str:
    """The open stage a command acts on: the one named, or the only one open."""
    open_ = loaded.open_stages()
    names = [n.rsplit("/", 1)[-1] for n in open_]
    if stage is None:
        if len(open_) == 1:
            return open_[0]
        if not open_:
            subs = [sj.id for sj in loaded.state.subjobs.values() if sj.status == "open"
                    and loaded.state.subjob_of(sj.split) == loaded.subjob]
            hint = f"work happens in its sub-jobs: {', '.join(subs)}" if subs else ""
            raise JobError(f"no stage is open to {doing} in", job=loaded.ref, hint=hint, kind="conflict")
        raise JobError(f"several stages are open ({', '.join(names)}): say which one", job=loaded.ref,
                       cli_hint="give --stage STAGE")
    node = stage if "/" in stage else loaded.node(stage)
    if node not in loaded.graph:
        scope = tuple(loaded.prefix.split("/")) if loaded.prefix else ()
        known = [n.rsplit("/", 1)[-1] for n in loaded.graph.scopes.get(scope, [])]
        raise JobError(f"unknown stage '{escape(stage)}'{did_you_mean(stage, known)}", job=loaded.ref,
                       hint=f"stages: {', '.join(known)}")
    if node not in loaded.state.active:
        if node in loaded.state.done:
            raise JobError("the stage is already completed", job=loaded.ref, stage=stage, kind="conflict",
                           hint=f"open now: {', '.join(names) or 'none'}")
        raise JobError("the stage is not open", job=loaded.ref, stage=stage, kind="conflict",
                       hint=f"open now: {', '.join(names) or 'none'}")
    return node

def field_of(loaded: Loaded, st: "Stage", fid: str) -> "FieldDef":
    f = st.fields.get(fid)
    if f is None:
        known = list(st.fields)
        raise JobError(f"no such field in this stage{did_you_mean(fid, known)}", job=loaded.ref,
                       stage=st.id, field=escape(fid), hint=f"fields here: {', '.join(known)}" if known
                       else "this stage has no fields")
    return f

def checked_value(cmd: Command, st: "Stage", f: "FieldDef", raw: Any, roles: RoleTable, limits: Limits,
                  today: date) -> Any:
    """A value for field ``f`` as it will be stored: within limits, of the field's type, a known person."""
    job = cmd.loaded.ref
    if isinstance(raw, str) and f.type != "list":
        if len(raw) > limits.text:
            raise JobError(f"the value is {len(raw)} characters, over the limit of {limits.text}",
                           job=job, stage=st.id, field=f.id, hint="raise limits.text-length if it must be")
        if f.type == "date" and raw.strip().lower() == "today":
            raw = today.isoformat()
    if f.type == "list":
        from sopframe.core.engine.lists import checked_list

        return checked_list(cmd, st, f, raw, limits)
    problem = input_problem(f.type, raw)
    if problem:
        raise JobError(f"{f.type} field: {escape(problem)}", job=job, stage=st.id, field=f.id,
                       hint="what each field type takes: \"The JSON API\" in docs/server.md")
    if isinstance(raw, (list, tuple)) and sum(len(c) for c in raw) > limits.text:
        raise JobError(f"the choices are {sum(len(c) for c in raw)} characters, over the limit of {limits.text}",
                       job=job, stage=st.id, field=f.id, hint="raise limits.text-length if it must be")
    if f.type == "user":
        if not str(raw).strip():
            return ""  # clearing the field
        try:
            user = roles.canonical(check_name(str(raw), limits.name))
        except ValueError as exc:
            raise JobError(f"user field: '{escape(str(raw))}': {exc}", job=job, stage=st.id,
                           field=f.id) from None
        problem = policy.user_value_problem(roles, f, user, cmd.actor)
        if problem:
            raise JobError(problem, job=job, stage=st.id, field=f.id)
        return user
    try:
        value = coerce(f, raw)
    except ValueError as exc:
        raise JobError(f"{f.type} field: {escape(str(exc))}", job=job, stage=st.id, field=f.id) from None
    return to_json(value)


def actor_name(actor: str, roles: RoleTable, max_length: int) -> str:
    """The acting person: checked as a name, normalised, through the aliases; refused with why."""
    if not (actor or "").strip():
        raise JobError("no user: who is acting must be known", cli_hint="give --as USER or set SOPFRAME_USER")
    try:
        check_name(actor, max_length)
    except ValueError as exc:
        raise JobError(f"user '{escape(actor)}': {exc}") from None
    return roles.canonical(actor)

"""Who may do what: the one authorisation policy every command goes through.

Pure functions of the role table, the pinned template and the job's state.
Each ``may_*`` returns None when the actor may act, or the reason they may
not (the engine turns it into a refusal; a server calls the same functions).

=============  ===============================================================
command        who may
=============  ===============================================================
start          holders of the first stage's owner role, or of a role the
               template lists under ``starters``
set, attach    holders of the stage's owner role (a sub-job's stages default
               to the sub-job's owner), or of a role the stage lists under
               ``editors``
complete       holders of the stage's owner role
sign           holders of the sign-off's role, within segregation of duties
reject         holders of the stage's owner role or of one of its sign-off roles
cancel         whoever may start a job of the template, or started this one
read (server)  holders of a role the job's template names, or of a role the
               server's ``readers`` setting lists (:func:`may_read`)
=============  ===============================================================

Segregation of duties (:func:`separation_problem`): a sign-off's ``not_by``
names user fields or other sign-offs.  Against a user field it holds for the
person the field names, whoever recorded the field, and everyone who acted
on the field's stage (set a value, attached, completed or rejected it, in
any visit: rework does not wash hands).  Against a sign-off it holds for its
signer, both ways and across stages: whichever of the two is given second is
refused to the person who gave the first, even when ``not_by`` names a
sign-off of a later stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from sopframe.core.identity import RoleTable, normalise

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine.command import Loaded
    from sopframe.core.engine.state import JobState
    from sopframe.core.model import FieldDef, Stage, Template

__all__ = ["starter_roles", "may_read", "may_start", "may_edit", "may_complete", "may_sign", "may_reject", "may_cancel",
           "user_value_problem", "separation_problem"]


def _needs(roles: RoleTable, actor: str, wanted: Iterable[str | None], doing: str) -> str | None:
    wanted = [r for r in dict.fromkeys(wanted) if r]
    if any(roles.holds(actor, r) for r in wanted):
        return None
    if not wanted:
        return f"{actor} may not {doing}: no role may"
    if len(wanted) == 1:
        holders = ", ".join(roles.holders(wanted[0]))
        held = f"held by: {holders}" if holders else "nobody holds it in the configuration"
        return f"{actor} may not {doing}: that needs role {wanted[0]!r}, which {actor} does not hold ({held})"
    held = "; ".join(f"{r}: {', '.join(roles.holders(r)) or 'nobody'}" for r in wanted)
    names = ", ".join(repr(r) for r in wanted)
    return f"{actor} may not {doing}: that needs one of the roles {names}, and {actor} holds none (held by: {held})"


def starter_roles(template: "Template", first: "Stage | None") -> list[str]:
    return [r for r in (first.owner if first else None, *template.starters) if r]


def may_start(roles: RoleTable, template: "Template", first: "Stage | None", actor: str) -> str | None:
    return _needs(roles, actor, starter_roles(template, first), f"start a job of template {template.id!r}")


def may_edit(roles: RoleTable, st: "Stage", actor: str, doing: str) -> str | None:
    return _needs(roles, actor, (st.owner, *st.editors), f"{doing} on stage {st.id!r}")


def may_complete(roles: RoleTable, st: "Stage", actor: str) -> str | None:
    if not st.owner:
        return f"stage {st.id!r} has no owner: it completes by itself when its sub-jobs are complete"
    return _needs(roles, actor, (st.owner,), f"complete stage {st.id!r}")


def may_sign(roles: RoleTable, st: "Stage", signoff: str, actor: str) -> str | None:
    so = st.signoffs[signoff]
    return _needs(roles, actor, (so.role,), f"give sign-off {signoff!r}")


def may_reject(roles: RoleTable, st: "Stage", actor: str) -> str | None:
    return _needs(roles, actor, (st.owner, *(so.role for so in st.signoffs.values())),
                  f"reject stage {st.id!r}")


def may_cancel(roles: RoleTable, loaded: "Loaded", actor: str) -> str | None:
    if roles.canonical(loaded.state.started_by) == actor:
        return None
    first = loaded.graph.stage(loaded.graph.start) if loaded.graph.start else None
    return _needs(roles, actor, starter_roles(loaded.template, first), f"cancel job {loaded.root}")


def user_value_problem(roles: RoleTable, f: "FieldDef", user: str, actor: str) -> str | None:
    """Why ``user`` (normalised) cannot be the value of user field ``f`` set by ``actor``, or None."""
    if f.bind == "actor" and user != actor:
        return (f"this field records who does the work: it must be you ({actor}), not {user!r} "
                f"(the template binds it to the actor)")
    if f.role and user not in roles.holders(f.role):
        return f"expected a user holding role {f.role!r} ({', '.join(roles.holders(f.role)) or 'nobody'}), " \
               f"got {user!r}"
    return None


def separation_problem(loaded: "Loaded", state: "JobState", node: str, signoff: str, actor: str) -> str | None:
    """Why ``actor`` giving (or having given) sign-off ``signoff`` breaks segregation of duties, or None."""
    from sopframe.core.engine.signoffs import signoff_ref

    st = loaded.graph.stage(node)
    so = st.signoffs[signoff]
    for ref in so.not_by:
        target = signoff_ref(loaded, st, ref)
        if target is not None:
            signer = state.signoffs.get(target[0], {}).get(target[1], {}).get("user")
            if signer == actor and target != (node, signoff):
                return f"{actor} gave sign-off {ref!r}, and {signoff!r} must be given by someone else (not_by: {ref})"
            continue
        why = _field_involvement(loaded, state, st, ref, actor)
        if why:
            return f"sign-off {signoff!r} must not be given by {why} (not_by: {ref})"
    # the constraint holds both ways, across stages too: a sign-off already given that names this one
    for onode, given in state.signoffs.items():
        ost = loaded.graph.stage(onode)
        for oid, rec in given.items():
            other = ost.signoffs.get(oid)
            if other is None or (onode, oid) == (node, signoff) or rec.get("user") != actor:
                continue
            for ref in other.not_by:
                if signoff_ref(loaded, ost, ref) == (node, signoff):
                    named = oid if onode == node else f"{ost.id}.{oid}"
                    return (f"{actor} gave sign-off {named!r}, which must not be given by the same person as "
                            f"{signoff!r} (not_by: {ref})")
    return None


def _field_involvement(loaded: "Loaded", state: "JobState", st: "Stage", ref: str, actor: str) -> str | None:
    look = loaded.graph.lookup_field(st, ref)
    if look.field is None or look.stage is None:
        return None
    fnode, fid = look.stage.node, look.field.id
    named = state.field_value(fnode, fid)
    if look.field.type == "user" and isinstance(named, str) and normalise(named) == actor:
        return f"the person {ref!r} names ({actor})"
    if state.recorded_by.get(fnode, {}).get(fid) == actor:
        return f"whoever recorded {ref!r} ({actor})"
    if actor in state.actors.get(fnode, ()):
        return f"anyone who worked on stage {look.stage.id!r}, where {ref!r} is recorded ({actor} did)"
    return None


def may_read(roles: RoleTable, template: "Template", actor: str, readers: Iterable[str] = ()) -> str | None:
    """Who may see a job (its standing, history, documents' hashes): holders of a role its template names,
    or of one of the ``readers`` roles (an organisation's auditors).  None if ``actor`` may."""
    wanted = [*template.roles, *readers]
    if any(roles.holds(actor, r) for r in wanted):
        return None
    return f"{actor} may not see jobs of template {template.id!r}: no role of it is held"

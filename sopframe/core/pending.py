"""The sign-offs open stages still wait for, and who the record bars from giving them.

A read model for the inbox (:mod:`sopframe.services.inbox`): for each open
stage, one :class:`~sopframe.core.readmodel.OpenSignoff` per sign-off not
given yet, with every person the job's record already bars from giving it
under segregation of duties and the reason, as
:func:`sopframe.core.policy.separation_problem` words it.

Segregation of duties only ever bars someone the record names: a signer,
whoever recorded or acted on a stage, or the person a user field names.
So asking the policy about each of those people (and nobody else) finds
every barred person; everyone else holding the role may sign.  The role
table is not needed here (who holds a role is asked when the inbox is
read), so the rows stay a pure function of the job's events and template.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from sopframe.core import policy
from sopframe.core.identity import normalise
from sopframe.core.readmodel import OpenSignoff

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine.command import Loaded
    from sopframe.core.engine.state import JobState
    from sopframe.core.readmodel import OpenStage

__all__ = ["open_signoffs", "people_on_record"]


def people_on_record(loaded: "Loaded", state: "JobState") -> list[str]:
    """Everyone the job's record names (normalised, sorted): the only people segregation of duties can bar."""
    people: set[str] = set()
    for names in state.actors.values():
        people.update(names)
    for by_field in state.recorded_by.values():
        people.update(by_field.values())
    for given in state.signoffs.values():
        people.update(s["user"] for s in given.values() if s.get("user"))
    for node, values in state.fields.items():
        try:
            fields = loaded.graph.stage(node).fields
        except KeyError:  # a value of a stage the template no longer has cannot name anyone it checks
            continue
        for fid, value in values.items():
            f = fields.get(fid)
            if f is not None and f.type == "user" and isinstance(value, str) and value.strip():
                people.add(normalise(value))
    return sorted(people)


def open_signoffs(loaded: "Loaded", open_rows: Iterable["OpenStage"]) -> tuple[OpenSignoff, ...]:
    """The rows for every sign-off the open stages ``open_rows`` wait for, in (node, sign-off) order."""
    state = loaded.state
    people: list[str] | None = None
    out = []
    for o in open_rows:
        st = loaded.graph.stage(o.node)
        given = state.signoffs.get(o.node, {})
        for sid, so in st.signoffs.items():
            if sid in given:
                continue
            if people is None:
                people = people_on_record(loaded, state)
            barred = tuple((who, why) for who in people
                           if (why := policy.separation_problem(loaded, state, o.node, sid, who)))
            out.append(OpenSignoff(job=o.job, node=o.node, stage=o.stage, subjob=o.subjob, signoff=sid,
                                   role=so.role, entered_at=o.entered_at, due=o.due, barred=barred))
    return tuple(sorted(out, key=lambda r: (r.node, r.signoff)))

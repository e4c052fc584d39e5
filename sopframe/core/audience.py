"""Who was in an SOP's audience when: the role and group tables the record shows in force over time.

The configuration keeps no history, but the record does: every append
records the role table its command ran under, named by the batch's ledger
entry (:mod:`sopframe.core.rolerecord`), and an SOP record stream's append
(an acknowledgement, a flag, a review) records the ``groups`` table too.
A job's append records no groups.  So:

* the *roles* in force are known from the first recorded table on, and
  change when a command first runs under a changed table;
* the *groups* are known from the first SOP record append on, and a change
  shows at the next one (a job's append says nothing about groups: the last
  groups recorded stay the best knowledge).

:class:`AudienceHistory` reads the ledger once, keeps a state only where
the roles or the groups change, and answers two questions for
:mod:`sopframe.core.training`:

* :meth:`AudienceHistory.tables_at` -- the tables in force at a time in the
  past (``training status --as-of``);
* :meth:`AudienceHistory.joined` -- when a person joined an audience after
  a version's start: ``None`` if the tables in force at the start had them
  in it, else the time of the first recorded table after it that does; a
  person in today's configuration whom no recorded table shows in the
  audience yet joined after the last record: :data:`NOT_YET_RECORDED`.

A join shows when a command first *runs* under the new table, which is when
the change took effect for sopframe: the configuration is read by each
command, and one nobody ran under was in force for nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from sopframe.core.identity import RoleTable

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.store import Store

__all__ = ["TablesAt", "AudienceHistory", "NOT_YET_RECORDED"]

#: :meth:`AudienceHistory.joined` of a person no recorded table shows in the audience yet
NOT_YET_RECORDED = "not yet recorded"


@dataclass(frozen=True)
class TablesAt:
    """The role table (and the groups table, if one had been recorded by then) in force from ``at``."""

    at: str  # UTC text of the first batch that ran under them
    roles: RoleTable
    groups: RoleTable | None  # None: no SOP record append had recorded the groups yet
    #: when the groups were recorded (None with them)
    groups_at: str | None = None


def _member(audience: Sequence[str], roles: RoleTable, groups: RoleTable, person: str) -> bool:
    """Whether ``person`` is in ``audience`` under these tables."""
    return any(person in (groups.holders(name[len("group:"):]) if name.startswith("group:") else roles.holders(name))
               for name in audience)


def _tables(body: str) -> tuple[RoleTable, RoleTable | None]:
    from sopframe.core.rolerecord import RoleRecord

    record = RoleRecord("", body)  # the ledger check proves the digest; here only what it says matters
    has_groups = "groups" in json.loads(body)
    return record.table(), record.groups() if has_groups else None


class AudienceHistory:
    """The role and group tables in force over time, as the record shows them (oldest first)."""

    def __init__(self, states: Sequence[TablesAt]) -> None:
        self.states = list(states)

    @classmethod
    def of(cls, store: "Store") -> "AudienceHistory":
        """Read the ledger (chained and pending entries) and the role tables it names.  A store that keeps no
        ledger, or tables that cannot be read, give an empty history: nothing is known, nothing adjusted."""
        from sopframe.errors import StoreError

        try:
            entries = [*store.ledger(), *store.ledger_pending()]
        except StoreError:
            return cls([])
        parsed: dict[str, tuple[RoleTable, RoleTable | None] | None] = {}
        states: list[TablesAt] = []
        roles: RoleTable | None = None
        groups: RoleTable | None = None
        groups_at: str | None = None
        last_digest: str | None = None
        for e in entries:
            if e.roles is None or e.roles == last_digest:
                continue
            last_digest = e.roles
            if e.roles not in parsed:
                body = store.role_table(e.roles)
                try:
                    parsed[e.roles] = _tables(body) if body is not None else None
                except (ValueError, KeyError, TypeError, AttributeError):
                    parsed[e.roles] = None
            tables = parsed[e.roles]
            if tables is None:
                continue
            new_roles, new_groups = tables
            roles_changed = roles is None or new_roles != roles
            groups_changed = new_groups is not None and new_groups != groups
            if not roles_changed and not groups_changed:
                continue
            events = store.read(e.job, e.last - 1)
            if not events:
                continue
            at = events[0].at
            roles = new_roles
            if groups_changed:
                groups, groups_at = new_groups, at
            states.append(TablesAt(at, roles, groups, groups_at))
        return cls(states)

    def __bool__(self) -> bool:
        return bool(self.states)

    def tables_at(self, when: str) -> TablesAt | None:
        """The tables in force at ``when`` (UTC text): the last state recorded at or before it, or None."""
        found = None
        for state in self.states:  # in the order the ledger chained them
            if state.at <= when:
                found = state
        return found

    def joined(self, audience: Sequence[str], person: str, start: str, until: str,
               groups: RoleTable | None = None) -> str | None:
        """When ``person`` (in the audience at ``until``) joined ``audience`` after ``start`` (a version's start),
        as the record shows up to ``until``: None if the tables in force at ``start`` had them in it (or, when
        the record begins later, its first tables do); else the time of the first state after that has them
        in it; else :data:`NOT_YET_RECORDED` (only today's configuration has them).

        Only the first joining after the start counts: someone who was in the audience since then, left and
        came back had their grace period already (and tables that differ between the machines running
        commands cannot move a due date by flapping).  Before the first groups table was recorded, the
        groups are taken to be that first one (the nearest knowledge; ``groups``, today's, if none was ever
        recorded): a group member then counts as in the audience from the start."""
        first_groups = next((st.groups for st in self.states if st.groups is not None), None) or groups or RoleTable()
        seen = [st for st in self.states if st.at <= until]
        if not seen:
            return None

        def member(state: TablesAt) -> bool:
            return _member(audience, state.roles, state.groups or first_groups, person)

        at_start = [st for st in seen if st.at <= start]
        if member(at_start[-1] if at_start else seen[0]):
            return None
        return next((st.at for st in seen if st.at > start and member(st)), NOT_YET_RECORDED)

"""Who must acknowledge an SOP version, by when, who has, who is late: a pure function of the read models.

The policy of a published version is what its lifecycle template wrote under
``publishes.acknowledgement`` (kept with the publication): the audience
(template roles, or ``group:NAME`` of the ``groups`` configuration), the
grace period ``within`` after the effective date, the re-acknowledgement
interval ``every`` and the ``effective_share``.  ``within`` and ``every``
fall back to the ``[training]`` configuration (``grace``,
``reacknowledge-every``), then to 30 days and no re-acknowledgement.

Someone who joins the audience after the version's start (a new member of
a role or group) has the same grace period counted from when they joined,
as the recorded role and group tables show it (:mod:`sopframe.core.audience`):
``joined`` maps each such person to that time, or to
:data:`~sopframe.core.audience.NOT_YET_RECORDED` when only today's
configuration has them (their grace then counts from ``now``).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from sopframe.core.audience import NOT_YET_RECORDED
from sopframe.core.durations import parse_duration
from sopframe.core.engine.clock import from_text, to_text
from sopframe.core.engine.publishing import version_key
from sopframe.core.sopref import parse_share

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.identity import RoleTable
    from sopframe.core.readmodel import SopRow
    from sopframe.core.records import AckRow

__all__ = ["TrainingPolicy", "PersonStatus", "TrainingStatus", "policy_of", "audience_people", "training_status",
           "version_start", "DEFAULT_GRACE"]

DEFAULT_GRACE = "30d"


@dataclass(frozen=True)
class TrainingPolicy:
    audience: tuple[str, ...] = ()
    within: str = DEFAULT_GRACE
    every: str | None = None
    effective_share: str | None = None
    attestation: str | None = None


def policy_of(row: "SopRow", grace: str | None = None, every: str | None = None) -> TrainingPolicy | None:
    """The acknowledgement policy of a published version (None: its template named no audience)."""
    if not row.acknowledgement:
        return None
    d: Mapping[str, Any] = json.loads(row.acknowledgement)
    return TrainingPolicy(audience=tuple(d.get("audience") or ()), within=d.get("within") or grace or DEFAULT_GRACE,
                          every=d.get("every") or every, effective_share=d.get("effective_share"),
                          attestation=d.get("attestation"))


def audience_people(policy: TrainingPolicy, roles: "RoleTable", groups: "RoleTable") -> list[str]:
    """Every person of the audience (normalised, sorted): holders of its roles and members of its groups."""
    people: set[str] = set()
    for name in policy.audience:
        if name.startswith("group:"):
            people.update(groups.holders(name[len("group:"):]))
        else:
            people.update(roles.holders(name))
    return sorted(people)


@dataclass(frozen=True)
class PersonStatus:
    person: str
    status: str  # acknowledged, pending, late
    due: str  # when the (next) acknowledgement is due, UTC text
    acknowledged_at: str | None = None  # their last acknowledgement of this version
    late_by_days: int | None = None
    #: when they joined the audience, if after the version's start (their grace counts from then); None: in it
    #: from the start, as far as the record shows
    joined_at: str | None = None
    #: False when only today's configuration has them in the audience (no recorded table yet): ``joined_at`` is
    #: then the time evaluated at, and their grace counts from it until a command records the tables
    joined_recorded: bool = True

    @property
    def renewal(self) -> bool:
        """Late because a renewal (``every``) fell due, having acknowledged this version before."""
        return self.status == "late" and self.acknowledged_at is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TrainingStatus:
    ref: str
    version: str | None
    effective_date: str | None
    published_by: str
    policy: TrainingPolicy | None
    people: tuple[PersonStatus, ...] = ()
    #: people of the audience the effective share asks for (rounded up)
    needed: int = 0
    #: people whose acknowledgement of this version holds now (status ``acknowledged``)
    acknowledged: int = 0
    effective: bool = True
    effective_at: str | None = None
    undefined_groups: tuple[str, ...] = field(default=())
    #: people of the audience who have acknowledged this version at least once, even if a renewal has fallen
    #: due since: what ``effective`` counts (so a renewal falling due never undoes effectiveness)
    ever_acknowledged: int = 0
    #: where the audience came from: ``configuration`` (today's), or ``recorded`` (the tables in force at the
    #: time asked for, ``--as-of``; ``audience_at`` is when they were recorded)
    audience_source: str = "configuration"
    audience_at: str | None = None
    #: what the reader should know about how the audience and due dates were worked out
    notes: tuple[str, ...] = field(default=())

    @property
    def late(self) -> list[PersonStatus]:
        return [p for p in self.people if p.status == "late"]

    @property
    def pending(self) -> list[PersonStatus]:
        return [p for p in self.people if p.status == "pending"]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["people"] = [p.to_dict() for p in self.people]
        d["policy"] = asdict(self.policy) if self.policy else None
        d["undefined_groups"] = list(self.undefined_groups)
        d["notes"] = list(self.notes)
        d["late"] = len(self.late)
        d["pending"] = len(self.pending)
        return d


def _start_of(day: str | None, fallback: str) -> datetime:
    try:
        return datetime.fromisoformat(str(day)[:10]).replace(tzinfo=timezone.utc)
    except ValueError:
        return from_text(fallback)


def version_start(row: "SopRow") -> datetime:
    """When the grace period of a version starts: the start of its effective day (UTC), or of the day of
    publication if the effective date is earlier."""
    return max(_start_of(row.effective_date, row.published_at), from_text(row.published_at).replace(
        hour=0, minute=0, second=0, microsecond=0))


def training_status(row: "SopRow", acks: Sequence["AckRow"], people: Sequence[str], policy: TrainingPolicy | None,
                    now: datetime, joined: Mapping[str, str | None] | None = None) -> TrainingStatus:
    """Where each person of the audience stands on the current version ``row`` at ``now``; ``joined`` says who
    joined the audience when (see the module's documentation)."""
    base = TrainingStatus(row.ref, row.version, row.effective_date, row.job, policy)
    if policy is None:
        return base
    start = version_start(row)
    within = parse_duration(policy.within)
    first_due = within.deadline_from(start)
    every = parse_duration(policy.every) if policy.every else None
    key = version_key(str(row.version or ""))
    latest: dict[str, "AckRow"] = {}
    first: dict[str, str] = {}
    for a in acks:  # ordered by time: the last one of a person counts for renewals, the first for effectiveness
        same = a.version == row.version or (key is not None and version_key(str(a.version)) == key)
        if a.ref == row.ref and same:
            latest[a.person] = a
            first.setdefault(a.person, a.at)
    out = []
    for person in people:
        when_joined = (joined or {}).get(person)
        joined_at, recorded, own_due = None, True, first_due
        if when_joined == NOT_YET_RECORDED:  # only today's configuration has them: their grace counts from now
            joined_at, recorded, own_due = to_text(now), False, max(first_due, within.deadline_from(now))
        elif when_joined is not None and from_text(when_joined) > start:
            joined_at, own_due = when_joined, max(first_due, within.deadline_from(from_text(when_joined)))
        found = latest.get(person)
        due = every.deadline_from(from_text(found.at)) if (found is not None and every) else own_due
        if found is not None and (every is None or now <= due):
            out.append(PersonStatus(person, "acknowledged", to_text(due) if every else to_text(own_due), found.at,
                                    joined_at=joined_at, joined_recorded=recorded))
            continue
        late = now > due
        out.append(PersonStatus(person, "late" if late else "pending", to_text(due), found.at if found else None,
                                (now - due) // timedelta(days=1) if late else None, joined_at, recorded))
    share = parse_share(policy.effective_share) if policy.effective_share else None
    times = sorted(first[p] for p in people if p in first)
    needed = math.ceil(share * len(people)) if share is not None else 0
    effective = share is None or (needed > 0 and len(times) >= needed)
    effective_at = (times[needed - 1] if needed and effective else None) if share is not None else None
    return TrainingStatus(row.ref, row.version, row.effective_date, row.job, policy, tuple(out), needed,
                          sum(1 for p in out if p.status == "acknowledged"), effective, effective_at,
                          ever_acknowledged=len(times))

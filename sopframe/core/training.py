"""Who must acknowledge an SOP version, by when, who has, who is late: a pure function of the read models.

The policy of a published version is what its lifecycle template wrote under
``publishes.acknowledgement`` (kept with the publication): the audience
(template roles, or ``group:NAME`` of the ``groups`` configuration), the
grace period ``within`` after the effective date, the re-acknowledgement
interval ``every`` and the ``effective_share``.  ``within`` and ``every``
fall back to the ``[training]`` configuration (``grace``,
``reacknowledge-every``), then to 30 days and no re-acknowledgement.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from sopframe.core.durations import parse_duration
from sopframe.core.engine.clock import from_text, to_text
from sopframe.core.engine.publishing import version_key
from sopframe.core.sopref import parse_share

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.identity import RoleTable
    from sopframe.core.readmodel import SopRow
    from sopframe.core.records import AckRow

__all__ = ["TrainingPolicy", "PersonStatus", "TrainingStatus", "policy_of", "audience_people", "training_status",
           "DEFAULT_GRACE"]

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
    acknowledged_at: str | None = None
    late_by_days: int | None = None

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
    needed: int = 0  # acknowledgements the effective share asks for
    acknowledged: int = 0
    effective: bool = True
    effective_at: str | None = None
    undefined_groups: tuple[str, ...] = field(default=())

    @property
    def late(self) -> list[PersonStatus]:
        return [p for p in self.people if p.status == "late"]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["people"] = [p.to_dict() for p in self.people]
        d["policy"] = asdict(self.policy) if self.policy else None
        d["undefined_groups"] = list(self.undefined_groups)
        return d


def _start_of(day: str | None, fallback: str) -> datetime:
    try:
        return datetime.fromisoformat(str(day)[:10]).replace(tzinfo=timezone.utc)
    except ValueError:
        return from_text(fallback)


def training_status(row: "SopRow", acks: Sequence["AckRow"], people: Sequence[str], policy: TrainingPolicy | None,
                    now: datetime) -> TrainingStatus:
    """Where each person of the audience stands on the current version ``row`` at ``now``."""
    base = TrainingStatus(row.ref, row.version, row.effective_date, row.job, policy)
    if policy is None:
        return base
    start = max(_start_of(row.effective_date, row.published_at), from_text(row.published_at).replace(
        hour=0, minute=0, second=0, microsecond=0))
    first_due = parse_duration(policy.within).deadline_from(start)
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
        found = latest.get(person)
        due = every.deadline_from(from_text(found.at)) if (found is not None and every) else first_due
        if found is not None and (every is None or now <= due):
            out.append(PersonStatus(person, "acknowledged", to_text(due) if every else to_text(first_due), found.at))
            continue
        late = now > due
        out.append(PersonStatus(person, "late" if late else "pending", to_text(due), found.at if found else None,
                                (now - due) // timedelta(days=1) if late else None))
    share = parse_share(policy.effective_share) if policy.effective_share else None
    times = sorted(first[p] for p in people if p in first)
    needed = math.ceil(share * len(people)) if share is not None else 0
    effective = share is None or (needed > 0 and len(times) >= needed)
    effective_at = (times[needed - 1] if needed and effective else None) if share is not None else None
    return TrainingStatus(row.ref, row.version, row.effective_date, row.job, policy, tuple(out), needed,
                          sum(1 for p in out if p.status == "acknowledged"), effective, effective_at)

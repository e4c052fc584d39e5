"""An SOP's record stream: acknowledgements, flags and reviews, appended like a job's events.

Each SOP reference has one stream in the store, ``sop~REF``.  Its events are
numbered, hash-chained and appended through the store's single atomic
``append`` with their read-model rows (:func:`~sopframe.core.records.record_rows`)
and the role and group tables the command ran under (a
:class:`~sopframe.core.rolerecord.RoleRecord`, which replay re-runs the
command with), so the store-wide ledger, ``sopframe verify``, ``job verify``, ``store
rebuild`` and evidence packs treat them as they treat a job's.

Events (``actor`` is always the person acting, normalised):

* ``sop.acknowledged`` ``{ref, version, person, published_by, attestation}``
  -- ``attestation`` is ``{text, sha256}`` or None; ``every`` too when the
  ``[training] reacknowledge-every`` default applied (the template names none);
* ``sop.flagged`` ``{ref, version, reason}`` -- the SOP does not match reality;
* ``sop.reviewed`` ``{ref, version, reason}`` -- someone reviewed it, settling
  the flags and change-triggered reviews before it.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from sopframe.core.engine.clock import Clock, system_clock, to_text
from sopframe.core.engine.events import GENESIS, NewEvent, chain
from sopframe.core.engine.inputs import actor_name, bounded
from sopframe.core.engine.publishing import version_key
from sopframe.core.identity import RoleTable
from sopframe.core.limits import Limits
from sopframe.core.records import record_rows
from sopframe.core.safetext import escape
from sopframe.core.sopref import record_stream, ref_problem, REF_HINT
from sopframe.core.store import Derived
from sopframe.core.training import audience_people, policy_of
from sopframe.errors import ConflictError, JobError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.readmodel import SopRow
    from sopframe.core.rolerecord import RoleRecord
    from sopframe.core.store import Store

__all__ = ["SopRecords"]


class SopRecords:
    """Writes to SOP record streams, with the role and group tables that say who belongs to an audience."""

    def __init__(self, store: "Store", *, roles: RoleTable | None = None, groups: RoleTable | None = None,
                 clock: Clock = system_clock, limits: Limits | None = None, every: str | None = None) -> None:
        self.store = store
        #: the ``[training] reacknowledge-every`` default, for versions whose template names no ``every``
        self.every = every
        self.roles = roles or RoleTable()
        self.groups = groups or RoleTable()
        self.clock = clock
        self.limits = limits or Limits()

    # ------------------------------------------------------------ reading
    def versions(self, ref: str) -> list["SopRow"]:
        """Every published version of ``ref``, oldest first; refuses a malformed or unknown reference."""
        problem = ref_problem(ref)
        rows = self.store.sop_rows()
        known = sorted({r.ref for r in rows})
        if problem:  # nothing on the master list can have that name: a name that matches nothing (exit 2)
            close = "" if ref_problem(ref.strip().upper()) is None else did_you_mean(ref, known)
            raise JobError(f"{problem}{close}", hint=REF_HINT, kind="not_found")
        mine = [r for r in rows if r.ref == ref]
        if not mine:
            raise JobError(f"{ref} is not on the SOP master list{did_you_mean(ref, known)}",
                           hint="the SOP master list shows the published SOPs" if known else
                           "no SOP is published yet: an SOP-lifecycle job publishes one", kind="not_found",
                           cli_hint="`sopframe sops` lists the published SOPs" if known else "")
        return mine

    def _person(self, actor: str) -> str:
        return actor_name(actor, self.roles, self.limits.name)

    # ----------------------------------------------------------- commands
    def acknowledge(self, ref: str, *, actor: str, version: str | None = None,
                    attest: str | None = None) -> dict[str, Any]:
        """Record that ``actor`` acknowledges a version of ``ref`` (the current one unless ``version``)."""
        person = self._person(actor)
        rows = self.versions(ref)
        current = rows[-1]
        if version is not None and version_key(version) != version_key(str(current.version or "")):
            known = [str(r.version) for r in rows]
            what = "was superseded" if any(version_key(v) == version_key(version) for v in known) else \
                "was never published"
            raise JobError(f"version {escape(version)} of {ref} {what}; the current version is "
                           f"{escape(str(current.version))}", hint="acknowledge the current version")
        policy = policy_of(current, every=self.every)
        if policy is None:
            raise JobError(f"{ref} version {escape(str(current.version))} names no audience to acknowledge it",
                           hint="its lifecycle template needs `publishes.acknowledgement.audience`")
        people = audience_people(policy, self.roles, self.groups)
        if person not in people:
            audience = f"the audience of {ref} version {escape(str(current.version))} is {', '.join(policy.audience)}"
            if self.roles.roles_of(person) or self.groups.roles_of(person):
                raise JobError(f"{escape(person)} is not in the audience of {ref} ({audience})",
                               hint="only the audience acknowledges: the holders of its roles (`roles`) and the "
                                    "members of its groups (`groups`) in the sopframe configuration",
                               kind="forbidden")
            raise JobError(f"{escape(person)} is not known: no role or group of the configuration names them "
                           f"({audience})", hint="check the spelling, or add the person to `roles` or `groups` "
                                                 "in the sopframe configuration", kind="forbidden")
        attestation = None
        text = bounded(attest, self.limits.text, "text") if attest is not None else None
        if policy.attestation and text and text != policy.attestation.strip():
            raise JobError(f"the attestation given differs from the one of {ref} version "
                           f"{escape(str(current.version))}", hint="agree to the version's own text, which is "
                                                                   "recorded",
                           cli_hint="leave out --attest to agree to the version's own text, which is recorded")
        text = text or (policy.attestation or "").strip() or None
        if text:
            attestation = {"text": text, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
        now = self.clock()
        from sopframe.core.training import training_status

        mine = [a for a in self.store.ack_rows(ref) if a.person == person]
        standing = training_status(current, mine, [person], policy, now).people[0]
        if standing.status == "acknowledged":
            renew = f"; the next acknowledgement is due by {standing.due}" if policy.every else ""
            raise JobError(f"{escape(person)} already acknowledged {ref} version {escape(str(current.version))} at "
                           f"{standing.acknowledged_at}{renew}", hint="nothing was recorded")
        data = {"ref": ref, "version": current.version, "person": person, "published_by": current.job,
                "attestation": attestation}
        if policy.every and not json.loads(str(current.acknowledgement)).get("every"):
            data["every"] = policy.every  # the configured default that applied: replay checks with it
        self._append(ref, "sop.acknowledged", data, person)
        return data

    def flag(self, ref: str, reason: str, *, actor: str) -> dict[str, Any]:
        """Record that ``actor`` says ``ref`` does not match reality (anyone may)."""
        return self._marked(ref, reason, actor, "sop.flagged", "flag")

    def reviewed(self, ref: str, reason: str, *, actor: str) -> dict[str, Any]:
        """Record a review of ``ref`` that settles its open flags; the reviewer must hold a configured role."""
        person = self._person(actor)
        if self.roles and not self.roles.roles_of(person):
            raise JobError(f"{escape(person)} holds no role of the configuration, so cannot record a review",
                           hint="roles come from the `roles` key of the sopframe configuration")
        return self._marked(ref, reason, actor, "sop.reviewed", "review")

    def _marked(self, ref: str, reason: str, actor: str, type_: str, what: str) -> dict[str, Any]:
        person = self._person(actor)
        current = self.versions(ref)[-1]
        reason = bounded(reason, self.limits.reason, "reason")
        if not reason:
            raise JobError(f"a reason is required to {what} an SOP", hint="give the reason",
                           cli_hint="give --reason TEXT")
        data = {"ref": ref, "version": current.version, "reason": reason}
        self._append(ref, type_, data, person)
        return data

    def _role_record(self) -> "RoleRecord":
        from sopframe.core.rolerecord import RoleRecord

        return RoleRecord.of(self.roles, self.groups)

    def _append(self, ref: str, type_: str, data: dict[str, Any], actor: str) -> None:
        stream = record_stream(ref)
        for _attempt in range(12):  # a concurrent writer on the same SOP: read its head again
            events = self.store.read(stream)
            seq, head = (events[-1].seq, events[-1].hash) if events else (0, GENESIS)
            new = chain(stream, seq, head, [NewEvent(type_, data)], actor, to_text(self.clock()))
            try:  # with the role and group tables it ran under, as a job's append records its roles (replay)
                self.store.append(stream, seq, new, Derived(rows=record_rows(stream, [*events, *new]),
                                                            roles=self._role_record()))
                return
            except ConflictError:
                continue
        raise ConflictError(stream, seq)

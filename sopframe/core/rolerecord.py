"""The role table a command ran under, as part of the record.

Replay (:mod:`sopframe.core.replay`) re-runs every command with the roles
that applied when it ran, so who held which role must be in the record,
not only in a configuration file that changes.  sopframe records it the way
it keeps templates:

* a :class:`RoleRecord` is the role table with its aliases, in a canonical
  JSON form (roles sorted, each role's holders in their configured order,
  names normalised), named by the SHA-256 of that form: its ``digest``;
* every append writes the record of the table its command ran under
  (``Derived.roles``): the store keeps each record once per digest, and the
  batch's ledger entry names the digest, so the ledger's hash chain and the
  signed checkpoints cover which table applied to which batch, and the
  digest proves the stored text unchanged;
* ``Store.role_table(digest)`` returns the stored text.

An SOP record stream's append (:mod:`sopframe.core.engine.records`) also
records the ``groups`` table: who belongs to an acknowledgement audience
depends on it.  A job's record has no ``groups`` member, so its digest is
what it always was.

A role change is therefore recorded by the first command that runs under
the new table.  Code that changes roles on purpose (an administration
screen, a server) records the change as it happens: it appends its own
event (``roles.changed``, say) with ``Derived(roles=RoleRecord.of(new))``.
The record is all this module defines; where the event goes is the
caller's.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sopframe.core.engine.events import canonical
from sopframe.core.identity import RoleTable

__all__ = ["RoleRecord", "FORMAT"]

#: the ``format`` member of every record's body
FORMAT = "sopframe-roles/1"


@dataclass(frozen=True)
class RoleRecord:
    """A role table as recorded: ``body`` is canonical JSON text, ``digest`` its SHA-256."""

    digest: str
    body: str

    @classmethod
    def of(cls, table: RoleTable, groups: RoleTable | None = None) -> "RoleRecord":
        """The record of ``table`` (and of the ``groups`` table, for an SOP record stream's append)."""
        doc: dict[str, Any] = {"format": FORMAT, "roles": {r: list(users) for r, users in table.holders_of.items()},
                               "aliases": dict(table.aliases)}
        if groups is not None:
            doc["groups"] = {g: list(users) for g, users in groups.holders_of.items()}
        body = canonical(doc)
        return cls(hashlib.sha256(body).hexdigest(), body.decode("utf-8"))

    @classmethod
    def parse(cls, digest: str, body: str) -> "RoleRecord":
        """A stored record, checked: raise ``ValueError`` if the text is not what the digest names."""
        if hashlib.sha256(body.encode("utf-8")).hexdigest() != digest:
            raise ValueError(f"the stored role table {digest[:12]}... does not match its digest (edited)")
        record = cls(digest, body)
        record.table()  # refuse a body that is not a role table
        record.groups()
        return record

    def table(self) -> RoleTable:
        """The table the record holds (names stay as recorded: they were normalised when it was made)."""
        try:
            doc: Any = json.loads(self.body)
            if doc.get("format") != FORMAT:
                raise ValueError(f"format {doc.get('format')!r} is not {FORMAT!r}")
            roles = {str(r): tuple(str(u) for u in users) for r, users in doc["roles"].items()}
            aliases = {str(a): str(u) for a, u in doc["aliases"].items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"the role table {self.digest[:12]}... cannot be read: {exc}") from None
        return RoleTable(roles, aliases)

    def groups(self) -> RoleTable:
        """The groups table the record holds (empty if it names none: a job's record), with the table's aliases."""
        try:
            doc: Any = json.loads(self.body)
            groups = {str(g): tuple(str(u) for u in users) for g, users in (doc.get("groups") or {}).items()}
            aliases = {str(a): str(u) for a, u in doc["aliases"].items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"the role table {self.digest[:12]}... cannot be read: {exc}") from None
        return RoleTable(groups, aliases)

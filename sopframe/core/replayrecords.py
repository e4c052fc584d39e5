"""Replay of an SOP's record stream: acknowledgements, flags and reviews fed back through their commands.

A record stream (``sop~REF``, :mod:`sopframe.core.engine.records`) is not a
job: its batches are written by :class:`~sopframe.core.engine.records.SopRecords`,
one event each.  Replay (:mod:`sopframe.core.replay`) turns each batch back
into the command that wrote it -- ``ack``, ``sops flag`` or ``sops review``
-- and runs it with the role and group tables its ledger entry names, the
clock at its recorded time and the SOP versions published before it, so the
audience of an acknowledgement, the roles of a reviewer and the version
acknowledged are checked by the code that checked them when they were
recorded.

Record-stream batches written before record streams recorded their tables
(every one of an older store) cannot be checked for authorisation: replay
folds them in unchecked, as it does a job's batches written before role
tables were recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from sopframe.core.engine.clock import FixedClock
from sopframe.core.sopref import ref_of_stream

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine.events import Event
    from sopframe.core.limits import Limits
    from sopframe.core.rolerecord import RoleRecord
    from sopframe.core.store import Store

__all__ = ["record_command"]


class NotARecordCommand(Exception):
    """A record-stream batch no command writes (the reason is the message)."""


def record_command(store: "Store", stream: str, batch: Sequence["Event"], record: "RoleRecord",
                   limits: "Limits") -> None:
    """Run the command that wrote ``batch`` of ``stream`` on ``store`` (which holds the stream so far)."""
    from sopframe.core.engine.records import SopRecords

    if len(batch) != 1:
        raise NotARecordCommand(f"a batch of {len(batch)} events: every command on an SOP record writes one")
    ev = batch[0]
    d, ref = ev.data, ref_of_stream(stream)
    every = d.get("every") if ev.type == "sop.acknowledged" else None  # the configured default that applied
    records = SopRecords(store, roles=record.table(), groups=record.groups(), clock=FixedClock(ev.at),
                         limits=limits, every=None if every is None else str(every))
    if ev.type == "sop.acknowledged":
        att = d.get("attestation")
        text = att.get("text") if isinstance(att, dict) else None
        version = d.get("version")
        records.acknowledge(ref, actor=ev.actor, version=None if version is None else str(version),
                            attest=None if text is None else str(text))
    elif ev.type == "sop.flagged":
        records.flag(ref, str(d.get("reason", "")), actor=ev.actor)
    elif ev.type == "sop.reviewed":
        records.reviewed(ref, str(d.get("reason", "")), actor=ev.actor)
    else:
        raise NotARecordCommand(f"no command records a {ev.type!r} event on an SOP record: it was not written "
                                "by sopframe")

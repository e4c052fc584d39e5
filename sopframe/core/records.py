"""Read models of the SOP lifecycle: acknowledgements, review flags, and the jobs that follow each SOP.

Like the job read models (:mod:`sopframe.core.readmodel`), these rows are a
pure function of events and are written by the same atomic ``append`` as
the events they come from:

* an SOP's *record stream* (``sop~REF``, see :mod:`sopframe.core.sopref`)
  gives :class:`RecordRows`: one :class:`AckRow` per ``sop.acknowledged``
  and one :class:`FlagRow` per ``sop.flagged`` or ``sop.reviewed``;
* a job gives, besides its summary, a :class:`SopJobRow` when its start
  recorded the SOP it follows, and a :class:`FlagRow` (kind ``change``) per
  SOP its completion put up for review (``sop.review_due``).

Rows of a stream or job replace that source's earlier rows; ``sopframe store
rebuild`` recomputes them all, and verification reports rows that differ.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Sequence

from sopframe.core.sopref import ref_of_stream

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine.events import Event
    from sopframe.core.engine.state import JobState

__all__ = ["AckRow", "FlagRow", "SopJobRow", "RecordRows", "record_rows", "job_sop_rows"]

#: the kinds of flag rows: someone said the SOP does not match reality, a significant change affected it,
#: or someone reviewed it (which settles the flags before it)
FLAG_KINDS = ("flagged", "change", "reviewed")


@dataclass(frozen=True)
class AckRow:
    """One person's acknowledgement of one version of an SOP."""

    stream: str
    seq: int
    ref: str
    version: str | None
    person: str
    at: str
    attestation: str | None  # SHA-256 of the text agreed to, if any

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FlagRow:
    """An SOP put up for review (``flagged``, ``change``) or reviewed (``reviewed``)."""

    source: str  # the record stream, or the change job
    seq: int
    ref: str
    kind: str
    by: str
    reason: str
    at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SopJobRow:
    """A job and the SOP version it followed when it started."""

    job: str
    ref: str
    version: str | None  # the SOP's current version on the master list at the start (None: not published)
    current: bool  # the template's version was that current version
    reason: str | None  # why a job was started from another version
    template: str
    template_version: str
    started_at: str


@dataclass(frozen=True)
class RecordRows:
    """Every row an SOP's record stream contributes."""

    ref: str
    acks: tuple[AckRow, ...] = ()
    flags: tuple[FlagRow, ...] = ()


def record_rows(stream: str, events: Sequence["Event"]) -> RecordRows:
    """The rows of a record stream: a pure function of its events."""
    ref = ref_of_stream(stream)
    acks, flags = [], []
    for e in events:
        d = e.data
        if e.type == "sop.acknowledged":
            att = d.get("attestation") or {}
            acks.append(AckRow(stream, e.seq, ref, d.get("version"), str(d.get("person") or e.actor), e.at,
                               att.get("sha256") if isinstance(att, dict) else None))
        elif e.type in ("sop.flagged", "sop.reviewed"):
            flags.append(FlagRow(stream, e.seq, ref, "flagged" if e.type == "sop.flagged" else "reviewed",
                                 e.actor, str(d.get("reason") or ""), e.at))
    return RecordRows(ref, tuple(acks), tuple(flags))


def job_sop_rows(state: "JobState") -> tuple[SopJobRow | None, tuple[FlagRow, ...]]:
    """The SOP rows a job contributes: the SOP it follows, and the reviews its completion asked for."""
    follows = None
    s = state.sop
    if s and s.get("ref"):
        follows = SopJobRow(state.job_id, str(s["ref"]), s.get("version"), bool(s.get("current")),
                            s.get("reason"), state.template_id, state.template_version, state.started_at)
    flags = []
    for n, due in enumerate(state.review_due, 1):
        for ref in due.get("refs") or ():
            flags.append(FlagRow(state.job_id, n, str(ref), "change", str(due.get("by", "")),
                                 str(due.get("reason") or ""), str(due.get("at", ""))))
    return follows, tuple(sorted(flags, key=lambda f: (f.seq, f.ref)))

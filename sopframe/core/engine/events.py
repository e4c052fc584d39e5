"""Events: the only thing a job store holds.

Each event of a job carries its sequence number (1, 2, ...), the hash of the
event before it (64 zeros for the first) and its own hash: SHA-256 over the
canonical encoding of everything else (JSON, keys sorted, no spaces, UTF-8).
Editing, deleting, reordering or inserting a stored event breaks the chain,
and :func:`verify_chain` names the first event where it breaks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

__all__ = ["Event", "NewEvent", "GENESIS", "canonical", "chain", "verify_chain", "ChainProblem", "rows_intact",
           "decode_rows"]

GENESIS = "0" * 64


@dataclass(frozen=True)
class NewEvent:
    """An event a command wants to append (not yet numbered or hashed)."""

    type: str
    data: Mapping[str, Any] = field(default_factory=dict)


class Event(NamedTuple):
    """One stored event of a job's stream (immutable; a named tuple, cheap to read in bulk)."""

    job: str
    seq: int
    type: str
    data: Mapping[str, Any]
    actor: str
    at: str  # UTC, see clock.to_text
    prev: str
    hash: str

    def body(self) -> dict[str, Any]:
        """Everything the hash covers."""
        return {"job": self.job, "seq": self.seq, "type": self.type, "data": self.data,
                "actor": self.actor, "at": self.at, "prev": self.prev}

    def compute_hash(self) -> str:
        return hashlib.sha256(canonical(self.body())).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {**self.body(), "hash": self.hash}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Event":
        return cls(job=d["job"], seq=int(d["seq"]), type=d["type"], data=d["data"], actor=d["actor"],
                   at=d["at"], prev=d["prev"], hash=d["hash"])


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
#: a text as a JSON string, exactly as the canonical encoding writes it (raises TypeError for anything else)
quote: Any = json.encoder.encode_basestring


def canonical(value: Any) -> bytes:
    """The canonical encoding: JSON with sorted keys, no whitespace, UTF-8."""
    return _CANONICAL(value).encode("utf-8")


def chain(job: str, after_seq: int, after_hash: str, new: Sequence[NewEvent], actor: str, at: str) -> list[Event]:
    """Number and hash ``new`` events to follow event ``after_seq`` (hash ``after_hash``)."""
    out: list[Event] = []
    prev, seq = after_hash, after_seq
    enc = quote
    # the canonical body, assembled around the data's own encoding (keys in sorted order);
    # Event.compute_hash encodes the whole body and must give the same hash
    head = '{"actor":' + enc(actor) + ',"at":' + enc(at) + ',"data":'
    tail_job = ',"job":' + enc(job) + ',"prev":"'
    for ev in new:
        seq += 1
        text = _CANONICAL(dict(ev.data))
        data = json.loads(text)  # plain JSON values only, exactly as they will be read back
        body = f'{head}{text}{tail_job}{prev}","seq":{seq},"type":{enc(ev.type)}}}'
        try:
            raw = body.encode("utf-8")
        except UnicodeEncodeError:  # nothing is written: the append never starts
            raise _not_unicode(job, ev, actor) from None
        digest = hashlib.sha256(raw).hexdigest()
        out.append(Event(job, seq, ev.type, data, actor, at, prev, digest))
        prev = digest
    return out


def _lone_surrogate(value: Any, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """Where in ``value`` a text holds a lone surrogate (no UTF-8 encoding exists for it), or None."""
    if isinstance(value, str):
        return path if any("\ud800" <= ch <= "\udfff" for ch in value) else None
    if isinstance(value, Mapping):
        for k, v in value.items():
            found = _lone_surrogate(k, path) if isinstance(k, str) else None
            found = found if found is not None else _lone_surrogate(v, (*path, str(k)))
            if found is not None:
                return found
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value, 1):
            found = _lone_surrogate(v, (*path, f"item {i}"))
            if found is not None:
                return found
    return None


def _not_unicode(job: str, ev: NewEvent, actor: str) -> Exception:
    """The refusal of text that cannot be recorded: a lone surrogate (a ``\\ud800`` escape in JSON, or bytes
    that are not UTF-8 passed through by the operating system), named by where it is."""
    from sopframe.errors import JobError

    data = ev.data if isinstance(ev.data, Mapping) else {}
    where = _lone_surrogate(dict(data))
    if _lone_surrogate(actor) is not None:
        what = "the user name"
    elif _lone_surrogate(job) is not None or where is None:
        what = "the job id"
    else:
        what = "the value" if where[:1] == ("value",) else " ".join(where) or ev.type
    stage, field = data.get("stage"), data.get("field")
    return JobError(f"{what} holds text that is not valid Unicode (a lone surrogate such as \\ud800, or bytes "
                    "that are not UTF-8); nothing was recorded",
                    job=_printable(job), stage=_printable(stage), field=_printable(field),
                    hint="give the text again as valid UTF-8")


def _printable(value: Any) -> str | None:
    from sopframe.core.safetext import escape

    return escape(value) if isinstance(value, str) else None  # a surrogate is written as its \\u escape


def rows_intact(job: str, rows: Sequence[Sequence[Any]], head: tuple[int, str] | None = None) -> bool:
    """Whether stored rows form an unbroken chain ending at ``head``: the fast path of :func:`verify_chain`.

    A row is ``(job, seq, type, data, actor, at, prev, hash)`` with ``data``
    the stored data text.  The canonical text each hash covers is assembled
    around the stored data text exactly as :func:`chain` assembles it when
    writing, so an intact chain is proven without decoding and re-encoding
    every event.  That is as strong as the full check: the strings are
    JSON-quoted, ``prev`` is 64 hex digits (each one the previous stored
    hash) and ``seq`` an integer, so the canonical text the writer hashed
    splits into columns one way only, and a match means every column,
    ``data`` included, is exactly what was written.  ``False`` means "look
    closer": :func:`verify_chain` over the decoded events names the
    problem, or finds none (data stored in another, equivalent JSON form).
    """
    try:
        return _rows_intact(job, rows, head)
    except TypeError:  # a column that is not text: the full check says what it is
        return False


def _rows_intact(job: str, rows: Sequence[Sequence[Any]], head: tuple[int, str] | None) -> bool:
    prev, n, sha, q = GENESIS, 0, hashlib.sha256, quote
    tail = ',"job":' + q(job) + ',"prev":"'
    quoted: dict[str, str] = {}
    at_raw, at = None, ""
    for r in rows:
        n += 1
        if r[1] != n or type(r[1]) is not int or r[6] != prev or r[0] != job:
            return False
        actor, kind = quoted.get(r[4]), quoted.get(r[2])
        if actor is None:
            actor = quoted[r[4]] = q(r[4])
        if kind is None:
            kind = quoted[r[2]] = q(r[2])
        if r[5] != at_raw:  # a command's events share their time
            at_raw, at = r[5], q(r[5])
        prev = r[7]
        body = f'{{"actor":{actor},"at":{at},"data":{r[3]}{tail}{r[6]}","seq":{n},"type":{kind}}}'
        if sha(body.encode("utf-8")).hexdigest() != prev:
            return False
    if head is None:
        return True
    return head == (n, prev) if n else not head[0]


def decode_rows(rows: Sequence[Sequence[Any]]) -> list[Event]:
    """Events from stored rows ``(job, seq, type, data text, actor, at, prev, hash, ...)``.

    Every data column is decoded in one JSON parse (long jobs read fast);
    raises ``ValueError`` naming the first row whose data is not JSON.
    """
    if not rows:
        return []
    try:
        datas = json.loads("[" + ",".join(r[3] for r in rows) + "]")
        if len(datas) == len(rows):
            return [Event(r[0], int(r[1]), r[2], d, r[4], r[5], r[6], r[7]) for r, d in zip(rows, datas)]
    except (ValueError, TypeError, OverflowError):  # a column of another type: the loop below names the row
        pass
    out = []
    for r in rows:  # one row is broken: find which
        try:
            out.append(Event(r[0], int(r[1]), r[2], json.loads(r[3]), r[4], r[5], r[6], r[7]))
        except (ValueError, TypeError, OverflowError) as exc:  # OverflowError: an event number stored as infinity
            raise ValueError(f"event {r[1]} of job {r[0]}: {exc}") from None
    return out


class ChainProblem(NamedTuple):
    """Where a job's chain breaks: the first bad event (by position read) and why."""

    job: str
    position: int  # 1-based position in the stream as read
    seq: int | None
    reason: str

    def __str__(self) -> str:
        which = f"event {self.seq}" if self.seq is not None else f"event at position {self.position}"
        return f"job {self.job}: {which}: {self.reason}"


def verify_chain(job: str, events: Iterable[Event], head: tuple[int, str] | None = None) -> ChainProblem | None:
    """Check a job's events in stored order; return the first problem, or None.

    ``head`` is the (seq, hash) the store recorded as the job's last event,
    if it keeps one: a deleted last event is caught against it.
    """
    prev, expected, last = GENESIS, 1, None
    for pos, ev in enumerate(events, 1):
        if ev.job != job:
            return ChainProblem(job, pos, ev.seq, f"belongs to job {ev.job!r} (moved or inserted)")
        if ev.seq != expected:
            why = "missing (deleted)" if ev.seq > expected else "out of order or duplicated"
            return ChainProblem(job, pos, ev.seq, f"expected event {expected} here, found event {ev.seq}: "
                                                  f"an event is {why}")
        if ev.prev != prev:
            return ChainProblem(job, pos, ev.seq, "its link to the previous event does not match "
                                                  "(an event before it was replaced, inserted or removed)")
        try:
            intact = ev.compute_hash() == ev.hash
        except (TypeError, ValueError):  # a column holds what no event is written with (bytes, a float...)
            intact = False
        if not intact:
            return ChainProblem(job, pos, ev.seq, f"content does not match its hash (edited after it was "
                                                  f"written; type {ev.type!r})")
        prev, expected, last = ev.hash, expected + 1, ev
    if head is not None:
        hseq, hhash = head
        if last is None and hseq:
            return ChainProblem(job, 1, None, f"the store records {hseq} events but none could be read")
        if last is not None and (last.seq != hseq or last.hash != hhash):
            return ChainProblem(job, last.seq + 1 if last.seq < hseq else last.seq, last.seq,
                                f"the store records the job's last event as {hseq} "
                                f"({hhash[:12]}...), but the events end at {last.seq} ({last.hash[:12]}...)")
    return None

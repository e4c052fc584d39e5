"""Proving a job's chain from texts its store joined: verification's fast path where the store can do it.

:func:`~sopframe.core.engine.events.rows_intact` proves a chain from the
stored rows, assembling in Python the canonical text each hash covers.  An
embedded store (SQLite runs inside this process: an attacker controls the
file, not the code that reads it) can do that assembly where it reads the
rows, in C, and hand over one :class:`JoinedChain` per job: the events'
texts joined by a separator, their stored hashes joined likewise.  What is
left here is hashing, with no Python code run per event (``map`` over
built-ins), and comparing.

The store's assembly is trusted only as far as it is checked: each text
must hash to the stored hash, or the job is "not proven" and the full check
(:func:`~sopframe.core.engine.events.verify_chain` over decoded events)
looks at it and names the problem.  A wrong assembly costs time, never a
false proof, because the assembly is injective: strings are JSON-quoted
(a quoted string ends at its first unescaped quote, read from either
end), ``seq`` is an integer written in decimal, ``prev`` is a previous
hash (64 hex digits, proven in turn) or the genesis hash, and ``data`` is
the one raw part, between a prefix read uniquely from the left and a
suffix read uniquely from the right.  So a text that hashes to the stored
hash of the text the writer assembled is that text, column by column.

Not a database function: the store only concatenates; the hashing that
proves anything is done here.  A server-side database (PostgreSQL) is
administered by the people verification must not trust, so it keeps
assembling in Python.
"""

from __future__ import annotations

import functools
import hashlib
from operator import add, methodcaller
from typing import NamedTuple

from sopframe.core.engine.events import GENESIS

__all__ = ["JoinedChain", "SEPARATOR", "joined_intact"]

#: what the store joins the texts with (ASCII record separator; a text holding one is simply not proven)
SEPARATOR = "\x1e"

_hex = methodcaller("hexdigest")
_utf8 = methodcaller("encode", "utf-8")


class JoinedChain(NamedTuple):
    """One job's stored events as its store joined them, in one order (the same for every field).

    ``heads[i]`` is event i's canonical text up to ``"prev":"`` (included)
    and ``tails[i]`` the rest from ``","seq":``: the hash of the event
    before it goes between them (the genesis hash for the first), so the
    chain's links are taken from the stored hashes themselves.
    """

    job: str
    count: int  # the job's stored events
    typed: bool  # every column holds the type the writer stores (text; seq an integer)
    seqs: str  # the sequence numbers, "," between them
    heads: str  # SEPARATOR between them
    tails: str  # SEPARATOR between them
    hashes: str  # the stored hashes, "," between them
    prevs: str | None  # the stored links, "," between them (None: the store keeps no such column)


@functools.lru_cache(maxsize=64)
def _numbers(n: int) -> str:
    return ",".join(map(str, range(1, n + 1)))


def joined_intact(chain: JoinedChain, head: tuple[int, str] | None = None) -> list[str] | None:
    """The stored hashes, in order, when the chain is intact and ends at ``head``; None means "look closer".

    Intact as :func:`~sopframe.core.engine.events.verify_chain` means it:
    events 1..n in order, each linked to the stored hash before it (and
    its stored link, where the store keeps one, equal to that hash), each
    text hashing to its stored hash.
    """
    n = chain.count
    if not chain.typed or n < 1 or chain.seqs != _numbers(n):
        return None
    hashes = chain.hashes.split(",")
    heads, tails = chain.heads.split(SEPARATOR), chain.tails.split(SEPARATOR)
    if not len(hashes) == len(heads) == len(tails) == n:  # a separator inside a column: not this way
        return None
    links = [GENESIS, *hashes[:-1]]
    texts = map(add, map(add, heads, links), tails)
    if list(map(_hex, map(hashlib.sha256, map(_utf8, texts)))) != hashes:
        return None
    # every hash is now 64 hex digits, so the joined links split one way only
    if chain.prevs is not None and chain.prevs != ",".join(links):
        return None
    if head is not None and head != (n, hashes[-1]):
        return None
    return hashes

"""SOP references, the record stream each SOP has in the store, and audience shares.

An SOP reference is how the master list names a procedure: upper-case
letters and digits in at least two parts joined by hyphens (``SOP-IR-001``,
``ITSOP-2026-01``).  Acknowledgements, flags and reviews of an SOP are
events of its *record stream*, a stream of the store named
``sop~REFERENCE``: appended, hash-chained and entered in the store-wide
ledger exactly as a job's events are (see docs/training.md).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from decimal import Decimal

__all__ = ["REF_PATTERN", "REF_HINT", "ref_problem", "RECORD_PREFIX", "record_stream", "is_record_stream",
           "ref_of_stream", "parse_share", "split_refs"]

REF_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
REF_HINT = "write it as on the SOP master list: upper-case letters and digits joined by hyphens, such as SOP-IR-001"
#: the prefix of record-stream ids: no job id pattern may produce it (job start refuses one that does)
RECORD_PREFIX = "sop~"


def ref_problem(ref: str) -> str | None:
    """Why ``ref`` is not an SOP reference, or None."""
    if REF_PATTERN.match(ref):
        return None
    if REF_PATTERN.match(ref.strip().upper()):
        return f"{ref!r} must be written in upper case, as {ref.strip().upper()!r}"
    return f"{ref!r} is not an SOP reference"


def record_stream(ref: str) -> str:
    """The id of the stream holding an SOP's acknowledgements, flags and reviews."""
    return RECORD_PREFIX + ref


def is_record_stream(stream: str) -> bool:
    return stream.startswith(RECORD_PREFIX)


def ref_of_stream(stream: str) -> str:
    return stream[len(RECORD_PREFIX):]


def parse_share(text: str) -> Decimal:
    """``80%`` -> Decimal('0.8'); raise ``ValueError`` unless it is a percentage above 0 and at most 100."""
    from decimal import Decimal, InvalidOperation

    raw = text.strip()
    if not raw.endswith("%"):
        raise ValueError(f"{text!r} is not a percentage (write it with %, such as 80%)")
    try:
        value = Decimal(raw[:-1].strip())
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a percentage") from None
    if not value.is_finite() or value <= 0 or value > 100:
        raise ValueError(f"{text!r} is out of range: it must be above 0% and at most 100%")
    return value / 100


def split_refs(text: str) -> list[str]:
    """The SOP references a text field lists, separated by commas, semicolons or white space (in order, once)."""
    return list(dict.fromkeys(p for p in re.split(r"[\s,;]+", text or "") if p))

"""One mail address, checked: what the e-mail notifier sends a notification to.

A notification goes to exactly one person, so its address must be exactly
one plain ``local@domain``: never a list (``a@x, b@y``), a display name or
comment that hides another address (``"a@x" <b@y>``, ``a@x (b@y)``), a
group, a route, or text with control characters (CR/LF would start a new
header).  The address is parsed with :mod:`email.headerregistry`, which
follows RFC 5322, and accepted only if parsing it gives back the same text.
"""

from __future__ import annotations

from email.errors import HeaderParseError
from email.headerregistry import Address

__all__ = ["single_address", "is_single_address"]


def single_address(text: str) -> str:
    """``text`` if it is exactly one mail address; raise ``ValueError`` saying why not."""
    if not isinstance(text, str):
        raise ValueError("not a single mail address: not text")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise ValueError("not a single mail address: it contains a control character")
    candidate = text.strip()
    if not candidate or candidate != text:
        raise ValueError("not a single mail address")
    try:
        parsed = Address(addr_spec=candidate)
    except (HeaderParseError, ValueError, IndexError, TypeError):
        raise ValueError("not a single mail address") from None
    if (parsed.addr_spec != candidate or not parsed.username or not parsed.domain or parsed.display_name
            or "@" in parsed.username or any(ch in parsed.domain for ch in "[]\\\"")):
        raise ValueError("not a single mail address")
    return candidate


def is_single_address(text: str) -> bool:
    """True if ``text`` is exactly one mail address (see :func:`single_address`)."""
    try:
        single_address(text)
    except ValueError:
        return False
    return True

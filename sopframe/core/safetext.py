"""Printing text sopframe did not write itself: one escape for every printer.

User names, reasons, titles, field values and file names come from people
and files; printed raw, an escape sequence would reach the terminal and a
newline could forge a line of a history.  :func:`escape` makes any such
value one visible line: control, invisible formatting and line-separator
characters (and the backslash, so an escape cannot be faked) are written as
Python-style escapes.  :func:`json_safe` does the same for JSON text, where
the encoder already escapes C0 controls but not DEL, C1 controls or
formatting characters such as a right-to-left override.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

__all__ = ["escape", "json_safe"]

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def _needs_escape(ch: str) -> bool:
    return ch in _NAMED or (ord(ch) > 0x7E or ord(ch) < 0x20) and unicodedata.category(ch) in _UNSAFE_CATEGORIES


def _escaped(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else (f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")


def escape(value: Any, backslash: bool = True) -> str:
    """``value`` as text on one line, with every unsafe character written as an escape.

    ``backslash=False`` leaves backslashes as they are: for showing a line of a file as it reads (a
    pattern's ``\\d`` stays ``\\d``) and for text that already holds escapes, where only what is still raw
    must be escaped.
    """
    text = value if isinstance(value, str) else str(value)
    if text.isascii() and text.isprintable() and (not backslash or "\\" not in text):
        return text
    if backslash:
        return "".join(_escaped(ch) if _needs_escape(ch) else ch for ch in text)
    return "".join(_escaped(ch) if ch != "\\" and _needs_escape(ch) else ch for ch in text)


_JSON_UNSAFE = re.compile("[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")


def json_safe(text: str) -> str:
    """JSON text with the characters the JSON encoder leaves raw escaped as ``\\uXXXX`` (still valid JSON)."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

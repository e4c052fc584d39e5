"""Size limits for what people type and attach, with defaults that suit real SOP work.

Configured by the ``limits`` table (``[limits]`` in sopframe.toml):

=====================  ===========  =========================================
key                    default      what it bounds
=====================  ===========  =========================================
``text-length``        65536        characters of one field value
``reason-length``      4000         characters of a rejection or cancel reason
``title-length``       300          characters of a job title
``name-length``        100          characters of a user name
``attachment-size``    104857600    bytes of one attached document (100 MiB)
``attachments-root``   (none)       a directory documents must be inside
=====================  ===========  =========================================
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping

__all__ = ["Limits", "LimitsError", "limits_from_table", "LIMIT_KEYS"]


class LimitsError(ValueError):
    """A bad ``limits`` table; ``key`` is the key at fault."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Limits:
    """Size limits on what people enter (bytes or characters), and where attachments may be read from."""

    text: int = 65536
    reason: int = 4000
    title: int = 300
    name: int = 100
    attachment: int = 100 * 1024 * 1024
    attachments_root: str | None = None


#: configuration key -> Limits attribute
LIMIT_KEYS = {"text-length": "text", "reason-length": "reason", "title-length": "title", "name-length": "name",
              "attachment-size": "attachment", "attachments-root": "attachments_root"}


def limits_from_table(table: Mapping[str, Any] | None, base_dir: str | None = None) -> Limits:
    """Limits from a ``limits`` table; raise ``ValueError`` naming the key that is wrong."""
    import os

    from sopframe.errors import did_you_mean

    values: dict[str, Any] = {}
    for key, value in (table or {}).items():
        attr = LIMIT_KEYS.get(key)
        if attr is None:
            raise LimitsError(f"limits: unknown key {key!r}{did_you_mean(key, LIMIT_KEYS)}", key)
        if attr == "attachments_root":
            if not isinstance(value, str) or not value.strip():
                raise LimitsError(f"limits.{key} must be a directory, got {value!r}", key)
            values[attr] = os.path.realpath(os.path.join(base_dir or os.getcwd(), value))
        elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise LimitsError(f"limits.{key} must be a whole number of at least 1, got {value!r}", key)
        else:
            values[attr] = value
    return replace(Limits(), **values)

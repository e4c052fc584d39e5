"""How the SQL stores word a write the database refused (shared by the events, accounts and outbox tables)."""

from __future__ import annotations

from sopframe.errors import StoreError

__all__ = ["write_refused"]

#: what a database says when the connection may not write: PostgreSQL's insufficient_privilege, a read-only file
_READ_ONLY_SIGNS = ("permission denied", "readonly database", "read-only")


def write_refused(message: str, exc: BaseException) -> StoreError:
    """A failed write, with a hint when the cause is that this role or file may only be read."""
    text = str(exc).strip()
    read_only = getattr(exc, "sqlstate", None) == "42501" or any(s in text.lower() for s in _READ_ONLY_SIGNS)
    hint = ("this role or file may only be read: reading commands (job list, show, history, verify, sops, overdue, "
            "store status) work; writing needs a role that may write" if read_only else "")
    return StoreError(f"{message}: {text}", hint=hint)

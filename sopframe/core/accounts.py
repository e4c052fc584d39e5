"""What the server keeps about people besides jobs: accounts, sessions, API tokens and the sign-in log.

Schema version 7 adds these tables to every store (see
:mod:`sopframe.core.migrations`).  They hold no secret in the clear:
passwords as Argon2id hashes, session ids and token secrets as SHA-256
digests (both are 256-bit random values, so a fast hash is enough to make a
stolen table useless for signing in).  The audit log records sign-ins
(succeeded or refused), sign-outs, token use and account and token changes;
it is what the sign-in rate limit counts.

:class:`AccountRecords` (in :mod:`sopframe.core.accountstore`, so that a
store is defined without these classes) is the part of the store interface
that reads and writes them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sopframe.core.accountstore import AccountRecords

__all__ = ["Account", "SessionRecord", "TokenRecord", "AuditRecord", "AccountRecords"]


@dataclass(frozen=True)
class Account:
    """A local account: the normalised user name and its Argon2id hash."""

    user: str
    password_hash: str
    disabled: bool
    created_at: str
    changed_at: str


@dataclass(frozen=True)
class SessionRecord:
    """A signed-in browser: ``id_hash`` is the SHA-256 of the cookie's value."""

    id_hash: str
    user: str
    csrf: str
    created_at: str
    expires_at: str
    ended_at: str | None = None
    method: str = "password"  # or "oidc"


@dataclass(frozen=True)
class TokenRecord:
    """An API token: ``secret_hash`` is the SHA-256 of its secret part; scope ``read`` or ``write``."""

    id: str
    user: str
    secret_hash: str
    scope: str
    label: str
    created_at: str
    expires_at: str
    revoked_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("secret_hash")
        return d


@dataclass(frozen=True)
class AuditRecord:
    """One entry of the sign-in log: ``kind`` such as ``signin``, ``signout``, ``token.used``."""

    at: str
    kind: str
    user: str
    ok: bool
    detail: str = ""
    remote: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

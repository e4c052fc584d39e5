"""What the server keeps about people besides jobs: accounts, sessions, API tokens and the sign-in log.

Schema version 7 adds these tables to every store (see
:mod:`sopframe.core.migrations`).  They hold no secret in the clear:
passwords as Argon2id hashes, session ids and token secrets as SHA-256
digests (both are 256-bit random values, so a fast hash is enough to make a
stolen table useless for signing in).  The audit log records sign-ins
(succeeded or refused), sign-outs, token use and account and token changes;
it is what the sign-in rate limit counts.

:class:`AccountRecords` is the part of the store interface that reads and
writes them; a backend that keeps no accounts (a read-only or test store)
inherits the defaults, which refuse with a clear message.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sopframe.errors import StoreError

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


class AccountRecords:
    """Accounts, sessions, tokens and the audit log of a store (schema version 7)."""

    url: str = ""

    def _no_accounts(self) -> StoreError:
        return StoreError(f"{type(self).__name__} keeps no accounts",
                          hint="use an SQLite, PostgreSQL or memory store at schema version 7 or later")

    # ------------------------------------------------------------ accounts
    def put_account(self, account: Account) -> None:
        """Create or replace the account of ``account.user``."""
        raise self._no_accounts()

    def account(self, user: str) -> Account | None:
        raise self._no_accounts()

    def accounts(self) -> list[Account]:
        raise self._no_accounts()

    # ------------------------------------------------------------ sessions
    def put_session(self, session: SessionRecord) -> None:
        raise self._no_accounts()

    def session(self, id_hash: str) -> SessionRecord | None:
        raise self._no_accounts()

    def end_session(self, id_hash: str, at: str) -> None:
        """Mark a session ended (it is never accepted again)."""
        raise self._no_accounts()

    def end_sessions_of(self, user: str, at: str) -> int:
        """End every open session of a user (password changed, account disabled); returns how many."""
        raise self._no_accounts()

    # -------------------------------------------------------------- tokens
    def put_token(self, token: TokenRecord) -> None:
        raise self._no_accounts()

    def token(self, id: str) -> TokenRecord | None:
        raise self._no_accounts()

    def tokens(self, user: str | None = None) -> list[TokenRecord]:
        """Tokens (of one user), oldest first."""
        raise self._no_accounts()

    def revoke_token(self, id: str, at: str) -> bool:
        """Revoke a token; False if there is no such token or it was already revoked."""
        raise self._no_accounts()

    # --------------------------------------------------------------- audit
    def audit(self, record: AuditRecord) -> None:
        raise self._no_accounts()

    def audit_log(self, *, user: str | None = None, kind: str | None = None, since: str | None = None,
                  ok: bool | None = None, limit: int = 1000, remote: str | None = None) -> list[AuditRecord]:
        """Audit entries matching every given filter (``remote``: the client address), newest first."""
        raise self._no_accounts()

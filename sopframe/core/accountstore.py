"""The part of the store interface that reads and writes accounts, sessions, API tokens and the sign-in log.

The records themselves are in :mod:`sopframe.core.accounts`; this module
does not import them, so that every store (and every job command) is
defined without creating their classes.  A backend that keeps no accounts
(a read-only or test store) inherits the defaults, which refuse with a clear
message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sopframe.errors import StoreError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.accounts import Account, AuditRecord, SessionRecord, TokenRecord

__all__ = ["AccountRecords"]


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

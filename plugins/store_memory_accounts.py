"""Accounts, sessions, API tokens and the sign-in log of the ``memory://`` store, in dicts."""

from __future__ import annotations

import threading
from dataclasses import replace

from typing import TYPE_CHECKING

from sopframe.core.accountstore import AccountRecords

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.accounts import Account, AuditRecord, SessionRecord, TokenRecord

__all__ = ["MemoryAccounts"]


class MemoryAccounts(AccountRecords):
    """Dict-backed account records; each call holds the lock for its whole change."""

    def __init__(self) -> None:
        self._accounts: dict[str, Account] = {}
        self._sessions: dict[str, SessionRecord] = {}
        self._tokens: dict[str, TokenRecord] = {}
        self._audit: list[AuditRecord] = []
        self._accounts_lock = threading.Lock()

    def put_account(self, account: Account) -> None:
        with self._accounts_lock:
            old = self._accounts.get(account.user)
            self._accounts[account.user] = replace(account, created_at=old.created_at) if old else account

    def account(self, user: str) -> Account | None:
        return self._accounts.get(user)

    def accounts(self) -> list[Account]:
        with self._accounts_lock:
            return [self._accounts[u] for u in sorted(self._accounts)]

    def put_session(self, session: SessionRecord) -> None:
        with self._accounts_lock:
            self._sessions[session.id_hash] = session

    def session(self, id_hash: str) -> SessionRecord | None:
        return self._sessions.get(id_hash)

    def end_session(self, id_hash: str, at: str) -> None:
        with self._accounts_lock:
            s = self._sessions.get(id_hash)
            if s is not None and s.ended_at is None:
                self._sessions[id_hash] = replace(s, ended_at=at)

    def end_sessions_of(self, user: str, at: str) -> int:
        with self._accounts_lock:
            open_ = [k for k, s in self._sessions.items() if s.user == user and s.ended_at is None]
            for k in open_:
                self._sessions[k] = replace(self._sessions[k], ended_at=at)
            return len(open_)

    def put_token(self, token: TokenRecord) -> None:
        with self._accounts_lock:
            self._tokens[token.id] = token

    def token(self, id: str) -> TokenRecord | None:
        return self._tokens.get(id)

    def tokens(self, user: str | None = None) -> list[TokenRecord]:
        with self._accounts_lock:
            found = [t for t in self._tokens.values() if user is None or t.user == user]
        return sorted(found, key=lambda t: (t.created_at, t.id))

    def revoke_token(self, id: str, at: str) -> bool:
        with self._accounts_lock:
            t = self._tokens.get(id)
            if t is None or t.revoked_at is not None:
                return False
            self._tokens[id] = replace(t, revoked_at=at)
            return True

    def audit(self, record: AuditRecord) -> None:
        with self._accounts_lock:
            self._audit.append(record)

    def audit_log(self, *, user: str | None = None, kind: str | None = None, since: str | None = None,
                  ok: bool | None = None, limit: int = 1000, remote: str | None = None) -> list[AuditRecord]:
        with self._accounts_lock:
            indexed = list(enumerate(self._audit))
        found = [(i, r) for i, r in indexed if (user is None or r.user == user) and (kind is None or r.kind == kind)
                 and (since is None or r.at >= since) and (ok is None or r.ok == ok)
                 and (remote is None or r.remote == remote)]
        found.sort(key=lambda p: (p[1].at, p[0]), reverse=True)
        return [r for _, r in found[:limit]]

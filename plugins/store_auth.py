"""The accounts tables (schema version 7), shared by the SQLite and PostgreSQL stores.

See :mod:`sopframe.core.accounts` for what they hold.  Every write is its own
short transaction: none of them touches the events or the ledger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from sopframe.core.accountstore import AccountRecords

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.accounts import Account, AuditRecord, SessionRecord, TokenRecord

__all__ = ["AuthTables", "AUTH_DDL", "AUTH_TABLES", "AUTH_VERSION", "AUDIT_BY_REMOTE", "AUDIT_BY_REMOTE_DDL"]

#: the schema version that adds these tables, and their names
AUTH_VERSION = 7
#: the schema version that indexes the sign-in log by client address (the per-address sign-in limit)
AUDIT_BY_REMOTE = 11
AUDIT_BY_REMOTE_DDL = """
CREATE INDEX IF NOT EXISTS auth_audit_by_remote ON auth_audit (remote, kind, at)
"""
AUTH_TABLES = ("accounts", "sessions", "api_tokens", "auth_audit")

AUTH_DDL = """
CREATE TABLE accounts (
    username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, disabled INTEGER NOT NULL,
    created_at TEXT NOT NULL, changed_at TEXT NOT NULL
);
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL, created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL, ended_at TEXT, method TEXT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (username);
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY, username TEXT NOT NULL, secret_hash TEXT NOT NULL, scope TEXT NOT NULL,
    label TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL, revoked_at TEXT
);
CREATE TABLE auth_audit (
    n {serial}, at TEXT NOT NULL, kind TEXT NOT NULL, username TEXT NOT NULL, ok INTEGER NOT NULL,
    detail TEXT NOT NULL, remote TEXT NOT NULL
);
CREATE INDEX auth_audit_by_user ON auth_audit (username, kind, at)
"""

_ACCOUNT = "username, password_hash, disabled, created_at, changed_at"
_SESSION = "id_hash, username, csrf, created_at, expires_at, ended_at, method"
_TOKEN = "id, username, secret_hash, scope, label, created_at, expires_at, revoked_at"
_AUDIT = "at, kind, username, ok, detail, remote"


class AuthTables(AccountRecords):
    """Account reads and writes for a store with ``_x``, ``_query`` and ``_tx`` (see ``SqlStore``).

    The record classes are imported by the methods that make them: a job command needs none.
    """

    Error: type[BaseException] = Exception  # the driver's error class, set by the store

    def _x(self, sql: str, args: Sequence[Any] = ()) -> Any:  # pragma: no cover - provided by SqlStore
        raise NotImplementedError

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:  # pragma: no cover - provided by SqlStore
        raise NotImplementedError

    def _tx(self) -> Any:  # pragma: no cover - provided by SqlStore
        raise NotImplementedError

    def _auth_write(self, sql: str, args: Sequence[Any]) -> int:
        try:
            with self._tx():
                return int(self._x(sql, args).rowcount)
        except self.Error as exc:
            from sopframe_plugins.store_errors import write_refused

            raise write_refused(f"cannot write to {self.url}", exc) from None

    def put_account(self, account: Account) -> None:
        self._auth_write(f"INSERT INTO accounts ({_ACCOUNT}) VALUES (?, ?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET "
                    "password_hash = excluded.password_hash, disabled = excluded.disabled, "
                    "changed_at = excluded.changed_at",
                    (account.user, account.password_hash, int(account.disabled), account.created_at,
                     account.changed_at))

    def account(self, user: str) -> Account | None:
        from sopframe.core.accounts import Account

        rows = self._query(f"SELECT {_ACCOUNT} FROM accounts WHERE username = ?", (user,))
        return Account(rows[0][0], rows[0][1], bool(rows[0][2]), rows[0][3], rows[0][4]) if rows else None

    def accounts(self) -> list[Account]:
        from sopframe.core.accounts import Account

        return [Account(r[0], r[1], bool(r[2]), r[3], r[4])
                for r in self._query(f"SELECT {_ACCOUNT} FROM accounts ORDER BY username")]

    def put_session(self, session: SessionRecord) -> None:
        s = session
        self._auth_write(f"INSERT INTO sessions ({_SESSION}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (s.id_hash, s.user, s.csrf, s.created_at, s.expires_at, s.ended_at, s.method))

    def session(self, id_hash: str) -> SessionRecord | None:
        from sopframe.core.accounts import SessionRecord

        rows = self._query(f"SELECT {_SESSION} FROM sessions WHERE id_hash = ?", (id_hash,))
        return SessionRecord(*rows[0]) if rows else None

    def end_session(self, id_hash: str, at: str) -> None:
        self._auth_write("UPDATE sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL", (at, id_hash))

    def end_sessions_of(self, user: str, at: str) -> int:
        return self._auth_write("UPDATE sessions SET ended_at = ? WHERE username = ? AND ended_at IS NULL", (at, user))

    def put_token(self, token: TokenRecord) -> None:
        t = token
        self._auth_write(f"INSERT INTO api_tokens ({_TOKEN}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (t.id, t.user, t.secret_hash, t.scope, t.label, t.created_at, t.expires_at, t.revoked_at))

    def token(self, id: str) -> TokenRecord | None:
        from sopframe.core.accounts import TokenRecord

        rows = self._query(f"SELECT {_TOKEN} FROM api_tokens WHERE id = ?", (id,))
        return TokenRecord(*rows[0]) if rows else None

    def tokens(self, user: str | None = None) -> list[TokenRecord]:
        from sopframe.core.accounts import TokenRecord

        if user is None:
            rows = self._query(f"SELECT {_TOKEN} FROM api_tokens ORDER BY created_at, id")
        else:
            rows = self._query(f"SELECT {_TOKEN} FROM api_tokens WHERE username = ? ORDER BY created_at, id", (user,))
        return [TokenRecord(*r) for r in rows]

    def revoke_token(self, id: str, at: str) -> bool:
        return self._auth_write("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (at, id)) == 1

    def audit(self, record: AuditRecord) -> None:
        r = record
        self._auth_write(f"INSERT INTO auth_audit ({_AUDIT}) VALUES (?, ?, ?, ?, ?, ?)",
                    (r.at, r.kind, r.user, int(r.ok), r.detail, r.remote))

    def audit_log(self, *, user: str | None = None, kind: str | None = None, since: str | None = None,
                  ok: bool | None = None, limit: int = 1000, remote: str | None = None) -> list[AuditRecord]:
        from sopframe.core.accounts import AuditRecord

        where: list[str] = []
        args: list[Any] = []
        for column, value in (("username", user), ("remote", remote), ("kind", kind)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if since is not None:
            where.append("at >= ?")
            args.append(since)
        if ok is not None:
            where.append("ok = ?")
            args.append(int(ok))
        sql = f"SELECT {_AUDIT} FROM auth_audit" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self._query(sql + " ORDER BY at DESC, n DESC LIMIT ?", (*args, limit))
        return [AuditRecord(r[0], r[1], r[2], bool(r[3]), r[4], r[5]) for r in rows]

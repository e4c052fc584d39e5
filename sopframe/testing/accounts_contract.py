"""The part of the store contract about accounts, sessions, API tokens and the sign-in log (schema version 7).

:class:`~sopframe.testing.store_contract.StoreContract` includes it; it uses
the same ``store`` and ``make_store`` fixtures.
"""

from __future__ import annotations

from typing import Callable

from sopframe.core.accounts import Account, AuditRecord, SessionRecord, TokenRecord
from sopframe.core.store import Store

__all__ = ["AccountsContract"]

T = "2026-01-05T09:00:00.000000Z"
LATER = "2026-01-05T10:00:00.000000Z"


class AccountsContract:
    """What a store must do with the server's records."""

    def test_accounts_are_created_replaced_and_listed(self, store: Store,
                                                      make_store: Callable[[], Store]) -> None:
        assert store.account("alice") is None
        store.put_account(Account("bob", "$argon2id$b", False, T, T))
        store.put_account(Account("alice", "$argon2id$a", False, T, T))
        store.put_account(Account("alice", "$argon2id$a2", True, LATER, LATER))
        other = make_store()  # another connection sees them
        try:
            alice = other.account("alice")
            assert alice is not None and alice.password_hash == "$argon2id$a2" and alice.disabled
            assert alice.created_at == T and alice.changed_at == LATER  # created once, changed later
            assert [a.user for a in other.accounts()] == ["alice", "bob"]
        finally:
            other.close()

    def test_a_session_ends_and_stays_ended(self, store: Store) -> None:
        store.put_session(SessionRecord("h1", "alice", "c1", T, LATER))
        store.put_session(SessionRecord("h2", "alice", "c2", T, LATER))
        store.put_session(SessionRecord("h3", "bob", "c3", T, LATER, method="oidc"))
        store.end_session("h1", LATER)
        s1 = store.session("h1")
        assert s1 is not None and s1.ended_at == LATER and s1.csrf == "c1"
        assert store.end_sessions_of("alice", LATER) == 1  # h2 only: h1 had ended
        s2, s3 = store.session("h2"), store.session("h3")
        assert s2 is not None and s2.ended_at == LATER
        assert s3 is not None and s3.ended_at is None and s3.method == "oidc"
        assert store.session("nope") is None

    def test_tokens_are_kept_listed_and_revoked_once(self, store: Store) -> None:
        store.put_token(TokenRecord("t2", "bob", "h2", "read", "ci", LATER, "2027-01-01T00:00:00.000000Z"))
        store.put_token(TokenRecord("t1", "alice", "h1", "write", "", T, "2027-01-01T00:00:00.000000Z"))
        assert [t.id for t in store.tokens()] == ["t1", "t2"]
        assert [t.id for t in store.tokens("bob")] == ["t2"]
        assert store.revoke_token("t1", LATER) is True
        assert store.revoke_token("t1", LATER) is False
        assert store.revoke_token("nope", LATER) is False
        t1 = store.token("t1")
        assert t1 is not None and t1.revoked_at == LATER and t1.secret_hash == "h1"
        assert "secret_hash" not in t1.to_dict()

    def test_the_audit_log_filters_newest_first(self, store: Store) -> None:
        store.audit(AuditRecord(T, "signin", "alice", False, "bad password", "127.0.0.1"))
        store.audit(AuditRecord(LATER, "signin", "alice", True))
        store.audit(AuditRecord(LATER, "signout", "alice", True))
        store.audit(AuditRecord(LATER, "signin", "bob", False))
        assert [(r.kind, r.ok) for r in store.audit_log(user="alice")] == \
            [("signout", True), ("signin", True), ("signin", False)]
        assert len(store.audit_log(kind="signin", ok=False)) == 2
        assert [r.user for r in store.audit_log(kind="signin", ok=False, since=LATER)] == ["bob"]
        assert store.audit_log(user="alice", limit=1)[0].kind == "signout"
        assert store.audit_log(user="alice", ok=False)[0].remote == "127.0.0.1"
        store.audit(AuditRecord(LATER, "signin", "carol", False, "bad password", "127.0.0.1"))
        assert [r.user for r in store.audit_log(remote="127.0.0.1", kind="signin", ok=False)] == ["carol", "alice"]
        assert [r.user for r in store.audit_log(remote="127.0.0.1", since=LATER)] == ["carol"]
        assert store.audit_log(remote="10.0.0.9") == []

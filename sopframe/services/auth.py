"""Who is signing in: local accounts, browser sessions and API tokens (the server's authentication).

One function per use case, each taking the store and a clock; the CLI
(``sopframe users``, ``sopframe tokens``) and the server call the same ones.

- **Passwords** are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's
  second recommended parameters); a hash made with older parameters is
  rehashed at the next sign-in.
- **Sign-in rate limit**: after :data:`MAX_FAILURES` refused sign-ins of one
  user within :data:`FAILURE_WINDOW`, further attempts are refused without
  checking the password until the window has passed; so are attempts from a
  client address that had :data:`MAX_ADDRESS_FAILURES` refused sign-ins (of
  any user names) within the window, which stops one address trying a
  password against many accounts.  The counts come from the sign-in log in
  the store, so every server worker sees the same counts.
- **Sessions**: the cookie holds 256 random bits; the store keeps only their
  SHA-256 with the user, a CSRF secret and the expiry.  Signing out ends the
  record, so a copied cookie is refused afterwards.
- **API tokens**: ``sft_<id>_<secret>``; the store keeps the id and the
  secret's SHA-256, the scope (``read`` or ``write``), the expiry and a
  revocation time.  Each use is recorded.

Every sign-in (succeeded or refused), sign-out, token use and change to an
account or token goes to the sign-in log (:class:`~sopframe.core.accounts.AuditRecord`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sopframe.core.accounts import Account, AuditRecord, SessionRecord, TokenRecord
from sopframe.core.engine.clock import Clock, from_text, system_clock, to_text
from sopframe.core.identity import check_name
from sopframe.core.safetext import escape
from sopframe.errors import SopframeError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.store import Store

__all__ = ["AuthError", "IssuedSession", "MAX_FAILURES", "MAX_ADDRESS_FAILURES", "FAILURE_WINDOW", "SESSION_LIFETIME", "MIN_PASSWORD",
           "SCOPES", "add_user", "set_password", "disable_user", "sign_in", "open_session", "session_for",
           "sign_out", "create_token", "revoke_token", "authenticate_token", "user_name"]

MAX_FAILURES = 5
#: refused sign-ins from one client address (any user names) within the window before it is refused too
MAX_ADDRESS_FAILURES = 20
FAILURE_WINDOW = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=8)
MIN_PASSWORD = 12
SCOPES = ("read", "write")
_TOKEN_PREFIX = "sft_"
_NAME_LIMIT = 200


class AuthError(SopframeError):
    """Authentication failed: the message is safe to show (it never says which part was wrong)."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str = "", limited: bool = False, forbidden: bool = False) -> None:
        super().__init__(message, hint=hint)
        self.limited = limited  # too many attempts (HTTP 429)
        self.forbidden = forbidden  # authenticated, but the credential does not allow this (HTTP 403)


@dataclass(frozen=True)
class IssuedSession:
    """A new session: ``cookie`` goes to the browser once; ``record`` is what the store keeps."""

    cookie: str
    record: SessionRecord


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _hasher() -> Any:
    try:
        from argon2 import PasswordHasher
    except ImportError:
        raise UsageError("accounts need argon2-cffi", hint="pip install 'sopframe[server]'") from None
    return PasswordHasher()


def user_name(name: str) -> str:
    """A user name as accounts keep it (normalised; control characters and mixed scripts refused)."""
    try:
        return check_name(name, _NAME_LIMIT)
    except ValueError as exc:
        raise UsageError(f"user '{escape(name)}': {exc}") from None


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"a password needs at least {MIN_PASSWORD} characters")


def _log(store: "Store", at: str, kind: str, user: str, ok: bool, detail: str = "", remote: str = "") -> None:
    store.audit(AuditRecord(at, kind, user, ok, detail, remote))


def add_user(store: "Store", name: str, password: str, *, clock: Clock = system_clock, by: str = "") -> Account:
    """Create a local account (refused if it exists)."""
    user = user_name(name)
    _check_password(password)
    if store.account(user) is not None:
        raise UsageError(f"user {user!r} already has an account", hint="`sopframe users passwd` changes its password")
    now = to_text(clock())
    account = Account(user, _hasher().hash(password), False, now, now)
    store.put_account(account)
    _log(store, now, "account.created", user, True, f"by {by}" if by else "")
    return account


def _existing(store: "Store", name: str) -> Account:
    user = user_name(name)
    account = store.account(user)
    if account is None:
        raise UsageError(f"no account {user!r}", hint="`sopframe users add USER` creates one")
    return account


def set_password(store: "Store", name: str, password: str, *, clock: Clock = system_clock) -> Account:
    """Change a password (enables a disabled account) and end the user's open sessions."""
    account = _existing(store, name)
    _check_password(password)
    now = to_text(clock())
    account = replace(account, password_hash=_hasher().hash(password), disabled=False, changed_at=now)
    store.put_account(account)
    store.end_sessions_of(account.user, now)
    _log(store, now, "account.password", account.user, True)
    return account


def disable_user(store: "Store", name: str, *, clock: Clock = system_clock) -> Account:
    """Disable an account: its sessions end, its tokens are revoked, sign-in is refused."""
    account = _existing(store, name)
    now = to_text(clock())
    account = replace(account, disabled=True, changed_at=now)
    store.put_account(account)
    store.end_sessions_of(account.user, now)
    for t in store.tokens(account.user):
        store.revoke_token(t.id, now)
    _log(store, now, "account.disabled", account.user, True)
    return account


def _limited(store: "Store", user: str, remote: str, since: str, per_address: int) -> str | None:
    """Why sign-in is refused for now without checking the password (the user's or the address's failures)."""
    minutes = int(FAILURE_WINDOW.total_seconds() // 60)
    if len(store.audit_log(user=user, kind="signin", ok=False, since=since, limit=MAX_FAILURES)) >= MAX_FAILURES:
        return f"{MAX_FAILURES} failures of this user within {minutes} minutes"
    if remote and per_address > 0 and len(store.audit_log(remote=remote, kind="signin", ok=False, since=since,
                                                           limit=per_address)) >= per_address:
        return f"{per_address} failures from this address within {minutes} minutes"
    return None


def sign_in(store: "Store", name: str, password: str, *, remote: str = "", clock: Clock = system_clock,
            lifetime: timedelta = SESSION_LIFETIME, per_address: int = MAX_ADDRESS_FAILURES) -> IssuedSession:
    """Check a password and open a session; every outcome is logged, repeated failures are limited
    (per user, and per client address ``remote`` when it is known and ``per_address`` is above 0)."""
    refused = AuthError("wrong user name or password")
    now = clock()
    try:
        user = check_name(name, _NAME_LIMIT)
    except ValueError:  # no account can have it, but the attempt is one (and counts for the address)
        _log(store, to_text(now), "signin", "", False, f"not a user name: '{escape(name[:_NAME_LIMIT])}'", remote)
        raise refused from None
    at = to_text(now)
    why = _limited(store, user, remote, to_text(now - FAILURE_WINDOW), per_address)
    if why is not None:
        _log(store, at, "signin", user, False, f"rate limited: {why}", remote)
        raise AuthError("too many failed sign-ins: try again later", limited=True, hint=why)
    account = store.account(user)
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = _hasher()
    try:
        if account is None:
            hasher.verify(_dummy_hash(), password)  # the same work whether or not the account exists
            raise VerificationError()
        hasher.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        _log(store, at, "signin", user, False, "wrong user name or password", remote)
        raise refused from None
    if account.disabled:
        _log(store, at, "signin", user, False, "account disabled", remote)
        raise refused
    if hasher.check_needs_rehash(account.password_hash):
        store.put_account(replace(account, password_hash=hasher.hash(password), changed_at=at))
    issued = open_session(store, user, "password", clock=clock, lifetime=lifetime)
    _log(store, at, "signin", user, True, "password", remote)
    return issued


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    """A hash of a random password, made once: verified against when no account exists."""
    if not _DUMMY:
        _DUMMY.append(_hasher().hash(secrets.token_urlsafe(16)))
    return _DUMMY[0]


def open_session(store: "Store", user: str, method: str, *, clock: Clock = system_clock,
                 lifetime: timedelta = SESSION_LIFETIME) -> IssuedSession:
    """A new session for an authenticated user (password or OpenID Connect)."""
    now = clock()
    cookie = secrets.token_urlsafe(32)
    record = SessionRecord(_digest(cookie), user, secrets.token_urlsafe(32), to_text(now), to_text(now + lifetime),
                           None, method)
    store.put_session(record)
    return IssuedSession(cookie, record)


def session_for(store: "Store", cookie: str | None, *, clock: Clock = system_clock) -> SessionRecord | None:
    """The live session a cookie names, or None (unknown, ended, expired, or its account disabled)."""
    if not cookie or len(cookie) > 200:
        return None
    record = store.session(_digest(cookie))
    if record is None or record.ended_at is not None or from_text(record.expires_at) <= clock():
        return None
    if record.method == "password":
        account = store.account(record.user)
        if account is None or account.disabled:
            return None
    return record


def sign_out(store: "Store", cookie: str | None, *, remote: str = "", clock: Clock = system_clock) -> None:
    """End the session a cookie names (it is refused from now on, wherever the cookie was copied to)."""
    record = session_for(store, cookie, clock=clock)
    if record is None:
        return
    at = to_text(clock())
    store.end_session(record.id_hash, at)
    _log(store, at, "signout", record.user, True, record.method, remote)


def create_token(store: "Store", name: str, scope: str, *, days: int = 90, label: str = "",
                 clock: Clock = system_clock) -> tuple[str, TokenRecord]:
    """A new API token for a user: (the token text, shown once; its record)."""
    user = user_name(name)
    if scope not in SCOPES:
        raise UsageError(f"scope {scope!r} is not one of {', '.join(SCOPES)}")
    if not 1 <= days <= 366:
        raise UsageError("a token lives 1 to 366 days")
    now = clock()
    tid, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    record = TokenRecord(tid, user, _digest(secret), scope, label[:200], to_text(now),
                         to_text(now + timedelta(days=days)))
    store.put_token(record)
    _log(store, record.created_at, "token.created", user, True, f"{tid} {scope}")
    return f"{_TOKEN_PREFIX}{tid}_{secret}", record


def revoke_token(store: "Store", tid: str, *, clock: Clock = system_clock) -> TokenRecord:
    """Revoke a token by its id (refused from now on)."""
    record = store.token(tid)
    if record is None:
        raise UsageError(f"no token '{escape(tid)}'", hint="`sopframe tokens list` shows them")
    at = to_text(clock())
    if not store.revoke_token(tid, at):
        raise UsageError(f"token {tid} was already revoked at {record.revoked_at}")
    _log(store, at, "token.revoked", record.user, True, tid)
    return store.token(tid) or record


def authenticate_token(store: "Store", text: str, scope: str, *, remote: str = "",
                       clock: Clock = system_clock) -> TokenRecord:
    """The token ``text`` names, if it is genuine, live and allows ``scope``; its use is logged."""
    now = clock()
    at = to_text(now)
    refused = AuthError("invalid, expired or revoked API token")
    tid, _, secret = text[len(_TOKEN_PREFIX):].partition("_") if text.startswith(_TOKEN_PREFIX) else ("", "", "")
    record = store.token(tid) if tid and secret and len(text) < 200 else None
    if record is None or not hmac.compare_digest(record.secret_hash, _digest(secret)):
        # logged too: a known id with another secret is someone guessing (or holding half) that user's token
        _log(store, at, "token.used", record.user if record else "", False,
             f"{escape(tid[:32])}: wrong secret" if record else "unknown token", remote)
        raise refused
    problem = ("revoked" if record.revoked_at else "expired" if from_text(record.expires_at) <= now else
               f"scope {record.scope} does not allow {scope}" if scope == "write" and record.scope != "write"
               else None)
    if problem is None:
        account = store.account(record.user)
        if account is not None and account.disabled:
            problem = "account disabled"
    _log(store, at, "token.used", record.user, problem is None, f"{tid}: {problem or scope}", remote)
    if problem is not None:
        raise AuthError(f"API token {tid}: {problem}", forbidden=True) if problem.startswith("scope") else refused
    return record

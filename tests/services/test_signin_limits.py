"""The sign-in limit per client address, besides the one per user: counted from the sign-in log, any user names."""

from __future__ import annotations

import pytest

from sopframe.core.engine.clock import FixedClock
from sopframe.services.auth import FAILURE_WINDOW, MAX_FAILURES, AuthError, add_user, sign_in
from sopframe_plugins.store_memory import MemoryStore

PASSWORD = "correct horse battery staple"
SPRAYER, OFFICE = "203.0.113.7", "198.51.100.20"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock("2026-03-02T09:00:00+00:00")


@pytest.fixture
def store(clock: FixedClock) -> MemoryStore:
    store = MemoryStore()
    for user in ("alice", "bob", "carol"):
        add_user(store, user, PASSWORD, clock=clock)
    return store


def _fail(store: MemoryStore, clock: FixedClock, user: str, remote: str) -> None:
    with pytest.raises(AuthError, match="wrong user name or password") as e:
        sign_in(store, user, "guess-guess-guess", remote=remote, clock=clock, per_address=4)
    assert not e.value.limited


def test_one_address_trying_many_accounts_is_refused_before_any_account_is(store: MemoryStore,
                                                                           clock: FixedClock) -> None:
    for user in ("alice", "bob", "carol", "nobody"):  # one try each: no account reaches its own limit
        _fail(store, clock, user, SPRAYER)
    with pytest.raises(AuthError, match="too many failed sign-ins") as e:  # even the right password
        sign_in(store, "alice", PASSWORD, remote=SPRAYER, clock=clock, per_address=4)
    assert e.value.limited and e.value.hint == "4 failures from this address within 15 minutes"
    (last, *_) = store.audit_log(kind="signin", remote=SPRAYER)
    assert (last.user, last.ok, last.detail) == ("alice", False,
                                                 "rate limited: 4 failures from this address within 15 minutes")
    # the same user from another address signs in: the accounts were not locked by the sprayer
    assert sign_in(store, "alice", PASSWORD, remote=OFFICE, clock=clock, per_address=4).record.user == "alice"
    clock.advance(seconds=FAILURE_WINDOW.total_seconds() + 1)  # every failure (and refusal) is out of the window
    assert sign_in(store, "alice", PASSWORD, remote=SPRAYER, clock=clock, per_address=4).record.user == "alice"


def test_the_per_user_limit_still_holds_across_addresses(store: MemoryStore, clock: FixedClock) -> None:
    for i in range(MAX_FAILURES):
        _fail(store, clock, "bob", f"192.0.2.{i}")
    with pytest.raises(AuthError, match="too many failed sign-ins") as e:
        sign_in(store, "bob", PASSWORD, remote=OFFICE, clock=clock, per_address=4)
    assert e.value.hint == f"{MAX_FAILURES} failures of this user within 15 minutes"


def test_no_address_limit_when_it_is_off_or_the_address_is_unknown(store: MemoryStore, clock: FixedClock) -> None:
    for user in ("alice", "bob", "carol", "nobody"):
        _fail(store, clock, user, "")
    assert sign_in(store, "alice", PASSWORD, remote="", clock=clock, per_address=4).record.user == "alice"
    for user in ("bob", "carol", "nobody", "zed"):
        _fail(store, clock, user, SPRAYER)
    assert sign_in(store, "carol", PASSWORD, remote=SPRAYER, clock=clock, per_address=0).record.user == "carol"

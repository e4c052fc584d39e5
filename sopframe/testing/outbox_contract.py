"""The part of the store contract about the notification outbox (schema version 6).

:class:`~sopframe.testing.store_contract.StoreContract` includes it; it uses
the same ``store`` and ``make_store`` fixtures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import pytest

from sopframe.core.store import Derived, Store
from sopframe.errors import ConflictError
from sopframe.testing.contract_support import T0, make_events

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.notify.model import Notification

__all__ = ["OutboxContract"]


class OutboxContract:
    """What a store must do with notifications: written with their events, claimed under a lease, settled."""

    def test_notifications_are_written_with_the_events_and_kept_once_per_key(self, store: Store) -> None:
        store.append("J-1", 0, make_events("J-1", 1), Derived(notifications=(_note("k1"), _note("k2"))))
        evs = store.read("J-1")
        store.append("J-1", 1, make_events("J-1", 1, after=(1, evs[-1].hash)),
                     Derived(notifications=(_note("k1", subject="again"),)))
        rows = store.notifications()
        assert [(r.note.key, r.status, r.attempts) for r in rows] == [("k1", "pending", 0), ("k2", "pending", 0)]
        assert rows[0].note == _note("k1") and rows[0].note.data == {"users": ["ann"], "n": 1}
        assert store.notification_counts() == {"pending": 2}

    def test_a_refused_append_writes_no_notification(self, store: Store) -> None:
        store.append("J-1", 0, make_events("J-1", 1))
        with pytest.raises(ConflictError):
            store.append("J-1", 0, make_events("J-1", 1), Derived(notifications=(_note("k1"),)))
        store.append("J-2", 0, make_events("J-2", 1), Derived(counter=("C", 1)))
        with pytest.raises(ConflictError):  # a taken counter refuses the whole append, its notifications too
            store.append("J-3", 0, make_events("J-3", 1), Derived(counter=("C", 1), notifications=(_note("k2"),)))
        assert store.notifications() == []

    def test_enqueue_skips_keys_already_in_the_outbox(self, store: Store) -> None:
        assert store.enqueue([_note("a"), _note("b")]) == 2
        assert store.enqueue([_note("b"), _note("c")]) == 1
        assert store.enqueue([]) == 0
        assert [r.note.key for r in store.notifications()] == ["a", "b", "c"]

    def test_claims_lease_rows_and_settle_them(self, store: Store, make_store: Callable[[], Store]) -> None:
        store.enqueue([_note("a"), _note("b"), _note("c")])
        other = make_store()
        try:
            first = store.claim_notifications("w1", _T(0), _T(60), limit=2)
            assert [(r.note.key, r.attempts, r.worker) for r in first] == [("a", 1, "w1"), ("b", 1, "w1")]
            second = other.claim_notifications("w2", _T(1), _T(61), limit=5)
            assert [r.note.key for r in second] == ["c"]  # a held claim is never taken twice
            assert other.claim_notifications("w2", _T(2), _T(62)) == []
            a, b = first
            assert store.settle_notifications("w1", _T(3), [(a.id, None, None), (b.id, "HTTP 500", _T(30))]) == 2
            assert other.settle_notifications("w1", _T(3), [(second[0].id, None, None)]) == 0  # not w1's claim
            rows = {r.note.key: r for r in store.notifications()}
            assert (rows["a"].status, rows["a"].delivered_at) == ("delivered", _T(3))
            assert (rows["b"].status, rows["b"].next_at, rows["b"].last_error) == ("pending", _T(30), "HTTP 500")
            assert store.claim_notifications("w1", _T(29), _T(89)) == []  # b waits for its backoff
            # c's lease ran out (its worker died): it is claimed again, b is due again
            again = store.claim_notifications("w3", _T(61), _T(121))
            assert [(r.note.key, r.attempts) for r in again] == [("b", 2), ("c", 2)]
            assert store.settle_notifications("w2", _T(62), [(second[0].id, None, None)]) == 0  # lost its lease
            store.settle_notifications("w3", _T(62), [(again[0].id, "HTTP 404", None), (again[1].id, None, None)])
            assert store.notification_counts() == {"delivered": 2, "dead": 1}
        finally:
            other.close()

    def test_dead_notifications_can_be_retried(self, store: Store) -> None:
        store.enqueue([_note("a"), _note("b")])
        rows = store.claim_notifications("w", _T(0), _T(60))
        store.settle_notifications("w", _T(1), [(r.id, "refused", None) for r in rows])
        assert store.retry_notifications([rows[0].id], _T(5)) == 1
        assert [(r.note.key, r.attempts) for r in store.notifications("pending")] == [("a", 0)]
        assert store.retry_notifications(None, _T(6)) == 1
        assert [r.note.key for r in store.claim_notifications("w", _T(7), _T(67))] == ["a", "b"]


def _T(seconds: int) -> str:
    """A UTC time text ``seconds`` after 2026-01-05 09:00."""
    return f"2026-01-05T09:{seconds // 60:02}:{seconds % 60:02}.000000Z"


def _note(key: str, subject: str = "subject") -> "Notification":
    from sopframe.core.notify.model import Notification

    return Notification(key=key, kind="stage.entered", channel="mail", recipient="ann@example.com",
                        subject=subject, body="body ✓", job="J-1", created_at=T0, data={"users": ["ann"], "n": 1})

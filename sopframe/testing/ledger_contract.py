"""The part of the store contract about the store-wide ledger, the role tables and kept documents.

:class:`~sopframe.testing.store_contract.StoreContract` includes it; it uses
the same ``store`` and ``make_store`` fixtures.
"""

from __future__ import annotations

from typing import Callable

import pytest

from sopframe.core.store import Derived, Store
from sopframe.errors import ConflictError
from sopframe.testing.contract_support import make_events

__all__ = ["LedgerContract"]


class LedgerContract:
    """What a store must do with the ledger each append extends, and what batches keep beside their events."""

    def test_every_append_adds_one_chained_ledger_entry(self, store: Store) -> None:
        from sopframe.core.ledger import verify_ledger

        a = make_events("J-1", 2)
        store.append("J-1", 0, a)
        b = make_events("J-2", 1)
        store.append("J-2", 0, b)
        c = make_events("J-1", 3, after=(2, a[-1].hash))
        store.append("J-1", 2, c)
        entries = list(store.ledger())
        assert [(e.n, e.job, e.first, e.last, e.head) for e in entries] == [
            (1, "J-1", 1, 2, a[-1].hash), (2, "J-2", 1, 1, b[-1].hash), (3, "J-1", 3, 5, c[-1].hash)]
        assert all(problem is None for _e, problem in verify_ledger(entries))
        assert list(store.ledger(after=2)) == entries[2:]

    def test_a_batch_names_its_role_table_kept_once_per_digest(self, store: Store) -> None:
        from sopframe.core.identity import RoleTable
        from sopframe.core.ledger import verify_ledger
        from sopframe.core.rolerecord import RoleRecord

        one = RoleRecord.of(RoleTable.build({"author": ["Alice"]}, {"alice@example.com": "alice"}))
        two = RoleRecord.of(RoleTable.build({"author": ["bob"]}))
        a = make_events("J-1", 1)
        store.append("J-1", 0, a, Derived(roles=one))
        b = make_events("J-1", 1, after=(1, a[-1].hash))
        store.append("J-1", 1, b, Derived(roles=one))
        store.append("J-2", 0, make_events("J-2", 1), Derived(roles=two))
        store.append("J-3", 0, make_events("J-3", 1))  # a caller that records none
        entries = list(store.ledger())
        assert [e.roles for e in entries] == [one.digest, one.digest, two.digest, None]
        assert all(problem is None for _e, problem in verify_ledger(entries))
        assert store.role_table(one.digest) == one.body and store.role_table(two.digest) == two.body
        assert RoleRecord.parse(one.digest, one.body).table().holds("ALICE@example.com", "author")
        assert store.role_table("0" * 64) is None

    def test_attached_documents_are_kept_once_per_sha256(self, store: Store) -> None:
        import hashlib

        data = b"\x00binary\xffdocument" * 50
        sha = hashlib.sha256(data).hexdigest()
        store.append("J-1", 0, make_events("J-1", 1), Derived(attachment=(sha, data)))
        store.append("J-2", 0, make_events("J-2", 1), Derived(attachment=(sha, data)))
        assert store.attachment(sha) == data
        assert store.attachment("0" * 64) is None

    def test_a_refused_append_adds_no_ledger_entry(self, store: Store) -> None:
        store.append("J-1", 0, make_events("J-1", 2))
        with pytest.raises(ConflictError):
            store.append("J-1", 0, make_events("J-1", 1))
        assert len(list(store.ledger())) == 1

    def test_the_store_id_is_stable(self, store: Store, make_store: Callable[[], Store]) -> None:
        first = store.store_id()
        assert first and isinstance(first, str)
        other = make_store()
        try:
            assert other.store_id() == first
        finally:
            other.close()

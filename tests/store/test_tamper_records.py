"""Tampering the tests in test_tamper_evidence.py do not cover: the record beside the events and the ledger.

The role tables the ledger entries name, checked by ``verify`` itself (not only by replay); times an
event claims that a checkpoint which does not cover it contradicts.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sopframe.evidence.verify import checkpoint_store, verify_store
from sopframe.errors import IntegrityError
from sopframe_plugins.store_sql import SqlStore

from .test_tamper_evidence import checkpoint_now, store  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("store")


def _fast_and_slow(store: SqlStore, **kwargs: object) -> list:
    """verify_store as the whole-store proof runs it (where there is one) and on the Python path."""
    reports = [verify_store(store, read_models=False, **kwargs)]  # type: ignore[arg-type]
    os.environ["SOPFRAME_PURE_PYTHON"] = "1"
    try:
        reports.append(verify_store(store, read_models=False, **kwargs))  # type: ignore[arg-type]
    finally:
        del os.environ["SOPFRAME_PURE_PYTHON"]
    reports.append(verify_store(store, **kwargs))  # type: ignore[arg-type]
    return reports


def _digest(store: SqlStore) -> str:
    return next(e.roles for e in store.ledger() if e.roles)


def test_an_edited_role_table_fails_verify_without_replay(store: SqlStore, tmp_path: Path) -> None:
    """Who held which role is covered by its digest only: rewriting the text in place must not verify 'ok'."""
    cps = checkpoint_now(store, tmp_path)
    digest = _digest(store)
    first = min(e.n for e in store.ledger() if e.roles == digest)
    body = store.role_table(digest)
    assert body is not None and '"mike"' in body
    with store._tx():
        store._x("UPDATE role_tables SET body = ? WHERE digest = ?", (body.replace('"mike"', '"mallory"'), digest))
    for report in _fast_and_slow(store, checkpoints=cps):
        assert not report.ok
        assert any(p.startswith(f"ledger entry {first}") and f"role table {digest[:12]}... does not match its digest"
                   in p for p in report.problems), report.problems
    with pytest.raises(IntegrityError, match="not signed"):  # and it is never signed as sound
        checkpoint_store(store, _key(tmp_path), tmp_path / "cps.jsonl", time="2026-03-02T00:00:00Z")


def test_a_deleted_role_table_fails_verify_without_replay(store: SqlStore, tmp_path: Path) -> None:
    digest = _digest(store)
    with store._tx():
        store._x("DELETE FROM role_tables WHERE digest = ?", (digest,))
    for report in _fast_and_slow(store):
        assert not report.ok
        assert any(f"role table it ran under ({digest[:12]}...) is missing" in p for p in report.problems), \
            report.problems


def test_intact_role_tables_are_counted(store: SqlStore) -> None:
    for report in _fast_and_slow(store):
        assert report.ok and report.role_tables == len({e.roles for e in store.ledger() if e.roles}) > 0


def _key(tmp_path: Path):  # type: ignore[no-untyped-def]
    from sopframe.checkpoints import load_private_key

    return load_private_key(tmp_path / "k")

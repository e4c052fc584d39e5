"""Tampering the tests in test_tamper_evidence.py do not cover: the record beside the events and the ledger.

The role tables the ledger entries name, checked by ``verify`` itself (not only by replay); times an
event claims that a checkpoint which does not cover it contradicts.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from sopframe.evidence.verify import checkpoint_store, verify_store
from sopframe.errors import IntegrityError
from sopframe_plugins.store_sql import SqlStore

from engine.conftest import ROLES

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


# ------------------------------------------------------- evidence packs against the checkpoints an auditor holds
def _pack(store: SqlStore, tmp_path: Path, cps_file: Path) -> Path:
    from sopframe.checkpoints import read_checkpoints
    from sopframe.evidence.pack import Selection, build_pack

    key = _key(tmp_path)
    cp = checkpoint_store(store, key, cps_file, time="2026-04-01T00:00:00Z")
    earlier = [c.size for c in read_checkpoints(cps_file, key.public_key())[:-1]]
    data = build_pack(store, Selection(), cp, (tmp_path / "k.pub").read_bytes(), sign=key.sign,
                      created="2026-04-01T00:00:00Z", version="test", earlier=earlier)
    (tmp_path / "pack.zip").write_bytes(data)
    return tmp_path / "pack.zip"


def _held(tmp_path: Path) -> list:
    from sopframe.checkpoints import load_public_key, read_checkpoints

    return read_checkpoints(tmp_path / "auditor.jsonl", load_public_key(tmp_path / "k.pub"))


def test_a_pack_extends_the_checkpoints_the_auditor_holds(store: SqlStore, tmp_path: Path) -> None:
    from engine.conftest import lifecycle_text
    from sopframe.checkpoints import load_public_key
    from sopframe.core.engine import Engine
    from sopframe.evidence.check import check_pack

    checkpoint_now(store, tmp_path)
    Engine(store, roles=ROLES).start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike")  # the ledger grows
    (tmp_path / "auditor.jsonl").write_bytes((tmp_path / "cps.jsonl").read_bytes())
    report = check_pack(_pack(store, tmp_path, tmp_path / "cps.jsonl"), load_public_key(tmp_path / "k.pub"),
                        held=_held(tmp_path))
    assert report.ok, report.problems
    assert "the pack's checkpoint extends the 1 checkpoint you hold" in report.notes


def test_a_pack_over_a_rewritten_ledger_fails_against_the_checkpoints_the_auditor_holds(store: SqlStore,
                                                                                        tmp_path: Path) -> None:
    """The insider rewrites covered history, recomputes the ledger and removes the store's checkpoint file:
    the next pack is signed over the rewrite and checks clean alone; the auditor's own checkpoints tell."""
    from sopframe.checkpoints import load_public_key
    from sopframe.evidence.check import check_pack

    from .test_tamper_evidence import _attack, _recompute_ledger

    checkpoint_now(store, tmp_path)
    (tmp_path / "cps.jsonl").rename(tmp_path / "auditor.jsonl")
    _attack(store, "recompute a whole chain after an edit")
    _recompute_ledger(store)
    pack = _pack(store, tmp_path, tmp_path / "cps.jsonl")
    key = load_public_key(tmp_path / "k.pub")
    assert check_pack(pack, key).ok, "alone, the pack proves only what its own checkpoint signed"
    report = check_pack(pack, key, held=_held(tmp_path))
    assert not report.ok
    assert report.problems == [f"your checkpoint 1 (2026-03-01T00:00:00Z, {_held(tmp_path)[0].size} ledger "
                               "entries): the pack's checkpoint does not extend it: the ledger it covered was "
                               "rewritten"]


def test_a_forged_consistency_proof_does_not_pass(store: SqlStore, tmp_path: Path) -> None:
    """Even whoever holds the signing key cannot prove a rewritten ledger extends a checkpoint kept elsewhere."""

    from sopframe.checkpoints import load_public_key
    from sopframe.core.merkle import Tree
    from sopframe.evidence.check import check_pack
    from sopframe.evidence.pack import write_json

    from .test_tamper_evidence import _attack, _recompute_ledger

    cps = checkpoint_now(store, tmp_path)
    (tmp_path / "auditor.jsonl").write_bytes((tmp_path / "cps.jsonl").read_bytes())
    (tmp_path / "cps.jsonl").unlink()
    _attack(store, "recompute a whole chain after an edit")
    _recompute_ledger(store)
    from engine.conftest import lifecycle_text
    from sopframe.core.engine import Engine

    Engine(store, roles=ROLES).start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike")
    pack = _pack(store, tmp_path, tmp_path / "cps.jsonl")
    key = load_public_key(tmp_path / "k.pub")
    assert check_pack(pack, key, held=_held(tmp_path)).problems == [
        f"your checkpoint 1 (2026-03-01T00:00:00Z, {cps[0].size} ledger entries): the pack carries no proof that "
        "its checkpoint extends it (the store's checkpoint file lacks it: truncated or replaced)"]
    # the key holder adds the proof the rewritten tree gives for the old size, and signs the manifest again
    files = {i.filename: zipfile.ZipFile(pack).read(i) for i in zipfile.ZipFile(pack).infolist()}
    tree = Tree([bytes.fromhex(e.hash) for e in store.ledger()])
    files["consistency.json"] = write_json({str(cps[0].size): tree.consistency_proof(cps[0].size)})
    manifest = json.loads(files["manifest.json"])
    manifest["files"]["consistency.json"] = hashlib.sha256(files["consistency.json"]).hexdigest()
    files["manifest.json"] = write_json(manifest)
    files["manifest.sig"] = base64.b64encode(_key(tmp_path).sign(files["manifest.json"])) + b"\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    pack.write_bytes(buf.getvalue())
    assert check_pack(pack, key).ok
    report = check_pack(pack, key, held=_held(tmp_path))
    assert not report.ok and report.problems[0].endswith(
        "the pack's checkpoint does not extend it: the ledger it covered was rewritten"), report.problems


# ------------------------------------------------------------------ what the output promises
def test_without_checkpoints_the_output_says_a_consistent_rewrite_would_pass(store: SqlStore, url: str,
                                                                              capsys: pytest.CaptureFixture[str],
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from sopframe.__main__ import main

    from .test_tamper_evidence import _attack, _job, _recompute_ledger

    _attack(store, "recompute a whole chain after an edit")
    _recompute_ledger(store)
    monkeypatch.setenv("SOPFRAME_USER", "auditor")
    for argv, words in ((["verify"], "a rewrite by someone with write access to it who recomputed every hash "
                                     "would still pass"),
                        (["job", "verify", _job(store)], "a job's own chain cannot show a rewrite")):
        capsys.readouterr()
        with pytest.raises(SystemExit) as info:
            main([*argv, "--store", url])
        assert info.value.code == 0  # the rewrite is self-consistent: nothing here can fail it ...
        out = capsys.readouterr().out
        assert out.rstrip().endswith("ok") or f"{_job(store)}: ok" in out
        assert words in out, out  # ... and the output says so

"""Attached documents kept in the store once per SHA-256: verified, retrieved, and old ones named as not held."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from engine.conftest import ROLES, lifecycle_text, walk_to
from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.store import Store, open_store
from sopframe.errors import JobError
from sopframe.evidence.verify import verify_store
from sopframe.pluginmanager import load_plugins
from testsupport import run_main as run


@pytest.fixture
def drafted(url: str, tmp_path: Path) -> tuple[Store, Engine, str, bytes]:
    """A job whose draft was attached from a file: the store keeps the bytes."""
    store = open_store(url, load_plugins())
    engine = Engine(store, roles=ROLES, clock=FixedClock("2026-01-05T09:00:00+00:00"))
    job = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, job, "draft", engine.clock)
    data = b"%PDF-1.7 the incident procedure, draft 1\n" * 100
    (tmp_path / "draft.pdf").write_bytes(data)
    engine.set_fields(job, {"sop_ref": "ITSOP-2026-7", "version": "1.0", "draft_date": "2026-01-10"}, actor="alice")
    engine.attach(job, "draft_document", tmp_path / "draft.pdf", actor="alice")
    (tmp_path / "draft.pdf").unlink()  # the original is gone: the evidence is not
    yield store, engine, job, data  # type: ignore[misc]
    store.close()


def test_a_document_is_kept_once_and_verified(drafted, url: str) -> None:
    store, engine, job, data = drafted
    sha = hashlib.sha256(data).hexdigest()
    assert store.attachment(sha) == data
    ev = next(e for e in store.read(job) if e.type == "document.attached")
    assert ev.data["kept"] is True and ev.data["sha256"] == sha and ev.data["size"] == len(data)
    other = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id  # the same bytes again
    walk_to(engine, other, "draft", engine.clock)
    engine.attach(other, "draft_document", "copy.pdf", data=data, actor="alice")
    rows = store._query("SELECT count(*) FROM attachments WHERE sha256 = ?", (sha,))  # type: ignore[attr-defined]
    assert rows[0][0] == 1
    report = verify_store(store, replay=True)
    assert report.ok, report.problems
    assert report.documents == 1 and report.not_held == 0


@pytest.mark.parametrize("damage, words", [
    ("UPDATE attachments SET data = ?", "no longer hashes to"),
    ("DELETE FROM attachments", "is missing"),
])
def test_an_altered_or_missing_copy_is_named(drafted, damage: str, words: str) -> None:
    store, _engine, job, data = drafted
    with store._tx():  # type: ignore[attr-defined]
        store._x(damage, (b"forged",) if "?" in damage else ())  # type: ignore[attr-defined]
    report = verify_store(store)
    seq = next(e.seq for e in store.read(job) if e.type == "document.attached")
    assert len(report.problems) == 1 and words in report.problems[0]
    assert report.problems[0].startswith(f"job {job}: event {seq} (document.attached, field draft_document)")


def test_the_size_limit_still_applies(drafted) -> None:
    from sopframe.core.limits import Limits

    store, engine, job, _data = drafted
    small = Engine(store, roles=ROLES, clock=engine.clock, limits=Limits(attachment=10))
    with pytest.raises(JobError, match="over the limit of 10"):
        small.attach(job, "draft_document", "big.pdf", data=b"x" * 11, actor="alice")


def test_job_attachment_writes_the_kept_copy(drafted, url: str, tmp_path: Path, capsys,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    store, _engine, job, data = drafted
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "job", "attachment", job, "draft_document", "-o", "out.pdf", "--store", url)
    assert code == 0 and (tmp_path / "out.pdf").read_bytes() == data, err
    assert hashlib.sha256(data).hexdigest() in err
    code, out, err = run(capsys, "job", "attachment", job, "draft_doc", "-o", "x", "--store", url)
    assert code == 1 and "did you mean 'draft_document'" in err
    with store._tx():  # type: ignore[attr-defined]
        store._x("UPDATE attachments SET data = ?", (b"forged",))  # type: ignore[attr-defined]
    code, out, err = run(capsys, "job", "attachment", job, "draft_document", "-o", "bad.pdf", "--store", url)
    assert code == 5 and "altered" in err and not (tmp_path / "bad.pdf").exists()


def test_documents_attached_before_copies_were_kept_are_not_held(tmp_path: Path, capsys) -> None:
    """A store made before schema version 9: its documents are reported as not held, not as tampering."""
    from sopframe.core.migrations import migrate
    from sopframe_plugins.store_sqlite import SqliteStore

    s = SqliteStore(tmp_path / "jobs.db")
    engine = Engine(s, roles=ROLES, clock=FixedClock("2026-01-05T09:00:00+00:00"))
    job = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, job, "draft", engine.clock)
    engine.set_fields(job, {"sop_ref": "ITSOP-2026-7", "version": "1.0", "draft_date": "2026-01-10"}, actor="alice")
    old = engine.attach_document(job, "draft_document", lambda: _old_record(), actor="alice")  # as version 8 did
    assert "kept" not in old.documents["draft"]["draft_document"]
    from sopframe.core.store import SCHEMA_VERSION
    from sopframe_plugins.store_readmodel import READ_MODELS

    with s._tx():  # back to schema 8, with the tables of later steps gone too
        s._x("DROP TABLE attachments")
        for table in [t for t, version in READ_MODELS.items() if version > 9]:
            s._x(f"DROP TABLE {table}")
        s._x("ALTER TABLE sops DROP COLUMN acknowledgement")  # added with the SOP records
        s._x("DELETE FROM sopframe_schema WHERE version >= 9")
    assert [m.version for m in migrate(s)] == list(range(9, SCHEMA_VERSION + 1))
    report = verify_store(s)
    assert report.ok and report.not_held == 1 and report.documents == 0
    assert any("recorded by path and hash only" in n and "not held" in n for n in report.notes())
    s.close()
    code, out, err = run(capsys, "job", "attachment", job, "draft_document", "-o", str(tmp_path / "o"),
                         "--store", f"sqlite:///{tmp_path / 'jobs.db'}")
    assert code == 1 and "holds no copy" in err and "/srv/docs/draft.docx" in err


def _old_record():  # type: ignore[no-untyped-def]
    from sopframe.core.engine.documents import Attachment

    return Attachment({"name": "draft.docx", "sha256": "ab" * 32, "size": 8, "uri": "/srv/docs/draft.docx",
                       "path": "/srv/docs/draft.docx", "symlink": None})

"""Every ``-o`` path is checked before anything is written: no overwriting without --force, never the
store's own file, and a missing folder is a usage error naming the path."""

from __future__ import annotations

from pathlib import Path

import pytest

from testsupport import run_main as run

TEMPLATE = """\
template: list-tpl
title: List template
version: 1.0.0
kind: access
job_id: LST-{seq:03}
roles:
  req: requester
stages:
  only:
    title: Only
    owner: req
    fields:
      doc:
        type: file
      things:
        type: list
        key: id
        columns:
          id:
            type: text
            required: yes
          txt:
            type: text
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    """A folder with a SQLite store (the default ./sopframe.db) holding LST-001, a document attached."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOPFRAME_STORE", raising=False)
    monkeypatch.delenv("SOPFRAME_USER", raising=False)
    (tmp_path / "sopframe.toml").write_text('[roles]\nreq = ["alice"]\n', "utf-8")
    (tmp_path / "t.yaml").write_text(TEMPLATE, "utf-8")
    (tmp_path / "d.txt").write_text("hello\n", "utf-8")
    assert run(capsys, "job", "start", "t.yaml", "--as", "alice")[0] == 0
    code, _, err = run(capsys, "job", "attach", "LST-001", "doc", "d.txt", "--as", "alice")
    assert code == 0, err
    return tmp_path


def _store_still_opens(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "job", "show", "LST-001")
    assert code == 0 and "LST-001" in out, err


def test_attachment_refuses_an_existing_file_without_force(workdir: Path, capsys) -> None:
    code, _, err = run(capsys, "job", "attachment", "LST-001", "doc", "-o", "t.yaml")
    assert code == 2 and "-o t.yaml: the file exists already" in err and "--force" in err
    assert (workdir / "t.yaml").read_text("utf-8") == TEMPLATE
    code, _, err = run(capsys, "job", "attachment", "LST-001", "doc", "-o", "t.yaml", "--force")
    assert code == 0 and (workdir / "t.yaml").read_text("utf-8") == "hello\n", err


@pytest.mark.parametrize("name", ["sopframe.db", "./sopframe.db", "sopframe.db-wal"])
def test_attachment_never_writes_over_the_store(workdir: Path, capsys, name: str) -> None:
    before = (workdir / "sopframe.db").read_bytes()
    for extra in ((), ("--force",)):
        code, _, err = run(capsys, "job", "attachment", "LST-001", "doc", "-o", name, *extra)
        assert code == 2 and "the job store's own file" in err, err
    assert (workdir / "sopframe.db").read_bytes() == before
    _store_still_opens(capsys)


def test_the_store_is_recognised_through_a_link_and_an_explicit_url(workdir: Path, capsys) -> None:
    (workdir / "link.db").symlink_to(workdir / "sopframe.db")
    code, _, err = run(capsys, "job", "attachment", "LST-001", "doc", "-o", "link.db", "--force")
    assert code == 2 and "the job store's own file" in err
    code, _, err = run(capsys, "job", "attachment", "LST-001", "doc", "-o", str(workdir / "sopframe.db"),
                       "--force", "--store", f"sqlite:///{workdir / 'sopframe.db'}")
    assert code == 2 and "the job store's own file" in err
    _store_still_opens(capsys)


def test_attachment_to_a_missing_folder_is_a_usage_error(workdir: Path, capsys) -> None:
    code, _, err = run(capsys, "job", "attachment", "LST-001", "doc", "-o", "nodir/x")
    assert code == 2 and "-o nodir/x: the folder nodir does not exist" in err
    assert not (workdir / "nodir").exists()


def test_evidence_checks_its_output_before_signing_anything(workdir: Path, capsys) -> None:
    pytest.importorskip("cryptography")
    assert run(capsys, "keys", "init", "--private-key", "k/cp.key")[0] == 0
    checkpoints = workdir / "sopframe-checkpoints.jsonl"
    before = (workdir / "sopframe.db").read_bytes()
    for args, message in ((("-o", "nodir/p.zip"), "-o nodir/p.zip: the folder nodir does not exist"),
                          (("-o", "sopframe.db"), "the job store's own file"),
                          (("-o", "sopframe.db", "--force"), "the job store's own file"),
                          (("-o", "t.yaml"), "-o t.yaml: the file exists already"),
                          (("-o", "k/cp.key", "--force"), "the checkpoint file or the signing key")):
        code, _, err = run(capsys, "evidence", "--key", "k/cp.key", *args)
        assert code == 2 and message in err, (args, err)
        assert not checkpoints.exists(), args  # no checkpoint was appended
    assert (workdir / "sopframe.db").read_bytes() == before
    assert (workdir / "t.yaml").read_text("utf-8") == TEMPLATE
    code, out, err = run(capsys, "evidence", "--key", "k/cp.key", "-o", "p.zip")
    assert code == 0 and (workdir / "p.zip").is_file(), err
    code, _, err = run(capsys, "evidence", "--key", "k/cp.key", "-o", "p.zip")
    assert code == 2 and "exists already" in err
    assert len(checkpoints.read_text("utf-8").splitlines()) == 1
    assert run(capsys, "evidence", "--key", "k/cp.key", "-o", "p.zip", "--force")[0] == 0
    code, _, err = run(capsys, "checkpoint", "--key", "k/cp.key", "--checkpoints", "sopframe.db")
    assert code == 2 and "--checkpoints sopframe.db: that is the job store's own file" in err
    _store_still_opens(capsys)


def test_keys_init_refuses_one_path_for_both_keys(workdir: Path, capsys) -> None:
    pytest.importorskip("cryptography")
    for public in ("k1", "./k1", str(workdir / "k1")):
        code, out, err = run(capsys, "keys", "init", "--private-key", "k1", "--public-key", public)
        assert code == 2 and "both be written to k1" in err, err
        assert not (workdir / "k1").exists() and "key id" not in out
    code, _, err = run(capsys, "keys", "init", "--private-key", "sopframe.db", "--force")
    assert code == 2 and "--private-key sopframe.db: that is the job store's own file" in err
    _store_still_opens(capsys)


def test_reports_refuse_existing_files_and_the_store(workdir: Path, capsys) -> None:
    for command in (("report", "bottlenecks"), ("coverage", "t.yaml")):
        code, _, err = run(capsys, *command, "-o", "t.yaml")
        assert code == 2 and "-o t.yaml: the file exists already" in err, err
        code, _, err = run(capsys, *command, "-o", "sopframe.db", "--force")
        assert code == 2 and "the job store's own file" in err, err
        code, _, err = run(capsys, *command, "-o", "nodir/r.txt")
        assert code == 2 and "the folder nodir does not exist" in err, err
    assert (workdir / "t.yaml").read_text("utf-8") == TEMPLATE
    code, _, err = run(capsys, "report", "bottlenecks", "-o", "r.txt")
    assert code == 0 and (workdir / "r.txt").is_file(), err
    _store_still_opens(capsys)

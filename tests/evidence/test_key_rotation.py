"""Rotating the checkpoint signing key: one checkpoint file, every key that signed it given to verify.

Each checkpoint line names the key that signed it.  After a rotation the
new key appends to the same file (``checkpoint --earlier-key OLD.pub``
checks the lines before it), and auditors verify with every public key
(``--public-key`` repeats); a line signed by a key nobody gave still fails.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from sopframe_plugins import store_memory

from testsupport import run_main as run

CPS = "sopframe-checkpoints.jsonl"


def ok(capsys: pytest.CaptureFixture[str], args: str) -> str:
    code, out, err = run(capsys, *args.split())
    assert code == 0, err
    return out


@pytest.fixture
def url(busy_store: store_memory.MemoryStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> str:
    monkeypatch.chdir(tmp_path)
    name = f"rotation-{uuid.uuid4().hex}"
    store_memory._NAMED[name] = busy_store
    for key in ("old", "new", "stranger"):
        ok(capsys, f"keys init --private-key {key}.key --public-key {key}.pub")
    return f"memory://{name}"


def test_the_new_key_appends_after_the_old_one_and_verify_takes_both(capsys, url: str) -> None:
    ok(capsys, f"checkpoint --private-key old.key --store {url}")
    code, _, err = run(capsys, "checkpoint", "--private-key", "new.key", "--store", url)
    assert code == 5
    assert f"{CPS}:1: signed by key" in err and "--earlier-key" in err
    ok(capsys, f"checkpoint --private-key new.key --earlier-key old.pub --store {url}")
    lines = [json.loads(x) for x in Path(CPS).read_text("utf-8").splitlines()]
    assert len(lines) == 2 and lines[0]["key"] != lines[1]["key"]

    out = ok(capsys, f"verify --store {url} --checkpoints {CPS} --public-key new.pub --public-key old.pub")
    assert "2 signed checkpoints" in out and out.rstrip().endswith("ok")
    code, _, err = run(capsys, "verify", "--store", url, "--checkpoints", CPS, "--public-key", "new.pub")
    assert code == 5 and f"{CPS}:1: signed by key {lines[0]['key']}, not by the given public key" in err


def test_a_line_signed_by_a_key_nobody_gave_still_fails(capsys, url: str) -> None:
    ok(capsys, f"checkpoint --private-key old.key --store {url}")
    ok(capsys, f"checkpoint --private-key stranger.key --earlier-key old.pub --store {url}")
    code, _, err = run(capsys, "verify", "--store", url, "--checkpoints", CPS, "--public-key", "old.pub",
                       "--public-key", "new.pub")
    assert code == 5
    assert f"{CPS}:2: signed by key" in err and "not by any of the given public keys" in err


def test_an_evidence_pack_after_a_rotation_verifies_with_every_key(capsys, url: str) -> None:
    ok(capsys, f"checkpoint --private-key old.key --store {url}")
    ok(capsys, f"evidence -o pack.zip --private-key new.key --earlier-key old.pub --store {url}")
    out = ok(capsys, f"evidence verify pack.zip --public-key old.pub --public-key new.pub --checkpoints {CPS}")
    assert out.rstrip().endswith("ok") and "extends the 2 checkpoints you hold" in out
    code, out, _ = run(capsys, "evidence", "verify", "pack.zip", "--public-key", "old.pub", "--public-key",
                       "stranger.pub")
    assert code == 5 and "not by any of the given public keys" in out

"""The auditor's commands end to end: keys, checkpoint, verify, evidence, evidence verify."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from sopframe_plugins import store_memory


from testsupport import run_main as run


@pytest.fixture
def url(busy_store: store_memory.MemoryStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    name = f"evidence-{uuid.uuid4().hex}"
    store_memory._NAMED[name] = busy_store
    return f"memory://{name}"


def test_the_auditor_round_trip(capsys, url: str, tmp_path: Path, busy_store) -> None:
    code, out, _ = run(capsys, "keys", "init", "--private-key", "k/cp.key")
    assert code == 0 and "key id" in out
    code, out, err = run(capsys, "verify", "--store", url)
    assert code == 0 and "nothing anchors it" in out and out.rstrip().endswith("ok")
    code, out, _ = run(capsys, "checkpoint", "--key", "k/cp.key", "--store", url)
    assert code == 0 and "checkpoint appended" in out
    code, out, _ = run(capsys, "verify", "--store", url, "--checkpoints", "sopframe-checkpoints.jsonl",
                       "--public-key", "k/cp.pub", "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["not_yet_covered"] == {}
    code, out, _ = run(capsys, "evidence", "-o", "pack.zip", "--template", "itsop-incident-management", "--last", "2",
                       "--key", "k/cp.key", "--store", url)
    assert code == 0 and (tmp_path / "pack.zip").is_file()
    code, out, _ = run(capsys, "evidence", "verify", "pack.zip", "--public-key", "k/cp.pub")
    assert code == 0 and out.rstrip().endswith("ok")
    code, out, _ = run(capsys, "evidence", "-o", "one.zip", "--job", busy_store.job_ids()[0], "--key", "k/cp.key",
                       "--store", url)
    assert code == 0, out
    code, out, _ = run(capsys, "evidence", "verify", "one.zip", "--public-key", "k/cp.pub")
    assert code == 0 and out.startswith("1 job, ")  # counted in words that agree with the number
    code, out, _ = run(capsys, "verify", "--store", url, "--checkpoints", "sopframe-checkpoints.jsonl",
                       "--public-key", "k/cp.pub")
    assert code == 0 and "\n3 signed checkpoints; the last covers" in out
    code, out, _ = run(capsys, "evidence", "verify", "pack.zip", "--public-key", "k/cp.pub", "--replay")
    assert code == 0 and out.rstrip().endswith("ok")
    code, out, _ = run(capsys, "verify", "--store", url, "--replay")
    assert code == 0 and "replay: " in out and "events reproduced by the engine" in out
    # someone with database access deletes a job: verify names it and exits 5
    busy_store._jobs.pop(busy_store.job_ids()[0])
    code, out, err = run(capsys, "verify", "--store", url, "--checkpoints", "sopframe-checkpoints.jsonl",
                         "--public-key", "k/cp.pub")
    assert code == 5 and "PROBLEM:" in out and "deleted" in out
    code, _, err = run(capsys, "checkpoint", "--key", "k/cp.key", "--store", url)
    assert code == 5 and "not signed" in err


def test_key_and_option_errors_are_clear(capsys, url: str) -> None:
    code, _, err = run(capsys, "checkpoint", "--key", "missing.key", "--store", url)
    assert code == 2 and "missing.key: private key not found" in err
    code, _, err = run(capsys, "verify", "--store", url, "--checkpoints", "x.jsonl")
    assert code == 2 and "go together" in err
    code, _, err = run(capsys, "evidence", "verify", "nope.zip", "--public-key", "missing.pub")
    assert code == 2 and "not found" in err


def test_job_verify_expect_checks_a_head_recorded_earlier(capsys, url: str, busy_store) -> None:
    job = busy_store.job_ids()[1]
    seq, digest = busy_store.head(job)
    code, out, _ = run(capsys, "job", "verify", job, "--expect", f"{seq}:{digest[:12]}", "--store", url)
    assert code == 0 and f"{job}: ok" in out
    code, _, err = run(capsys, "job", "verify", job, "--expect", f"{seq}:{'0' * 12}", "--store", url)
    assert code == 5 and f"event {seq} was recorded with hash 000000000000" in err
    code, _, err = run(capsys, "job", "verify", job, "--expect", f"{seq + 5}:{digest}", "--store", url)
    assert code == 5 and "events were deleted" in err
    # the recorded head survives the job moving on: it is still a prefix of the chain
    from .conftest import forge

    forge(busy_store, job, "job.cancelled", {"reason": "x"}, "mike", "2026-03-02T00:00:00.000000Z")
    code, out, _ = run(capsys, "job", "verify", job, "--expect", f"{seq}:{digest}", "--store", url)
    assert code == 0
    for bad in ("12", "x:abc", "0:" + digest, f"{seq}:abc"):
        code, _, err = run(capsys, "job", "verify", job, "--expect", bad, "--store", url)
        assert code == 2 and "is not SEQ:HASH" in err, bad
    code, _, err = run(capsys, "job", "verify", "--all", "--expect", f"{seq}:{digest}", "--store", url)
    assert code == 2 and "checks one job" in err

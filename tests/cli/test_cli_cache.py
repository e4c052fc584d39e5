"""The validation result cache and parallel validation, through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import BROKEN, CLEAN, WARN, invoke, write


def _corpus(tmp_path: Path, n: int = 12) -> Path:
    d = tmp_path / "templates"
    for i in range(n):
        write(d, f"t{i:02d}.yaml", (BROKEN, WARN, CLEAN)[i % 3].replace("template: demo", f"template: demo-{i}"))
    return d


def _entries(cache: Path) -> list[Path]:
    """One entry per file content."""
    return sorted(cache.glob("v*/??/*.json"))


def _run(capsys, *args: str):
    r = invoke(capsys, "validate", "--format", "json", *args)
    return r.code, json.loads(r.out)


def test_warm_run_gives_the_same_findings_and_uses_the_cache(capsys, tmp_path: Path) -> None:
    corpus, cache = _corpus(tmp_path), tmp_path / "c"
    cold = _run(capsys, "--cache-dir", str(cache), str(corpus))
    entries = _entries(cache)
    assert len(entries) == 12
    stamp = {p: p.stat().st_mtime_ns for p in entries}
    warm = _run(capsys, "--cache-dir", str(cache), str(corpus))
    assert warm == cold and cold[0] == 1
    assert {p: p.stat().st_mtime_ns for p in _entries(cache)} == stamp  # read, not rewritten
    files = {f["file"] for f in warm[1]["findings"]}
    assert files == {str(corpus / f"t{i:02d}.yaml") for i in range(12) if i % 3 != 2}


def test_same_content_under_two_names_shares_one_entry(capsys, tmp_path: Path) -> None:
    d, cache = tmp_path / "two", tmp_path / "c"
    write(d, "a.yaml", BROKEN)
    write(d, "b/copy.yaml", BROKEN)
    first = _run(capsys, "--cache-dir", str(cache), str(d))
    assert len(_entries(cache)) == 1
    again = _run(capsys, "--cache-dir", str(cache), str(d))
    assert again == first
    assert {f["file"] for f in again[1]["findings"]} == {str(d / "a.yaml"), str(d / "b" / "copy.yaml")}


def test_no_cache_neither_reads_nor_writes(capsys, tmp_path: Path) -> None:
    corpus, cache = _corpus(tmp_path, 3), tmp_path / "c"
    code, _ = _run(capsys, "--no-cache", "--cache-dir", str(cache), str(corpus))
    assert code == 1 and not cache.exists()


def test_default_cache_dir_follows_environment_then_config(capsys, tmp_path: Path, monkeypatch) -> None:
    corpus = _corpus(tmp_path, 3)
    _run(capsys, str(corpus))
    assert _entries(Path(os.environ["SOPFRAME_CACHE_DIR"]))
    monkeypatch.delenv("SOPFRAME_CACHE_DIR")
    project = tmp_path / "project"
    project.mkdir()
    (project / "sopframe.toml").write_text('cache-dir = "build/cache"\n', "utf-8")
    monkeypatch.chdir(project)
    _run(capsys, str(corpus))
    assert _entries(project / "build" / "cache")


@pytest.mark.parametrize("damage", ["truncate", "garbage", "edited-finding", "empty"])
def test_a_corrupt_entry_is_ignored_and_rebuilt(capsys, tmp_path: Path, damage: str) -> None:
    d, cache = tmp_path / "one", tmp_path / "c"
    write(d, "t.yaml", BROKEN)
    first = _run(capsys, "--cache-dir", str(cache), str(d))
    (entry,) = _entries(cache)
    raw = entry.read_text("utf-8")
    if damage == "truncate":
        entry.write_text(raw[: len(raw) // 2], "utf-8")
    elif damage == "garbage":
        entry.write_bytes(b"\x00\xff not json")
    elif damage == "empty":
        entry.write_text("", "utf-8")
    else:  # still valid JSON, but a finding was quietly changed: the checksum catches it
        data = json.loads(raw)
        data["findings"][0]["message"] = "nothing to see here"
        entry.write_text(json.dumps(data), "utf-8")
    again = _run(capsys, "--cache-dir", str(cache), str(d))
    assert again == first
    assert json.loads(entry.read_text("utf-8"))["findings"]  # rebuilt


def test_policy_or_framework_change_invalidates(capsys, tmp_path: Path, monkeypatch) -> None:
    d, cache = tmp_path / "one", tmp_path / "c"
    write(d, "t.yaml", CLEAN)
    monkeypatch.chdir(tmp_path)
    _run(capsys, "--cache-dir", str(cache), str(d))
    (tmp_path / "sopframe.toml").write_text('frameworks = ["iso27001"]\n', "utf-8")
    _run(capsys, "--cache-dir", str(cache), str(d))
    assert len(_entries(cache)) == 2


def test_a_code_or_settings_change_invalidates(tmp_path: Path) -> None:
    from sopframe.core.cache import ResultCache, cache_salt

    a = ResultCache(tmp_path, cache_salt("code-1", {}))
    b = ResultCache(tmp_path, cache_salt("code-2", {}))
    c = ResultCache(tmp_path, cache_salt("code-1", {"max_bytes": 10}))
    a.put(b"data", [])
    assert a.get(b"data", "x.yaml") == []
    assert b.get(b"data", "x.yaml") is None and c.get(b"data", "x.yaml") is None


def test_the_source_digest_follows_every_edit(tmp_path: Path) -> None:
    from sopframe.core.cache import source_digest

    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "sub" / "rules.py").write_text("MESSAGE = 'old'\n", "utf-8")
    before = source_digest([pkg])
    assert source_digest([pkg]) == before
    (pkg / "sub" / "rules.py").write_text("MESSAGE = 'newer'\n", "utf-8")
    assert source_digest([pkg]) != before


def test_an_unwritable_cache_only_costs_speed(capsys, tmp_path: Path) -> None:
    d = tmp_path / "one"
    write(d, "t.yaml", BROKEN)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be", "utf-8")
    code, data = _run(capsys, "--cache-dir", str(blocker / "cache"), str(d))
    assert code == 1 and data["findings"]


def test_concurrent_runs_leave_only_whole_entries(tmp_path: Path) -> None:
    corpus, cache = _corpus(tmp_path, 30), tmp_path / "c"
    env = {**os.environ, "SOPFRAME_CACHE_DIR": str(cache)}
    procs = [subprocess.Popen([sys.executable, "-m", "sopframe", "validate", "-j", "1", "--format", "json",
                               str(corpus)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
             for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [1, 1, 1, 1], [o[1] for o in outs]
    assert len({o[0] for o in outs}) == 1  # every run printed the same report
    for entry in _entries(cache):
        json.loads(entry.read_text("utf-8"))
    assert not list(cache.rglob(".tmp-*"))


def test_parallel_and_sequential_agree_in_order(capsys, tmp_path: Path, monkeypatch) -> None:
    import sopframe.core.batch as batch

    corpus = _corpus(tmp_path, 16)
    sequential = _run(capsys, "--no-cache", "-j", "1", str(corpus))
    monkeypatch.setattr(batch, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(batch, "PARALLEL_MIN_BYTES", 1)
    calls = []
    real = batch._pool()
    monkeypatch.setattr(batch, "_pool", lambda: lambda *a, **k: calls.append(k) or real(*a, **k))
    parallel = _run(capsys, "--no-cache", "-j", "2", str(corpus))
    assert calls, "the worker pool was not used"
    assert parallel == sequential

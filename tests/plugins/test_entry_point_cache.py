"""The installed entry points remembered in the cache directory: used while current, read again once anything changed."""

from __future__ import annotations

import importlib.metadata
import json
import os
from pathlib import Path
from typing import Any

import pytest

from plugin_helpers import GOOD, site, write_dist  # noqa: F401 (fixture)
from sopframe.entrypoints import Entry, cached_entry_points
from sopframe.pluginmanager import clear_discovery_cache, load_plugins


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each time the entry points are read through importlib.metadata (the group asked for)."""
    calls: list[str] = []
    real = importlib.metadata.entry_points

    def counting(**kw: Any) -> Any:
        calls.append(kw.get("group", ""))
        return real(**kw)

    monkeypatch.setattr(importlib.metadata, "entry_points", counting)
    clear_discovery_cache()
    yield calls
    clear_discovery_cache()


def _infos(plugins: Any) -> list[tuple[str, str, str, str, str]]:
    return [(i.name, i.module, i.distribution, i.version, i.status) for i in plugins.infos]


def test_a_second_process_takes_the_entry_points_from_the_cache(tmp_path: Path, reads: list[str]) -> None:
    first = load_plugins(index_dir=tmp_path)
    first.load_all()
    assert reads == ["sopframe"]
    clear_discovery_cache()  # a new process
    second = load_plugins(index_dir=tmp_path)
    second.load_all()
    assert reads == ["sopframe"]  # not read again
    assert _infos(second) == _infos(first) and len(first.infos) > 3
    assert all(isinstance(ep, Entry) for ep, _ in load_plugins(index_dir=tmp_path)._deferred)


def test_an_installed_plugin_makes_the_cache_stale(tmp_path: Path, site: Path, reads: list[str]) -> None:
    before = {i.name for i in load_plugins(index_dir=tmp_path).infos}
    write_dist(site, "acme-good", {"good": "good_plugin"}, {"good_plugin": GOOD})
    clear_discovery_cache()
    plugins = load_plugins(index_dir=tmp_path)
    assert {i.name for i in plugins.infos} == before | {"good"} and len(reads) == 2
    info = {i.name: i for i in plugins.infos}["good"]
    assert (info.distribution, info.version) == ("acme-good", "1.2.3")
    clear_discovery_cache()
    again = load_plugins(index_dir=tmp_path)  # remembered, and loads from the remembered entry point
    assert len(reads) == 2 and "good" in {i.name for i in again.infos}
    again.load_all()
    assert {i.name: i.status for i in again.infos}["good"] == "loaded"


def test_a_changed_entry_points_file_or_removed_distribution_is_read_again(tmp_path: Path, site: Path,
                                                                          reads: list[str]) -> None:
    info = write_dist(site, "acme-good", {"good": "good_plugin"}, {"good_plugin": GOOD, "other_plugin": GOOD})
    assert "good" in {i.name for i in load_plugins(index_dir=tmp_path).infos}
    (info / "entry_points.txt").write_text("[sopframe]\nrenamed = other_plugin\n", "utf-8")
    clear_discovery_cache()
    names = {i.name for i in load_plugins(index_dir=tmp_path).infos}
    assert "renamed" in names and "good" not in names and len(reads) == 2
    for f in info.iterdir():
        f.unlink()
    info.rmdir()
    clear_discovery_cache()
    assert "renamed" not in {i.name for i in load_plugins(index_dir=tmp_path).infos} and len(reads) == 3


def test_a_damaged_or_foreign_snapshot_is_never_trusted(tmp_path: Path) -> None:
    found = [Entry("x", "json:dumps", _dist("acme", "1"))]
    assert cached_entry_points(tmp_path, "sopframe", lambda: found) == found
    path = tmp_path / "entry-points-v1.json"
    entry = json.loads(path.read_text("utf-8"))
    entry["entries"][0][1] = "os:system"  # edited by hand: the checksum no longer matches
    path.write_text(json.dumps(entry), "utf-8")
    fresh = [Entry("y", "json:loads", _dist("acme", "1"))]
    assert cached_entry_points(tmp_path, "sopframe", lambda: fresh) == fresh
    assert [e.name for e in cached_entry_points(tmp_path, "sopframe", lambda: [])] == ["y"]
    assert cached_entry_points(tmp_path, "sopframe", lambda: [])[0].load() is json.loads
    assert cached_entry_points(tmp_path, "other-group", lambda: []) == []  # keyed by group too


def test_an_unwritable_cache_directory_only_costs_speed(tmp_path: Path, reads: list[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", "utf-8")
    plugins = load_plugins(index_dir=blocker / "cache")
    assert len(plugins.infos) > 3 and reads == ["sopframe"]
    assert not os.path.exists(blocker / "cache")


def _dist(name: str, version: str) -> Any:
    from sopframe.entrypoints import Dist

    return Dist(name, version)

"""The installed-distributions stamp, and the plugin list the cache keeps under it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from sopframe.core.cache import remembered_plugins
from sopframe.core.sitestamp import site_stamp


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "site"
    (path / "acme_plugin-1.0.dist-info").mkdir(parents=True)
    (path / "acme_plugin-1.0.dist-info" / "entry_points.txt").write_text("[sopframe]\nacme = acme\n", "utf-8")
    monkeypatch.setattr(sys, "path", [str(path), *sys.path])
    return path


def test_the_stamp_is_stable_until_something_is_installed(site: Path) -> None:
    assert site_stamp() == site_stamp()
    before = site_stamp()
    (site / "other-2.0.dist-info").mkdir()
    assert site_stamp() != before


def test_an_upgrade_a_removal_or_new_entry_points_change_the_stamp(site: Path) -> None:
    stamps = {site_stamp()}
    (site / "acme_plugin-1.0.dist-info").rename(site / "acme_plugin-1.1.dist-info")
    stamps.add(site_stamp())
    points = site / "acme_plugin-1.1.dist-info" / "entry_points.txt"
    points.write_text("[sopframe]\nacme = acme\nmore = acme.more\n", "utf-8")
    os.utime(points, ns=(points.stat().st_atime_ns, points.stat().st_mtime_ns + 10**9))  # edited in place
    stamps.add(site_stamp())
    points.unlink()
    stamps.add(site_stamp())
    assert len(stamps) == 4


def test_the_blocked_plugins_are_part_of_the_stamp(site: Path) -> None:
    assert site_stamp(["acme"]) != site_stamp() != site_stamp(["other"])


def test_a_missing_or_file_path_entry_is_harmless(site: Path, tmp_path: Path, monkeypatch) -> None:
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    monkeypatch.setattr(sys, "path", [str(tmp_path / "gone"), str(archive), *sys.path])
    assert site_stamp() == site_stamp()


def test_plugins_are_read_once_per_stamp(tmp_path: Path) -> None:
    installed = [("core", "sopframe", "0.1.0"), ("acme", "acme-plugin", "1.0")]
    calls: list[int] = []

    def compute() -> list[tuple[str, str, str]]:
        calls.append(1)
        return list(installed)

    first = remembered_plugins(tmp_path, "a" * 64, compute)
    again = remembered_plugins(tmp_path, "a" * 64, compute)
    assert first == again == installed and len(calls) == 1
    remembered_plugins(tmp_path, "b" * 64, compute)
    assert len(calls) == 2


@pytest.mark.parametrize("damage", ["garbage", "edited", "wrong-stamp"])
def test_a_damaged_plugin_list_is_read_again(tmp_path: Path, damage: str) -> None:
    remembered_plugins(tmp_path, "a" * 64, lambda: [("acme", "acme-plugin", "1.0")])
    (entry,) = tmp_path.glob("v*/plugins-*.json")
    data = json.loads(entry.read_text("utf-8"))
    if damage == "garbage":
        entry.write_bytes(b"\xff{")
    elif damage == "edited":
        data["plugins"][0][2] = "9.9"
        entry.write_text(json.dumps(data), "utf-8")
    else:
        data["stamp"] = "b" * 64
        entry.write_text(json.dumps(data), "utf-8")
    assert remembered_plugins(tmp_path, "a" * 64, lambda: [("acme", "acme-plugin", "2.0")]) == [
        ("acme", "acme-plugin", "2.0")]

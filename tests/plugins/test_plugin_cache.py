"""The result cache keys on the code that produced the findings: an edited rule,
an upgraded or disabled plugin, all take effect on the next run."""

from __future__ import annotations

import os
from pathlib import Path

from plugin_helpers import GOOD, run_sopframe, valid_template, write_dist

BROKEN = "import module_that_does_not_exist_anywhere\n"


def _setup(tmp_path: Path, version: str = "1.0.0") -> tuple[Path, Path]:
    site, work = tmp_path / "site", tmp_path / "work"
    write_dist(site, "acme-good", {"good": "good_plugin"}, {"good_plugin": GOOD}, version=version)
    valid_template(work / "plain.yaml")
    return site, work


def test_a_warm_run_prints_what_the_cold_one_did(tmp_path: Path) -> None:
    site, work = _setup(tmp_path)
    env = {"SOPFRAME_CACHE_DIR": str(tmp_path / "cache")}
    cold = run_sopframe(["validate", "plain.yaml"], site=site, cwd=work, env=env)
    assert cold.returncode == 0 and "GOOD101" in cold.stdout
    (entry,) = (tmp_path / "cache").glob("v*/??/*.json")  # the run wrote the file's entry
    warm = run_sopframe(["validate", "plain.yaml"], site=site, cwd=work, env=env)
    assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, cold.stderr)


def test_an_edited_rule_message_takes_effect_at_once(tmp_path: Path) -> None:
    site, work = _setup(tmp_path)
    env = {"SOPFRAME_CACHE_DIR": str(tmp_path / "cache")}
    first = run_sopframe(["validate", "plain.yaml"], site=site, cwd=work, env=env)
    assert "seen by the good plugin" in first.stdout
    module = site / "good_plugin.py"
    stat = module.stat()
    module.write_text(module.read_text("utf-8").replace("seen by the good plugin", "seen by the edited plugin"),
                      "utf-8")
    # the same modification time, as within one tick of a coarse clock (Python's own bytecode
    # cache still sees the new size; the result cache sees the new bytes)
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    second = run_sopframe(["validate", "plain.yaml"], site=site, cwd=work, env=env)
    assert "seen by the edited plugin" in second.stdout and "seen by the good plugin" not in second.stdout


def test_an_upgraded_or_disabled_plugin_is_a_new_cache(tmp_path: Path) -> None:
    site, work = _setup(tmp_path)
    run_sopframe(["validate", "plain.yaml"], site=site, cwd=work)
    (site / "acme_good-1.0.0.dist-info").rename(site / "acme_good-1.1.0.dist-info")
    meta = site / "acme_good-1.1.0.dist-info" / "METADATA"
    meta.write_text(meta.read_text().replace("Version: 1.0.0", "Version: 1.1.0"))
    upgraded = run_sopframe(["validate", "plain.yaml"], site=site, cwd=work)
    assert "GOOD101" in upgraded.stdout
    disabled = run_sopframe(["--disable-plugin", "good", "validate", "plain.yaml"], site=site, cwd=work)
    assert disabled.returncode == 0 and "GOOD101" not in disabled.stdout


def test_a_plugin_that_failed_is_reported_on_every_run(tmp_path: Path) -> None:
    site, work = tmp_path / "site", tmp_path / "work"
    write_dist(site, "acme-broken", {"broken": "broken_plugin"}, {"broken_plugin": BROKEN})
    valid_template(work / "plain.yaml")
    for _ in range(2):
        r = run_sopframe(["validate", "plain.yaml"], site=site, cwd=work)
        assert r.returncode == 1 and r.stdout.count("error SOP900") == 1 and "'broken' failed to load" in r.stdout
    strict = run_sopframe(["--strict-plugins", "validate", "plain.yaml"], site=site, cwd=work)
    assert strict.returncode == 3 and "failed to load" in strict.stderr

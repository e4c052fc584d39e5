"""A run whose every file is in the result cache imports no plugin, yet says
what a full run says; installing, upgrading or disabling a plugin starts afresh."""

from __future__ import annotations

from pathlib import Path

from plugin_helpers import GOOD, run_sopframe, valid_template, write_dist

BROKEN = "import module_that_does_not_exist_anywhere\n"


def _recording(marker: Path) -> str:
    """The GOOD plugin, recording each import of it in ``marker``."""
    return f"from pathlib import Path\nwith Path({str(marker)!r}).open('a') as fh:\n    fh.write('x')\n" + GOOD


def _setup(tmp_path: Path, version: str = "1.0.0") -> tuple[Path, Path, Path]:
    site, work, marker = tmp_path / "site", tmp_path / "work", tmp_path / "imported.txt"
    write_dist(site, "acme-good", {"good": "good_plugin"}, {"good_plugin": _recording(marker)}, version=version)
    valid_template(work / "plain.yaml")
    return site, work, marker


def test_warm_run_imports_no_plugin_and_prints_the_same(tmp_path: Path) -> None:
    site, work, marker = _setup(tmp_path)
    cold = run_sopframe(["validate", "plain.yaml"], site=site, cwd=work)
    assert cold.returncode == 0 and "GOOD101" in cold.stdout and marker.read_text() == "x"
    warm = run_sopframe(["validate", "plain.yaml"], site=site, cwd=work)
    assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, cold.stderr)
    assert marker.read_text() == "x"  # not imported again
    changed = run_sopframe(["validate", "--select", "GOOD", "plain.yaml"], site=site, cwd=work)
    assert changed.returncode == 0 and "GOOD101" in changed.stdout and marker.read_text() == "x"


def test_an_upgraded_or_disabled_plugin_is_a_new_cache(tmp_path: Path) -> None:
    site, work, marker = _setup(tmp_path)
    run_sopframe(["validate", "plain.yaml"], site=site, cwd=work)
    (site / "acme_good-1.0.0.dist-info").rename(site / "acme_good-1.1.0.dist-info")
    meta = site / "acme_good-1.1.0.dist-info" / "METADATA"
    meta.write_text(meta.read_text().replace("Version: 1.0.0", "Version: 1.1.0"))
    upgraded = run_sopframe(["validate", "plain.yaml"], site=site, cwd=work)
    assert "GOOD101" in upgraded.stdout and marker.read_text() == "xx"
    disabled = run_sopframe(["--disable-plugin", "good", "validate", "plain.yaml"], site=site, cwd=work)
    assert disabled.returncode == 0 and "GOOD101" not in disabled.stdout and marker.read_text() == "xx"


def test_a_plugin_that_failed_is_still_reported_from_the_cache(tmp_path: Path) -> None:
    site, work = tmp_path / "site", tmp_path / "work"
    write_dist(site, "acme-broken", {"broken": "broken_plugin"}, {"broken_plugin": BROKEN})
    valid_template(work / "plain.yaml")
    for _ in range(2):
        r = run_sopframe(["validate", "plain.yaml"], site=site, cwd=work)
        assert r.returncode == 1 and "SOP900" in r.stdout and "'broken' failed to load" in r.stdout
    strict = run_sopframe(["--strict-plugins", "validate", "plain.yaml"], site=site, cwd=work)
    assert strict.returncode == 3 and "failed to load" in strict.stderr


def test_usage_errors_are_the_same_warm_or_cold(tmp_path: Path) -> None:
    site, work, _ = _setup(tmp_path)
    run_sopframe(["validate", "plain.yaml"], site=site, cwd=work)
    r = run_sopframe(["validate", "--select", "GOOD1O1", "plain.yaml"], site=site, cwd=work)
    assert r.returncode == 2 and "no rule code, prefix or slug matches 'GOOD1O1'" in r.stderr
    r = run_sopframe(["validate", "--framework", "iso2700", "plain.yaml"], site=site, cwd=work)
    assert r.returncode == 2 and "unknown framework 'iso2700'" in r.stderr

"""Plugins installed as pip would install them, seen through the ``sopframe`` command line.

Every test writes a real ``*.dist-info`` folder to a temporary directory and
runs ``python -m sopframe`` with that directory on PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from plugin_helpers import GOOD, marker_module, run_sopframe, valid_template, write_dist

BROKEN = "import module_that_does_not_exist_anywhere\n"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """The working directory: one valid template, no configuration."""
    path = tmp_path / "work"
    path.mkdir()
    valid_template(path / "plain.yaml")
    return path


def _no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text


def test_failed_import_is_a_finding_and_validation_still_runs(tmp_path: Path, work: Path) -> None:
    site = tmp_path / "site"
    write_dist(site, "acme-mixed", {"broken": "broken_plugin", "good": "good_plugin"},
               {"broken_plugin": BROKEN, "good_plugin": GOOD})
    r = run_sopframe(["validate", "plain.yaml"], site=site, cwd=work)
    _no_traceback(r.stdout, r.stderr)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "SOP900" in r.stdout and "'broken' failed to load" in r.stdout
    assert "GOOD101" in r.stdout                              # the working plugin's rule ran


def test_failed_import_with_strict_flag_exits_3_with_a_message(tmp_path: Path, work: Path) -> None:
    site = tmp_path / "site"
    write_dist(site, "acme-mixed", {"broken": "broken_plugin"}, {"broken_plugin": BROKEN})
    r = run_sopframe(["--strict-plugins", "validate", "plain.yaml"], site=site, cwd=work)
    _no_traceback(r.stdout, r.stderr)
    assert r.returncode == 3
    assert "sopframe: error: plugin 'broken': failed to load: ModuleNotFoundError" in r.stderr
    assert "hint:" in r.stderr and "strict" in r.stderr


def test_strict_plugins_from_configuration_exits_3(tmp_path: Path, work: Path) -> None:
    site = tmp_path / "site"
    write_dist(site, "acme-mixed", {"broken": "broken_plugin"}, {"broken_plugin": BROKEN})
    (work / "sopframe.toml").write_text("strict-plugins = true\n", "utf-8")
    r = run_sopframe(["validate", "plain.yaml"], site=site, cwd=work)
    _no_traceback(r.stdout, r.stderr)
    assert r.returncode == 3
    assert "plugin 'broken': failed to load" in r.stderr


@pytest.mark.parametrize("how", ["env", "flag", "config"])
def test_blocked_plugin_is_not_imported(tmp_path: Path, work: Path, how: str) -> None:
    site = tmp_path / "site"
    marker = tmp_path / "imported.txt"
    write_dist(site, "acme-mixed", {"blocked": "blocked_plugin", "good": "good_plugin"},
               {"blocked_plugin": marker_module(marker), "good_plugin": GOOD})
    args, env = ["validate", "plain.yaml"], {}
    if how == "env":
        env = {"SOPFRAME_DISABLE_PLUGINS": "blocked"}
    elif how == "flag":
        args = ["--disable-plugin", "blocked", *args]
    else:
        (work / "sopframe.toml").write_text('disable-plugins = ["blocked"]\n', "utf-8")
    r = run_sopframe(args, site=site, cwd=work, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "GOOD101" in r.stdout
    assert not marker.exists()
    if how == "config":
        listing = run_sopframe(["plugins", "--format", "json"], site=site, cwd=work)
        rows = {row["name"]: row for row in json.loads(listing.stdout)}
        assert rows["blocked"]["status"] == "blocked" and rows["good"]["status"] == "loaded"
        assert not marker.exists()


def test_version_does_not_import_plugins(tmp_path: Path, work: Path) -> None:
    site = tmp_path / "site"
    marker = tmp_path / "imported.txt"
    write_dist(site, "acme-marker", {"marker": "marker_plugin"}, {"marker_plugin": marker_module(marker)})
    r = run_sopframe(["--version"], site=site, cwd=work)
    assert r.returncode == 0 and r.stdout.startswith("sopframe ")
    assert not marker.exists()


def test_misspelled_hookimpl_is_reported_naming_the_plugin(tmp_path: Path, work: Path) -> None:
    site = tmp_path / "site"
    typo = '''
from sopframe import hookimpl

@hookimpl
def sopframe_rulez():
    return []
'''
    write_dist(site, "acme-typo", {"typo": "typo_plugin"}, {"typo_plugin": typo})
    r = run_sopframe(["plugins"], site=site, cwd=work)
    assert r.returncode == 0
    assert "typo" in r.stdout and "failed" in r.stdout
    assert "unknown hook 'sopframe_rulez' (did you mean 'sopframe_rules'?)" in r.stdout
    r = run_sopframe(["validate", "plain.yaml"], site=site, cwd=work)
    _no_traceback(r.stdout, r.stderr)
    assert r.returncode == 1 and "SOP900" in r.stdout and "plugin 'typo' failed to load" in r.stdout


def test_plugins_are_discovered_and_asked_once_per_process(tmp_path: Path, work: Path) -> None:
    site = tmp_path / "site"
    log = tmp_path / "calls.txt"
    counting = f'''
from pathlib import Path
from sopframe import Rule, Severity, hookimpl

LOG = Path({str(log)!r})
with LOG.open("a") as fh:
    fh.write("import\\n")

@hookimpl
def sopframe_rules():
    with LOG.open("a") as fh:
        fh.write("rules\\n")
    return [Rule("CNT101", "counted", Severity.INFO, "Never reports.", check=lambda tg: [])]
'''
    write_dist(site, "acme-count", {"count": "count_plugin"}, {"count_plugin": counting})
    valid_template(work / "second.yaml", "second")
    r = run_sopframe(["validate", "plain.yaml", "second.yaml"], site=site, cwd=work)
    assert r.returncode == 0, r.stdout + r.stderr
    assert log.read_text().splitlines() == ["import", "rules"]


PACKED = '''
from pathlib import Path
from sopframe import Rule, Severity, hookimpl

def _needs_cab(tg):
    if tg.template.kind == "change" and "cab" not in tg.template.roles:
        yield RULE.finding("a change template must define the role 'cab'", at=tg.template.at("roles"),
                           hint="add `cab:` under `roles:`")

RULE = Rule("LITE101", "change-needs-cab", Severity.ERROR, "A change template must name a CAB role.",
            "Every change needs change advisory board approval, so change templates define a `cab` role.",
            check=_needs_cab, controls=("ISO 27001 A.8.32",))

@hookimpl
def sopframe_rules():
    return [RULE]

@hookimpl
def sopframe_template_dirs():
    return [Path(__file__).parent / "lite_templates"]
'''


def _packed_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    write_dist(site, "lite-sopframe", {"lite": "lite_plugin"}, {"lite_plugin": PACKED}, version="2.0.1")
    valid_template(site / "lite_templates" / "lite-change.yaml", "lite-change")
    return site


def test_rules_explain_templates_and_plugins_show_a_plugins_contributions(tmp_path: Path, work: Path) -> None:
    site = _packed_site(tmp_path)
    rules = run_sopframe(["rules", "--format", "json"], site=site, cwd=work)
    by_code = {r["code"]: r for r in json.loads(rules.stdout)}
    assert by_code["LITE101"]["plugin"] == "lite" and by_code["SOP101"]["plugin"] == "core"
    text = run_sopframe(["rules"], site=site, cwd=work).stdout
    [line] = [ln for ln in text.splitlines() if ln.startswith("LITE101")]
    assert "change-needs-cab" in line and " lite " in line

    explain = run_sopframe(["explain", "LITE101"], site=site, cwd=work)
    assert explain.returncode == 0
    assert "LITE101 change-needs-cab (error, plugin lite)" in explain.stdout
    assert "ISO 27001 A.8.32" in explain.stdout

    templates = run_sopframe(["templates", "--format", "json"], site=site, cwd=work)
    rows = {t["id"]: t for t in json.loads(templates.stdout)}
    assert rows["lite-change"]["plugin"] == "lite"
    assert rows["change-request"]["plugin"] == "bundled-templates"

    plugins = run_sopframe(["plugins"], site=site, cwd=work)
    [line] = [ln for ln in plugins.stdout.splitlines() if ln.startswith("lite ")]
    assert "loaded" in line and "lite-sopframe 2.0.1" in line


def test_a_plugins_rule_reports_in_validate(tmp_path: Path, work: Path) -> None:
    site = _packed_site(tmp_path)
    r = run_sopframe(["validate", "--format", "json", "plain.yaml"], site=site, cwd=work)
    assert r.returncode == 1
    data = json.loads(r.stdout)
    findings = data["findings"] if isinstance(data, dict) else data
    [finding] = [f for f in findings if f["code"] == "LITE101"]
    assert finding["plugin"] == "lite" and finding["file"] == "plain.yaml"


def test_listing_commands_warn_about_a_plugin_that_failed(tmp_path: Path, work: Path) -> None:
    site = tmp_path / "site"
    write_dist(site, "acme-mixed", {"broken": "broken_plugin", "good": "good_plugin"},
               {"broken_plugin": BROKEN, "good_plugin": GOOD})
    r = run_sopframe(["rules"], site=site, cwd=work)
    _no_traceback(r.stdout, r.stderr)
    assert r.returncode == 0
    assert "GOOD101" in r.stdout
    assert "warning: plugin 'broken' failed to load" in r.stderr


CRASHING_RULE = '''
from sopframe import Rule, Severity, hookimpl

def _boom(tg):
    raise RuntimeError("kaput")

@hookimpl
def sopframe_rules():
    return [Rule("BOOM101", "boom", Severity.ERROR, "Always crashes.", check=_boom)]
'''


def test_a_crashing_rule_is_fatal_only_in_strict_mode(tmp_path: Path, work: Path) -> None:
    site = tmp_path / "site"
    write_dist(site, "acme-boom", {"boom": "boom_plugin"}, {"boom_plugin": CRASHING_RULE})
    # a check that did not run proves nothing: validation fails (exit 1) naming plugin and rule, and goes on
    lenient = run_sopframe(["validate", "plain.yaml"], site=site, cwd=work)
    _no_traceback(lenient.stdout, lenient.stderr)
    assert lenient.returncode == 1, lenient.stdout + lenient.stderr
    assert "error SOP901" in lenient.stdout and "BOOM101" in lenient.stdout and "'boom'" in lenient.stdout
    accepted = run_sopframe(["validate", "--ignore", "SOP901", "plain.yaml"], site=site, cwd=work)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    strict = run_sopframe(["--strict-plugins", "validate", "plain.yaml"], site=site, cwd=work)
    _no_traceback(strict.stdout, strict.stderr)
    assert strict.returncode == 3
    assert "plugin 'boom': rule BOOM101 (boom) crashed" in strict.stderr and "kaput" in strict.stderr


def test_a_crashing_rule_does_not_stop_loading_or_starting_a_template(tmp_path: Path, work: Path) -> None:
    site = tmp_path / "site"
    write_dist(site, "acme-boom", {"boom": "boom_plugin"}, {"boom_plugin": CRASHING_RULE})
    (work / "sopframe.toml").write_text('[roles]\nrequester = ["someone"]\n', "utf-8")
    store = ["--store", f"sqlite:///{work / 'jobs.db'}", "--as", "someone"]
    started = run_sopframe(["job", "start", "plain.yaml", *store], site=site, cwd=work)
    _no_traceback(started.stdout, started.stderr)
    assert started.returncode == 0, started.stderr
    assert started.stdout.startswith("started plain-")
    assert "warning: SOP901 rule BOOM101 (boom) of plugin 'boom' crashed: RuntimeError: kaput" in started.stderr
    loaded = run_sopframe(["--strict-plugins", "job", "start", "plain.yaml", *store], site=site, cwd=work)
    assert loaded.returncode == 3 and "plugin 'boom': rule BOOM101 (boom) crashed" in loaded.stderr
    code = "import sopframe; print(sopframe.load_template('plain.yaml').id)"  # the public API loads it too
    env = {**os.environ, "PYTHONPATH": str(site)}
    api = subprocess.run([sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True, timeout=60)
    assert api.returncode == 0 and api.stdout == "plain\n", api.stderr

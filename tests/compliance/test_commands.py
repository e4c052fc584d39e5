"""`sopframe gaps`, `sopframe coverage` and `validate --framework`, run in-process."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from compliance_samples import SAMPLES
from sopframe.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)

    def invoke(*argv: str) -> Result:
        capsys.readouterr()
        with pytest.raises(SystemExit) as info:
            main(list(argv))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err, captured.err
        return Result(int(info.value.code or 0), captured.out, captured.err)

    return invoke


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    d = tmp_path / "sops"
    d.mkdir()
    for name, text in SAMPLES.items():
        (d / f"{name}.yaml").write_text(text, "utf-8")
    return d


def test_gaps_all_seven_complete(run, samples: Path) -> None:
    r = run("gaps", str(samples))
    assert r.code == 0, r.out
    assert "7 of 7 complete" in r.out


def test_gaps_lists_what_is_missing(run, samples: Path) -> None:
    (samples / "incident.yaml").unlink()
    text = (samples / "change.yaml").read_text("utf-8").replace("    rollback_plan: request.rollback_plan\n", "")
    (samples / "change.yaml").write_text(text, "utf-8")
    r = run("gaps", str(samples), "--format", "json")
    assert r.code == 1
    data = json.loads(r.out)
    assert data["design"] == {"complete": 5, "total": 7}
    points = {p["number"]: p for p in data["points"]}
    assert points[1]["missing"] == ["no template of kind 'incident'"]
    assert any("rollback_plan" in m for m in points[2]["missing"])
    text = run("gaps", str(samples)).out
    assert "design 5 of 7 complete" in text and "[ ] 1. Incident response procedure" in text


def test_gaps_on_the_bundled_templates(run) -> None:
    r = run("gaps", str(TEMPLATES))
    assert "7 of 7 complete" in r.out, r.out
    assert r.code == 0


def test_coverage_json_lists_cells_and_gaps(run, samples: Path) -> None:
    r = run("coverage", str(samples), "--framework", "pci-dss", "--format", "json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    [fw] = data["frameworks"]
    assert fw["id"] == "pci-dss"
    controls = {c["id"]: c for c in fw["controls"]}
    # 6.3.3 counts from the patch's release, which a template does not record: never more than partial
    assert controls["6.3.3"]["cells"]["sample-vulnerability"] == [{"rule": "PCI118", "status": "partial"}]
    gaps = {g["id"]: g["reason"] for g in fw["gaps"]}
    assert controls["10.4.1"]["covered"] is True                       # the logging sample reviews daily
    assert gaps["7.2.1"] == "no rule checks it"
    assert gaps["11.3.2"].startswith("only partly checked")            # never shown as passed
    assert controls["11.3.2"]["cells"]["sample-vulnerability"] == [{"rule": "PCI120", "status": "partial"}]
    reasons = [g["reason"].split(":")[0] for g in fw["gaps"]]
    order = ["its checks fail on every template", "no template of a kind its rules check", "only partly checked",
             "no rule checks it"]
    assert reasons == sorted(reasons, key=order.index), "gaps are listed most important first"
    assert fw["evidenceable"] < fw["total"] and "1.2" not in gaps    # met by technology: never a gap
    assert controls["6.3.3"]["covered"] is False and "patch's release" in gaps["6.3.3"]
    assert controls["6.3.1"]["covered"] is True
    # a rule about leavers does not claim coverage on the access review template
    assert "sample-access" in controls["8.2.5"]["cells"]
    assert len(controls["8.2.5"]["cells"]) == 1


def test_an_sop_lifecycle_is_never_counted_as_every_requirements_procedures(run) -> None:
    r = run("coverage", str(TEMPLATES), "--framework", "pci-dss", "--format", "json")
    [fw] = json.loads(r.out)["frameworks"]
    controls = {c["id"]: c for c in fw["controls"]}
    gaps = {g["id"]: g["reason"] for g in fw["gaps"]}
    for n in range(1, 12):  # the incident SOP's lifecycle shows how SOPs are kept, not network or crypto procedures
        cells = [s["status"] for cell in controls[f"{n}.1.1"]["cells"].values() for s in cell]
        assert cells and "pass" not in cells and set(cells) <= {"partial", "fail"}, (n, cells)
        assert gaps[f"{n}.1.1"].startswith("only partly checked") and f"requirement {n} " in gaps[f"{n}.1.1"]


@pytest.mark.parametrize(("control", "rules"), [
    ("12.10.1", {"PCI107", "PCI110", "PCI111"}),  # the plan's contents: each rule sees one part of it
    ("8.2.4", {"PCI112"}),                        # removals and authentication factors are not checked
    ("6.5.3", {"PCI121"}),                        # naming the environment does not show it is kept apart
])
def test_requirements_checked_only_in_part_are_never_covered(run, control: str, rules: set[str]) -> None:
    r = run("coverage", str(TEMPLATES), "--framework", "pci-dss", "--format", "json")
    [fw] = json.loads(r.out)["frameworks"]
    controls = {c["id"]: c for c in fw["controls"]}
    gaps = {g["id"]: g["reason"] for g in fw["gaps"]}
    cells = [s for cell in controls[control]["cells"].values() for s in cell]
    assert {s["rule"] for s in cells} == rules
    assert {s["status"] for s in cells} == {"partial"}, cells
    assert controls[control]["covered"] is False and gaps[control].startswith("only partly checked")


def test_coverage_marks_failing_rules(run, samples: Path) -> None:
    text = (samples / "vulnerability.yaml").read_text("utf-8").replace("critical: 14d", "critical: 60d")
    (samples / "vulnerability.yaml").write_text(text, "utf-8")
    data = json.loads(run("coverage", str(samples), "--framework", "pci-dss", "--format", "json").out)
    controls = {c["id"]: c for c in data["frameworks"][0]["controls"]}
    assert {"rule": "PCI118", "status": "fail"} in controls["6.3.3"]["cells"]["sample-vulnerability"]
    assert controls["6.3.3"]["covered"] is False


def test_coverage_html_is_one_self_contained_file(run, samples: Path, tmp_path: Path) -> None:
    out = tmp_path / "coverage.html"
    r = run("coverage", str(samples), "--format", "html", "-o", str(out))
    assert r.code == 0
    page = out.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "no external resources"
    assert "<script" not in page
    for title in ("ISO/IEC 27001:2022", "SOC 2", "PCI DSS v4.0.1"):
        assert title in page
    assert page.count("<caption>") == 4 and '<th scope="row">A.5.37</th>' in page
    assert "<caption>SOC 2 Trust Services Criteria: criteria by template</caption>" in page
    assert '<tr class="gap"><th scope="row">' in page and "GAP" in page and "Legend" in page
    assert str(tmp_path) not in page, "no absolute paths of this machine in the report"
    assert "sops/change.yaml" in page


def test_coverage_markdown_and_text(run, samples: Path) -> None:
    md = run("coverage", str(samples), "--framework", "iso27001", "--format", "markdown").out
    assert "| control | title |" in md and "A.8.8" in md
    text = run("coverage", str(samples), "--framework", "soc2").out
    assert re.search(r"SOC 2 Trust Services Criteria: \d+ of 35 criteria that procedures can evidence", text)
    pci = run("coverage", str(samples), "--framework", "pci-dss").out
    assert re.search(r"PCI DSS v4.0.1: \d+ of \d+ requirements that procedures can evidence", pci)  # not "controls"


def test_unknown_framework_is_a_usage_error(run, samples: Path) -> None:
    for command in ("validate", "coverage"):
        r = run(command, str(samples), "--framework", "pci")
        assert r.code == 2
        assert "did you mean 'pci-dss'" in r.err


def test_validate_framework_option_overrides_claims(run, tmp_path: Path) -> None:
    text = SAMPLES["change"].replace("  - pci-dss\n", "").replace("        not_by: developer\n", "")
    (tmp_path / "change.yaml").write_text(text, "utf-8")
    claimed = run("validate", "change.yaml", "--format", "json")
    assert "PCI106" not in claimed.out
    forced = run("validate", "change.yaml", "--format", "json", "--framework", "pci-dss")
    codes = {f["code"] for f in json.loads(forced.out)["findings"]}
    assert "PCI106" in codes and "ISO107" not in codes
    assert forced.code == 1


def test_configuration_sets_frameworks_and_policy(run, tmp_path: Path) -> None:
    (tmp_path / "access.yaml").write_text(SAMPLES["access"], "utf-8")
    assert run("validate", "access.yaml").code == 0
    (tmp_path / "sopframe.toml").write_text('frameworks = ["soc2"]\n\n[policy]\nleaver-revocation = "4h"\n', "utf-8")
    r = run("validate", "access.yaml", "--format", "json", "--fail-level", "warning")
    codes = {f["code"] for f in json.loads(r.out)["findings"]}
    assert codes == {"SOC116"}
    assert r.code == 1
    (tmp_path / "sopframe.toml").write_text('frameworks = ["pcidss"]\n', "utf-8")
    bad = run("validate", "access.yaml")
    assert bad.code == 2 and "unknown framework 'pcidss'" in bad.err


def test_unknown_policy_key_is_a_configuration_error(run, tmp_path: Path) -> None:
    (tmp_path / "access.yaml").write_text(SAMPLES["access"], "utf-8")
    (tmp_path / "sopframe.toml").write_text('[policy]\nleaver-revokation = "4h"\n', "utf-8")
    for command in ("validate", "gaps", "coverage"):
        r = run(command, "access.yaml")
        assert r.code == 2, command
        assert "unknown policy key 'leaver-revokation' (did you mean 'leaver-revocation'?)" in r.err


def test_gaps_never_says_an_access_review_meets_provisioning(run, samples: Path) -> None:
    # point 3 is joiners and leavers: a template of kind access that declares neither does not meet it
    data = json.loads(run("gaps", str(TEMPLATES), "--format", "json").out)
    [point] = [p for p in data["points"] if p["number"] == 3]
    assert [Path(m).name for m in point["met_by"]] == ["access-request.yaml"]
    (samples / "access.yaml").unlink()
    data = json.loads(run("gaps", str(samples), "--format", "json").out)
    [point] = [p for p in data["points"] if p["number"] == 3]
    assert point["met_by"] == [] and not point["complete"]


def test_gaps_needs_joiner_and_leaver_and_skips_broken_templates(run, samples: Path) -> None:
    (samples / "access.yaml").unlink()
    broken = SAMPLES["incident"].replace("    next: triage\n", "    next: triag\n")
    (samples / "incident.yaml").write_text(broken, "utf-8")
    data = json.loads(run("gaps", str(samples), "--format", "json").out)
    points = {p["number"]: p for p in data["points"]}
    assert not points[3]["complete"]
    assert points[3]["missing"] == ["no passing template declares the joiner or leaver step"]
    assert not points[1]["complete"]
    assert "template error" in points[1]["missing"][0] and "SOP109" in points[1]["missing"][0]


def test_groupings_show_through_their_requirements_not_as_unchecked(run) -> None:
    data = json.loads(run("coverage", str(TEMPLATES), "--framework", "pci-dss", "--format", "json").out)
    [fw] = data["frameworks"]
    assert data["version"] == 3
    controls = {c["id"]: c for c in fw["controls"]}
    gaps = {g["id"]: g["reason"] for g in fw["gaps"]}
    assert controls["6.5"]["grouping"] == ["6.5.1", "6.5.2", "6.5.3", "6.5.4", "6.5.5", "6.5.6"]
    assert controls["6.5"]["covered"] is False  # 6.5.3 is only partly checked
    assert controls["6.3.1"]["grouping"] is None and controls["6.2"]["grouping"] is None  # 6.2 lists nothing below
    for grouping in ("6.3", "6.5", "10.4", "12.10", "1.1"):
        assert grouping not in gaps, grouping  # never "no rule checks it": its requirements are checked
    assert gaps["6.2"] == "no rule checks it"
    groupings = sum(1 for c in fw["controls"] if c["grouping"])
    counted = sum(1 for c in fw["controls"] if c["evidenceable"] and not c["grouping"])
    assert fw["evidenceable"] == counted and fw["covered"] == counted - len(gaps)
    text = run("coverage", str(TEMPLATES), "--framework", "pci-dss").out
    assert "  6.5      Every change to system components under secure change control  (grouping of 6.5.1, 6.5.2, " \
           "6.5.3, 6.5.4, 6.5.5, 6.5.6)\n           through its listed requirements: covered 6.5.1, 6.5.2, 6.5.4, " \
           "6.5.5, 6.5.6; gaps 6.5.3 (partial)\n" in text
    assert f"{groupings} groupings are shown through the requirements listed under them" in text.splitlines()[0]
    assert "grouping = a grouping, shown through the requirements listed under it" in text
    md = run("coverage", str(TEMPLATES), "--framework", "pci-dss", "--format", "markdown").out
    assert "| 10.4 | Audit logs reviewed for anomalies (grouping: covered 10.4.1) |" in md
    page = run("coverage", str(TEMPLATES), "--framework", "pci-dss", "--format", "html").out
    assert '<tr class="grouping"><th scope="row">6.3</th>' in page and '<tr class="gap"><th scope="row">6.3<' not in page

"""``sopframe report bottlenecks`` end to end: every format, -o, and clear errors."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from reports.conftest import FLOW

from .conftest import ROLES_TOML, Cli


def _history(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "flow.yaml").write_text(FLOW, "utf-8")
    (tmp_path / "sopframe.toml").write_text(ROLES_TOML + 'clerk = ["cara"]\nreviewer = ["rita"]\n', "utf-8")
    for _ in range(2):
        cli("job", "start", "flow.yaml", user="cara")
    cli("job", "set", "FLOW-001", "summary=ok", user="cara")
    cli("job", "complete", "FLOW-001", user="cara")
    r = cli("job", "reject", "FLOW-001", "--reason", "redo", user="rita")
    assert r.code == 0, r.err


def test_every_format_of_the_report(cli: Cli, tmp_path: Path) -> None:
    _history(cli, tmp_path)
    r = cli("report", "bottlenecks")
    assert r.code == 0, r.err
    assert r.out.startswith("Bottleneck report (every template): 4 stage visits of 2 jobs over 1.0 weeks")
    assert "Top bottlenecks (by the job-time each stage held):" in r.out
    table = r.out.split("Per stage")[1].split("Per owner role")[0]
    assert [line.split()[0] for line in table.splitlines()[2:] if line.strip()] == ["intake", "review"]
    data = cli("report", "bottlenecks", "--format", "json").json()
    intake = next(g for g in data["stages"] if g["name"] == "intake")
    assert intake["measures"]["visits"] == 3 and intake["measures"]["wip"] == 2  # FLOW-002, and FLOW-001 sent back
    review = next(g for g in data["stages"] if g["name"] == "review")
    assert review["measures"]["rejected"] == 1 and review["measures"]["rework_rate"] == 1.0
    rows = list(csv.DictReader(io.StringIO(cli("report", "bottlenecks", "--format", "csv").out)))
    assert [(x["scope"], x["name"]) for x in rows if x["scope"] == "stage"] == [("stage", "intake"),
                                                                              ("stage", "review")]
    r = cli("report", "bottlenecks", "--format", "html", "-o", "report.html", "--template", "flow")
    assert r.code == 0 and r.out == "" and "bottleneck report written to report.html" in r.err
    page = (tmp_path / "report.html").read_text("utf-8")
    assert page.startswith("<!doctype html>") and page.count("<svg") == 3 and "Template flow" in page
    typo = cli("report", "bottlenecks", "--template", "flwo")  # a mistyped id is not "nothing to report"
    assert typo.code == 2 and typo.out == ""
    assert "no job in the store was started from template 'flwo' (did you mean 'flow'?)" in typo.err


def test_bad_options_get_clear_errors(cli: Cli, tmp_path: Path) -> None:
    r = cli("report", "bottlenecks", "--since", "last tuesday")
    assert r.code == 2 and "--since 'last tuesday' is not a date" in r.err
    r = cli("report", "bottlenecks", "--since", "2999-01-01")
    assert r.code == 2 and "--since 2999-01-01 is in the future" in r.err
    r = cli("report", "bottlenecks", "-o", str(tmp_path / "missing" / "r.txt"))
    assert r.code == 2 and "missing does not exist" in r.err
    r = cli("report", "bottlenecks", "--format", "pdf")
    assert r.code == 2 and "pdf" in r.err

"""``job set --add`` / ``--items`` for list fields, and cancelling one item's sub-job, from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Cli

SCAN = """\
template: scan
title: Monthly scan
version: 1.0.0
kind: vulnerability
job_id: SCAN-{seq:03}
roles:
  author: Analyst
  lead: Engineer
stages:
  remediate:
    owner: author
    fields:
      findings:
        type: list
        key: id
        required: yes
        columns:
          id:
            type: text
            required: yes
          severity:
            type: choice
            options:
              - high
              - low
            required: yes
          cvss:
            type: number
          found_at:
            type: date
            required: yes
    split:
      finding:
        for_each: findings
        owner: lead
        stages:
          patch:
            sla:
              from: item.found_at
              when: item.severity
              is:
                high: 30d
              otherwise: 90d
    rejoin: report
  report:
    owner: author
"""


@pytest.fixture
def job(cli: Cli, tmp_path: Path) -> str:
    (tmp_path / "scan.yaml").write_text(SCAN, "utf-8")
    result = cli("job", "start", "scan.yaml", "--format", "json")
    assert result.code == 0, result.err
    return result.json()["job"]


def test_items_added_one_by_one_and_from_csv_and_json(cli: Cli, tmp_path: Path, job: str) -> None:
    r = cli("job", "set", job, "--add", "findings", "id=F1,severity=high,cvss=7.5,found_at=2026-01-02",
            "--add", "findings", 'id=F2,severity=low,found_at=2026-01-02')
    assert r.code == 0, r.err
    assert "added 2 items to findings" in r.out
    (tmp_path / "more.csv").write_text("id,severity,found_at,cvss\nF3,high,2026-01-03,\n", "utf-8")
    (tmp_path / "more.json").write_text(json.dumps([{"id": "F4", "severity": "low", "found_at": "2026-01-04"}]),
                                        "utf-8")
    r = cli("job", "set", job, "--items", "findings=more.csv", "--items", "findings=more.json")
    assert r.code == 0, r.err
    shown = cli("job", "show", job, "--format", "json").json()
    assert [s["id"] for s in shown["subjobs"]] == [f"{job}-F1", f"{job}-F2", f"{job}-F3", f"{job}-F4"]
    due = {s["job"]: s["sla_due"] for s in shown["open_stages"] if s["stage"] == "patch"}
    assert due[f"{job}-F1"] == "2026-02-01T00:00:00.000000Z"  # 30 days from discovery, not from today
    r = cli("job", "cancel", f"{job}-F2", "--reason", "false positive")
    assert r.code == 0, r.err
    shown = cli("job", "show", job, "--format", "json").json()
    assert {s["id"]: s["status"] for s in shown["subjobs"]}[f"{job}-F2"] == "cancelled"
    assert {s["id"]: s["item"] for s in shown["subjobs"]}[f"{job}-F2"]["severity"] == "low"
    text = cli("job", "show", job).out
    assert f"{job}-F2" in text and "[cancelled] (false positive)" in text
    assert cli("job", "verify", job).code == 0
    history = cli("job", "history", f"{job}-F2").out.splitlines()
    assert history[-1].endswith(f"subjob.cancelled   {job}-F2: false positive")  # what was cancelled, and why
    assert all(line == line.rstrip() for line in cli("job", "history", job).out.splitlines())


def test_a_bad_item_names_its_position_and_key_and_writes_nothing(cli: Cli, tmp_path: Path, job: str) -> None:
    r = cli("job", "set", job, "--add", "findings", "id=F1,severity=high,found_at=2026-01-02",
            "--add", "findings", "id=F2,severity=high,cvss=lots,found_at=2026-01-02")
    assert r.code == 1
    assert "item 2 (F2): column 'cvss': expected a number" in r.err and "findings" in r.err
    assert cli("job", "show", job, "--format", "json").json()["subjobs"] == []
    (tmp_path / "bad.csv").write_text("id,severity,found_at\nF1,urgent,2026-01-02\n", "utf-8")
    r = cli("job", "set", job, "--items", "findings=bad.csv")
    assert r.code == 1 and "item 1 (F1): column 'severity'" in r.err
    r = cli("job", "set", job, "--add", "findings", "no equals sign")
    assert r.code == 2 and "is not COLUMN=VALUE" in r.err
    r = cli("job", "set", job, "--items", "findings=scan.txt")
    assert r.code == 2 and ".json or .csv" in r.err
    (tmp_path / "bad.json").write_text('{"id": "F1"}', "utf-8")
    r = cli("job", "set", job, "--items", "findings=bad.json")
    assert r.code == 2 and "JSON array of objects" in r.err
    assert cli("job", "set", job).code == 2


def test_a_column_given_twice_is_refused_with_job_stage_field_item_and_column(cli: Cli, tmp_path: Path,
                                                                               job: str) -> None:
    where = f"job {job}, stage remediate, field findings: list field: item 1 (F1): column 'severity' is given " \
            "more than once"
    events = cli("job", "show", job, "--format", "json").json()["events"]
    r = cli("job", "set", job, "--add", "findings", "id=F1,severity=high,found_at=2026-01-02,severity=low")
    assert r.code == 1 and where in r.err, r.err
    (tmp_path / "twice.csv").write_text("id,severity,found_at,severity\nF1,high,2026-01-02,low\n", "utf-8")
    r = cli("job", "set", job, "--items", "findings=twice.csv")
    assert r.code == 1 and where in r.err, r.err
    (tmp_path / "twice.json").write_text('[{"id": "F1", "severity": "high", "found_at": "2026-01-02", '
                                         '"severity": "low"}]', "utf-8")
    r = cli("job", "set", job, "--items", "findings=twice.json")
    assert r.code == 1 and where in r.err, r.err
    assert cli("job", "show", job, "--format", "json").json()["events"] == events  # nothing was written


@pytest.mark.parametrize("value", ["[1]", "[null]", "[[]]", '["F1"]'])
def test_items_that_are_not_objects_are_refused_not_crashed_on(cli: Cli, job: str, value: str) -> None:
    r = cli("job", "set", job, f"findings={value}")
    assert r.code == 1, r.err
    assert (f"job {job}, stage remediate, field findings: list field: item 1: expected an object with the "
            "columns id, severity, cvss, found_at") in r.err

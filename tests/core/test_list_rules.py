"""The list, per-item and anchor rules beyond their fixtures: each case a finding at its place."""

from __future__ import annotations

import pytest

from sopframe.core.validate import validate_bytes
from sopframe.pluginmanager import Plugins, load_plugins

HEAD = """\
template: t
title: T
version: 1.0.0
kind: vulnerability
roles:
  analyst: Analyst
stages:
"""

LIST = """\
      findings:
        type: list
        columns:
          id:
            type: text
            required: yes
          cvss:
            type: number
          found_at:
            type: date
"""


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return load_plugins(entry_points=lambda: [])


def findings(plugins: Plugins, stages: str) -> list[tuple[str, int, int, str]]:
    result = validate_bytes((HEAD + stages).encode(), "t.yaml", plugins=plugins)
    return [(f.code, f.line, f.col, f.message) for f in result.findings]


def codes(plugins: Plugins, stages: str) -> list[str]:
    return [c for c, *_ in findings(plugins, stages)]


def test_an_anchor_must_be_required(plugins: Plugins) -> None:
    stages = """\
  notified:
    owner: analyst
    fields:
      last_day:
        type: date
    next: revoke
  revoke:
    owner: analyst
    sla:
      from: last_day
      within: 1d
"""
    ((code, line, col, message),) = findings(plugins, stages)
    assert (code, line, col) == ("SOP123", 17, 13) and "not required" in message
    assert codes(plugins, stages.replace("type: date\n", "type: date\n        required: yes\n")) == []


def test_an_sla_cannot_run_from_a_date_its_own_stage_captures(plugins: Plugins) -> None:
    stages = """\
  revoke:
    owner: analyst
    fields:
      last_day:
        type: date
        required: yes
    sla:
      from: last_day
      within: 1d
"""
    ((code, line, _col, message),) = findings(plugins, stages)
    assert (code, line) == ("SOP123", 15) and "this same stage captures" in message


def test_list_operators_and_list_fields_in_the_wrong_places(plugins: Plugins) -> None:
    stages = f"""\
  scan:
    owner: analyst
    fields:
{LIST}      score:
        type: number
    gate:
      score:
        every:
          id: F1
      findings:
        equals: F1
    next:
      when: findings
      is:
        x: done
      otherwise: done
  done:
    owner: analyst
"""
    got = [(c, line) for c, line, _col, _m in findings(plugins, stages)]
    assert got == [("SOP124", 24), ("SOP124", 27), ("SOP124", 30)]  # every on a number, equals and routing on a list


def test_count_must_be_a_whole_number_and_offsets_apply_to_times(plugins: Plugins) -> None:
    stages = f"""\
  scan:
    owner: analyst
    fields:
{LIST}      score:
        type: number
      limit:
        type: number
    gate:
      findings:
        count:
          at_least: many
      score:
        at_most:
          field: limit
          plus: 1d
"""
    got = [(c, line, m) for c, line, _col, m in findings(plugins, stages)]
    assert [(c, line) for c, line, _ in got] == [("SOP124", 28), ("SOP124", 31)]
    assert "whole number" in got[0][2] and "apply to dates and times" in got[1][2]


def test_item_columns_outside_a_per_item_sub_job_and_column_types(plugins: Plugins) -> None:
    stages = """\
  scan:
    owner: analyst
    fields:
      findings:
        type: list
        columns:
          evidence:
            type: file
      score:
        type: number
        key: id
    sla:
      when: item.severity
      is:
        high: 1d
      otherwise: 2d
"""
    got = [(c, line) for c, line, _col, _m in findings(plugins, stages)]
    assert got == [("SOP121", 15), ("SOP121", 18), ("SOP121", 20)]


def test_every_and_any_check_column_values(plugins: Plugins) -> None:
    stages = f"""\
  scan:
    owner: analyst
    fields:
{LIST}    gate:
      findings:
        any:
          cvss:
            at_least: high
          found_at:
            at_most:
              field: id
"""
    got = [(c, line) for c, line, _col, _m in findings(plugins, stages)]
    assert got == [("SOP124", 25), ("SOP124", 28)]


def test_schema_a_fixed_sub_job_needs_a_suffix_a_per_item_one_does_not(plugins: Plugins) -> None:
    stages = f"""\
  scan:
    owner: analyst
    fields:
{LIST}    split:
      finding:
        for_each: findings
        owner: analyst
        stages:
          patch:
            title: Patch
      fixed:
        owner: analyst
        stages:
          report:
            title: Report
    rejoin: done
  done:
    owner: analyst
"""
    got = [(c, line, m) for c, line, _col, m in findings(plugins, stages)]
    assert [(c, line) for c, line, _ in got] == [("SOP011", 28)] and "suffix" in got[0][2]


def test_schema_plus_and_minus_together_are_refused(plugins: Plugins) -> None:
    stages = """\
  scan:
    owner: analyst
    fields:
      a:
        type: date
      b:
        type: date
    gate:
      a:
        at_least:
          field: b
          plus: 1d
          minus: 1d
"""
    assert "SOP012" in codes(plugins, stages)

"""List fields at run time: items checked, one sub-job per item (added late, cancelled), gates over lists."""

from __future__ import annotations

import pytest

from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.readmodel import rows_from_events
from sopframe.errors import JobError
from sopframe_plugins.store_memory import MemoryStore

SCAN = """\
template: scan
title: Monthly scan
version: 1.0.0
kind: vulnerability
job_id: SCAN-{seq:03}
roles:
  analyst: Runs the scan
  engineer: Fixes findings
stages:
  scan:
    owner: analyst
    fields:
      scanned_at:
        type: date
        required: yes
    next: remediate
  remediate:
    owner: analyst
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
              - critical
              - high
              - low
            required: yes
          cvss:
            type: number
            min: 0
            max: 10
          found_at:
            type: date
            required: yes
    gate:
      findings:
        count:
          at_least: 1
    split:
      finding:
        for_each: findings
        suffix: F
        title: Remediate
        owner: engineer
        stages:
          patch:
            fields:
              fixed_on:
                type: date
                required: yes
            gate:
              fixed_on:
                at_most:
                  field: item.found_at
                  plus: 30d
            sla:
              from: item.found_at
              when: item.severity
              is:
                critical: 7d
                high: 30d
              otherwise: 90d
    rejoin: report
  report:
    owner: analyst
    gate:
      findings:
        every:
          severity:
            in:
              - critical
              - high
              - low
"""

ROLES = {"analyst": ["ann"], "engineer": ["eve", "ed"]}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock("2026-03-01T09:00:00+00:00")


@pytest.fixture
def engine(clock: FixedClock) -> Engine:
    return Engine(MemoryStore(), roles=ROLES, clock=clock)


def started(engine: Engine) -> str:
    job = engine.start(SCAN, "scan.yaml", actor="ann").job_id
    engine.set_fields(job, {"scanned_at": "2026-03-01"}, actor="ann")
    engine.complete(job, actor="ann")
    return job


def item(key: str, severity: str = "high", found: str = "2026-02-20", **more: str) -> dict[str, str]:
    return {"id": key, "severity": severity, "found_at": found, **more}


def test_one_sub_job_per_item_keyed_by_the_key_column(engine: Engine) -> None:
    job = started(engine)
    state = engine.set_fields(job, {}, add={"findings": [item("F1"), item("F2", "low")]}, actor="ann")
    assert sorted(state.subjobs) == [f"{job}-FF1", f"{job}-FF2"]
    sj = state.subjobs[f"{job}-FF1"]
    assert sj.item == {"id": "F1", "severity": "high", "found_at": "2026-02-20"} and sj.owner == "engineer"
    assert sorted(state.active) == ["remediate", "remediate/finding#F1/patch", "remediate/finding#F2/patch"]
    # the rejoin waits for every item's sub-job
    engine.set_fields(f"{job}-FF1", {"fixed_on": "2026-03-02"}, actor="eve")
    state = engine.complete(f"{job}-FF1", actor="eve")
    assert state.subjobs[f"{job}-FF1"].status == "completed" and "report" not in state.active
    engine.set_fields(f"{job}-FF2", {"fixed_on": "2026-03-03"}, actor="ed")
    state = engine.complete(f"{job}-FF2", actor="ed")
    assert list(state.active) == ["report"]
    assert engine.verify(job) is None


def test_position_keys_without_a_key_column(engine: Engine) -> None:
    text = SCAN.replace("        key: id\n", "")
    job = engine.start(text, "scan.yaml", actor="ann").job_id
    engine.set_fields(job, {"scanned_at": "2026-03-01"}, actor="ann")
    engine.complete(job, actor="ann")
    state = engine.set_fields(job, {}, add={"findings": [item("A"), item("B")]}, actor="ann")
    assert sorted(state.subjobs) == [f"{job}-F1", f"{job}-F2"]
    assert state.subjobs[f"{job}-F2"].item["id"] == "B"


def test_an_item_added_late_starts_its_sub_job_and_the_rejoin_waits(engine: Engine) -> None:
    job = started(engine)
    engine.set_fields(job, {}, add={"findings": [item("F1"), item("F2")]}, actor="ann")
    engine.set_fields(f"{job}-FF1", {"fixed_on": "2026-03-02"}, actor="eve")
    engine.complete(f"{job}-FF1", actor="eve")
    state = engine.set_fields(job, {}, add={"findings": [item("F3", "critical")]}, actor="ann")
    assert state.subjobs[f"{job}-FF3"].status == "open"
    assert [i["id"] for i in state.field_value("remediate", "findings")] == ["F1", "F2", "F3"]
    engine.set_fields(f"{job}-FF2", {"fixed_on": "2026-03-02"}, actor="ed")
    state = engine.complete(f"{job}-FF2", actor="ed")
    assert "report" not in state.active  # F3 still open
    missing = engine.missing(engine.load(job), "remediate")
    assert any(f"{job}-FF3" in m for m in missing)
    engine.set_fields(f"{job}-FF3", {"fixed_on": "2026-03-02"}, actor="ed")
    state = engine.complete(f"{job}-FF3", actor="ed")
    assert list(state.active) == ["report"]


def test_a_started_item_cannot_be_changed_or_removed(engine: Engine) -> None:
    job = started(engine)
    engine.set_fields(job, {}, add={"findings": [item("F1")]}, actor="ann")
    with pytest.raises(JobError, match="F1 has its sub-job") as info:
        engine.set_fields(job, {"findings": [item("F1", "low")]}, actor="ann")
    assert "cancel the sub-job SCAN-001-FF1" in info.value.hint and "--reason" not in info.value.hint
    assert "`sopframe job cancel SCAN-001-FF1 --reason ...`" in info.value.cli_hint
    with pytest.raises(JobError, match="can no longer be changed or removed"):
        engine.set_fields(job, {"findings": "[]"}, actor="ann")


def test_a_cancelled_sub_job_is_not_waited_for_and_stays_in_the_record(engine: Engine) -> None:
    job = started(engine)
    engine.set_fields(job, {}, add={"findings": [item("F1"), item("F2")]}, actor="ann")
    with pytest.raises(JobError, match="reason is required"):
        engine.cancel(f"{job}-FF2", "", actor="ann")
    with pytest.raises(JobError, match="cancel sub-jobs"):
        engine.cancel(f"{job}-FF2", "false positive", actor="eve")  # not the split's owner
    state = engine.cancel(f"{job}-FF2", "false positive: host decommissioned", actor="ann")
    sj = state.subjobs[f"{job}-FF2"]
    assert (sj.status, sj.cancel_reason) == ("cancelled", "false positive: host decommissioned")
    assert "remediate/finding#F2/patch" not in state.active and state.status == "open"
    with pytest.raises(JobError, match="sub-job is cancelled"):
        engine.set_fields(f"{job}-FF2", {"fixed_on": "2026-03-02"}, actor="ed")
    engine.set_fields(f"{job}-FF1", {"fixed_on": "2026-03-02"}, actor="eve")
    state = engine.complete(f"{job}-FF1", actor="eve")
    assert list(state.active) == ["report"]
    assert [e.type for e in engine.history(job)].count("subjob.cancelled") == 1
    assert engine.verify(job) is None


def test_cancelling_the_last_open_item_releases_the_rejoin(engine: Engine) -> None:
    job = started(engine)
    engine.set_fields(job, {}, add={"findings": [item("F1")]}, actor="ann")
    state = engine.cancel(f"{job}-FF1", "duplicate of an earlier scan's finding", actor="ann")
    assert list(state.active) == ["report"]


def test_a_cancelled_sub_jobs_stage_visit_ends_with_it(engine: Engine) -> None:
    # the bottleneck report reads visits: one left open would show a cancelled finding as waiting for ever
    job = started(engine)
    engine.set_fields(job, {}, add={"findings": [item("F1"), item("F2")]}, actor="ann")
    state = engine.cancel(f"{job}-FF2", "false positive", actor="ann")
    by_node = {v.node: v for v in state.visits}
    cancelled, other = by_node["remediate/finding#F2/patch"], by_node["remediate/finding#F1/patch"]
    assert (cancelled.outcome, cancelled.closed_by) == ("cancelled", None) and cancelled.closed_at
    assert other.outcome == "open" and by_node["remediate"].outcome == "open"
    rows = rows_from_events(engine.history(job), engine.store.template)
    assert {v.node: v.outcome for v in rows.visits}["remediate/finding#F2/patch"] == "cancelled"


def test_a_fixed_sub_job_cannot_be_cancelled_alone(engine: Engine) -> None:
    from .conftest import ROLES as LIFE_ROLES, lifecycle_text, walk_to

    engine.roles = LIFE_ROLES
    job = engine.start(lifecycle_text(), "sop-lifecycle.yaml", actor="mike").job_id
    walk_to(engine, job, "components")
    with pytest.raises(JobError, match="fixed sub-job"):
        engine.cancel(f"{job}-A", "not needed", actor="mike")


def test_each_item_is_checked_and_named_in_the_error(engine: Engine) -> None:
    job = started(engine)
    with pytest.raises(JobError) as info:
        engine.set_fields(job, {}, add={"findings": [item("F1"), item("F2", cvss="eleven")]}, actor="ann")
    err = info.value
    assert "item 2 (F2): column 'cvss': expected a number" in str(err)
    assert (err.job, err.stage, err.field) == (job, "remediate", "findings")
    with pytest.raises(JobError, match="item 1 \\(F9\\): column 'severity'"):
        engine.set_fields(job, {}, add={"findings": [item("F9", "urgent")]}, actor="ann")
    with pytest.raises(JobError, match="unknown column 'colour'"):
        engine.set_fields(job, {}, add={"findings": [item("F1", colour="red")]}, actor="ann")
    with pytest.raises(JobError, match="used by an earlier item"):
        engine.set_fields(job, {}, add={"findings": [item("F1"), item("F1")]}, actor="ann")
    with pytest.raises(JobError, match="column 'found_at' is required"):
        engine.set_fields(job, {}, add={"findings": [{"id": "F1", "severity": "high"}]}, actor="ann")
    with pytest.raises(JobError, match="key 'a/b' must be"):
        engine.set_fields(job, {}, add={"findings": [item("a/b")]}, actor="ann")
    assert engine.state(job).subjobs == {}  # nothing was written


def test_count_gate_and_item_gate_across_columns(engine: Engine) -> None:
    job = started(engine)
    missing = engine.missing(engine.load(job), "remediate")
    assert "gate: the number of items of 'findings' must be at least 1, but is 0" in missing
    engine.set_fields(job, {}, add={"findings": [item("F1", found="2026-01-10")]}, actor="ann")
    engine.set_fields(f"{job}-FF1", {"fixed_on": "2026-03-01"}, actor="eve")
    with pytest.raises(JobError, match="fixed_on' must be at most item.found_at \\+ 30d"):
        engine.complete(f"{job}-FF1", actor="eve")
    engine.set_fields(f"{job}-FF1", {"fixed_on": "2026-02-09"}, actor="eve")
    assert engine.complete(f"{job}-FF1", actor="eve").subjobs[f"{job}-FF1"].status == "completed"


def test_rebuilt_read_models_equal_the_incremental_ones(engine: Engine, clock: FixedClock) -> None:
    job = started(engine)
    engine.set_fields(job, {}, add={"findings": [item("F1"), item("F2", "critical")]}, actor="ann")
    clock.advance(days=20)
    engine.tick(actor="ann")
    store = engine.store
    rebuilt = rows_from_events(store.read(job), store.template)
    assert rebuilt.summary == store.summary(job)
    assert [o.due for o in rebuilt.summary.open_stages if "F2" in o.node] == ["2026-02-27T00:00:00.000000Z"]


def test_dates_moved_past_the_year_9999_are_refused_by_the_gates_not_crashed_on(engine: Engine) -> None:
    text = SCAN.replace("""          found_at:
            type: date
            required: yes
""", """          found_at:
            type: date
            required: yes
          reported_on:
            type: date
""", 1).replace("""        every:
          severity:
            in:
              - critical
              - high
              - low
""", """        every:
          reported_on:
            at_most:
              field: item.found_at
              plus: 1d
""", 1)
    assert "reported_on:\n            at_most" in text
    job = engine.start(text, "scan.yaml", actor="ann").job_id
    engine.set_fields(job, {"scanned_at": "2026-03-01"}, actor="ann")
    engine.complete(job, actor="ann")
    engine.set_fields(job, {}, add={"findings": [item("F1", found="9999-12-31", reported_on="9999-12-31")]},
                      actor="ann")
    sub = f"{job}-FF1"
    assert engine.store.summary(job).open_stages[1].due is None  # its SLA would run out in the year 10000
    engine.set_fields(sub, {"fixed_on": "9999-12-31"}, actor="eve")
    with pytest.raises(JobError, match=r"fixed_on' must be at most item.found_at \+ 30d, which cannot be worked out"):
        engine.complete(sub, actor="eve")
    state = engine.cancel(sub, "found in the year 9999: a typing slip", actor="ann")
    assert list(state.active) == ["report"]
    with pytest.raises(JobError, match=r"reported_on must be at most item.found_at \+ 1d, which cannot be worked out"):
        engine.complete(job, actor="ann")


def test_items_that_are_not_objects_are_named_not_crashed_on(engine: Engine) -> None:
    job = started(engine)
    for bad in (1, None, [], "F1"):
        with pytest.raises(JobError) as info:
            engine.set_fields(job, {"findings": [item("F1"), bad]}, actor="ann")
        err = info.value
        assert "item 2: expected an object with the columns id, severity, cvss, found_at" in str(err), bad
        assert (err.job, err.stage, err.field, err.kind) == (job, "remediate", "findings", "invalid")
    with pytest.raises(JobError, match="item 1: expected an object"):
        engine.set_fields(job, {"findings": "[1]"}, actor="ann")
    assert engine.state(job).subjobs == {}


def test_a_column_given_twice_is_refused_not_overwritten(engine: Engine) -> None:
    from sopframe.core.listvalues import items_from_csv, items_from_json, parse_item

    job = started(engine)
    given = {
        "COLUMN=VALUE": [parse_item("id=F1,severity=high,found_at=2026-02-20,severity=low")],
        "CSV header": items_from_csv("id,severity,found_at,severity\nF1,high,2026-02-20,low\n"),
        "JSON object": items_from_json('[{"id": "F1", "severity": "high", "found_at": "2026-02-20",'
                                       ' "severity": "low"}]'),
        "JSON text": '[{"id": "F1", "severity": "high", "found_at": "2026-02-20", "severity": "low"}]',
    }
    for how, items in given.items():
        with pytest.raises(JobError) as info:
            if isinstance(items, str):
                engine.set_fields(job, {"findings": items}, actor="ann")
            else:
                engine.set_fields(job, {}, add={"findings": items}, actor="ann")
        err = info.value
        assert "item 1 (F1): column 'severity' is given more than once" in str(err), how
        assert (err.job, err.stage, err.field) == (job, "remediate", "findings")
    with pytest.raises(JobError, match="item 1: column 'id' is given more than once"):  # which key is unsure
        engine.set_fields(job, {}, add={"findings": [parse_item("id=a,severity=high,found_at=2026-02-20,id=b")]},
                          actor="ann")
    # a CSV header naming a column twice is refused even where a row leaves one of the cells empty
    with pytest.raises(JobError, match="column 'cvss' is given more than once"):
        engine.set_fields(job, {}, add={"findings": items_from_csv(
            "id,severity,found_at,cvss,cvss\nF1,high,2026-02-20,7.5,\n")}, actor="ann")
    assert engine.state(job).subjobs == {}


def test_a_date_column_takes_today_as_a_date_field_does(engine: Engine) -> None:
    job = started(engine)
    state = engine.set_fields(job, {}, add={"findings": [item("F1", found="Today")]}, actor="ann")
    (stored,) = state.field_value("remediate", "findings")
    assert stored["found_at"] == "2026-03-01"  # the clock's date


@pytest.mark.parametrize("column, raw, kind", [("cvss", True, "a boolean"), ("id", 7, "a number"),
                                               ("found_at", None, "")])
def test_an_item_value_of_a_kind_its_column_does_not_take_is_refused(engine: Engine, column: str, raw: object,
                                                                      kind: str) -> None:
    job = started(engine)
    bad = {**item("F1"), column: raw}
    if raw is None:  # no value: a required column is missing, said as such
        with pytest.raises(JobError, match="column 'found_at' is required"):
            engine.set_fields(job, {}, add={"findings": [bad]}, actor="ann")
        return
    with pytest.raises(JobError, match=f"column '{column}': expected .*, got {kind}") as e:
        engine.set_fields(job, {}, add={"findings": [bad]}, actor="ann")
    assert e.value.field == "findings"
    assert engine.load(job).state.field_value("remediate", "findings") is None

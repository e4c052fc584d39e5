"""The bottleneck report's figures, exactly, on the constructed history of conftest.py (worked out by hand)."""

from __future__ import annotations

import csv
import io
import json

from sopframe.reports.bottlenecks import NOBODY, Spread, spread
from sopframe.reports.render import CSV_COLUMNS, csv_cell, to_csv, to_data, to_text
from sopframe.services.reports import bottleneck_report
from sopframe_plugins.store_memory import MemoryStore

from .conftest import NOW, H, T0


def by_name(groups):  # type: ignore[no-untyped-def]
    return {g.name: g.measures for g in groups}


def test_stage_measures(flow_store: MemoryStore) -> None:
    r = bottleneck_report(flow_store, NOW)
    assert (r.visits, r.jobs, r.window_start) == (7, 3, "2026-03-02T09:00:00.000000Z")
    assert r.weeks == 8 / 7
    assert [g.name for g in r.stages] == ["intake", "review", "close"]  # by the job-time each held
    intake, review, close = (by_name(r.stages)[n] for n in ("intake", "review", "close"))
    # intake: queue 2h (FLOW-001) and 96h (FLOW-002); work 3h and 0; two visits open (47h and 190h)
    assert intake.visits == 4
    assert intake.queue == Spread(2, 49 * H, 96 * H, 96 * H)
    assert intake.work == Spread(2, 1.5 * H, 3 * H, 3 * H)
    assert (intake.sla_decided, intake.sla_breached, intake.breach_rate, intake.sla_seconds) == (4, 3, 0.75, 24 * H)
    assert (intake.ended, intake.rejected, intake.rework_rate) == (2, 0, 0.0)
    assert intake.wip == 2 and intake.wip_age == Spread(2, 118.5 * H, 190 * H, 190 * H)
    assert intake.completed == 2 and intake.per_week == 2 / (8 / 7)
    assert intake.held_seconds == (5 + 96 + 47 + 190) * H
    # review: queue 24h and 48h; work 2h; one of two visits sent back; within its SLA both times
    assert review.queue == Spread(2, 36 * H, 48 * H, 48 * H) and review.work == Spread(1, 2 * H, 2 * H, 2 * H)
    assert (review.sla_decided, review.sla_breached, review.breach_rate, review.sla_seconds) == (2, 0, 0.0, 72 * H)
    assert (review.ended, review.rejected, review.rework_rate, review.wip) == (2, 1, 0.5, 0)
    assert review.held_seconds == (26 + 48) * H
    # close: completed an hour after it was entered, no SLA
    assert close.queue == Spread(1, H, H, H) and close.work == Spread(1, 0.0, 0.0, 0.0)
    assert (close.sla_decided, close.breach_rate, close.completed) == (0, None, 1)


def test_roles_people_weeks_and_wip_ageing(flow_store: MemoryStore) -> None:
    r = bottleneck_report(flow_store, NOW)
    roles = by_name(r.roles)
    assert roles["clerk"].visits == 5 and roles["clerk"].queue == Spread(3, 2 * H, 96 * H, 96 * H)
    assert roles["clerk"].work == Spread(3, 0.0, 3 * H, 3 * H)
    assert roles["reviewer"].visits == 2 and roles["reviewer"].rejected == 1
    people = by_name(r.people)
    assert {n: m.visits for n, m in people.items()} == {"cara": 3, "rita": 1, "rob": 1, NOBODY: 2}
    assert people["rob"].rework_rate == 1.0 and people[NOBODY].wip == 2 and people[NOBODY].breach_rate == 1.0
    assert r.weekly == (("2026-03-02", 4), ("2026-03-09", 0))
    assert r.wip_ages == (("under 1 day", 0), ("1-3 days", 1), ("3-7 days", 0), ("1-2 weeks", 1),
                          ("2-4 weeks", 0), ("4 weeks or more", 0))


def test_the_top_bottlenecks_in_a_sentence_each(flow_store: MemoryStore) -> None:
    r = bottleneck_report(flow_store, NOW, top=2)
    assert [b.sentence for b in r.bottlenecks] == [
        "`intake` holds jobs a median 2.0 days before anyone acts, then work takes a median 1.5 hours; "
        "75% breach its 1-day SLA; 2 jobs wait there now, the oldest for 7.9 days.",
        "`review` holds jobs a median 1.5 days before anyone acts, then work takes a median 2.0 hours; "
        "0% breach its 3-day SLA; 1 of 2 visits were sent back for rework.",
    ]


def test_since_keeps_the_visits_open_or_ended_in_the_window(flow_store: MemoryStore) -> None:
    since = "2026-03-06T13:00:00.000000Z"  # t0 + 100h
    r = bottleneck_report(flow_store, NOW, since=since)
    assert (r.visits, r.jobs, r.window_start) == (3, 2, since)
    assert r.weeks == 1.0  # under a week: counted as one
    stages = by_name(r.stages)
    assert stages["intake"].visits == 2 and stages["intake"].wip == 2 and stages["intake"].completed == 0
    assert stages["review"].rejected == 1 and stages["review"].completed == 0
    assert r.weekly == (("2026-03-02", 0), ("2026-03-09", 0))
    assert bottleneck_report(flow_store, NOW, template="other").visits == 0
    day = bottleneck_report(flow_store, NOW, since="2026-03-09")  # a date is midnight UTC
    assert day.window_start == "2026-03-09T00:00:00.000000Z" and day.visits == 2


def test_percentiles() -> None:
    assert spread([]) == Spread(0, None, None, None)
    assert spread([5.0]) == Spread(1, 5.0, 5.0, 5.0)
    assert spread([float(i) for i in range(1, 11)]) == Spread(10, 5.5, 9.0, 10.0)  # rank ceil(9) = 9
    assert spread([float(i) for i in range(1, 12)]) == Spread(11, 6.0, 10.0, 11.0)  # rank ceil(9.9) = 10


def test_text_json_and_csv_outputs(flow_store: MemoryStore) -> None:
    r = bottleneck_report(flow_store, NOW)
    text = to_text(r)
    assert text.splitlines()[0] == ("Bottleneck report (every template): 7 stage visits of 3 jobs over 1.1 weeks, "
                                    "to 2026-03-10T09:00:00.000000Z")
    assert "  intake  clerk          4     2.0d/4.0d/4.0d    1.5h/3.0h/3.0h    75% of 4   0 (0%)    2    7.9d" \
           "        1.8" in text.splitlines()
    assert text.splitlines()[-1] == "Completed stage visits per week (week from Monday): 2026-03-02 4, 2026-03-09 0"
    data = json.loads(json.dumps(to_data(r)))
    assert data["stages"][0]["name"] == "intake" and data["stages"][0]["measures"]["queue"]["median"] == 49 * H
    assert data["bottlenecks"][1]["stage"] == "review"
    rows = list(csv.DictReader(io.StringIO(to_csv(r))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(x["scope"], x["name"]) for x in rows] == [
        ("stage", "intake"), ("stage", "review"), ("stage", "close"), ("role", "clerk"), ("role", "reviewer"),
        ("person", NOBODY), ("person", "cara"), ("person", "rob"), ("person", "rita")]
    review = rows[1]
    assert (review["queue_median_s"], review["queue_p90_s"], review["work_max_s"], review["sla_s"]) == \
        ("129600.0", "172800.0", "7200.0", "259200.0")
    assert (review["breach_rate"], review["rejected"], review["rework_rate"], review["wip_age_max_s"]) == \
        ("0.0", "1", "0.5", "")


def test_csv_cells_cannot_become_formulas_and_text_is_escaped() -> None:
    assert [csv_cell(v) for v in ("=1+2", "+1", "-1", "@SUM(A1)", "\tx", "plain", "a=b")] == \
        ["'=1+2", "'+1", "'-1", "'@SUM(A1)", "\\tx", "plain", "a=b"]  # a tab is written as \\t
    assert csv_cell("line\nbreak\x1b[2J") == "line\\nbreak\\x1b[2J"
    assert csv_cell(None) == "" and csv_cell(3) == 3 and csv_cell(1 / 3) == 0.333


def test_a_person_named_like_a_formula_is_quoted_in_the_csv() -> None:
    from sopframe.core.engine import Engine
    from sopframe.core.engine.clock import FixedClock

    from .conftest import FLOW

    store = MemoryStore()
    clock = FixedClock(T0)
    engine = Engine(store, roles={"clerk": ["=HYPERLINK(x)"], "reviewer": ["rita"]}, clock=clock)
    engine.start(FLOW, "flow.yaml", actor="=HYPERLINK(x)")
    engine.set_fields("FLOW-001", {"summary": "s"}, actor="=HYPERLINK(x)")
    engine.complete("FLOW-001", actor="=HYPERLINK(x)")
    rows = list(csv.reader(io.StringIO(to_csv(bottleneck_report(store, NOW)))))
    assert "'=hyperlink(x)" in [r[2] for r in rows if r[0] == "person"]  # she completed intake
    assert not any(cell.startswith("=") for r in rows for cell in r)


def test_a_stage_nobody_has_acted_on_is_named_so() -> None:
    from sopframe.core.engine import Engine
    from sopframe.core.engine.clock import FixedClock

    from .conftest import FLOW, ROLES

    store = MemoryStore()
    engine = Engine(store, roles=ROLES, clock=FixedClock(T0))
    for _ in range(2):
        engine.start(FLOW, "flow.yaml", actor="cara")
    [b] = bottleneck_report(store, NOW).bottlenecks
    assert b.sentence == ("Nobody has acted on `intake` yet; 100% breach its 1-day SLA; 2 jobs wait there now, "
                          "the oldest for 8.0 days.")


def test_spans_under_a_minute_are_in_seconds_and_counts_agree_with_their_words() -> None:
    from sopframe.reports.bottlenecks import human_span
    from sopframe.reports.render import plural

    # a quick step (or the demo) must not read as "0 minutes" for bars of different lengths
    assert [human_span(s, short=True) for s in (0.2, 12.4, 59.4, 61, 3 * H)] == ["<1s", "12s", "59s", "1m", "3.0h"]
    assert [human_span(s) for s in (0.2, 1, 40, 60)] == ["under a second", "1 second", "40 seconds", "1 minute"]
    assert [plural(1, "job"), plural(2, "job"), plural(1.0, "week"), plural(2.46, "week")] == \
        ["1 job", "2 jobs", "1.0 weeks", "2.5 weeks"]


def test_a_backticked_name_in_a_sentence_becomes_code_and_stays_text() -> None:
    from sopframe.reports.html import ticked

    assert str(ticked("`<b>x</b>` holds jobs")) == "<code>&lt;b&gt;x&lt;/b&gt;</code> holds jobs"
    assert str(ticked("an unpaired ` <i>")) == "an unpaired ` &lt;i&gt;"


def test_the_page_says_when_nothing_is_in_progress_and_names_a_single_week_once(flow_store: MemoryStore) -> None:
    from dataclasses import replace

    from sopframe.reports.html import render_html

    report = bottleneck_report(flow_store, NOW)
    idle = replace(report, wip_ages=tuple((band, 0) for band, _ in report.wip_ages), weekly=report.weekly[:1])
    page = render_html(idle)
    assert 'id="no-wip"' in page and 'id="chart-wip"' not in page
    assert page.count(f">week of {report.weekly[0][0]}</text>") == 1
    assert 'id="no-wip"' not in render_html(report) and 'id="chart-wip"' in render_html(report)

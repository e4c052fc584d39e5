"""The HTML report in a real headless Chromium: the charts are drawn to scale, and the page fetches nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from browsersupport import chromium_page
from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.reports.html import COL_PLOT_H, PLOT_W, render_html
from sopframe.services.reports import bottleneck_report
from sopframe_plugins.store_memory import MemoryStore

from .conftest import FLOW, NOW, T0, H, build

pytest.importorskip("jinja2")

#: a person whose name is markup that would fetch from elsewhere if it were not escaped
LURE = "<img src=http://198.51.100.7/x.png>"


def _page(directory: Path, store: MemoryStore) -> Path:
    path = directory / "report.html"
    path.write_text(render_html(bottleneck_report(store, NOW)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def flow_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = MemoryStore()
    build(store)
    return _page(tmp_path_factory.mktemp("flow"), store)


@pytest.fixture(scope="module")
def lure_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = MemoryStore()
    engine = Engine(store, roles={"clerk": [LURE], "reviewer": ["rita"]}, clock=FixedClock(T0))
    job = engine.start(FLOW, "flow.yaml", actor=LURE).job_id
    engine.set_fields(job, {"summary": "s"}, actor=LURE)
    engine.complete(job, actor=LURE)
    return _page(tmp_path_factory.mktemp("lure"), store)


def _bars(page: Any, selector: str) -> list[tuple[Any, float, dict[str, float] | None]]:
    """(element, its data-value, its bounding box as laid out) of every bar matching ``selector``."""
    return [(el, float(el.get_attribute("data-value")), el.bounding_box()) for el in page.locator(selector).all()]


def test_the_charts_are_drawn_to_scale_in_chromium(flow_page: Path) -> None:
    with chromium_page(viewport={"width": 1400, "height": 1000}) as page:
        page.goto(flow_page.as_uri())
        assert page.title() == "Bottleneck report"
        # time per stage: (queue, work) medians intake 49h + 1.5h, review 36h + 2h, close 1h + 0
        stages = {(el.get_attribute("data-stage"), el.get_attribute("class")): (v, box)
                  for el, v, box in _bars(page, "#chart-stages rect")}
        assert {k: v for k, (v, _box) in stages.items()} == {
            ("intake", "bar queue"): 49 * H, ("intake", "bar work"): 1.5 * H, ("review", "bar queue"): 36 * H,
            ("review", "bar work"): 2 * H, ("close", "bar queue"): 1 * H, ("close", "bar work"): 0.0}
        drawn = [(v, box) for v, box in stages.values() if v > 0]
        assert all(box is not None and box["width"] > 0 and box["height"] > 0 for _, box in drawn)
        per_second = [box["width"] / v for v, box in drawn]  # type: ignore[index]
        assert max(per_second) == pytest.approx(min(per_second), rel=0.01)  # every bar to one scale
        intake = stages[("intake", "bar queue")][1], stages[("intake", "bar work")][1]
        assert intake[0] is not None and intake[1] is not None
        assert intake[0]["width"] + intake[1]["width"] == pytest.approx(PLOT_W, rel=0.01)  # the longest fills it
        assert intake[1]["x"] == pytest.approx(intake[0]["x"] + intake[0]["width"], abs=0.5)  # work follows queue
        zero = stages[("close", "bar work")][1]
        assert zero is None or zero["width"] == 0
        # WIP ageing: one open visit of 1-3 days, one of 1-2 weeks
        wip = {el.get_attribute("data-band"): (v, box) for el, v, box in _bars(page, "#chart-wip rect")}
        assert {band: v for band, (v, _box) in wip.items()} == {
            "under 1 day": 0, "1-3 days": 1, "3-7 days": 0, "1-2 weeks": 1, "2-4 weeks": 0, "4 weeks or more": 0}
        one, other = wip["1-3 days"][1], wip["1-2 weeks"][1]
        assert one is not None and other is not None  # the tallest (count 1) fill the plot's height
        assert one["height"] == pytest.approx(COL_PLOT_H, rel=0.01) and other["height"] == pytest.approx(one["height"])
        assert all(box is None or box["height"] == 0 for v, box in wip.values() if v == 0)
        # weekly throughput: 4 completed the first week, none the second
        weeks = _bars(page, "#chart-weeks rect")
        assert [v for _el, v, _box in weeks] == [4.0, 0.0]
        assert weeks[0][2] is not None and weeks[0][2]["height"] == pytest.approx(COL_PLOT_H, rel=0.01)
        assert weeks[1][2] is None or weeks[1][2]["height"] == 0


def _open_offline(page: Any, path: Path) -> list[str]:
    """Load the page and wait until the network is idle; every URL the page requested."""
    requested: list[str] = []
    page.on("request", lambda req: requested.append(req.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("networkidle")
    return requested


def test_the_page_is_accessible_and_fetches_nothing(flow_page: Path) -> None:
    with chromium_page() as page:
        assert _open_offline(page, flow_page) == [flow_page.as_uri()]  # the page itself, nothing else
        for name in ("Median queue and work time per stage", "Open stage visits by how long they have been open",
                     "Stage visits completed per week"):
            assert page.get_by_role("img", name=name).count() == 1
        captions = page.locator("table caption").all_inner_texts()
        assert captions[0] == "Per stage (times as median, p90 and max)" and len(captions) == 4
        assert page.locator("table#table-stages thead th[scope=col]").count() == 14
        assert page.locator("table#table-stages tbody th[scope=row]").all_inner_texts() == \
            ["intake", "review", "close"]
        assert page.locator("#bottlenecks li").all_inner_texts()[0].startswith(
            "intake holds jobs a median 2.0 days before anyone acts")
        assert page.locator("#bottlenecks li code").all_inner_texts()[0] == "intake"  # a name, not backticks


def test_markup_in_a_name_is_shown_as_text_and_fetches_nothing(lure_page: Path) -> None:
    with chromium_page() as page:
        assert _open_offline(page, lure_page) == [lure_page.as_uri()]
        assert LURE.lower() in page.locator("table#table-people tbody th[scope=row]").all_inner_texts()
        assert page.locator("img").count() == 0
    html = lure_page.read_text("utf-8")
    assert "<img" not in html and "&lt;img src=http://198.51.100.7/x.png&gt;" in html

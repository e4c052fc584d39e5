"""Hooks run through pluggy, in pluggy's documented order, each plugin isolated and reported once."""

from __future__ import annotations

from pathlib import Path

import pluggy
import pytest

from plugin_helpers import run_sopframe, valid_template, write_dist
from sopframe import Rule, Severity, hookimpl
from sopframe.pluginmanager import load_plugins


def _rules_of(name: str, **opts: bool) -> object:
    class Plugin:
        @hookimpl(**opts)
        def sopframe_rules(self):
            return [Rule(f"{name.upper()}101", f"{name}-rule", Severity.INFO, "A rule.")]

    return Plugin()


def _order(plugins) -> list[str]:
    return [r.plugin for r in plugins.rules() if r.plugin != "core"]


def test_plain_implementations_run_last_registered_first() -> None:
    plugins = load_plugins(entry_points=lambda: [], extra=[(n, _rules_of(n)) for n in ("aaa", "bbb", "ccc")])
    assert _order(plugins) == ["ccc", "bbb", "aaa"]


def test_tryfirst_and_trylast_are_honoured() -> None:
    extra = [("aaa", _rules_of("aaa", tryfirst=True)), ("bbb", _rules_of("bbb")),
             ("ccc", _rules_of("ccc", trylast=True)), ("ddd", _rules_of("ddd"))]
    assert _order(load_plugins(entry_points=lambda: [], extra=extra)) == ["aaa", "ddd", "bbb", "ccc"]


def test_new_style_and_old_style_wrappers_wrap_the_calls() -> None:
    seen: list[str] = []

    class Filter:  # a new-style wrapper: drops every rule whose code starts with DROP
        @hookimpl(wrapper=True)
        def sopframe_rules(self):
            result = yield
            return [[r for r in rules if not r.code.startswith("DROP")] for rules in result]

    class Watcher:  # an old-style hookwrapper: sees each result
        @hookimpl(hookwrapper=True)
        def sopframe_rules(self):
            outcome = yield
            seen.extend(r.code for rules in outcome.get_result() for r in rules)

    extra = [("keep", _rules_of("keep")), ("drop", _rules_of("drop")), ("filter", Filter()),
             ("watcher", Watcher())]
    plugins = load_plugins(entry_points=lambda: [], extra=extra)
    assert _order(plugins) == ["keep"]
    assert "DROP101" not in seen and "KEEP101" in seen  # the watcher ran inside the filter
    assert plugins.problems == []


def test_a_failing_implementation_is_reported_once_and_the_others_still_answer() -> None:
    class Broken:
        @hookimpl(tryfirst=True)
        def sopframe_frameworks(self):
            raise RuntimeError("catalogue missing")

    plugins = load_plugins(entry_points=lambda: [], extra=[("broken", Broken()), ("aaa", _rules_of("aaa"))])
    for _ in range(3):  # every caller asks again; the hook ran once
        assert plugins.frameworks() == []
    assert [(p.code, p.plugin) for p in plugins.problems] == [("SOP900", "broken")]
    assert "raised in sopframe_frameworks: RuntimeError: catalogue missing" in plugins.problems[0].message


def test_store_is_firstresult_in_pluggys_order() -> None:
    calls: list[str] = []

    def store(name: str, answer: object, **opts: bool) -> object:
        class Store:
            @hookimpl(**opts)
            def sopframe_store(self, url):
                calls.append(name)
                return answer

        return Store()

    extra = [("late", store("late", "late-store", trylast=True)), ("first", store("first", None, tryfirst=True)),
             ("plain", store("plain", "plain-store")), ("never", store("never", "never-store", trylast=True))]
    plugins = load_plugins(entry_points=lambda: [], extra=extra)
    assert plugins.store("x://") == "plain-store"
    assert calls == ["first", "plain"]  # asked in order until one answers


def test_store_bug_is_a_plugin_error_naming_the_plugin() -> None:
    from sopframe.errors import PluginError

    class Buggy:
        @hookimpl
        def sopframe_store(self, url):
            raise KeyError("oops")

    plugins = load_plugins(entry_points=lambda: [], extra=[("buggy", Buggy())])
    with pytest.raises(PluginError, match="buggy"):
        plugins.store("x://")


def test_pluggy_is_what_calls_the_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The wrapper goes through pluggy's hook callers, not around them."""
    calls: list[str] = []
    real = pluggy.PluginManager.subset_hook_caller

    def counting(self, name, remove_plugins):
        calls.append(name)
        return real(self, name, remove_plugins)

    monkeypatch.setattr(pluggy.PluginManager, "subset_hook_caller", counting)
    load_plugins(entry_points=lambda: [], extra=[("aaa", _rules_of("aaa"))]).rules()
    assert "sopframe_rules" in calls


BROKEN_FRAMEWORKS = '''
from sopframe import hookimpl

@hookimpl
def sopframe_frameworks():
    raise RuntimeError("no catalogue")
'''


def test_a_broken_frameworks_plugin_is_reported_once_by_validate(tmp_path: Path) -> None:
    """Regression: its SOP900 was printed twice and the run ended "2 errors in 1 file"."""
    site, work = tmp_path / "site", tmp_path / "work"
    write_dist(site, "acme-fw", {"fw": "fw_plugin"}, {"fw_plugin": BROKEN_FRAMEWORKS})
    valid_template(work / "plain.yaml")
    for _ in range(2):  # cold, then answered from the result cache
        r = run_sopframe(["validate", "--framework", "iso27001", "--select", "SOP9", "plain.yaml"], site=site, cwd=work)
        assert r.returncode == 1, r.stderr
        assert r.stdout.count("error SOP900") == 1 and "1 error in 1 file" in r.stdout, r.stdout


def test_checks_receive_the_run_context_and_one_argument_checks_still_work() -> None:
    from sopframe import CheckContext
    from sopframe.core.validate import validate_text
    from sopframe.testing import TemplateBuilder

    seen: list[object] = []

    def with_context(tg, ctx):
        seen.append(ctx)
        yield NEW.finding(f"frameworks {ctx.active_frameworks(tg.template)}", at=tg.template.loc)

    def legacy(tg):
        yield OLD.finding("the old form", at=tg.template.loc)

    NEW = Rule("CTX101", "with-context", Severity.INFO, "Context.", check=with_context)
    OLD = Rule("CTX102", "legacy", Severity.INFO, "Legacy.", check=legacy)

    class Plugin:
        @hookimpl
        def sopframe_rules(self):
            return [NEW, OLD]

    plugins = load_plugins(entry_points=lambda: [], extra=[("ctx", Plugin())])
    text = TemplateBuilder("t").role("r", "R").stage("s", owner="r").field("x").stage("e", owner="r").to_yaml()
    context = CheckContext.of(["soc2"], {"scan-every": "1 month"})
    found = validate_text(text, "t.yaml", plugins=plugins, context=context).findings
    messages = {f.code: f.message for f in found if f.code.startswith("CTX")}
    assert messages == {"CTX101": "frameworks ('soc2',)", "CTX102": "the old form"}
    assert seen == [context] and seen[0].policy["scan-every"] == "1 month"

"""One plugin's failure is reported with its name and never stops the others (in-process)."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest

from plugin_helpers import GOOD, entry_points_in, marker_module, site, write_dist  # noqa: F401 (fixture)
from sopframe import PluginError, Rule, Severity, hookimpl
from sopframe.pluginmanager import clear_discovery_cache, hook_names, load_plugins
from sopframe.testing import TemplateBuilder, codes, validate

ROOT = Path(__file__).resolve().parents[2]


def _template() -> TemplateBuilder:
    return (TemplateBuilder("t").role("requester", "Raises it")
            .stage("request", owner="requester").field("summary", required=True)
            .stage("done", owner="requester"))


def _load(site: Path, **kw):
    return load_plugins(entry_points=lambda: entry_points_in(site), **kw)


def test_plugin_that_fails_to_import_is_reported_and_others_still_run(site: Path) -> None:
    write_dist(site, "acme-mixed", {"broken": "broken_plugin", "good": "good_plugin"},
               {"broken_plugin": "import module_that_does_not_exist_anywhere\n", "good_plugin": GOOD})
    plugins = _load(site)
    findings = validate(_template(), plugins=plugins)
    assert codes(findings) == ["SOP900", "GOOD101"]
    problem = findings[0]
    assert problem.plugin == "broken" and problem.severity is Severity.ERROR
    assert "'broken' failed to load" in problem.message and "ModuleNotFoundError" in problem.message
    assert "--disable-plugin broken" in problem.hint
    info = {i.name: i for i in plugins.infos}["broken"]
    assert (info.status, info.distribution, info.version) == ("failed", "acme-mixed", "1.2.3")


def test_rule_that_raises_becomes_sop901_and_the_other_rules_still_run() -> None:
    def boom(tg):
        raise KeyError("stages")

    def fine(tg):
        yield OK.finding("fine ran", at=tg.template.loc)

    OK = Rule("CRASH102", "fine", Severity.WARNING, "Works.", check=fine)

    class Crashy:
        @hookimpl
        def sopframe_rules(self):
            return [Rule("CRASH101", "boom", Severity.ERROR, "Raises.", check=boom), OK]

    broken_template = _template().stage("extra", owner="requester", next="nowhere")
    findings = validate(broken_template, plugins=[("crashy", Crashy())])
    crashed = [f for f in findings if f.code == "SOP901"]
    assert len(crashed) == 1
    assert crashed[0].plugin == "crashy"
    assert "CRASH101" in crashed[0].message and "'crashy'" in crashed[0].message and "KeyError" in crashed[0].message
    assert "CRASH102" in codes(findings)      # the plugin's other rule
    assert "SOP109" in codes(findings)        # core rules still ran (undefined stage 'nowhere')


def test_misspelled_hookimpl_fails_at_load_naming_plugin_and_hook() -> None:
    class Typo:
        @hookimpl
        def sopframe_rulez(self):
            return []

    plugins = load_plugins(entry_points=lambda: [], extra=[("typo", Typo())])
    info = {i.name: i for i in plugins.infos}["typo"]
    assert info.status == "failed"
    assert "unknown hook 'sopframe_rulez'" in (info.error or "")
    assert "did you mean 'sopframe_rules'" in (info.error or "")
    [problem] = plugins.problems
    assert problem.code == "SOP900" and problem.plugin == "typo" and "'typo'" in problem.message
    with pytest.raises(PluginError, match=r"plugin 'typo': failed to load: unknown hook 'sopframe_rulez'"):
        load_plugins(entry_points=lambda: [], extra=[("typo", Typo())], strict=True)


def test_hook_function_without_the_marker_fails_at_load() -> None:
    class Unmarked:
        def sopframe_rules(self):
            return []

    plugins = load_plugins(entry_points=lambda: [], extra=[("unmarked", Unmarked())])
    [problem] = plugins.problems
    assert "sopframe_rules is not marked with @sopframe.hookimpl" in problem.message


def test_hookimpl_with_arguments_the_spec_lacks_fails_at_load() -> None:
    class Wrong:
        @hookimpl
        def sopframe_rules(self, config):
            return []

    plugins = load_plugins(entry_points=lambda: [], extra=[("wrong", Wrong())])
    [problem] = plugins.problems
    assert problem.plugin == "wrong" and "config" in problem.message


def test_hook_that_raises_is_reported_and_other_plugins_still_answer(tmp_path: Path) -> None:
    class Raises:
        @hookimpl
        def sopframe_template_dirs(self):
            raise OSError("pack missing")

        @hookimpl
        def sopframe_rules(self):
            raise RuntimeError("no rules today")

    class Pack:
        @hookimpl
        def sopframe_template_dirs(self):
            return [str(tmp_path)]          # a plain string is accepted as a path

    plugins = load_plugins(entry_points=lambda: [], extra=[("raises", Raises()), ("pack", Pack())])
    assert plugins.template_dirs() == [("pack", tmp_path)]
    assert {r.plugin for r in plugins.rules()} == {"core"}
    messages = [p.message for p in plugins.problems]
    assert any("'raises' raised in sopframe_template_dirs: OSError: pack missing" in m for m in messages)
    assert any("'raises' raised in sopframe_rules: RuntimeError: no rules today" in m for m in messages)
    with pytest.raises(PluginError, match="raised in sopframe_rules"):
        load_plugins(entry_points=lambda: [], extra=[("raises", Raises())], strict=True).rules()


def test_hook_results_of_the_wrong_type_are_reported(tmp_path: Path) -> None:
    class Odd:
        @hookimpl
        def sopframe_rules(self):
            return ["not a rule"]

        @hookimpl
        def sopframe_template_dirs(self):
            return [tmp_path / "missing", 42]

    class Scalar:
        @hookimpl
        def sopframe_schema_extensions(self):
            return 7

    plugins = load_plugins(entry_points=lambda: [], extra=[("odd", Odd()), ("scalar", Scalar())])
    assert plugins.template_dirs() == []
    plugins.rules()
    plugins.schema()
    text = "\n".join(p.message for p in plugins.problems)
    assert "returned str from sopframe_rules, expected sopframe.Rule" in text
    assert "does not exist" in text and "returned int from sopframe_template_dirs" in text
    assert "'scalar' returned int from sopframe_schema_extensions, expected a list" in text


@pytest.mark.parametrize("how", ["argument", "environment", "only"])
def test_blocked_plugins_are_never_imported(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            how: str) -> None:
    marker = tmp_path / "imported.txt"
    write_dist(site, "acme-mixed", {"blocked": "blocked_plugin", "good": "good_plugin"},
               {"blocked_plugin": marker_module(marker), "good_plugin": GOOD})
    if how == "argument":
        plugins = _load(site, disabled=["blocked"])
    elif how == "environment":  # the settings read it; the plugin manager gets it from them
        from sopframe.settings import resolve_settings

        monkeypatch.setenv("SOPFRAME_DISABLE_PLUGINS", " other , blocked")
        plugins = _load(site, disabled=resolve_settings(start=tmp_path).disabled_plugins)
    else:
        plugins = _load(site, only=["good"])
    assert not marker.exists()
    assert {i.name: i.status for i in plugins.infos} == {"core": "loaded", "blocked": "blocked", "good": "loaded"}
    assert plugins.problems == []
    assert codes(validate(_template(), plugins=plugins)) == ["GOOD101"]


def test_entry_points_are_discovered_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = importlib.metadata.entry_points

    def counting(**kw):
        calls.append(kw.get("group", ""))
        return real(**kw)

    monkeypatch.setattr(importlib.metadata, "entry_points", counting)
    clear_discovery_cache()
    try:
        first = load_plugins()
        second = load_plugins(disabled=["bundled-templates"])
        assert calls == ["sopframe"]
        assert [i.name for i in first.infos] == [i.name for i in second.infos]
    finally:
        clear_discovery_cache()


def test_rule_codes_are_namespaced_per_plugin_and_collisions_are_sop902() -> None:
    def rule(code: str, slug: str = "x") -> Rule:
        return Rule(code, slug, Severity.INFO, "A rule.")

    class First:  # called first (pluggy calls the last registered first otherwise): its codes win
        @hookimpl(tryfirst=True)
        def sopframe_rules(self):
            return [rule("AAA101"), rule("AAA102")]

    class Second:
        @hookimpl
        def sopframe_rules(self):
            return [rule("AAA101"), rule("AAA200"), rule("SOP777"), rule("lower1"), rule("BBB101")]

    plugins = load_plugins(entry_points=lambda: [], extra=[("first", First()), ("second", Second())])
    owners = {r.code: r.plugin for r in plugins.rules() if r.plugin != "core"}
    assert owners == {"AAA101": "first", "AAA102": "first", "BBB101": "second"}
    problems = [p for p in plugins.problems if p.code == "SOP902"]
    assert len(problems) == 4 and {p.plugin for p in problems} == {"second"}
    text = "\n".join(p.message for p in problems)
    assert "'AAA101' is already registered by plugin 'first'" in text
    assert "prefix 'AAA' of 'AAA200' belongs to plugin 'first'" in text
    assert "prefix SOP, which is reserved" in text
    assert "'lower1' is not capital letters followed by 3+ digits" in text


def test_core_code_calls_hooks_only_through_the_typed_wrapper() -> None:
    direct = re.compile(r"\.hook\.sopframe_|\bpm\.hook\b|\.hook\s*\.")
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "sopframe").rglob("*.py")
                 if p.name not in ("pluginmanager.py", "hookspecs.py")  # the wrapper; the specs' docs
                 and direct.search(p.read_text("utf-8"))]
    assert offenders == []


def test_hook_names_match_the_hookspecs_module() -> None:
    import sopframe.hookspecs as specs

    assert hook_names() == sorted(n for n in vars(specs) if n.startswith("sopframe_"))
    assert {"sopframe_rules", "sopframe_schema_extensions", "sopframe_template_dirs",
            "sopframe_cli_commands"} <= set(hook_names())


def test_plugin_findings_name_their_plugin_and_bad_yields_become_sop901() -> None:
    def names_itself(tg):
        yield OWN.finding("built with the module-level rule object", at=tg.template.loc)

    OWN = Rule("OWN101", "own", Severity.INFO, "Reports once.", check=names_itself)
    NOT_FINDING = Rule("OWN102", "not-finding", Severity.INFO, "Yields text.", check=lambda tg: ["oops"])

    class Own:
        @hookimpl
        def sopframe_rules(self):
            return [OWN, NOT_FINDING]

    findings = validate(_template(), plugins=[("own", Own())])
    assert [(f.code, f.plugin) for f in findings] == [("OWN101", "own"), ("SOP901", "own")]
    assert "OWN102" in findings[1].message and "yielded str, expected sopframe.Finding" in findings[1].message


def test_template_packs_are_listed_and_found_by_id(tmp_path: Path) -> None:
    from sopframe import UsageError
    from sopframe.core.templates import discover, find_shipped

    pack = tmp_path / "pack"
    (pack / "change").mkdir(parents=True)
    (pack / "change" / "good.yaml").write_text(_template().to_yaml().replace("template: t", "template: good"))
    (pack / "bad.yml").write_text("template: bad\n")
    (pack / "_private.yaml").write_text("not: listed\n")

    class Pack:
        @hookimpl
        def sopframe_template_dirs(self):
            return [pack]

    plugins = load_plugins(entry_points=lambda: [], extra=[("pack", Pack())])
    listed = {t.id: t for t in discover(plugins)}
    assert set(listed) == {"good", "bad"}
    assert listed["good"].valid and listed["good"].plugin == "pack" and listed["good"].kind == "change"
    assert not listed["bad"].valid and listed["bad"].title == "(invalid)"
    text, path = find_shipped(plugins, "good")
    assert path.endswith("good.yaml") and "template: good" in text
    with pytest.raises(UsageError, match=r"no shipped template 'goood' \(did you mean 'good'\?\)"):
        find_shipped(plugins, "goood")

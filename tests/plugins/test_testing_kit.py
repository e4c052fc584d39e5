"""sopframe.testing: the fixtures and helpers plugin authors test with."""

from __future__ import annotations

import subprocess
import sys
import types
from typing import Any

import pytest

from sopframe import PluginError, Rule, SchemaExtension, Severity, hookimpl
from sopframe.core.validate import validate_text
from sopframe.testing import TemplateBuilder, codes, make_plugins, to_yaml, validate


def _module_plugin(name: str, **hooks: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    for hook, fn in hooks.items():
        setattr(module, hook, hookimpl(fn))
    return module


def _rule(code: str, message: str) -> Rule:
    def check(tg):
        yield RULE.finding(message, at=tg.template.loc)

    RULE = Rule(code, "always", Severity.WARNING, "Always reports.", check=check)
    return RULE


# ---------------------------------------------------------------- fixtures

def test_fixtures_are_provided_by_the_pytest_plugin(sopframe_plugins, template_builder) -> None:
    assert sopframe_plugins is make_plugins
    assert template_builder is TemplateBuilder


def test_sopframe_plugins_loads_only_the_plugins_named(sopframe_plugins) -> None:
    plugins = sopframe_plugins("bundled-templates")
    status = {i.name: i.status for i in plugins.infos}
    assert status["core"] == "loaded" and status["bundled-templates"] == "loaded"
    assert all(s == "blocked" for n, s in status.items() if n not in ("core", "bundled-templates"))
    assert {p for p, _ in plugins.template_dirs()} == {"bundled-templates"}
    assert {r.plugin for r in plugins.rules()} == {"core"}


def test_sopframe_plugins_with_nothing_named_has_only_core(sopframe_plugins) -> None:
    plugins = sopframe_plugins()
    assert [i.name for i in plugins.infos if i.loaded] == ["core"]


def test_sopframe_plugins_accepts_modules_objects_and_named_pairs(sopframe_plugins) -> None:
    module = _module_plugin("acme_mod", sopframe_rules=lambda: [_rule("MOD101", "from a module")])

    class Obj:
        @hookimpl
        def sopframe_rules(self):
            return [_rule("OBJ101", "from an object")]

    plugins = sopframe_plugins(module, ("named", Obj()))
    owners = {r.code: r.plugin for r in plugins.rules() if r.plugin != "core"}
    assert owners == {"MOD101": "acme_mod", "OBJ101": "named"}
    findings = validate(TemplateBuilder().stage("only"), plugins=plugins)
    assert [(f.code, f.plugin) for f in findings] == [("MOD101", "acme_mod"), ("OBJ101", "named")]


def test_sopframe_plugins_unknown_entry_point_says_what_is_installed(sopframe_plugins) -> None:
    with pytest.raises(LookupError, match=r"no installed sopframe plugin 'bundled-template' "
                                          r"\(did you mean 'bundled-templates'\?\)"):
        sopframe_plugins("bundled-template")


def test_sopframe_plugins_strict_raises(sopframe_plugins) -> None:
    class Typo:
        @hookimpl
        def sopframe_template_dir(self):
            return []

    with pytest.raises(PluginError, match="unknown hook 'sopframe_template_dir'"):
        sopframe_plugins(("typo", Typo()), strict=True)


# ---------------------------------------------------------------- validate

def test_validate_accepts_text_or_builder_and_returns_findings(template_builder) -> None:
    good = template_builder("ok").role("requester").stage("request", owner="requester").stage("done")
    assert validate(good) == []
    assert validate(good.to_yaml()) == []
    bad = template_builder("bad").stage("a", next="missing")
    findings = validate(bad, path="bad.yaml")
    assert codes(findings) == ["SOP109"]
    assert findings[0].file == "bad.yaml" and findings[0].stage == "a"


def test_validate_reports_plugin_problems_first() -> None:
    broken = _module_plugin("broken", sopframe_rules=lambda: 1 / 0)
    findings = validate(TemplateBuilder().stage("a", next="missing"), plugins=[broken])
    assert codes(findings) == ["SOP900", "SOP109"]
    assert "ZeroDivisionError" in findings[0].message


def test_schema_extension_and_rule_as_the_guide_shows() -> None:
    ext = SchemaExtension(kinds=("firewall",), properties={"acme": {
        "type": "object", "properties": {"cost_centre": {"type": "string"}}, "additionalProperties": False}})

    def check(tg):
        if "cost_centre" not in dict(tg.template.extra.get("acme") or {}):
            yield RULE.finding("no cost centre", at=tg.template.loc)

    RULE = Rule("ACMX101", "cost-centre", Severity.ERROR, "Needs a cost centre.", check=check)
    plugin = _module_plugin("acmx", sopframe_schema_extensions=lambda: [ext], sopframe_rules=lambda: [RULE])
    t = TemplateBuilder("fw", kind="firewall").stage("only")
    assert codes(validate(t)) == ["SOP012"]                       # kind unknown without the plugin
    assert codes(validate(t, plugins=[plugin])) == ["ACMX101"]
    assert validate(t.set("acme", {"cost_centre": "CC-12"}), plugins=[plugin]) == []
    assert codes(validate(t.set("acme", {"budget": "1"}), plugins=[plugin])) == ["SOP010"]


# ---------------------------------------------------------------- builder

def test_builder_defaults_give_a_valid_chained_template() -> None:
    t = TemplateBuilder("chain").stage("a").stage("b").stage("c")
    data = t.to_dict()
    assert data["roles"] == {"operator": "Carries out the procedure"}
    assert [s.get("next") for s in data["stages"].values()] == ["b", "c", None]
    assert all(s["owner"] == "operator" for s in data["stages"].values())
    assert validate(t) == []


def test_builder_terminal_and_explicit_next() -> None:
    t = (TemplateBuilder().role("op").stage("a", next={"when": "route", "is": {"x": "c"}, "otherwise": "b"})
         .field("route", type="choice", options=["x", "y"], required=True)
         .stage("b", terminal=True).stage("c"))
    data = t.to_dict()
    assert "next" not in data["stages"]["b"] and "next" not in data["stages"]["c"]
    assert validate(t) == []


def test_builder_writes_every_part_so_the_loader_reads_it_back() -> None:
    title = 'Odd: "quoted" #not-a-comment, trailing '
    t = (TemplateBuilder("parts", title=title, version="2.1.0", kind="access")
         .frameworks("iso27001", "soc2").set("description", "line one\nline two")
         .role("requester", "Asks").role("approver", "Approves")
         .stage("request", owner="requester", sla="2d")
         .field("requester", type="user", role="requester", required=True)
         .field("count", type="integer", min=1, max=5)
         .field("flag", type="bool")
         .stage("approve", owner="approver", rework="request")
         .signoff("ok", role="approver", not_by=["requester"], title="Approved"))
    result = validate_text(t.to_yaml(), "parts.yaml", plugins=make_plugins())
    template = result.template
    assert template is not None, result.findings
    assert (template.title, template.version, template.kind) == (title, "2.1.0", "access")
    assert template.frameworks == ("iso27001", "soc2")
    assert template.description == "line one\nline two"
    request = template.stages["request"]
    assert request.fields["requester"].required is True and request.fields["flag"].required is False
    assert (request.fields["count"].min, request.fields["count"].max) == ("1", "5")
    assert template.stages["approve"].signoffs["ok"].not_by == ("requester",)
    assert template.stages["approve"].rework == "request"


def test_builder_refuses_misuse() -> None:
    with pytest.raises(ValueError, match="add a stage before adding fields"):
        TemplateBuilder().field("x")
    with pytest.raises(ValueError, match="already added"):
        TemplateBuilder().stage("a").stage("a")
    with pytest.raises(ValueError, match="at least one stage"):
        TemplateBuilder().to_yaml()


def test_to_yaml_leaves_out_empty_containers_and_quotes_when_needed() -> None:
    assert to_yaml({"a": {}, "b": [], "c": "yes: no", "d": True, "e": [1, "x"]}) == (
        'c: "yes: no"\nd: yes\ne:\n  - 1\n  - x\n')


# ---------------------------------------------------------------- import cost

def test_importing_the_pytest_plugin_stays_light() -> None:
    code = ("import sys, sopframe.testing\n"
            "heavy = ['jsonschema', 'strictyaml', 'networkx', 'click', 'sopframe.pluginmanager', 'sopframe.core']\n"
            "print(','.join(m for m in heavy if m in sys.modules))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""

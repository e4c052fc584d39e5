"""The template JSON Schema: valid Draft 2020-12, usable unchanged by editors
and check-jsonschema (YAML 1.2 typed values), precise errors, plugin extensions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from testsupport import data_file
from sopframe.core.schema import SchemaExtension, base_schema, build_schema
from sopframe.core.validate import validate_text
from sopframe.hookspecs import hookimpl
from sopframe.pluginmanager import Plugins, load_plugins
from sopframe.testing import TemplateBuilder

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "sopframe" / "core" / "template.schema.json"
TEMPLATES = sorted(p for p in (ROOT / "templates").rglob("*") if p.suffix in (".yaml", ".yml"))

MINIMAL = (TemplateBuilder("demo", title="Demo procedure").role("engineer", "Does the work").head_yaml()
           + "stages:\n  start:\n    owner: engineer\n")


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return load_plugins(entry_points=lambda: [])


def raw_schema() -> dict[str, Any]:
    """The schema file exactly as shipped, as an editor would read it."""
    return json.loads(SCHEMA_FILE.read_text("utf-8"))


def yaml12(path: Path) -> Any:
    """Load YAML with typed scalars, as check-jsonschema and yaml-language-server do."""
    from strictyaml.ruamel import YAML

    return YAML(typ="safe", pure=True).load(path.read_text("utf-8"))


def schema_errors(data: Any, schema: dict[str, Any] | None = None) -> list[str]:
    validator = Draft202012Validator(schema or raw_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


# --------------------------------------------------------------- the schema

def test_schema_file_is_valid_draft_2020_12() -> None:
    schema = raw_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert base_schema() == schema


def test_check_schema_would_catch_a_broken_schema() -> None:
    schema = raw_schema()
    schema["$defs"]["id"]["type"] = "identifier"  # not a JSON Schema type
    with pytest.raises(SchemaError):
        Draft202012Validator.check_schema(schema)


def test_every_ref_resolves() -> None:
    schema = raw_schema()
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(schema)
    assert refs
    for ref in refs:
        assert ref.startswith("#/$defs/"), ref
        assert ref.rsplit("/", 1)[1] in schema["$defs"], ref


# ---------------------------------------------- templates, as editors see them

def test_shared_example_validates_as_yaml_1_2() -> None:
    data = yaml12(data_file("template-example.yaml"))
    assert schema_errors(data) == []


def test_shared_example_is_clean_for_sopframe(plugins: Plugins) -> None:
    path = data_file("template-example.yaml")
    res = validate_text(path.read_text("utf-8"), path.name, plugins=plugins)
    assert res.findings == []


@pytest.fixture(scope="module")
def installed_schema() -> dict[str, Any]:
    """The schema as ``sopframe schema`` prints it: base plus installed plugins' extensions."""
    return load_plugins().schema()


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_templates_validate_as_yaml_1_2(path: Path, installed_schema: dict[str, Any]) -> None:
    data = yaml12(path)
    assert schema_errors(data, installed_schema) == []
    if not set(data) - set(raw_schema()["properties"]):
        # a template that uses only the core language passes the base schema file too
        assert schema_errors(data) == []


def test_yaml_1_2_typed_values_are_accepted() -> None:
    # typed scalars an editor's YAML 1.2 loader produces where strictyaml keeps text
    data = yaml12_text(MINIMAL.replace("    owner: engineer\n", """\
    owner: engineer
    fields:
      hosts:
        type: integer
        required: true
        min: 1
        max: 2.5
      outcome:
        type: choice
        options:
          - 1
          - true
    gate:
      hosts:
        at_least: 2
      outcome: 1
"""))
    assert data["stages"]["start"]["fields"]["hosts"]["min"] == 1  # really typed
    assert schema_errors(data) == []


def test_yaml_1_2_schema_still_rejects_mistakes() -> None:
    data = yaml12_text(MINIMAL.replace("version: 1.0.0", "version: 1.0"))
    assert data["version"] == 1.0
    errors = schema_errors(data)
    assert len(errors) == 1 and errors[0].startswith("version:")


def yaml12_text(text: str) -> Any:
    from strictyaml.ruamel import YAML

    return YAML(typ="safe", pure=True).load(text)


# ---------------------------------------------------------------- did you mean

@pytest.mark.parametrize(
    ("text", "wrong", "right"),
    [
        (MINIMAL.replace("title:", "titel:"), "titel", "title"),
        (MINIMAL + "    nxt: start\n", "nxt", "next"),
        (MINIMAL + "    fields:\n      f:\n        type: text\n        requird: yes\n", "requird", "required"),
        (MINIMAL + "    signoffs:\n      s:\n        role: engineer\n        notby: x\n", "notby", "not_by"),
        (MINIMAL + "publishes:\n  ref: start.f\n  version: start.v\n  effective_date: start.d\n"
         "  review_every: 1y\n  audiense: all\n", "audiense", "audience"),
    ],
    ids=["top", "stage", "field", "signoff", "publishes"],
)
def test_unknown_key_suggests_the_known_one(plugins: Plugins, text: str, wrong: str, right: str) -> None:
    res = validate_text(text, "t.yaml", plugins=plugins)
    unknown = [f for f in res.findings if f.code == "SOP010"]
    assert len(unknown) == 1, res.findings
    assert f"unknown key {wrong!r}" in unknown[0].message
    assert f"(did you mean {right!r}?)" in unknown[0].message
    assert right in unknown[0].hint  # the allowed keys are listed


def test_unknown_key_far_from_any_gets_no_guess(plugins: Plugins) -> None:
    res = validate_text(MINIMAL + "    zzzzqqq: 1\n", "t.yaml", plugins=plugins)
    (f,) = res.findings
    assert f.code == "SOP010" and "did you mean" not in f.message


def test_enum_value_suggests_the_known_one(plugins: Plugins) -> None:
    res = validate_text(MINIMAL.replace("kind: change", "kind: chnage"), "t.yaml", plugins=plugins)
    (f,) = res.findings
    assert f.code == "SOP012" and "(did you mean 'change'?)" in f.message
    assert (f.line, f.col) == (4, 7)


@pytest.mark.parametrize(("wrong", "guess"), [("n", "no"), ("ys", "yes"), ("of", None), ("maybe", None)])
def test_a_yes_no_value_suggests_only_a_word_the_hint_lists(plugins: Plugins, wrong: str, guess: str | None) -> None:
    # `on` and `off` are accepted but not listed: `n` (no) must never be met with `on` (yes)
    res = validate_text(MINIMAL + f"    fields:\n      f:\n        type: text\n        required: {wrong}\n",
                        "t.yaml", plugins=plugins)
    (f,) = res.findings
    assert f.code == "SOP012" and f.hint == "use one of: yes, no"
    assert f.message.endswith(f"(did you mean {guess!r}?)" if guess else "is not allowed"), f.message


@pytest.mark.parametrize(("job_id", "problem"), [
    ("PWR-{seq}-{seq}", "{seq} may appear only once"),
    ("PWR-{foo}-{seq}", "unknown placeholder '{foo}' (known: {year}, {month}, {day}, {template}, {seq})"),
    ("PWR-{seq:100}", "the width of '{seq:100}' is over 99 digits"),
    ("PWR-{seq:x}", "the width of '{seq:x}' must be a number of digits from 1 to 99"),
    ("PWR-{year:2}-{seq}", "{year} takes no width"),
    ("PWR-{year-{seq}", "an unmatched '{'"),
    ("PWR-{year}", "a job id pattern must contain {seq}, such as ITSOP-{year}-{seq:02}"),
])
def test_a_wrong_job_id_pattern_says_what_is_wrong(plugins: Plugins, job_id: str, problem: str) -> None:
    text = MINIMAL.replace("stages:", f"job_id: '{job_id}'\nstages:")
    (f,) = validate_text(text, "t.yaml", plugins=plugins).findings
    assert f.code == "SOP012" and f.message == f"'job_id': {problem}, got {job_id!r}"
    assert (f.line, f.col) == (text.splitlines().index(f"job_id: '{job_id}'") + 1, 9)


@pytest.mark.parametrize("suffix", ["ABCDEFGHI", "A-B", "''"])
def test_a_wrong_sub_job_suffix_says_what_a_suffix_is(plugins: Plugins, suffix: str) -> None:
    text = MINIMAL + ("    split:\n      one:\n        suffix: " + suffix + "\n        owner: engineer\n"
                      "        stages:\n          work:\n            title: Work\n    rejoin: done\n"
                      "  done:\n    owner: engineer\n")
    (f,) = validate_text(text, "t.yaml", plugins=plugins).findings
    assert f.code == "SOP012" and "expected a suffix of 1-8 letters or digits, such as A, got" in f.message


# ------------------------------------------------------------------ extensions

class _Extension:
    """A plugin that adds to the template language."""

    def __init__(self, *exts: SchemaExtension) -> None:
        self.exts = exts

    @hookimpl
    def sopframe_schema_extensions(self) -> Sequence[SchemaExtension]:
        return self.exts


EXTENDED = MINIMAL.replace("kind: change", "kind: audit").replace("    owner: engineer\n", """\
    owner: engineer
    fields:
      address:
        type: ipaddress
""")


def test_without_extension_new_type_and_kind_are_refused(plugins: Plugins) -> None:
    res = validate_text(EXTENDED, "t.yaml", plugins=plugins)
    assert sorted((f.code, f.line, f.col) for f in res.findings) == [("SOP012", 4, 7), ("SOP012", 12, 15)]


def test_extension_adds_field_type_and_kind() -> None:
    ext = SchemaExtension(field_types=("ipaddress",), kinds=("audit",), frameworks=("nist-csf",))
    plugins = load_plugins(entry_points=lambda: [], extra=[("netpack", _Extension(ext))])
    res = validate_text(EXTENDED, "t.yaml", plugins=plugins)
    assert res.findings == []
    assert res.template is not None
    assert res.template.kind == "audit"
    assert res.template.stages["start"].fields["address"].type == "ipaddress"
    assert [e.plugin for e in plugins.schema_extensions()] == ["netpack"]
    schema = plugins.schema()
    assert "nist-csf" in schema["$defs"]["framework"]["enum"]
    Draft202012Validator.check_schema(schema)


def test_extension_does_not_change_the_base_schema() -> None:
    build_schema([SchemaExtension(field_types=("ipaddress",), kinds=("audit",))])
    base = base_schema()
    assert "ipaddress" not in base["$defs"]["fieldType"]["enum"]
    assert "audit" not in base["$defs"]["kind"]["enum"]
    assert base == raw_schema()


def test_extensions_merge_without_duplicates() -> None:
    schema = build_schema([SchemaExtension(kinds=("audit", "change")), SchemaExtension(kinds=("audit",))])
    kinds = schema["$defs"]["kind"]["enum"]
    assert kinds.count("audit") == 1 and kinds.count("change") == 1


def test_extension_adds_a_top_level_key_with_its_schema() -> None:
    ext = SchemaExtension(properties={
        "ticketing": {"type": "object", "additionalProperties": False,
                      "properties": {"queue": {"type": "string"}}},
        "title": {"type": "integer"},  # may not loosen or replace a core key
    })
    plugins = load_plugins(entry_points=lambda: [], extra=[("ticketing", _Extension(ext))])
    good = MINIMAL + "ticketing:\n  queue: ops\n"
    res = validate_text(good, "t.yaml", plugins=plugins)
    assert res.findings == []
    assert res.template is not None and res.template.extra == {"ticketing": {"queue": "ops"}}
    bad = MINIMAL + "ticketing:\n  queu: ops\n"
    res = validate_text(bad, "t.yaml", plugins=plugins)
    assert [(f.code, f.line, f.col) for f in res.findings] == [("SOP010", 11, 3)]
    assert "did you mean 'queue'" in res.findings[0].message
    assert plugins.schema()["properties"]["title"] == raw_schema()["properties"]["title"]
    # without the plugin the key is unknown
    res = validate_text(good, "t.yaml", plugins=load_plugins(entry_points=lambda: []))
    assert [(f.code, f.line, f.col) for f in res.findings] == [("SOP010", 10, 1)]

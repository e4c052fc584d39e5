"""Output formats of ``sopframe validate``: text, colour, json, SARIF 2.1.0 and GitHub annotations."""

from __future__ import annotations

import functools
import json
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from cli_helpers import BROKEN, CLEAN, WARN, invoke, write
from testsupport import data_file

from sopframe.core.diagnostics import Finding, Severity
from sopframe.core.safetext import escape
from sopframe.formats import render

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture()
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "broken.yaml", BROKEN)
    write(tmp_path, "warn.yaml", WARN)
    write(tmp_path, "clean.yaml", CLEAN)
    return tmp_path


# ------------------------------------------------------------------ text
def test_text_block_shape(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = invoke(capsys, "validate", "broken.yaml")
    lines = r.out.splitlines()
    assert lines[:5] == [
        "broken.yaml:9:12: error SOP107 [undefined-role] owner of stage 'start' names role 'enginer', "
        "which is not defined (did you mean 'engineer'?)",
        "    9 |     owner: enginer",
        "      |            ^",
        "  hint: define it under `roles:` or use one of: engineer",
        "  see: sopframe explain SOP107",
    ]
    assert lines[-1] == "3 errors in 1 file"


def test_caret_is_under_the_column_in_every_block(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = invoke(capsys, "validate", "broken.yaml", "warn.yaml")
    lines = r.out.splitlines()
    heads = [i for i, line in enumerate(lines) if re.match(r"^\S+:\d+:\d+: ", line)]
    assert len(heads) == 4
    for i in heads:
        col = int(lines[i].split(":")[2])
        src, caret = lines[i + 1], lines[i + 2]
        assert caret.rstrip().endswith("^")
        assert caret.index("^") == src.index("| ") + 2 + col - 1


def test_caret_accounts_for_wide_characters() -> None:
    f = Finding("SOP107", "undefined-role", Severity.ERROR, "m", file="x.yaml", line=1, col=13)
    text = "title: 変更管理 x\n"  # col 13 is the x; the four CJK characters take two columns each
    out = render("text", [f], 1, {"x.yaml": text}).splitlines()
    assert out[2].index("^") - out[1].index("title") == len("title: ") + 8 + 1


@pytest.mark.parametrize("raw", ["\x1b]0;PWNED\x07", "\x1bc", "\x9b31m", "\u202e", "\x00", "\x7f", "\x0b\x0c"])
def test_a_files_control_characters_never_reach_the_terminal(raw: str) -> None:
    line = f"title: a{raw}b x"
    col = line.index(" x") + 2
    f = Finding("SOP004", "not-text", Severity.ERROR, "m", file=f"t{raw}.yaml", line=1, col=col, hint=f"h{raw}")
    out = render("text", [f], 1, {f"t{raw}.yaml": line + "\n"})
    unsafe = [ch for ch in raw if not ch.isprintable()]
    assert unsafe and not any(ch in out for ch in unsafe)
    head, src, caret = out.splitlines()[:3]
    assert head.startswith("t\\") and src.endswith("b x") and "\\" in src
    assert caret.index("^") == src.index(" x") + 1  # under the x, after the escapes
    gh = render("github", [f], 1, {})
    assert not any(ch in gh for ch in unsafe)


def test_a_backslash_in_the_source_line_is_shown_as_written() -> None:
    f = Finding("SOP107", "x", Severity.ERROR, "m", file="x.yaml", line=1, col=10)
    out = render("text", [f], 1, {"x.yaml": "pattern: '^\\d+$'\n"}).splitlines()
    assert out[1].endswith("pattern: '^\\d+$'")


def test_a_very_long_line_is_shown_around_the_column() -> None:
    line = "x: " + "a" * 5000 + ": b"
    col = line.rindex(": b") + 1
    f = Finding("SOP001", "yaml-syntax", Severity.ERROR, "m", file="x.yaml", line=1, col=col)
    out = render("text", [f], 1, {"x.yaml": line}).splitlines()
    assert len(out[1]) < 200 and out[1].endswith("\u2026") is False and "\u2026a" in out[1]
    assert out[1][out[2].index("^")] == ":"  # the caret still under the column


def test_summary_counts_each_severity(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = invoke(capsys, "validate", "broken.yaml", "warn.yaml", "clean.yaml")
    assert r.out.splitlines()[-1] == "3 errors, 1 warning in 3 files"


def test_no_colour_when_not_a_terminal(work: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    r = invoke(capsys, "validate", "broken.yaml")
    assert not ANSI.search(r.out)


def _tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)


def test_colour_on_a_terminal(work: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    capsys.readouterr()
    _tty(monkeypatch)
    r = invoke(capsys, "validate", "broken.yaml")
    assert "\x1b[31m" in r.out  # errors in red
    assert ANSI.sub("", r.out).splitlines()[0].startswith("broken.yaml:9:12: error SOP107 [undefined-role] ")


@pytest.mark.parametrize(("no_color", "coloured"), [("1", False), ("", True)])
def test_no_color_on_a_terminal(work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                no_color: str, coloured: bool) -> None:
    monkeypatch.setenv("NO_COLOR", no_color)  # https://no-color.org: only a non-empty value counts
    capsys.readouterr()
    _tty(monkeypatch)
    r = invoke(capsys, "validate", "broken.yaml")
    assert bool(ANSI.search(r.out)) is coloured


def test_color_flag_forces_colour_and_overrides_no_color(work: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    r = invoke(capsys, "validate", "--color", "broken.yaml")
    assert ANSI.search(r.out)
    capsys.readouterr()
    _tty(monkeypatch)
    monkeypatch.delenv("NO_COLOR")
    r = invoke(capsys, "validate", "--no-color", "broken.yaml")
    assert not ANSI.search(r.out)


@pytest.mark.parametrize("fmt", ["json", "sarif", "github"])
def test_machine_formats_never_coloured(work: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    r = invoke(capsys, "validate", "--color", "--format", fmt, "broken.yaml")
    assert not ANSI.search(r.out)


# ------------------------------------------------------------------ json
def test_json_document(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = invoke(capsys, "validate", "--format", "json", "broken.yaml", "warn.yaml")
    assert r.code == 1
    data = json.loads(r.out)
    assert data["version"] == 1 and data["files"] == 2
    assert data["summary"] == {"error": 3, "warning": 1, "info": 0}
    first = data["findings"][0]
    assert set(first) == {"code", "slug", "severity", "file", "line", "col", "message", "hint", "plugin",
                          "template", "stage", "docs", "follows"}
    assert (first["code"], first["slug"], first["severity"], first["file"], first["line"], first["col"]) == (
        "SOP107", "undefined-role", "error", "broken.yaml", 9, 12)
    assert first["docs"] == "docs/rules.md#sop107-undefined-role" and first["plugin"] == "core"
    assert "enginer" in first["message"] and first["hint"]
    assert [f["code"] for f in data["findings"]] == ["SOP107", "SOP109", "SOP102", "SOP112"]


# ----------------------------------------------------------------- sarif
@functools.lru_cache(maxsize=1)
def _sarif_validator():  # type: ignore[no-untyped-def]
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(data_file("sarif-schema-2.1.0.json").read_text("utf-8"))
    checker = jsonschema.FormatChecker()

    @checker.checks("uri")
    def _uri(value: object) -> bool:  # the stock checker needs extra packages; this is what SARIF asks
        return not isinstance(value, str) or (bool(urlsplit(value).scheme) and " " not in value)

    @checker.checks("uri-reference")
    def _uri_reference(value: object) -> bool:
        return not isinstance(value, str) or not re.search(r"[\s\\<>\"{}|^`]", value)

    jsonschema.Draft7Validator.check_schema(schema)
    if "properties" not in schema and "$ref" not in schema:
        # this copy keeps the log-file object under definitions/Root; without a reference to it the
        # top level would accept any document at all
        assert "Root" in schema.get("definitions", {}), "the SARIF schema describes no root object"
        schema = {**schema, "$ref": "#/definitions/Root"}
    return jsonschema.Draft7Validator(schema, format_checker=checker)


def _sarif_errors(document: dict) -> list[str]:  # type: ignore[type-arg]
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in _sarif_validator().iter_errors(document)]


def test_sarif_validates_against_the_2_1_0_schema(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work, "dir with space/odd #name.yaml", BROKEN)
    r = invoke(capsys, "validate", "--format", "sarif", "broken.yaml", "warn.yaml", "dir with space",
               str(work / "clean.yaml"))
    assert r.code == 1
    doc = json.loads(r.out)
    assert _sarif_errors(doc) == []
    run = doc["runs"][0]
    assert run["tool"]["driver"]["name"] == "sopframe"
    rules = run["tool"]["driver"]["rules"]
    assert [x["id"] for x in rules] == ["SOP107", "SOP109", "SOP102", "SOP112"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    uris = [res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for res in run["results"]]
    assert "dir%20with%20space/odd%20%23name.yaml" in uris
    first = run["results"][0]
    assert first["level"] == "error"
    assert first["locations"][0]["physicalLocation"]["region"] == {"startLine": 9, "startColumn": 12}


def _sarif(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    r = invoke(capsys, "validate", "--no-cache", "--format", "sarif", *args)
    doc = json.loads(r.out)
    assert _sarif_errors(doc) == []
    return doc


def _where(doc: dict) -> list[tuple[str, str | None]]:  # type: ignore[type-arg]
    return [(loc["uri"], loc.get("uriBaseId")) for res in doc["runs"][0]["results"]
            for loc in [res["locations"][0]["physicalLocation"]["artifactLocation"]]]


def test_sarif_uris_are_relative_to_the_repository_root_from_anywhere(
        work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    (work / ".git").mkdir()
    sub = work / "sub" / "deeper"
    sub.mkdir(parents=True)
    write(work / "sub", "nested.yaml", BROKEN)
    from_root = _sarif(capsys, "broken.yaml", "sub/nested.yaml")
    base = from_root["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == work.resolve().as_uri() + "/"
    monkeypatch.chdir(sub)
    from_sub = _sarif(capsys, "../../broken.yaml", "../nested.yaml")
    absolute = _sarif(capsys, str(work / "broken.yaml"), str(work / "sub" / "nested.yaml"))
    expected = [("broken.yaml", "%SRCROOT%")] * 3 + [("sub/nested.yaml", "%SRCROOT%")] * 3
    assert _where(from_root) == _where(from_sub) == _where(absolute) == expected
    assert from_sub["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == base


def test_sarif_fingerprints_survive_reruns_and_lines_moving(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def prints(doc: dict) -> list[str]:  # type: ignore[type-arg]
        return [res["partialFingerprints"]["sopframeFindingHash/v1"] for res in doc["runs"][0]["results"]]

    first = prints(_sarif(capsys, "broken.yaml"))
    assert first == prints(_sarif(capsys, "broken.yaml"))
    assert len(set(first)) == len(first) == 3
    # a comment line above everything moves every finding down one line: the alerts stay the same ones
    write(work, "broken.yaml", "# moved\n" + BROKEN)
    assert prints(_sarif(capsys, "broken.yaml")) == first
    write(work, "broken.yaml", BROKEN.replace("enginer", "enginerr"))
    assert prints(_sarif(capsys, "broken.yaml"))[0] != first[0]


def test_sarif_rules_carry_their_docs_and_a_help_uri_only_when_configured(
        work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = _sarif(capsys, "broken.yaml")
    rule = doc["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["id"] == "SOP107" and "helpUri" not in rule
    assert "**Wrong**" in rule["help"]["markdown"] and rule["help"]["text"]
    message = doc["runs"][0]["results"][0]["message"]["text"]
    assert "(did you mean 'engineer'?). Define it under" in message  # the hint is a sentence of its own
    (work / "sopframe.toml").write_text('docs-url = "https://sop.example.org/"\n', "utf-8")
    rule = _sarif(capsys, "broken.yaml")["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["helpUri"] == "https://sop.example.org/docs/rules.md#sop107-undefined-role"
    text = invoke(capsys, "validate", "--no-cache", "broken.yaml").out
    assert "  see: https://sop.example.org/docs/rules.md#sop107-undefined-role" in text.splitlines()


def test_sarif_of_a_clean_run_validates(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = invoke(capsys, "validate", "--format", "sarif", "clean.yaml")
    assert r.code == 0
    doc = json.loads(r.out)
    assert _sarif_errors(doc) == []
    assert doc["runs"][0]["results"] == []


def test_the_schema_check_catches_a_broken_sarif_document(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(invoke(capsys, "validate", "--format", "sarif", "warn.yaml").out)
    doc["runs"][0]["results"][0]["level"] = "fatal"
    doc["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = "docs/rules.md"
    doc["runs"][0]["invented"] = True
    errors = _sarif_errors(doc)
    assert len(errors) == 3, errors
    assert any("fatal" in e for e in errors) and any("helpUri" in e for e in errors)


def test_sarif_findings_without_a_file_have_no_location() -> None:
    f = Finding("SOP900", "plugin-failed", Severity.ERROR, "plugin 'x' failed", file="<plugin x>")
    doc = json.loads(render("sarif", [f], 0))
    assert "locations" not in doc["runs"][0]["results"][0]
    assert _sarif_errors(doc) == []


# ---------------------------------------------------------------- github
def test_github_annotations(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = invoke(capsys, "validate", "--format", "github", "warn.yaml", "broken.yaml")
    lines = r.out.splitlines()
    assert lines[0].startswith("::error file=broken.yaml,line=9,col=12,title=SOP107 undefined-role::owner of stage")
    assert lines[3].startswith("::warning file=warn.yaml,line=7,col=3,title=SOP112 unused-role::")
    assert lines[-1] == "3 errors, 1 warning in 2 files"


def test_github_escapes_properties_and_message() -> None:
    f = Finding("SOP012", "invalid-value", Severity.INFO, "50%\nbad", file="a,b:c.yaml", line=2, col=3)
    out = render("github", [f], 1).splitlines()[0]
    assert out == "::notice file=a%2Cb%3Ac.yaml,line=2,col=3,title=SOP012 invalid-value::50%25%0Abad"


@pytest.mark.parametrize(("env", "annotated"), [("true", True), ("false", False)])
def test_github_is_the_default_in_github_actions(work: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch, env: str, annotated: bool) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", env)
    r = invoke(capsys, "validate", "broken.yaml")
    assert r.out.startswith("::error file=broken.yaml,line=9,col=12,") is annotated
    r = invoke(capsys, "validate", "--format", "text", "broken.yaml")
    assert r.out.startswith("broken.yaml:9:12: error SOP107")


# ------------------------------------------------------------- properties
_names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(
    lambda s: not s.startswith("<") and "/" not in s and "\\" not in s and s.strip() == s)


@settings(max_examples=40, deadline=None)
@given(name=_names, line=st.integers(1, 5), col=st.integers(1, 40),
       message=st.text(max_size=30), hint=st.text(max_size=30))
def test_any_finding_renders_in_every_format(name: str, line: int, col: int, message: str, hint: str) -> None:
    f = Finding("SOP012", "invalid-value", Severity.WARNING, message, file=f"d/{name}.yaml", line=line, col=col,
                hint=hint)
    source = "a: 1\n\tb: 変更\nc: x y z\n"
    text = render("text", [f], 1, {f.file: source}).split("\n")
    head = f"d/{escape(name, backslash=False)}.yaml:{line}:{col}: warning SOP012 [invalid-value] "
    # the block keeps its shape: one head line holding every word of the message (what is not printable
    # escaped), the source, the caret
    assert text[0].startswith(head) and len(text[0].splitlines()) == 1
    lines = message.splitlines()  # a message over several lines is joined, each line without its indentation
    joined = lines[0] if len(lines) == 1 else " ".join(part.strip() for part in lines)
    assert text[0][len(head):].split() == escape(joined, backslash=False).split()
    if line <= 3:
        assert text[1] == f"    {line} | " + source.splitlines()[line - 1].replace("\t", "\u2192")  # a tab shown as an arrow
        assert text[2].endswith("^")
    if hint:
        hint_lines = [i for i, t in enumerate(text) if t.startswith("  hint: ")]
        assert len(hint_lines) == 1 and text[hint_lines[0] + 1] == "  see: sopframe explain SOP012"
    assert _sarif_errors(json.loads(render("sarif", [f], 1))) == []
    gh = render("github", [f], 1).split("\n")  # the runner reads one command per line
    assert len(gh) == 2 and gh[0].startswith("::warning file=d/")
    assert json.loads(render("json", [f], 1))["findings"][0]["file"] == f.file


def test_source_line_is_the_one_the_reader_counted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # positions count only CR and LF line breaks, not U+2028 inside a value:
    # the source line shown must be the finding's line all the same
    text = BROKEN.replace("title: Demo procedure", "title: 'Demo procedure\u2028with a separator'")
    path = write(tmp_path, "sep.yaml", text)
    r = invoke(capsys, "validate", "--select", "SOP107", str(path))
    head, source = r.out.split("\n")[:2]
    assert head.startswith(f"{path}:9:12: error SOP107"), r.out
    assert source.endswith("    owner: enginer")


# ------------------------------------------------------ skip-non-templates
def test_skip_non_templates_leaves_other_yaml_alone_but_not_broken_templates(
        work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work, "ci.yml", "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n")
    write(work, ".pre-commit-config.yaml", "repos: []\n")
    write(work, "syntax.yaml", "template: x\nstages:\n\towner: a\n")  # a template, even unparseable
    r = invoke(capsys, "validate", "--no-cache", "ci.yml", ".pre-commit-config.yaml")
    assert r.code == 1 and ".pre-commit-config.yaml:1:" in r.out and "ci.yml:1:" in r.out
    r = invoke(capsys, "validate", "--no-cache", "--skip-non-templates", "ci.yml", ".pre-commit-config.yaml")
    assert (r.code, r.out.strip(), r.err) == (0, "no problems in 0 files", "")
    r = invoke(capsys, "validate", "--no-cache", "--skip-non-templates", "ci.yml", "clean.yaml", "syntax.yaml")
    assert r.code == 1 and "syntax.yaml:3:" in r.out and "ci.yml" not in r.out
    assert r.out.splitlines()[-1].endswith("in 2 files")


TEMPLATE_HEAD = "template: x\ntitle: y\n"


@pytest.mark.parametrize("name, data", [
    ("utf16.yaml", TEMPLATE_HEAD.encode("utf-16")),  # with a byte order mark
    ("utf16le.yaml", TEMPLATE_HEAD.encode("utf-16-le")),  # without one
    ("utf16be.yaml", TEMPLATE_HEAD.encode("utf-16-be")),
    ("utf32.yaml", TEMPLATE_HEAD.encode("utf-32")),
    ("tab.yaml", ("\t" + TEMPLATE_HEAD).encode()),
    ("indented.yaml", b"# a template\n\n  stages:\n    - x\n"),
    ("stray-mark.yaml", b"\xff\xfe" + TEMPLATE_HEAD.encode()),
    ("not-utf8.yaml", b"title: caf\xe9\ntemplate: x\n"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_skip_non_templates_still_checks_a_template_in_any_encoding_or_indentation(
        work: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes) -> None:
    (work / name).write_bytes(data)
    r = invoke(capsys, "validate", "--no-cache", "--skip-non-templates", name)
    assert r.code == 1 and f"{name}:" in r.out, r.out
    assert r.out.splitlines()[-1].endswith("in 1 file")


@pytest.mark.parametrize("data", [
    "repos: []\n".encode("utf-16"),
    "repos: []\n".encode("utf-16-le"),
    b"spec:\n  template:\n    metadata: {}\n",  # a nested `template:` of another tool's file
], ids=["utf16", "utf16le", "nested"])
def test_skip_non_templates_still_skips_other_yaml_in_any_encoding(
        work: Path, capsys: pytest.CaptureFixture[str], data: bytes) -> None:
    (work / "other.yaml").write_bytes(data)
    r = invoke(capsys, "validate", "--no-cache", "--skip-non-templates", "other.yaml")
    assert (r.code, r.out.strip()) == (0, "no problems in 0 files")

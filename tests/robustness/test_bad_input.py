"""No input makes ``sopframe validate`` print a Python traceback.

Each case runs the CLI entry point in-process and checks the exit code, that
the message names the file (with line and column where there is one), and
that no traceback reaches the user (``run_cli`` checks that for every run).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from sopframe.core.rules import all_rules
from sopframe.core.yamlsource import DEFAULT_MAX_BYTES, MAX_NESTING

from .helpers import SMALL_TEMPLATE, json_findings, run_cli


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory, so that no configuration file is picked up."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    return run_cli(capsys, ["validate", *args])


def write(path: Path | str, content: str | bytes) -> str:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, "utf-8")
    return str(p)


def mutate(anchor: str, old: str, new: str, text: str = SMALL_TEMPLATE) -> str:
    """``text`` with the first ``old`` after ``anchor`` replaced by ``new``."""
    start = text.index(anchor)
    at = text.index(old, start)
    return text[:at] + new + text[at + len(old):]


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing ``needle``."""
    for n, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in text")


# ------------------------------------------------------------------ empty and not-a-mapping

@pytest.mark.parametrize("content", ["", "\n\n  \n", "# only a comment\n", "# one\n\n   # two, indented\n"],
                         ids=["empty", "blank-lines", "comment", "comments"])
def test_an_empty_file_is_one_finding(capsys: pytest.CaptureFixture[str], workdir: Path, content: str) -> None:
    write("empty.yaml", content)
    code, out, _ = validate(capsys, "empty.yaml")
    assert code == 1
    assert "empty.yaml:1:1: error SOP003 [empty-file] template is empty" in out


@pytest.mark.parametrize("content,shown", [
    ("just some words\n", "'just some words'"),
    ("- a\n- b\n", "a list"),
    ("42\n", "'42'"),
], ids=["scalar", "list", "number"])
def test_a_document_that_is_not_a_mapping(capsys: pytest.CaptureFixture[str], workdir: Path, content: str,
                                          shown: str) -> None:
    write("top.yaml", content)
    code, out, _ = validate(capsys, "top.yaml")
    assert code == 1
    assert "top.yaml:1:1: error SOP012" in out
    assert "a template must be a mapping of keys to values" in out
    assert shown in out


# ------------------------------------------------------------------ not text

def test_a_binary_file_names_the_first_nul_byte(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    write("logo.yaml", b"\x89PNG\r\n\x1a\nIHDR\x00\x00\x00\x10")
    code, out, _ = validate(capsys, "logo.yaml")
    assert code == 1
    assert "logo.yaml:3:5: error SOP004 [not-text] file is binary" in out


def test_a_latin1_file_names_the_first_bad_byte(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    write("latin.yaml", "template: cafe\ntitle: Café crème\n".encode("latin-1"))
    code, out, _ = validate(capsys, "latin.yaml")
    assert code == 1
    assert "latin.yaml:2:11: error SOP004 [not-text] file is not valid UTF-8 (byte 0xe9)" in out
    assert "save the file as UTF-8" in out


def test_a_utf16_file_is_refused_as_not_text(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    write("wide.yaml", SMALL_TEMPLATE.encode("utf-16"))
    code, out, _ = validate(capsys, "wide.yaml")
    assert code == 1
    assert re.search(r"wide\.yaml:1:\d+: error SOP004 \[not-text\]", out), out


@pytest.mark.parametrize("content,line,col,code_point", [
    ("template: x\ntitle: a\x01b\n", 2, 9, "U+0001"),
    ("template: x\r\ntitle: a\x7fb\n", 2, 9, "U+007F"),
    ("template: x\n# a comment with a form feed \x0c\n", 2, 30, "U+000C"),
    ("template: x\u00e9\ufffe\n", 1, 13, "U+FFFE"),
], ids=["SOH", "DEL-after-CRLF", "form-feed-in-comment", "non-character"])
def test_a_character_yaml_refuses_is_reported_where_it_is(capsys: pytest.CaptureFixture[str], workdir: Path,
                                                          content: str, line: int, col: int,
                                                          code_point: str) -> None:
    # regression: strictyaml's reader error escaped as an internal error (exit 3)
    write("ctl.yaml", content.encode("utf-8"))
    code, out, _ = validate(capsys, "ctl.yaml")
    assert code == 1
    assert f"ctl.yaml:{line}:{col}: error SOP004 [not-text] file contains the character {code_point}" in out


# ------------------------------------------------------------------ one broken file among good ones

def test_a_broken_file_does_not_stop_the_others(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    write("procs/a_good.yaml", SMALL_TEMPLATE)
    write("procs/b_broken.yaml", "template: broken\ntitle: [unclosed\n")
    write("procs/c_good.yaml", SMALL_TEMPLATE.replace("access-review", "access-review-2"))
    code, out, _ = validate(capsys, "--format", "json", "procs")
    assert code == 1
    report = json.loads(out)
    assert report["files"] == 3
    assert {f["file"] for f in report["findings"]} == {os.path.join("procs", "b_broken.yaml")}
    assert report["findings"][0]["line"] == 2


def test_findings_of_every_file_are_reported_around_a_broken_one(capsys: pytest.CaptureFixture[str],
                                                                   workdir: Path) -> None:
    write("procs/a_binary.yaml", b"\x00\x01\x02")
    write("procs/b_dangling.yaml", SMALL_TEMPLATE.replace("next: confirm", "next: confirn")
          .replace("template: access-review", "template: access-review-draft"))  # an id of its own
    write("procs/c_good.yaml", SMALL_TEMPLATE)
    code, out, _ = validate(capsys, "procs")
    assert code == 1
    assert f"{os.path.join('procs', 'a_binary.yaml')}:1:1: error SOP004" in out
    line = line_of(SMALL_TEMPLATE, "next: confirm")
    assert f"{os.path.join('procs', 'b_dangling.yaml')}:{line}:19: error SOP109" in out
    assert "(did you mean 'confirm'?)" in out
    assert "SOP102 [unreachable-stage] stage 'checks/accounts/confirm'" in out
    assert "3 errors in 3 files" in out


# ------------------------------------------------------------------ nesting

def nested_splits(depth: int) -> str:
    """A valid template whose splits nest ``depth`` levels deep (2 spaces per level)."""
    lines = ["template: deep", "title: Deep", "version: 1.0.0", "kind: change", "roles:", "  lead: Lead", "stages:"]

    def stages(level: int, pad: str) -> None:
        if level == depth:
            lines.extend([f"{pad}leaf:", f"{pad}  owner: lead"])
            return
        lines.extend([f"{pad}s{level}:", f"{pad}  owner: lead", f"{pad}  split:", f"{pad}    j{level}:",
                      f"{pad}      suffix: A", f"{pad}      stages:"])
        stages(level + 1, pad + "        ")
        lines.extend([f"{pad}  rejoin: done{level}", f"{pad}done{level}:", f"{pad}  owner: lead"])

    stages(0, "  ")
    return "\n".join(lines) + "\n"


def first_line_indented(text: str, spaces: int) -> int:
    for n, line in enumerate(text.splitlines(), 1):
        if len(line) - len(line.lstrip(" ")) == spaces and line.strip():
            return n
    raise AssertionError(f"no line is indented by {spaces}")


def test_nested_splits_within_the_limit_are_accepted(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    write("deep.yaml", nested_splits(12))
    code, out, _ = validate(capsys, "deep.yaml")
    assert code == 0, out
    assert "no problems in 1 file" in out


@pytest.mark.parametrize("depth", [16, 60, 80])
def test_splits_nested_past_the_limit_are_refused_with_a_finding(capsys: pytest.CaptureFixture[str], workdir: Path,
                                                                 depth: int) -> None:
    text = nested_splits(depth)
    write("deep.yaml", text)
    code, out, err = validate(capsys, "deep.yaml")
    assert code == 1
    assert "RecursionError" not in out + err
    # with two spaces per level, the keys of the first mapping past the limit are indented 2 * MAX_NESTING
    line = first_line_indented(text, 2 * MAX_NESTING)
    assert f"deep.yaml:{line}:{2 * MAX_NESTING + 1}: error SOP006 [nesting-too-deep]" in out
    assert f"the limit is {MAX_NESTING} levels" in out


@pytest.mark.parametrize("levels", [MAX_NESTING + 1, 1000])
def test_deeply_nested_mappings_are_refused_at_the_first_one_past_the_limit(
        capsys: pytest.CaptureFixture[str], workdir: Path, levels: int) -> None:
    # `levels` mappings within each other, one space of indentation per level
    text = "".join(" " * i + f"k{i}:\n" for i in range(levels - 1)) + " " * (levels - 1) + "v: x\n"
    write("deep.yaml", text)
    code, out, err = validate(capsys, "deep.yaml")
    assert code == 1
    assert "RecursionError" not in out + err
    assert f"deep.yaml:{MAX_NESTING + 1}:{MAX_NESTING + 1}: error SOP006" in out


def test_mappings_nested_exactly_to_the_limit_are_read(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    text = "".join(" " * i + f"k{i}:\n" for i in range(MAX_NESTING - 1)) + " " * (MAX_NESTING - 1) + "v: x\n"
    write("deep.yaml", text)
    code, out, _ = validate(capsys, "deep.yaml")
    assert code == 1  # not a template, but read: the schema speaks, not the nesting limit
    assert "SOP006" not in out
    assert "deep.yaml:1:1: error SOP010 [unknown-key] unknown key 'k0'" in out


def test_deeply_nested_lists_on_one_line(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    write("lists.yaml", "- " * 3000 + "x\n")
    code, out, err = validate(capsys, "lists.yaml")
    assert code == 1
    assert "RecursionError" not in out + err
    assert f"lists.yaml:1:{2 * MAX_NESTING + 1}: error SOP006" in out


def test_the_nesting_limit_is_documented_with_its_rule() -> None:
    rule = next(r for r in all_rules() if r.code == "SOP006")
    assert rule.slug == "nesting-too-deep"
    assert str(MAX_NESTING) in rule.summary and str(MAX_NESTING) in rule.explanation


# ------------------------------------------------------------------ long lines and large files

def test_a_very_long_line_is_read(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    text = SMALL_TEMPLATE.replace("title: Quarterly access review", "description: " + "word " * 40_000, 1)
    write("long.yaml", text.replace("description:", "title: Long\ndescription:", 1))
    code, out, _ = validate(capsys, "long.yaml")
    assert code == 0, out[:2000]


def test_an_error_far_along_a_long_line_has_its_column(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    write("long.yaml", "template: long\ntitle: " + "x" * 100_000 + ": y\n")
    code, out, _ = validate(capsys, "long.yaml")
    assert code == 1
    assert f"long.yaml:2:{len('title: ') + 100_000 + 1}: error SOP001 [yaml-syntax]" in out


def test_a_file_over_the_default_limit_is_refused_naming_the_limit(capsys: pytest.CaptureFixture[str],
                                                                   workdir: Path) -> None:
    write("huge.yaml", SMALL_TEMPLATE + "# " + "x" * DEFAULT_MAX_BYTES + "\n")
    code, out, _ = validate(capsys, "huge.yaml")
    assert code == 1
    assert "huge.yaml:1:1: error SOP005 [file-too-large]" in out
    assert f"over the limit of {DEFAULT_MAX_BYTES:,} bytes" in out
    assert "max-file-size" in out


def test_the_limit_comes_from_the_configuration(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    write("sopframe.toml", "max-file-size = 1000\n")
    write("small.yaml", SMALL_TEMPLATE)
    code, out, _ = validate(capsys, "small.yaml")
    assert code == 1
    assert f"small.yaml:1:1: error SOP005 [file-too-large] file is {len(SMALL_TEMPLATE):,} bytes, " \
           "over the limit of 1,000 bytes" in out


def test_a_raised_limit_accepts_a_larger_file(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    write("sopframe.toml", f"max-file-size = {2 * DEFAULT_MAX_BYTES}\n")
    write("big.yaml", SMALL_TEMPLATE + "# " + "x" * DEFAULT_MAX_BYTES + "\n")
    code, out, _ = validate(capsys, "big.yaml")
    assert code == 0, out[:2000]


@pytest.mark.parametrize("value,message", [
    ("0", "'max-file-size' must be a positive number of bytes, got 0"),
    ("-5", "'max-file-size' must be a positive number of bytes, got -5"),
    ('"1MB"', "'max-file-size' must be a whole number"),
])
def test_a_bad_configured_limit_is_a_configuration_error(capsys: pytest.CaptureFixture[str], workdir: Path,
                                                         value: str, message: str) -> None:
    write("sopframe.toml", f"max-file-size = {value}\n")
    write("small.yaml", SMALL_TEMPLATE)
    code, _, err = validate(capsys, "small.yaml")
    assert code == 2
    assert "sopframe.toml" in err and message in err


# ------------------------------------------------------------------ unknown keys, wrong types, empty values

UNKNOWN_KEYS = [
    # (anchor, old, new, key, suggestion, column)
    ("template:", "title:", "titel:", "titel", "title", 1),
    ("publishes:", "review_every:", "review_evry:", "review_evry", "review_every", 3),
    ("  scope:", "owner:", "ownr:", "ownr", "owner", 5),
    ("      system:", "type:", "tpye:", "tpye", "type", 9),
    ("      risk:", "required:", "requried:", "requried", "required", 9),
    ("    signoffs:", "role:", "rolle:", "rolle", "role", 9),
    ("      accounts:", "suffix:", "sufix:", "sufix", "suffix", 9),
    ("    gate:", "at_least:", "at_lest:", "at_lest", "at_least", 9),
    ("    rework: scope", "otherwise:", "otherwize:", "otherwize", "otherwise", 7),
    ("  escalate:", "otherwise:", "otherwse:", "otherwse", "otherwise", 7),
]


@pytest.mark.parametrize("anchor,old,new,key,suggestion,col", UNKNOWN_KEYS,
                         ids=[case[3] for case in UNKNOWN_KEYS])
def test_unknown_keys_at_every_level_suggest_the_known_one(capsys: pytest.CaptureFixture[str], workdir: Path,
                                                           anchor: str, old: str, new: str, key: str,
                                                           suggestion: str, col: int) -> None:
    text = mutate(anchor, old, new)
    write("typo.yaml", text)
    code, out, _ = validate(capsys, "typo.yaml")
    assert code == 1
    line = text.index(new, text.index(anchor))
    line = text.count("\n", 0, line) + 1
    assert re.search(rf"typo\.yaml:{line}:{col}: error SOP010 \[unknown-key\] unknown key '{key}' .*"
                     rf"\(did you mean '{suggestion}'\?\)", out), out


WRONG_TYPES = [
    # (anchor, old, new, message, line needle, column)
    ("template:", "title: Quarterly access review\n", "title:\n  en: Quarterly\n",
     "'title': expected text, got a mapping", "  en: Quarterly", 3),
    ("template:", "version: 1.2.0\n", "version:\n  - 1.2.0\n",
     "'version': expected a semantic version such as 1.0.0, got a list", "  - 1.2.0", 3),
    ("template:", "kind: change\n", "kind: change\nframeworks: iso27001\n",
     "'frameworks': expected a list, got 'iso27001'", "frameworks:", 13),
    ("  close:", "    owner: owner\n", "    owner: owner\n    fields:\n      - a\n      - b\n",
     "'fields' in stage 'close': expected a mapping of field id to field, got a list", "      - a", 7),
    ("      risk:", "        options:\n          - low\n          - high\n", "        options: low\n",
     "'options' in field 'risk' in stage 'scope': expected a list, got 'low'", "options: low", 18),
    ("      system:", "required: yes", "required: maybe",
     "'required' in field 'system' in stage 'scope': 'maybe' is not allowed", "required: maybe", 19),
    ("      accounts:", "suffix: A\n", "suffix:\n          x: y\n",
     "'suffix' in sub-job 'accounts' in stage 'checks': expected a suffix of 1-8 letters or digits, such as A, got a mapping",
     "          x: y", 11),  # regression: a list of types in the schema crashed the message
    ("  scope:", "next: checks", "next:\n      - checks\n      -\n        x: y",
     "item 2 in 'next' in stage 'scope': expected an id (a letter, then letters, digits, _ or -), got a mapping",
     "        x: y", 9),
]


@pytest.mark.parametrize("anchor,old,new,message,needle,col", WRONG_TYPES,
                         ids=["mapping-for-text", "list-for-version", "text-for-list", "list-for-mapping",
                              "text-for-options", "word-for-bool", "mapping-for-suffix", "mapping-in-next"])
def test_values_of_the_wrong_type(capsys: pytest.CaptureFixture[str], workdir: Path, anchor: str, old: str,
                                  new: str, message: str, needle: str, col: int) -> None:
    text = mutate(anchor, old, new)
    write("types.yaml", text)
    code, out, _ = validate(capsys, "types.yaml")
    assert code == 1
    line = line_of(text[text.index(anchor):], needle) + text.count("\n", 0, text.index(anchor))
    assert re.search(rf"types\.yaml:{line}:{col}: error SOP012 \[invalid-value\] " + re.escape(message), out), out


EMPTY_VALUES = [
    # (anchor, old, new, message, key line needle, column)
    ("  scope:", "    next: checks\n", "    next:\n", "'next' in stage 'scope': expected", "    next:", 5),
    ("stages:", SMALL_TEMPLATE[SMALL_TEMPLATE.index("stages:"):SMALL_TEMPLATE.index("publishes:")], "stages:\n",
     "'stages': expected a mapping of stage id to stage, got an empty value", "stages:", 1),
    ("  review:", "    fields:\n      removed:", "    fields:\n    zz_fields:\n      removed:",
     "'fields' in stage 'review': expected a mapping of field id to field, got an empty value", "    fields:", 5),
    ("roles:", "  owner: System owner\n  reviewer: Access reviewer\n  security: Security officer\n", "",
     "'roles': expected a mapping of role id to description, got an empty value", "roles:", 1),
    ("    gate:", "      removed:\n        at_least: 0\n", "",
     "'gate' in stage 'review': expected a mapping of field to condition, got an empty value", "    gate:", 5),
]


@pytest.mark.parametrize("anchor,old,new,message,needle,col", EMPTY_VALUES,
                         ids=["next", "stages", "fields", "roles", "gate"])
def test_empty_values_are_reported_at_their_key(capsys: pytest.CaptureFixture[str], workdir: Path, anchor: str,
                                                old: str, new: str, message: str, needle: str, col: int) -> None:
    text = mutate(anchor, old, new)
    write("empty.yaml", text)
    code, out, _ = validate(capsys, "empty.yaml")
    assert code == 1
    line = line_of(text[text.index(anchor):], needle) + text.count("\n", 0, text.index(anchor))
    assert re.search(rf"empty\.yaml:{line}:{col}: error SOP012 \[invalid-value\] " + re.escape(message), out), out


def test_an_empty_value_at_the_end_of_the_file_is_inside_the_file(capsys: pytest.CaptureFixture[str],
                                                                  workdir: Path) -> None:
    # regression: the parser marks an empty value at the token after it, here past the last line
    text = SMALL_TEMPLATE[:SMALL_TEMPLATE.index("      risk:")] + "      risk:\n"
    write("cut.yaml", text)
    code, out, _ = validate(capsys, "--format", "json", "cut.yaml")
    assert code == 1
    findings = json_findings(out)
    assert findings and all(1 <= f["line"] <= len(text.splitlines()) for f in findings), findings
    assert {(f["line"], f["col"]) for f in findings if "'risk'" in f["message"]} == {(len(text.splitlines()), 7)}


@pytest.mark.parametrize("pattern", ["(a{99999999999})", "(" * 5000 + ")" * 5000], ids=["huge-repeat", "deep-groups"])
def test_a_regular_expression_python_cannot_compile_is_a_finding(capsys: pytest.CaptureFixture[str],
                                                                 workdir: Path, pattern: str) -> None:
    # regression: re.compile raised OverflowError / RecursionError, reported as a crashed rule (SOP901)
    text = mutate("      system:", "        type: text\n", f"        type: text\n        pattern: '{pattern}'\n")
    write("regex.yaml", text)
    code, out, _ = validate(capsys, "regex.yaml")
    assert code == 1
    line = line_of(text, "pattern: ")
    assert f"regex.yaml:{line}:18: error SOP116 [field-constraint] pattern of field 'system' is not a valid " \
           "regular expression" in out
    assert "SOP901" not in out


# ------------------------------------------------------------------ paths

def test_a_missing_path_is_a_usage_error(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    write("good.yaml", SMALL_TEMPLATE)
    code, out, err = validate(capsys, "good.yaml", "nope.yaml")
    assert code == 2
    assert "sopframe: error: path 'nope.yaml' does not exist" in err
    assert out == ""


def test_a_directory_without_templates_warns(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    write("docs/readme.md", "# not a template\n")
    code, out, err = validate(capsys, "docs")
    assert code == 0
    assert "warning: no template files" in err and "docs" in err
    assert "no problems in 0 files" in out


def test_an_unreadable_file_is_reported(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    path = Path(write("secret.yaml", SMALL_TEMPLATE))
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running with privileges that read any file (root): chmod 000 does not stop reading")
        code, out, _ = validate(capsys, "secret.yaml")
    finally:
        path.chmod(0o644)
    assert code == 1
    assert "secret.yaml:1:1: error SOP004 [not-text] cannot read file: Permission denied" in out


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links on this platform")
def test_a_symlink_loop_given_as_a_path_is_a_usage_error(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    os.symlink("b.yaml", "a.yaml")
    os.symlink("a.yaml", "b.yaml")
    code, _, err = validate(capsys, "a.yaml")
    assert code == 2
    assert "path 'a.yaml' is a symbolic link that does not resolve" in err


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links on this platform")
def test_links_that_do_not_resolve_inside_a_directory_are_reported(capsys: pytest.CaptureFixture[str],
                                                                   workdir: Path) -> None:
    write("procs/good.yaml", SMALL_TEMPLATE)
    os.symlink("b.yaml", "procs/a.yaml")
    os.symlink("a.yaml", "procs/b.yaml")
    os.symlink("gone.yaml", "procs/dangling.yaml")
    os.symlink(".", "procs/self")  # a directory loop is not followed
    code, out, _ = validate(capsys, "procs")
    assert code == 1
    for name in ("a.yaml", "b.yaml", "dangling.yaml"):
        assert f"{os.path.join('procs', name)}:1:1: error SOP004 [not-text] cannot read file" in out
    assert "good.yaml" not in out
    assert "3 errors in 4 files" in out

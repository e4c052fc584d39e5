"""Property tests: mutated templates never make ``sopframe validate`` crash.

Valid templates (a small one embedded here, and the complete example in
tests/data) are mutated at the text level (lines deleted,
duplicated, swapped or re-indented, characters and keys inserted, values
replaced, the file truncated) and at the data level (keys dropped or
renamed, unknown keys added, values replaced with values of other types),
and their references are scrambled (values replaced with other words of the
same template, mappings reordered) so that mutants also reach the graph and
the rules.  Every mutant is validated through the CLI entry point; the exit code must be
0 or 1, no traceback may reach the user, and every finding must name the
file with a line and column inside it.

The runs are derandomized so that CI is reproducible.  To hunt for bugs
harder, raise the number of examples, e.g.
``SOPFRAME_FUZZ_EXAMPLES=2000 pytest tests/robustness/test_fuzz.py``, and set
``SOPFRAME_FUZZ_RANDOM=1`` to draw different examples on every run.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sopframe.core.yamlsource import iter_paths, parse_text
from testsupport import data_file

from .helpers import SMALL_TEMPLATE, dump_yaml, json_findings, run_cli

EXAMPLES = int(os.environ.get("SOPFRAME_FUZZ_EXAMPLES", "40"))

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("SOPFRAME_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)

#: keys of the template language, so that inserted keys are sometimes known ones
KNOWN_KEYS = ["template", "title", "version", "kind", "roles", "stages", "publishes", "frameworks",
              "job_id", "description", "owner", "fields", "signoffs", "gate", "next", "rework", "sla",
              "split", "rejoin", "type", "required", "options", "min", "max", "pattern", "role",
              "not_by", "suffix", "when", "is", "otherwise", "equals", "in", "at_least", "at_most", "set",
              "ref", "effective_date", "review_every"]
#: values that exercise YAML's corners and the schema's types
ODD_VALUES = ["", "''", "yes", "no", "0", "-1", "1.5", "null", "~", "{x: 1}", "[a, b]", "&a x", "*a", "!!int 3",
              "|", ">", "'unterminated", '"also', "- item", "a: b", "#", "%", "@", "`", "x" * 300,
              "2026-02-30", "P1D", "10 lightyears", "draft", "draft.sop_ref", "é ü ß", "\t", "{seq}", "{"]
#: characters that matter to YAML, line breaks YAML does not count, and characters it refuses
CHARS = st.text(alphabet=st.sampled_from(list(":-#'\"{}[]&*!|>%@`?,\t\n \\x\u00e9\u2028\u2029\x85\x00\x01\x0c\x1b"
                                              "\x7f\ufeff\ufffe\r")), min_size=1, max_size=6)

Lines = list[str]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


# ---------------------------------------------------------------- text level

def _delete(draw: Callable[..., Any], lines: Lines) -> Lines:
    i = draw(st.integers(0, len(lines) - 1))
    return lines[:i] + lines[i + 1:]


def _duplicate(draw: Callable[..., Any], lines: Lines) -> Lines:
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines)))
    return lines[:j] + [lines[i]] + lines[j:]


def _swap(draw: Callable[..., Any], lines: Lines) -> Lines:
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    out = list(lines)
    out[i], out[j] = out[j], out[i]
    return out


def _reindent(draw: Callable[..., Any], lines: Lines) -> Lines:
    i = draw(st.integers(0, len(lines) - 1))
    prefix = draw(st.sampled_from(["", " ", "  ", "    ", "\t", " \t", "        "]))
    out = list(lines)
    body = out[i].lstrip(" \t")
    keep = draw(st.booleans())
    out[i] = (out[i][: len(out[i]) - len(body)] if keep else "") + prefix + body
    return out


def _insert_chars(draw: Callable[..., Any], lines: Lines) -> Lines:
    i = draw(st.integers(0, len(lines) - 1))
    line = lines[i]
    at = draw(st.integers(0, len(line)))
    out = list(lines)
    out[i] = line[:at] + draw(CHARS) + line[at:]
    return out


def _insert_key(draw: Callable[..., Any], lines: Lines) -> Lines:
    i = draw(st.integers(0, len(lines) - 1))
    key = draw(st.sampled_from(KNOWN_KEYS) | st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True))
    value = draw(st.sampled_from(ODD_VALUES))
    line = f"{' ' * _indent(lines[i])}{key}: {value}\n"
    return lines[:i] + [line] + lines[i:]


def _replace_value(draw: Callable[..., Any], lines: Lines) -> Lines:
    with_values = [i for i, ln in enumerate(lines) if ": " in ln and not ln.lstrip().startswith("#")]
    if not with_values:
        return lines
    i = draw(st.sampled_from(with_values))
    out = list(lines)
    out[i] = out[i].split(": ", 1)[0] + ": " + draw(st.sampled_from(ODD_VALUES)) + "\n"
    return out


def _truncate(draw: Callable[..., Any], lines: Lines) -> Lines:
    text = "".join(lines)
    cut = draw(st.integers(0, len(text)))
    return text[:cut].splitlines(keepends=True) or [""]


TEXT_OPS = [_delete, _duplicate, _swap, _reindent, _insert_chars, _insert_key, _replace_value, _truncate]


@st.composite
def text_mutants(draw: Callable[..., Any], base: str) -> str:
    lines = base.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines or lines == [""]:
            break
        lines = draw(st.sampled_from(TEXT_OPS))(draw, lines)
    return "".join(lines)


# ---------------------------------------------------------------- data level

def _get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


OTHER_VALUES: list[Any] = [{}, [], "", "text", "draft", {"x": "y"}, ["a", "b"], [{"a": "b"}], {"when": "risk"},
                           {"type": "text"}, ["draft", "draft"], "1.0", "yes", {"stages": {"s": {}}}]


@st.composite
def data_mutants(draw: Callable[..., Any], base: str) -> str:
    doc, problems = parse_text("base.yaml", base)
    assert doc is not None, problems
    data = doc.data
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in iter_paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, last = _get(data, path[:-1]), path[-1]
        op = draw(st.sampled_from(["drop", "replace", "rename", "add"]))
        if op == "drop":
            del parent[last]
        elif op == "replace":
            parent[last] = copy.deepcopy(draw(st.sampled_from(OTHER_VALUES)))
        elif op == "rename" and isinstance(parent, dict):
            key = str(last)
            at = draw(st.integers(0, len(key)))
            new = key[:at] + draw(st.sampled_from(["x", "_", "", "-", "1"])) + key[at + 1:]
            if new and new not in parent:
                parent[new] = parent.pop(key)
        elif op == "add":
            target = parent if isinstance(parent, dict) else _get(data, path)
            if isinstance(target, dict):
                target[draw(st.sampled_from(KNOWN_KEYS + ["colour", "stagez", "owners"]))] = \
                    copy.deepcopy(draw(st.sampled_from(OTHER_VALUES + ODD_VALUES)))
    return dump_yaml(data)


#: values that are well-formed for the schema but hard for the checks behind it
TRICKY_SCALARS = ["(a{99999999999})", "[", "(?P<x>", "a" * 2000, "99999999999999999999d", "P99999999999999999999D",
                  "PT0S", "0m", "1e999", "-1e999", "nan", "inf", "-0", "0x10", "9999-12-31", "0001-01-01",
                  "2026-02-29", "2026-13-01", "2026-01-01T25:00", "{seq:99}", "{year}{seq}", "yes", "no", "on",
                  "True", "1", "1.0", "scope.risk", "review.removed", "x.y.z", "a.b", ".", "-", "_"]


@st.composite
def reference_mutants(draw: Callable[..., Any], base: str) -> str:
    """Mutants that mostly keep the structure but scramble what refers to what.

    Scalars are replaced by other words of the same document (stage, field,
    role and sign-off names, types, values), mappings are reordered and
    entries removed, so that mutants get past the schema to the graph and
    the rules.
    """
    doc, problems = parse_text("base.yaml", base)
    assert doc is not None, problems
    data = doc.data
    words = sorted({str(p[-1]) for p in iter_paths(data) if p and isinstance(p[-1], str)}
                   | {v for v in (_get(data, p) for p in iter_paths(data)) if isinstance(v, str)})
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in iter_paths(data) if p]
        path = draw(st.sampled_from(paths))
        parent, last, value = _get(data, path[:-1]), path[-1], _get(data, path)
        op = draw(st.sampled_from(["word", "word", "tricky", "reorder", "drop-entry"]))
        if op == "word" and isinstance(value, str):
            parent[last] = draw(st.sampled_from(words))
        elif op == "tricky" and isinstance(value, str):
            parent[last] = draw(st.sampled_from(TRICKY_SCALARS))
        elif op == "reorder" and isinstance(value, dict) and len(value) > 1:
            keys = draw(st.permutations(list(value)))
            parent[last] = {k: value[k] for k in keys}
        elif op == "drop-entry" and isinstance(value, (dict, list)) and len(value) > 1:
            victim = draw(st.sampled_from(list(value) if isinstance(value, dict) else range(len(value))))
            del value[victim]
    return dump_yaml(data)


# ------------------------------------------------------------------- checks

def check_validate(capsys: pytest.CaptureFixture[str], path: Path, text: str) -> None:
    """Validate ``text`` as ``path`` through the CLI: exit 0 or 1, positioned findings."""
    path.write_text(text, "utf-8")
    code, out, err = run_cli(capsys, ["validate", "--format", "json", str(path)])
    assert code in (0, 1), f"exit {code}\n--- stderr\n{err}\n--- template\n{text}"
    findings = json_findings(out)
    assert (code == 1) == any(f["severity"] == "error" for f in findings), out
    # lines as the YAML reader counts them: NEL and the Unicode separators do not break lines
    lines = re.split(r"\r\n|\r|\n", text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # the break ending the last line starts no line of its own
    for f in findings:
        assert f["file"] == str(path), f
        assert f["line"] >= 1 and f["col"] >= 1, f
        assert f["line"] <= len(lines), f"{f} is past the last line ({len(lines)})\n--- template\n{text}"
        width = len(lines[f["line"] - 1])
        assert f["col"] <= width + 1, f"{f} is past the end of its line ({width})\n--- template\n{text}"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory, so that no configuration file is picked up."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def shared_example() -> str:
    """The complete example's text (tests/data/template-example.yaml)."""
    return data_file("template-example.yaml").read_text("utf-8")


def test_the_unmutated_templates_are_accepted(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    path = workdir / "small.yaml"
    path.write_text(SMALL_TEMPLATE, "utf-8")
    code, out, _ = run_cli(capsys, ["validate", "--format", "json", str(path)])
    assert code == 0, out
    assert json_findings(out) == []


def test_the_yaml_writer_round_trips(workdir: Path) -> None:
    doc, problems = parse_text("t.yaml", SMALL_TEMPLATE)
    assert doc is not None, problems
    again, problems = parse_text("t.yaml", dump_yaml(doc.data))
    assert again is not None, problems
    assert again.data == doc.data


@FUZZ
@given(text=text_mutants(SMALL_TEMPLATE))
def test_text_mutants_of_a_small_template(capsys: pytest.CaptureFixture[str], workdir: Path, text: str) -> None:
    check_validate(capsys, workdir / "mutant.yaml", text)


@FUZZ
@given(text=data_mutants(SMALL_TEMPLATE))
def test_data_mutants_of_a_small_template(capsys: pytest.CaptureFixture[str], workdir: Path, text: str) -> None:
    check_validate(capsys, workdir / "mutant.yaml", text)


@FUZZ
@given(data=st.data())
def test_text_mutants_of_the_shared_example(capsys: pytest.CaptureFixture[str], workdir: Path,
                                            shared_example: str, data: st.DataObject) -> None:
    text = data.draw(text_mutants(shared_example))
    check_validate(capsys, workdir / "mutant.yaml", text)


@FUZZ
@given(data=st.data())
def test_data_mutants_of_the_shared_example(capsys: pytest.CaptureFixture[str], workdir: Path,
                                            shared_example: str, data: st.DataObject) -> None:
    text = data.draw(data_mutants(shared_example))
    check_validate(capsys, workdir / "mutant.yaml", text)


@FUZZ
@given(text=reference_mutants(SMALL_TEMPLATE))
def test_reference_mutants_of_a_small_template(capsys: pytest.CaptureFixture[str], workdir: Path,
                                               text: str) -> None:
    check_validate(capsys, workdir / "mutant.yaml", text)


@FUZZ
@given(data=st.data())
def test_reference_mutants_of_the_shared_example(capsys: pytest.CaptureFixture[str], workdir: Path,
                                                 shared_example: str, data: st.DataObject) -> None:
    text = data.draw(reference_mutants(shared_example))
    check_validate(capsys, workdir / "mutant.yaml", text)

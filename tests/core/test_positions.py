"""Findings point at the exact line and column, whatever the layout around them.

Expected positions are written out as numbers, and cross-checked with
:func:`where`, which finds a unique piece of text in the template.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from sopframe.core.validate import FileResult, validate_bytes, validate_paths, validate_text
from sopframe.pluginmanager import Plugins, load_plugins
from sopframe.testing import TemplateBuilder

HEAD = TemplateBuilder("demo", title="Demo procedure").role("engineer", "Does the work").head_yaml()


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return load_plugins(entry_points=lambda: [])


def where(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the only occurrence of ``needle``."""
    assert text.count(needle) == 1, f"{needle!r} is not unique"
    before = text[: text.index(needle)]
    lines = before.split("\n")
    return len(lines), len(lines[-1]) + 1


def found(result: FileResult, code: str) -> list[tuple[int, int]]:
    return sorted((f.line, f.col) for f in result.findings if f.code == code)


def check(text: str, plugins: Plugins, path: str = "t.yaml") -> FileResult:
    return validate_text(text, path, plugins=plugins)


# ------------------------------------------------------------------ comments

def test_comments_between_keys(plugins: Plugins) -> None:
    text = HEAD + """\
# a comment before the stages
stages:
  # a comment before the first stage

  start:
    # what the stage is for
    owner: engineer

    # where it goes
    next: finsh   # a trailing comment
    # and a comment after it
  finish:
    owner: engineer
"""
    res = check(text, plugins)
    assert found(res, "SOP109") == [(16, 11)] == [where(text, "finsh")]
    assert found(res, "SOP102") == [(18, 3)] == [where(text, "finish:")]


def test_comment_lines_inside_mappings_at_odd_indents(plugins: Plugins) -> None:
    text = HEAD + """\
stages:
  start:
    owner: engineer
    fields:
# a comment in column 1
      ticket:
            # a comment indented deeper than the keys
        type: text
  # a comment indented less than the keys
        requird: yes
"""
    res = check(text, plugins)
    assert found(res, "SOP010") == [(16, 9)] == [where(text, "requird")]
    assert "did you mean 'required'" in res.findings[0].message


def test_comment_with_colon_and_quotes_does_not_shift(plugins: Plugins) -> None:
    text = HEAD + """\
stages:
  start: # "next: nowhere" 'in a comment': {not: flow}
    owner: engineer
    next: nowhere
"""
    res = check(text, plugins)
    assert found(res, "SOP109") == [(10, 11)] == [where(text, "nowhere\n")]


# ------------------------------------------------------------- block scalars

@pytest.mark.parametrize("indicator", ["|", ">", "|-", ">+", "|2"])
def test_block_scalar_before_offending_key(plugins: Plugins, indicator: str) -> None:
    text = HEAD + f"""\
stages:
  start:
    description: {indicator}
      First line of a long description.
        An indented line: with a colon, # and a hash.

      owner: not a key, still text
      next: neither
    owner: engineer
    next: nowhere
"""
    res = check(text, plugins)
    assert found(res, "SOP109") == [(16, 11)] == [where(text, "nowhere")]


def test_block_scalar_then_unknown_key_in_field(plugins: Plugins) -> None:
    text = HEAD + """\
stages:
  start:
    owner: engineer
    fields:
      summary:
        type: longtext
        description: >
          Folded text
          over several lines.


        tpye: text
"""
    res = check(text, plugins)
    assert found(res, "SOP010") == [(18, 9)] == [where(text, "tpye")]


def test_block_scalar_template_description(plugins: Plugins) -> None:
    text = """\
template: demo
description: |
  roles:
    engineer: this is text, not a key
title: Demo procedure
version: 1.0.0
kind: change
roles:
  engineer: Does the work
  auditor: Never used
stages:
  start:
    owner: engineer
"""
    res = check(text, plugins)
    assert found(res, "SOP112") == [(10, 3)] == [where(text, "auditor")]


# ---------------------------------------------------------------- list items

def test_invalid_list_item_points_at_the_item(sopframe_plugins) -> None:
    text = HEAD.replace("kind: change\n", "kind: change\nframeworks:\n  - iso27001\n  - iso9001\n") + """\
stages:
  start:
    owner: engineer
"""
    res = check(text, sopframe_plugins("iso27001"))  # the framework ids come from the framework plugins
    assert found(res, "SOP012") == [(7, 5)] == [where(text, "iso9001")]
    assert "did you mean 'iso27001'" in res.findings[0].message


def test_parallel_next_points_at_the_dangling_item(plugins: Plugins) -> None:
    text = HEAD + """\
stages:
  start:
    owner: engineer
    next:
      - left
      - rihgt
  left:
    owner: engineer
  right:
    owner: engineer
"""
    res = check(text, plugins)
    assert found(res, "SOP109") == [(12, 9)] == [where(text, "rihgt")]


def test_cycle_points_at_the_item_that_closes_it(plugins: Plugins) -> None:
    text = HEAD + """\
stages:
  start:
    owner: engineer
    next: review
  review:
    owner: engineer
    next:
      - done
      - start
  done:
    owner: engineer
"""
    res = check(text, plugins)
    assert where(text, "- start") == (15, 7)
    assert found(res, "SOP101") == [(15, 9)]


def test_not_by_list_item(plugins: Plugins) -> None:
    text = HEAD.replace("roles:\n", "roles:\n  reviewer: Reviews\n") + """\
stages:
  start:
    owner: engineer
    signoffs:
      first:
        role: reviewer
      second:
        role: reviewer
        not_by:
          - first
          - thrid
"""
    res = check(text, plugins)
    assert found(res, "SOP115") == [(18, 13)] == [where(text, "thrid")]


def test_gate_values_point_at_the_value(plugins: Plugins) -> None:
    text = HEAD + """\
stages:
  start:
    owner: engineer
    fields:
      outcome:
        type: choice
        options:
          - pass
          - fail
      hosts:
        type: integer
    gate:
      outcome:
        in:
          - pass
          - failed
      hosts:
        at_least: many
"""
    res = check(text, plugins)
    assert found(res, "SOP117") == [(22, 13), (24, 19)] == [where(text, "failed"), where(text, "many")]


# ------------------------------------------------------------- deep nesting

NESTED = HEAD + """\
stages:
  start:
    owner: engineer
    next: outer
  outer:
    split:
      one:
        suffix: A
        owner: engineer
        stages:
          inner:
            split:
              deep:
                suffix: X
                owner: engineer
                stages:
                  work:
                    signoffs:
                      approve:
                        role: enginer
                    next: check
                  check:
                    gate:
                      verdict: ok
            rejoin: after
          after:
            title: After the inner split
    rejoin: finish
  finish:
    owner: engineer
"""


def test_deep_nesting_positions(plugins: Plugins) -> None:
    res = check(NESTED, plugins)
    assert found(res, "SOP107") == [(26, 31)] == [where(NESTED, "enginer\n")]
    assert found(res, "SOP108") == [(30, 23)] == [where(NESTED, "verdict")]
    stages = {f.code: f.stage for f in res.findings}
    assert stages == {"SOP107": "outer/one/inner/deep/work", "SOP108": "outer/one/inner/deep/check"}


def test_deep_nesting_schema_error(plugins: Plugins) -> None:
    text = NESTED.replace("suffix: X", "sufix: X")
    res = check(text, plugins)
    assert found(res, "SOP010") == [(20, 17)] == [where(text, "sufix")]
    # the sub-job also lacks its required suffix: reported at the sub-job's key
    assert found(res, "SOP011") == [(19, 15)] == [where(text, "deep:")]


# ---------------------------------------------------- line endings, BOM, text

BROKEN = HEAD + """\
stages:
  start:
    owner: engineer
    # comment
    description: |
      two lines
      of text
    next: nowhere
"""
SCHEMA_BROKEN = BROKEN.replace("    owner: engineer\n", "    ownr: engineer\n")
SYNTAX_BROKEN = BROKEN.replace("next: nowhere", "next: 'nowhere")
DUPLICATED = BROKEN + "    owner: engineer\n"


@pytest.mark.parametrize(
    ("text", "code", "pos"),
    [
        (BROKEN, "SOP109", (14, 11)),  # the undefined stage
        (SCHEMA_BROKEN, "SOP010", (9, 5)),  # the unknown key
        (SYNTAX_BROKEN, "SOP001", (14, 11)),  # the unclosed quote
        (DUPLICATED, "SOP002", (15, 5)),  # the second `owner:`
    ],
    ids=["rule", "schema", "syntax", "duplicate-key"],
)
@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode(),
        lambda t: t.replace("\n", "\r\n").encode(),
        lambda t: b"\xef\xbb\xbf" + t.encode(),
        lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode(),
    ],
    ids=["lf", "crlf", "bom", "bom-crlf"],
)
def test_line_endings_and_bom_do_not_move_positions(plugins: Plugins, text: str, code: str,
                                                    pos: tuple[int, int], encode: Callable[[str], bytes]) -> None:
    res = validate_bytes(encode(text), "t.yaml", plugins=plugins)
    assert found(res, code) == [pos], [(f.code, f.line, f.col, f.message) for f in res.findings]


def test_bom_in_decoded_text(plugins: Plugins) -> None:
    res = check("\ufeff" + BROKEN, plugins)
    assert found(res, "SOP109") == [(14, 11)]


def test_non_ascii_text_counts_characters(plugins: Plugins) -> None:
    text = HEAD.replace("Does the work", "Ingénieur — l’équipe") + """\
stages:
  démarrage:
    owner: engineer
"""
    res = check(text, plugins)
    # an id must be ASCII: reported at the key, columns in characters
    assert found(res, "SOP012") == [(8, 3)]
    text = HEAD + """\
stages:
  start:
    title: «Début» — étape   # commentaire
    owner: engineer
    rework: nulle_part
"""
    res = check(text, plugins)
    assert found(res, "SOP109") == [(11, 13)] == [where(text, "nulle_part")]
    text = HEAD + "stages:\n  start:\n    title: «Début» — étape\n    ownr: engineer\n"
    res = check(text, plugins)
    assert found(res, "SOP010") == [(10, 5)]


# ---------------------------------------------------------- many files at once

def test_many_files_keep_their_own_positions(plugins: Plugins, tmp_path: Path) -> None:
    expected: dict[str, list[tuple[str, int, int]]] = {}
    for i in range(12):
        padding = "".join(f"# padding line {j}\n" for j in range(i))
        kind = i % 4
        if kind == 0:  # a rule finding
            body = HEAD + "stages:\n  start:\n    owner: engineer\n    next: nowhere\n"
            want = [("SOP109", i + 10, 11)]
        elif kind == 1:  # a schema finding, indented deeper
            body = HEAD + "stages:\n  start:\n    owner: engineer\n    fields:\n      f:\n        tyep: text\n"
            want = [("SOP011", i + 11, 7), ("SOP010", i + 12, 9)]  # `type` is missing too
        elif kind == 2:  # a syntax error
            body = HEAD + "stages:\n  start:\n\towner: engineer\n"
            want = [("SOP001", i + 9, 1)]
        else:  # clean, in CRLF
            body = HEAD + "stages:\n  start:\n    owner: engineer\n"
            want = None
        text = padding + body
        if kind == 3:
            text = text.replace("\n", "\r\n")
        path = tmp_path / f"sub{i % 3}" / f"t{i:02}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(text.encode())
        if want:
            expected[str(path)] = want

    report = validate_paths([str(tmp_path)], plugins=plugins)
    assert len(report.files) == 12
    for fr in report.files:
        got = [(f.code, f.line, f.col) for f in fr.findings]
        if fr.path in expected:
            assert got == expected[fr.path], fr.path
        else:
            assert got == [], fr.path
            assert fr.template is not None
        assert all(f.file == fr.path for f in fr.findings)
    assert report.general == []

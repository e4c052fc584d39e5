"""Root cause first: one mistake gives its cause; the follow-on findings are hidden with a note saying
how many and how to show them.  JSON findings of core rules name their template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import invoke, write

HEAD = "template: {id}\ntitle: Demo\nversion: 1.0.0\nkind: change\nroles:\n  engineer: Does the work\nstages:\n"

BACK_EDGE = HEAD.format(id="back-edge") + """\
  a:
    owner: engineer
    next: b
  b:
    owner: engineer
    next: c
  c:
    owner: engineer
    next: a
"""

NO_REJOIN = HEAD.format(id="no-rejoin") + """\
  a:
    owner: engineer
    next: comp
  comp:
    split:
      one:
        suffix: A
        owner: engineer
        stages:
          x:
            owner: engineer
      two:
        suffix: B
        owner: engineer
        stages:
          y:
            owner: engineer
  review:
    owner: engineer
    next: done
  done:
    owner: engineer
"""


@pytest.fixture()
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "back.yaml", BACK_EDGE)
    write(tmp_path, "norejoin.yaml", NO_REJOIN)
    return tmp_path


def _codes(out: str) -> list[str]:
    return [f["code"] for f in json.loads(out)["findings"]]


@pytest.mark.parametrize(("name", "cause", "follow_ons"), [
    ("back.yaml", "SOP101", ["SOP103", "SOP103", "SOP103"]),
    ("norejoin.yaml", "SOP104", ["SOP102", "SOP102"]),
])
def test_one_mistake_gives_its_cause_and_a_note(work: Path, capsys: pytest.CaptureFixture[str], name: str,
                                                cause: str, follow_ons: list[str]) -> None:
    r = invoke(capsys, "validate", "--no-cache", "--format", "json", name)
    assert r.code == 1 and _codes(r.out) == [cause]
    n = len(follow_ons)
    assert r.err.strip() == (f"sopframe: note: {n} follow-on findings hidden (caused by one shown: fix it first); "
                             "--show-all shows them")
    every = invoke(capsys, "validate", "--no-cache", "--format", "json", "--show-all", name)
    assert sorted(_codes(every.out)) == sorted([cause, *follow_ons]) and every.err == ""
    text = invoke(capsys, "validate", "--no-cache", name)
    assert text.out.splitlines()[-1] == "1 error in 1 file" and "SOP103" not in text.out
    assert invoke(capsys, "-q", "validate", "--no-cache", name).err == ""


def test_follow_ons_are_hidden_only_beside_their_cause(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work, "stray.yaml", HEAD.format(id="stray") + "  a:\n    owner: engineer\n  b:\n    owner: engineer\n")
    r = invoke(capsys, "validate", "--no-cache", "--format", "json", "back.yaml", "stray.yaml")
    assert _codes(r.out) == ["SOP101", "SOP102"]  # stray.yaml's unreachable stage has no cause in its file


def test_json_findings_of_core_rules_name_the_template(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = invoke(capsys, "validate", "--no-cache", "--format", "json", "--show-all", "back.yaml", "norejoin.yaml")
    templates = {(f["file"], f["template"]) for f in json.loads(r.out)["findings"]}
    assert templates == {("back.yaml", "back-edge"), ("norejoin.yaml", "no-rejoin")}


BASE = HEAD.format(id="syntax")


@pytest.mark.parametrize(("body", "head", "source", "caret", "hint"), [
    # a tab: shown as a visible marker, the caret under it
    ("  a:\n  \towner: engineer\n", "9:3: error SOP001 [yaml-syntax] a tab character: YAML indents with spaces only",
     "    9 |   \u2192owner: engineer", "      |   ^", "replace the tab with spaces"),
    # an unquoted colon in a value
    ("  a:\n    title: Step 1: check\n    owner: engineer\n",
     "9:18: error SOP001 [yaml-syntax] the value of 'title' holds `: `, which YAML reads as another key",
     "    9 |     title: Step 1: check", "      | " + " " * 17 + "^", 'quote the value: title: "Step 1: check"'),
    # an over-indented line: reported on that line, at its first character
    ("  a:\n    owner: engineer\n      next: b\n  b:\n    owner: engineer\n",
     "10:7: error SOP001 [yaml-syntax] line 10 is indented more than the line above it",
     "   10 |       next: b", "      |       ^", "indent `next:` like the key above it (4 spaces)"),
    # a dedented stage
    ("  a:\n    owner: engineer\n    next: b\n b:\n    owner: engineer\n",
     "11:2: error SOP001 [yaml-syntax] line 11 is indented like no key around it",
     "   11 |  b:", "      |  ^", "indent it exactly like the keys beside it"),
])
def test_yaml_syntax_errors_in_our_own_words(tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str,
                                              head: str, source: str, caret: str, hint: str) -> None:
    path = write(tmp_path, "t.yaml", BASE + body)
    r = invoke(capsys, "validate", "--no-cache", str(path))
    lines = r.out.splitlines()
    assert r.code == 1 and lines[0].startswith(f"{path}:{head}"), lines[0]
    assert lines[1:3] == [source, caret]
    assert lines[3].startswith(f"  hint: {hint}")


def test_a_bad_key_under_roles_is_reported_at_that_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = BASE.replace("  engineer: Does the work\n", "  engineer: Does the work\n  bad key: Nobody\n")
    path = write(tmp_path, "t.yaml", text + "  a:\n    owner: engineer\n")
    r = invoke(capsys, "validate", "--no-cache", str(path))
    assert r.out.startswith(f"{path}:7:3: error SOP012 [invalid-value] 'bad key' is not a valid name in 'roles'")


def test_duplicate_template_ids_across_files(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    one = HEAD.format(id="common") + "  a:\n    owner: engineer\n"
    write(tmp_path, "d/a.yaml", one)
    write(tmp_path, "d/copy.yaml", one)  # the same template twice: not a problem
    assert invoke(capsys, "validate", "--no-cache", "d").code == 0
    write(tmp_path, "d/b.yaml", one.replace("title: Demo", "title: Other"))
    for _ in range(2):  # the full run, then the one answered from the cache, say the same
        r = invoke(capsys, "validate", "d")
        assert r.code == 1
        assert r.out.startswith("d/b.yaml:1:11: error SOP114 [duplicate-id] template id 'common' is also the id "
                                "of d/a.yaml, whose content differs")
    assert invoke(capsys, "validate", "--no-cache", "d/b.yaml").code == 0


# Follow-ons are decided per finding: what goes away once its cause is fixed, never every finding of a code.

ORPHAN_BESIDE_NO_REJOIN = NO_REJOIN.replace("no-rejoin", "orphan") + """\
  orphan:
    owner: engineer
"""

ESCAPING_BRANCHES = NO_REJOIN.replace("no-rejoin", "escaping").replace(
    "          x:\n            owner: engineer\n", "          x:\n            owner: engineer\n            next: review\n")


def _findings(out: str) -> list[tuple[str, str | None, str | None]]:
    return [(f["code"], f["stage"], f["follows"]) for f in json.loads(out)["findings"]]


def test_a_stage_lost_for_its_own_reason_is_shown_beside_a_missing_rejoin(work: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    write(work, "orphan.yaml", ORPHAN_BESIDE_NO_REJOIN)
    every = invoke(capsys, "validate", "--no-cache", "--format", "json", "--show-all", "orphan.yaml")
    assert _findings(every.out) == [("SOP104", "comp", None), ("SOP102", "review", "SOP104 comp"),
                                    ("SOP102", "done", "SOP102 review"), ("SOP102", "orphan", None)]
    r = invoke(capsys, "validate", "--no-cache", "--format", "json", "orphan.yaml")
    assert _findings(r.out) == [("SOP104", "comp", None), ("SOP102", "orphan", None)]
    assert "2 follow-on findings hidden" in r.err
    text = invoke(capsys, "validate", "--no-cache", "orphan.yaml")
    assert "hint: add `rejoin: review` if 'review' is the stage that waits until every sub-job is complete" in text.out


def test_branches_routing_out_of_their_split_are_shown_beside_the_missing_rejoin(
        work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # adding `rejoin:` does not fix a sub-job stage's `next` to a stage outside it: both need an edit
    write(work, "escaping.yaml", ESCAPING_BRANCHES)
    r = invoke(capsys, "validate", "--no-cache", "--format", "json", "escaping.yaml")
    assert _findings(r.out) == [("SOP104", "comp", None), ("SOP105", "comp/one/x", None)]
    assert "2 follow-on findings hidden" in r.err


def test_stages_lost_behind_a_lost_stage_follow_from_the_first(work: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    write(work, "lost.yaml", HEAD.format(id="lost") + "  a:\n    owner: engineer\n  x:\n    owner: engineer\n"
                                                       "    next: y\n  y:\n    owner: engineer\n")
    r = invoke(capsys, "validate", "--no-cache", "--format", "json", "lost.yaml")
    assert _findings(r.out) == [("SOP102", "x", None)]
    assert "1 follow-on finding hidden" in r.err and "--show-all shows it" in r.err


def test_a_follow_on_whose_cause_is_not_reported_is_shown(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = invoke(capsys, "validate", "--no-cache", "--format", "json", "--ignore", "SOP101", "back.yaml")
    assert [code for code, _, _ in _findings(r.out)] == ["SOP103", "SOP103", "SOP103"] and r.err == ""
    every = invoke(capsys, "validate", "--no-cache", "--format", "json", "--show-all", "back.yaml")
    assert {f for _, _, f in _findings(every.out) if f} == {"SOP101 c"}  # each stage stuck on the cycle


def test_follow_ons_are_hidden_the_same_when_answered_from_the_cache(work: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    write(work, "orphan.yaml", ORPHAN_BESIDE_NO_REJOIN)
    runs = [invoke(capsys, "validate", "--format", "json", "orphan.yaml") for _ in range(2)]
    assert runs[0].out == runs[1].out and runs[0].err == runs[1].err
    assert _findings(runs[1].out) == [("SOP104", "comp", None), ("SOP102", "orphan", None)]


def test_split_follow_ons_needs_the_cause_in_the_same_file() -> None:
    from sopframe.core.diagnostics import Finding, Severity
    from sopframe.core.followon import split_follow_ons

    cause = Finding("SOP101", "dag-cycle", Severity.ERROR, "cycle", file="a.yaml", stage="c")
    here = Finding("SOP103", "no-path-to-end", Severity.ERROR, "stuck", file="a.yaml", stage="a", follows="SOP101 c")
    there = Finding("SOP103", "no-path-to-end", Severity.ERROR, "stuck", file="b.yaml", stage="a",
                    follows="SOP101 c")
    assert split_follow_ons([here, cause, there]) == ([cause, there], [here])

"""SOP110 and SOP115 beyond their fixtures: fields captured on several paths, and `not_by` across stages."""

from __future__ import annotations

from importlib import resources

import pytest

from sopframe.core.validate import validate_bytes
from sopframe.pluginmanager import Plugins, load_plugins

from pathtemplates import BOTH_PATHS, HEAD

#: `not_by` naming a sign-off of the other branch of a `when`
OTHER_BRANCH = HEAD + """\
  via_a:
    owner: engineer
    signoffs:
      a:
        role: engineer
        not_by: via_b.b
    next: finish
  via_b:
    owner: engineer
    signoffs:
      b:
        role: engineer
    next: finish
  finish:
    owner: engineer
"""


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return load_plugins(entry_points=lambda: [])


@pytest.fixture(scope="module")
def bundled() -> Plugins:
    """The bundled plugins: the shipped templates use their keys (`compliance`)."""
    return load_plugins()


def findings(plugins: Plugins, text: str) -> list[tuple[str, int, int, str]]:
    result = validate_bytes(text.encode(), "t.yaml", plugins=plugins)
    return [(f.code, f.line, f.col, f.message) for f in result.findings]


def line_of(text: str, needle: str, after: str = "") -> int:
    """The 1-based line of the first ``needle`` (after the first line starting ``after``)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(after)) if after else 0
    return next(i for i in range(start, len(lines)) if lines[i].startswith(needle)) + 1


def test_a_field_captured_on_both_paths_is_not_captured_on_every_path(plugins: Plugins) -> None:
    (found,) = findings(plugins, BOTH_PATHS)
    assert found[:3] == ("SOP110", line_of(BOTH_PATHS, "      checked: yes"), 7)
    assert "captured in 'via_a', 'via_b' on different paths" in found[3]


def test_a_field_captured_on_both_paths_and_checked_on_each_is_fine(plugins: Plugins) -> None:
    text = BOTH_PATHS.replace("    gate:\n      checked: yes\n", "")
    text = text.replace("        required: yes\n    next: finish",
                        "        required: yes\n    gate:\n      checked: yes\n    next: finish")
    assert findings(plugins, text) == []


def test_a_field_captured_before_the_paths_part_is_the_one_read(plugins: Plugins) -> None:
    text = BOTH_PATHS.replace("      path:\n", "      checked:\n        type: bool\n        required: yes\n"
                                              "      path:\n")
    assert findings(plugins, text) == []


def _change_request() -> str:
    return (resources.files("sopframe_templates") / "change" / "change-request.yaml").read_text("utf-8")


def test_change_request_not_by_a_sign_off_a_path_may_skip_is_fine(bundled: Plugins) -> None:
    # the emergency path skips `test`: a job that took it had no tester to keep apart from the verifier
    text = _change_request().replace("        not_by: implementer           # not the person who deployed it\n",
                                     "        not_by:\n          - implementer\n          - test.tested\n")
    assert "- test.tested" in text
    assert findings(bundled, text) == []


def test_change_request_test_result_on_both_paths_is_refused(bundled: Plugins) -> None:
    text = _change_request()
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("  emergency_approval:"))
    fields = next(i for i in range(at, len(lines)) if lines[i] == "    fields:\n")
    lines[fields + 1:fields + 1] = ["      test_result:\n", "        type: choice\n", "        options:\n",
                                    "          - pass\n", "          - fail\n", "        required: yes\n"]
    text = "".join(lines).replace("      verification_result: successful\n",
                                  "      verification_result: successful\n      test_result: pass\n")
    found = findings(bundled, text)
    assert [(c, line, col) for c, line, col, _ in found] == [
        ("SOP110", line_of(text, "      test_result: pass", after="  verify:"), 7)]
    assert "'test', 'emergency_approval' on different paths" in found[0][3]


def test_not_by_a_sign_off_on_the_other_branch_is_refused(plugins: Plugins) -> None:
    (found,) = findings(plugins, OTHER_BRANCH)
    assert found[:3] == ("SOP115", line_of(OTHER_BRANCH, "        not_by: via_b.b"), 17)
    assert "no job passes through both stage 'via_b' and stage 'via_a'" in found[3]


@pytest.mark.parametrize("where", ["later", "parallel"])
def test_not_by_a_sign_off_a_job_can_also_give_is_fine(plugins: Plugins, where: str) -> None:
    if where == "later":  # `a` names a sign-off of the stage after it: enforced when `b` is given
        text = OTHER_BRANCH.replace("        a: via_a\n        b: via_b\n", "        a: via_a\n        b: via_a\n")
        text = text.replace("    next: finish\n  via_b:", "    next: via_b\n  via_b:")
    else:  # `next` without `when` enters both branches
        text = OTHER_BRANCH.replace("    next:\n      when: path\n      is:\n        a: via_a\n        b: via_b\n",
                                    "    next:\n      - via_a\n      - via_b\n")
    assert text != OTHER_BRANCH
    assert findings(plugins, text) == []

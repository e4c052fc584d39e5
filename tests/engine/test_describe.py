"""Events in words (``job history``, the job page, the evidence pack): values as people read them, never as Python
writes them, and refusals whose hints suit every front end."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sopframe.core.engine.describe import describe_event
from sopframe.core.engine.gates import shown


def _set(value: object, field: str = "f") -> str:
    return describe_event("field.set", {"stage": "write", "field": field, "value": value})


@pytest.mark.parametrize("value,said", [
    ("it's <b>fine</b>", "write.f = it's <b>fine</b>"),  # text as it is: no quotes around it (HTML escapes it later)
    (["network", "docs"], "write.f = network, docs"),  # the choices of a multichoice, joined
    (True, "write.f = yes"), (False, "write.f = no"),
    (3, "write.f = 3"), ("2.50", "write.f = 2.50"), ("2026-01-05", "write.f = 2026-01-05"),
    ("", "write.f = (empty)"), ("   ", "write.f = (empty)"), (None, "write.f = (empty)"), ([], "write.f = (empty)"),
    ([{"id": "F1", "score": "3", "fixed": True}, {"id": "F2", "note": None}],
     "write.f = 2 items: (id: F1, score: 3, fixed: yes); (id: F2)"),  # the rows of a list field
    ([{"id": "F1"}], "write.f = 1 item: (id: F1)"),
])
def test_a_recorded_value_is_said_as_people_read_it(value: object, said: str) -> None:
    assert _set(value) == said
    for python in ("['", "{'", "True", "False", "None"):
        assert python not in said


def test_what_is_said_is_escaped_once_for_a_terminal() -> None:
    said = _set("line one\nline \"two\" \\ \x1b[2J\u202eend")
    assert said == 'write.f = line one\\nline "two" \\\\ \\x1b[2J\\u202eend'
    assert _set(["a\nb", "c"]) == "write.f = a\\nb, c"
    assert _set([{"id": "x\u202ey"}]) == "write.f = 1 item: (id: x\\u202ey)"


def test_an_event_with_a_value_left_out_says_so_without_python_words() -> None:
    said = describe_event("subjob.started", {"subjob": "J-1-A", "title": "Part A", "owner": None})
    assert said == "J-1-A Part A (owner -)"
    assert "None" not in describe_event("signoff.voided", {"stage": "s", "signoff": "ok", "change": "s.f"})


def test_a_gate_says_the_value_it_found_as_people_read_it() -> None:
    assert shown(("network", "docs")) == "network, docs"
    assert shown(None) == "(empty)" and shown(True) == "yes"
    from decimal import Decimal

    assert shown(Decimal("7.5")) == "7.5"


# ------------------------------------------------------------------ hints
ENGINE = Path(__file__).resolve().parents[2] / "sopframe" / "core" / "engine"
SERVED = [*sorted(ENGINE.glob("*.py")), ENGINE.parent / "templates.py"]


def _texts(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    if isinstance(node, ast.BinOp):
        return _texts(node.left) + _texts(node.right)
    if isinstance(node, ast.IfExp):
        return _texts(node.body) + _texts(node.orelse)
    return []


@pytest.mark.parametrize("path", SERVED, ids=lambda p: p.name)
def test_the_engine_never_tells_a_browser_user_to_type_a_command_line_option(path: Path) -> None:
    """The server shows an engine refusal's message and ``hint`` to people using a form or the JSON API: what only
    the command line can type (an option, a ``sopframe`` command) goes in ``cli_hint``, which the CLI prints."""
    import re

    cli_words = re.compile(r"(?<![\w-])--[a-z]|`sopframe ")
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "").endswith("Error"):
            parts = [a for a in node.args[:1]] + [k.value for k in node.keywords if k.arg == "hint"]
            found += [f"{path.name}:{node.lineno}: {t!r}" for p in parts for t in _texts(p) if cli_words.search(t)]
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "REASON_HINT" for t in node.targets):
            found += [f"{path.name}:{node.lineno}: {t!r}" for t in _texts(node.value) if cli_words.search(t)]
    assert found == []

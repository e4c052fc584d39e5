"""The validator checks templates against the schema with its definitions inlined (a `$ref` costs a
registry lookup on every value checked); what is accepted and every finding stay exactly the same."""

from __future__ import annotations

import json
import re
from pathlib import Path
import pytest

from sopframe.core import schema as schema_mod
from sopframe.core.yamlsource import parse_text
from sopframe.pluginmanager import load_plugins

ROOT = Path(__file__).resolve().parents[2]
SUBJOBS = (ROOT / "templates" / "incident" / "sop-lifecycle.yaml").read_text("utf-8")
CHANGE = (ROOT / "templates" / "change" / "change-request.yaml").read_text("utf-8")

#: (template, old, new): one schema mistake each, at the top, in stages, fields, sign-offs, sub-jobs
MISTAKES = [
    (CHANGE, "kind: change\n", "kind: chnage\n"),
    (CHANGE, "title: Change request\n", "title: Change request\ntitel: again\n"),
    (CHANGE, "  requester: Raises", "  bad key: Raises"),
    (CHANGE, "job_id: CHG-", "job_id:\n  - CHG-"),
    (CHANGE, "    owner: ", "    ownr: "),
    (CHANGE, "        type: ", "        type: colour\n        kind: "),
    (CHANGE, "        required: yes\n", "        required: maybe\n"),
    (CHANGE, "    sla: ", "    sla: soon\n    slaa: "),
    (SUBJOBS, "        suffix: A\n", ""),
    (SUBJOBS, "            signoffs:\n", "            signofs:\n"),
    (SUBJOBS, "                role: it_lead\n", "                role: It Lead\n"),
]


def _findings(text: str, inline: bool, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    if not inline:
        monkeypatch.setattr(schema_mod, "inline_refs", lambda s: dict(s))
    schema_mod._validator_for.cache_clear()
    try:
        doc, problems = parse_text("t.yaml", text)
        assert doc is not None, problems
        found = schema_mod.structure_findings(doc, load_plugins().schema())
    finally:
        monkeypatch.undo()
        schema_mod._validator_for.cache_clear()
    return [f"{f.line}:{f.col} {f.code} {f.message} | {f.hint}" for f in found]


@pytest.mark.parametrize(("text", "old", "new"), MISTAKES, ids=[f"{i}" for i in range(len(MISTAKES))])
def test_inlined_schema_gives_the_same_findings(monkeypatch: pytest.MonkeyPatch, text: str, old: str,
                                                new: str) -> None:
    assert old in text
    broken = text.replace(old, new, 1)
    inlined = _findings(broken, True, monkeypatch)
    assert inlined, "the mistake must give a finding"
    assert inlined == _findings(broken, False, monkeypatch)


def test_bundled_templates_pass_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    for path in sorted((ROOT / "templates").rglob("*.yaml")):
        text = path.read_text("utf-8")
        assert _findings(text, True, monkeypatch) == _findings(text, False, monkeypatch) == [], path


def test_only_definitions_on_a_cycle_stay_references() -> None:
    schema = load_plugins().schema()
    inlined = schema_mod.inline_refs(schema)
    outside_defs = json.dumps({k: v for k, v in inlined.items() if k != "$defs"})
    left = set(re.findall(r'"\$ref": "([^"]+)"', outside_defs))
    # a stage holds sub-jobs that hold stages: those must stay references, every other definition is inlined
    assert left and left <= {"#/$defs/stage", "#/$defs/stages", "#/$defs/subjob"}, left
    assert json.loads(json.dumps(schema)) == schema  # the schema itself is untouched

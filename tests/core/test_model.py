"""The loaded model is immutable: the rest of the code can share it safely."""

from __future__ import annotations

import dataclasses

import pytest

from sopframe.core.validate import validate_text
from sopframe.pluginmanager import load_plugins
from testsupport import ROOT


@pytest.fixture(scope="module")
def template():
    text = (ROOT / "templates" / "incident" / "sop-lifecycle.yaml").read_text("utf-8")
    result = validate_text(text, "sop-lifecycle.yaml", plugins=load_plugins())
    assert result.template is not None
    return result.template


def test_fields_cannot_be_reassigned(template) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        template.title = "changed"
    stage = template.stages["draft"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        stage.owner = "someone"


def test_mappings_cannot_be_changed(template) -> None:
    with pytest.raises(TypeError):
        template.stages["extra"] = template.stages["draft"]  # type: ignore[index]
    with pytest.raises(TypeError):
        del template.roles["author"]  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        template.stages["draft"].fields["sop_ref"] = None  # type: ignore[index]
    split = template.stages["components"].split
    with pytest.raises(TypeError):
        split["classification"].stages["training"] = None  # type: ignore[index]


def test_sequences_are_tuples(template) -> None:
    assert isinstance(template.frameworks, tuple)
    assert isinstance(template.stages["test_run"].gate, tuple)
    assert isinstance(template.stages["security_review"].signoffs["legal_confirmed"].not_by, tuple)

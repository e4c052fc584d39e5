"""Pinned templates kept compiled: an exact round trip, and never a stale, damaged or foreign entry trusted."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from sopframe.core.builder import build_template
from sopframe.core.compiled import CompiledTemplates, decode, encode
from sopframe.core.engine.pinned import pinned_by_sha
from sopframe.core.yamlsource import parse_text


def _bundled() -> list[tuple[str, str]]:
    root = resources.files("sopframe_templates")
    return sorted((p.name, p.read_text("utf-8")) for d in root.iterdir() if d.is_dir()
                  for p in d.iterdir() if p.name.endswith(".yaml"))


@pytest.mark.parametrize("name,text", _bundled(), ids=[n for n, _ in _bundled()])
def test_every_bundled_template_round_trips_exactly(name: str, text: str) -> None:
    doc, problems = parse_text(name, text)
    assert doc is not None, problems
    template = build_template(doc)
    again = decode(json.loads(json.dumps(encode(template))))
    assert again == template
    assert [s.node for s in again.all_stages()] == [s.node for s in template.all_stages()]
    assert type(again.stages) is type(template.stages)  # read-only maps stay read-only


def test_decode_rebuilds_only_model_classes() -> None:
    with pytest.raises(ValueError, match="unknown class"):
        decode({"@c": "Popen", "f": {"args": ["true"]}})
    with pytest.raises(ValueError, match="unknown tag"):
        decode({"@x": []})


def _compiled(tmp_path: Path) -> tuple[CompiledTemplates, str, object]:
    name, text = _bundled()[0]
    doc, _ = parse_text(name, text)
    assert doc is not None
    template = build_template(doc)
    kept = CompiledTemplates(tmp_path)
    kept.put(template.sha256, template)
    return kept, template.sha256, template


def test_a_kept_template_is_read_back_by_the_same_code(tmp_path: Path) -> None:
    kept, sha, template = _compiled(tmp_path)
    assert CompiledTemplates(tmp_path).get(sha) == template
    assert kept.get("0" * 64) is None


def test_an_entry_of_other_code_or_damaged_is_not_trusted(tmp_path: Path) -> None:
    kept, sha, _ = _compiled(tmp_path)
    other = CompiledTemplates(tmp_path)
    other._code = "another version of the compiler"
    assert other.get(sha) is None
    (path,) = (tmp_path / "templates-v1").rglob("*.json")
    entry = json.loads(path.read_text())
    entry["template"]["f"]["title"] = "Forged title"
    path.write_text(json.dumps(entry))
    assert kept.get(sha) is None


def test_a_job_uses_the_kept_template_and_its_stored_text_otherwise(tmp_path: Path) -> None:
    _, sha, template = _compiled(tmp_path)
    from sopframe.core.engine import pinned

    pinned._CACHE.pop(sha, None)

    def no_text(_: str) -> None:
        raise AssertionError("the stored text was read though the compiled template was kept")

    got, graph = pinned_by_sha(sha, "x.yaml", no_text, compiled=CompiledTemplates(tmp_path))
    assert got == template and graph.start == next(iter(template.stages.values())).node

"""docs/plugins.md documents every hook with its exact signature, so a new hook cannot go undocumented."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Callable

import pytest

import sopframe.hookspecs as hookspecs
from sopframe.pluginmanager import hook_names

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "plugins.md"


def render(hook: Callable[..., Any]) -> str:
    """``name(arg: type, ...) -> type``: inspect's signature with annotations as the spec writes them."""
    def ann(a: Any) -> str:
        return a if isinstance(a, str) else inspect.formatannotation(a)

    sig = inspect.signature(hook)
    params = ", ".join(p.name if p.annotation is p.empty else f"{p.name}: {ann(p.annotation)}"
                       for p in sig.parameters.values())
    ret = "" if sig.return_annotation is sig.empty else f" -> {ann(sig.return_annotation)}"
    return f"{hook.__name__}({params}){ret}"


def test_render_matches_the_source_text() -> None:
    assert render(hookspecs.sopframe_rules) == "sopframe_rules() -> Sequence['Rule']"


@pytest.mark.parametrize("name", hook_names())
def test_every_hook_is_documented_with_its_signature(name: str) -> None:
    signature = render(getattr(hookspecs, name))
    guide = GUIDE.read_text("utf-8")
    assert f"### `{signature}`" in guide, (
        f"docs/plugins.md has no section for hook {name}; add a heading exactly like\n"
        f"### `{signature}`\nunder '## 3. Hooks', saying when it is called and what to return"
    )


def test_guide_names_no_hook_that_does_not_exist() -> None:
    import re

    documented = set(re.findall(r"^### `(sopframe_\w+)\(", GUIDE.read_text("utf-8"), re.M))
    assert documented == set(hook_names())


def test_guide_links_resolve() -> None:
    import re

    for target in re.findall(r"\]\((\.\./[^)#]+)\)", GUIDE.read_text("utf-8")):
        assert (GUIDE.parent / target).resolve().exists(), target

"""The hook implementations sopframe calls (entry point ``acme``).

Keep this module small and cheap to import: sopframe imports it whenever a
command needs plugins.
"""

from __future__ import annotations

from importlib import resources
from typing import Any, Sequence

from sopframe import Rule, hookimpl

from acme_sopframe.rules import RULES


@hookimpl
def sopframe_rules() -> Sequence[Rule]:
    """ACME's policy rules (code prefix ACME)."""
    return RULES


@hookimpl
def sopframe_template_dirs() -> Sequence[Any]:
    """ACME's template pack, shipped inside the package."""
    return [resources.files("acme_sopframe") / "templates"]

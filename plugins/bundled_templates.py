"""The bundled template pack: the procedures that ship with sopframe."""

from __future__ import annotations

from importlib import resources
from typing import Any, Sequence

from sopframe.hookspecs import hookimpl


@hookimpl
def sopframe_template_dirs() -> Sequence[Any]:
    return [resources.files("sopframe_templates")]

"""A fluent builder for small in-memory templates, for tests.

::

    text = (
        TemplateBuilder("change-lite", kind="change")
        .role("requester", "Raises the change")
        .role("cab", "Change advisory board member")
        .stage("request", owner="requester")
        .field("requester", type="user", role="requester", required=True)
        .field("summary", type="text", required=True)
        .stage("approve", owner="cab")
        .signoff("cab_ok", role="cab", not_by="requester")
        .to_yaml()
    )

Stages are chained in the order they are added (each stage without its own
``next`` goes to the one after it), so a builder gives a valid template
unless the test asks for something invalid.  The text is block-style YAML
that sopframe's strict loader accepts.  This module imports nothing heavy.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["TemplateBuilder", "to_yaml"]

_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9 _.,/()+-]*$")
_DEFAULT_ROLE = ("operator", "Carries out the procedure")


class TemplateBuilder:
    """Build a template's YAML text step by step.

    :meth:`role`, :meth:`stage` and :meth:`set` add to the template;
    :meth:`field` and :meth:`signoff` add to the stage added last.  Every
    method returns the builder, so calls chain.  If no role is declared,
    a role ``operator`` is added and owns every stage without an owner.
    """

    def __init__(self, template_id: str = "test-template", *, title: str = "Test template",
                 version: str = "1.0.0", kind: str = "change", chain: bool = True) -> None:
        self._top: dict[str, Any] = {"template": template_id, "title": title, "version": version, "kind": kind}
        self._roles: dict[str, str] = {}
        self._stages: dict[str, dict[str, Any]] = {}
        self._terminal: set[str] = set()
        self._current: str | None = None
        self.chain = chain

    # ------------------------------------------------------------- top level
    def set(self, key: str, value: Any) -> "TemplateBuilder":
        """Set any top-level key (``description``, ``frameworks``, a plugin's own key)."""
        self._top[key] = value
        return self

    def frameworks(self, *names: str) -> "TemplateBuilder":
        """Claim compliance frameworks (``iso27001``, ``soc2``, ``pci-dss``)."""
        return self.set("frameworks", list(names))

    def role(self, role_id: str, description: str = "") -> "TemplateBuilder":
        """Declare a role."""
        self._roles[role_id] = description or role_id.replace("_", " ").capitalize()
        return self

    # ---------------------------------------------------------------- stages
    def stage(self, stage_id: str, *, owner: str | None = None, title: str | None = None,
              next: Any = None, terminal: bool = False, **keys: Any) -> "TemplateBuilder":
        """Add a stage and make it the current one.

        ``next`` is a stage id, a list of ids, or a ``when``/``is``/``otherwise``
        mapping; without it the stage goes to the next stage added, unless
        ``terminal`` is true.  Other keyword arguments (``gate``, ``rework``,
        ``sla``, ...) are written as they are.
        """
        if stage_id in self._stages:
            raise ValueError(f"stage {stage_id!r} was already added")
        stage: dict[str, Any] = {"title": title or stage_id.replace("_", " ").capitalize()}
        if owner is not None:
            stage["owner"] = owner
        stage.update(keys)
        if next is not None:
            stage["next"] = next
        if terminal:
            self._terminal.add(stage_id)
        self._stages[stage_id] = stage
        self._current = stage_id
        return self

    def field(self, field_id: str, *, type: str = "text", required: bool = False, **keys: Any) -> "TemplateBuilder":
        """Add a field to the current stage (``options``, ``role``, ``min``, ... as keywords)."""
        fields = self._stage_part("fields")
        fields[field_id] = {"type": type, **({"required": True} if required else {}), **keys}
        return self

    def signoff(self, signoff_id: str, *, role: str, not_by: str | list[str] | None = None,
                **keys: Any) -> "TemplateBuilder":
        """Add a sign-off to the current stage."""
        signoffs = self._stage_part("signoffs")
        signoffs[signoff_id] = {"role": role, **({"not_by": not_by} if not_by is not None else {}), **keys}
        return self

    def _stage_part(self, key: str) -> dict[str, Any]:
        if self._current is None:
            raise ValueError(f"add a stage before adding {key}")
        part: dict[str, Any] = self._stages[self._current].setdefault(key, {})
        return part

    # ---------------------------------------------------------------- output
    def to_dict(self) -> dict[str, Any]:
        """The template as plain data, with defaults filled in."""
        roles = dict(self._roles) or dict([_DEFAULT_ROLE])
        default_owner = next(iter(roles))
        stages: dict[str, dict[str, Any]] = {}
        ids = list(self._stages)
        for i, sid in enumerate(ids):
            stage = dict(self._stages[sid])
            stage.setdefault("owner", default_owner)
            if (self.chain and "next" not in stage and sid not in self._terminal
                    and "split" not in stage and i + 1 < len(ids)):
                stage["next"] = ids[i + 1]
            stages[sid] = stage
        data = dict(self._top)
        data["roles"] = roles
        data["stages"] = stages
        return data

    def head_yaml(self) -> str:
        """The top-level keys and roles as YAML, for a test that writes ``stages:`` by hand
        (positions in it stay where the test expects them)."""
        data = dict(self._top)
        data["roles"] = dict(self._roles) or dict([_DEFAULT_ROLE])
        return to_yaml(data)

    def to_yaml(self) -> str:
        """The template as YAML text sopframe's loader accepts."""
        if not self._stages:
            raise ValueError("a template needs at least one stage; call .stage(...)")
        return to_yaml(self.to_dict())

    def __str__(self) -> str:
        return self.to_yaml()


def to_yaml(data: Any) -> str:
    """Render plain data (mappings, lists, text, numbers, booleans) as block-style YAML.

    Empty mappings and lists are left out (the strict loader refuses flow style).
    """
    lines: list[str] = []
    _emit(data, 0, lines)
    return "\n".join(lines) + "\n"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and not text.endswith((" ", ":")):
        return text
    return json.dumps(text, ensure_ascii=False)


def _emit(data: Any, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, (dict, list)):
                if not value:
                    continue
                lines.append(f"{pad}{_scalar(key)}:")
                _emit(value, indent + 2, lines)
            else:
                lines.append(f"{pad}{_scalar(key)}: {_scalar(value)}")
    elif isinstance(data, list):
        for item in data:
            if isinstance(item, (dict, list)):
                if not item:
                    continue
                lines.append(f"{pad}-")
                _emit(item, indent + 2, lines)
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    else:
        lines.append(f"{pad}{_scalar(data)}")

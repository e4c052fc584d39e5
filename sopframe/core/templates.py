"""Templates shipped by plugins (template packs), found through a hook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.pluginmanager import Plugins

__all__ = ["ShippedTemplate", "discover"]


@dataclass(frozen=True)
class ShippedTemplate:
    id: str
    title: str
    version: str
    kind: str
    plugin: str
    path: str
    valid: bool

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def _walk(d: Any) -> Iterator[Any]:
    for child in sorted(d.iterdir(), key=lambda c: c.name):
        if child.name.startswith((".", "_")):
            continue
        if child.is_dir():
            yield from _walk(child)
        elif child.name.endswith((".yaml", ".yml")):
            yield child


def discover(plugins: "Plugins") -> list[ShippedTemplate]:
    """Every template below the directories plugins return, validated."""
    from sopframe.core.diagnostics import Severity
    from sopframe.core.validate import validate_bytes

    schema = plugins.schema()
    out: list[ShippedTemplate] = []
    for plugin, d in plugins.template_dirs():
        for f in _walk(d):
            res = validate_bytes(f.read_bytes(), str(f), plugins=plugins, schema=schema)
            t = res.template
            ok = t is not None and not any(x.severity >= Severity.ERROR for x in res.findings)
            out.append(ShippedTemplate(
                id=t.id if t else f.name.rsplit(".", 1)[0], title=t.title if t else "(invalid)",
                version=t.version if t else "", kind=t.kind if t else "", plugin=plugin, path=str(f), valid=ok,
            ))
    return out

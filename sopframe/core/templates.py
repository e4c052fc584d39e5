"""Templates shipped by plugins (template packs), found through a hook.

A template pack is a directory a plugin returns from
``sopframe_template_dirs``; every ``*.yaml`` / ``*.yml`` file below it
(skipping names that start with ``.`` or ``_``) is a template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.pluginmanager import Plugins

__all__ = ["ShippedTemplate", "discover", "template_files", "find_shipped"]

_TEMPLATE_ID = re.compile(r"^template:\s*['\"]?([A-Za-z0-9_.-]+)", re.MULTILINE)


@dataclass(frozen=True)
class ShippedTemplate:
    """One template of a template pack, as ``sopframe templates`` lists it."""

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
    """Template files below ``d`` (a path or traversable), sorted, recursively."""
    for child in sorted(d.iterdir(), key=lambda c: c.name):
        if child.name.startswith((".", "_")):
            continue
        if child.is_dir():
            yield from _walk(child)
        elif child.name.endswith((".yaml", ".yml")):
            yield child


def template_files(plugins: "Plugins") -> Iterator[tuple[str, Any]]:
    """(plugin, file) for every file of every template pack, in plugin order."""
    for plugin, d in plugins.template_dirs():
        for f in _walk(d):
            yield plugin, f


def discover(plugins: "Plugins") -> list[ShippedTemplate]:
    """Every template below the directories plugins return, validated."""
    from sopframe.core.diagnostics import Severity
    from sopframe.core.validate import validate_bytes

    schema = plugins.schema()
    out: list[ShippedTemplate] = []
    for plugin, f in template_files(plugins):
        try:
            data = f.read_bytes()
        except OSError as exc:
            out.append(ShippedTemplate(id=f.name.rsplit(".", 1)[0], title=f"(unreadable: {exc.strerror or exc})",
                                       version="", kind="", plugin=plugin, path=str(f), valid=False))
            continue
        res = validate_bytes(data, str(f), plugins=plugins, schema=schema)
        t = res.template
        ok = t is not None and not any(x.severity >= Severity.ERROR for x in res.findings)
        out.append(ShippedTemplate(
            id=t.id if t else f.name.rsplit(".", 1)[0], title=t.title if t else "(invalid)",
            version=t.version if t else "", kind=t.kind if t else "", plugin=plugin, path=str(f), valid=ok,
        ))
    return out


def find_shipped(plugins: "Plugins", template_id: str, *, also: str = "",
                 hint: str = "") -> tuple[str, str]:
    """(text, path) of the shipped template whose ``template:`` id is ``template_id``.

    Only each file's ``template:`` line is read, so a lookup does not
    validate every pack.  Raises :class:`~sopframe.errors.UsageError` with a
    "did you mean" hint when no pack ships it (``also`` names what else the
    caller looked for, as in "no template file or shipped template").
    """
    from sopframe.errors import UsageError, did_you_mean

    known: list[str] = []
    for tid, text, path in shipped_texts(plugins):
        known.append(tid)
        if tid == template_id:
            return text, path
    raise UsageError(f"no {also}shipped template {template_id!r}{did_you_mean(template_id, known)}",
                     hint=f"installed plugins ship: {', '.join(sorted(known))}" if known else "no installed plugin "
                                                                                             "ships a template",
                     cli_hint=hint or "`sopframe templates` lists the templates installed plugins ship")


def shipped_texts(plugins: "Plugins") -> Iterator[tuple[str, str, str]]:
    """(id, text, path) of every readable shipped template with a ``template:`` line, unvalidated."""
    for _plugin, f in template_files(plugins):
        try:
            text = f.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        m = _TEMPLATE_ID.search(text)
        if m:
            yield m.group(1), text, str(f)

"""sopframe's own rules, registered through the same ``sopframe_rules`` hook
as any plugin's (under the plugin name ``core``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from sopframe.hookspecs import hookimpl

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.diagnostics import Rule

__all__ = ["all_rules", "sopframe_rules"]


def all_rules() -> list[Rule]:
    from sopframe.core.rules import definitions, flow, lifecycle, lists, notify, references, structure

    return [*structure.RULES, *flow.RULES, *references.RULES, *definitions.RULES, *notify.RULES, *lists.RULES,
            *lifecycle.RULES]


@hookimpl
def sopframe_rules() -> Sequence[Rule]:
    return all_rules()

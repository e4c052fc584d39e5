"""Shell completion of rule codes and slugs, for ``--select``, ``--ignore`` and ``explain``.

click completes commands and options itself (``_SOPFRAME_COMPLETE=bash_source sopframe``,
see the README); these callbacks add the rules of the installed plugins.
"""

from __future__ import annotations

from typing import Any

import click
from click.shell_completion import CompletionItem

__all__ = ["complete_rules"]


def complete_rules(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Rule codes (and slugs) starting with ``incomplete``; after a comma, the next code of the list."""
    head, _, last = incomplete.rpartition(",")
    prefix = head + "," if head else ""
    try:
        rules = _rules()
    except Exception:  # completion never fails loudly: a broken plugin simply completes nothing of its own
        return []
    out = []
    for code, slug, summary in rules:
        if code.upper().startswith(last.upper()):
            out.append(CompletionItem(prefix + code, help=summary))
        elif last and slug.startswith(last.lower()):
            out.append(CompletionItem(prefix + slug, help=f"{code}: {summary}"))
    return out


def _rules() -> list[tuple[str, str, Any]]:
    from sopframe.commands.inspect import all_rules
    from sopframe.pluginmanager import load_plugins

    return [(r.code, r.slug, r.summary) for r in all_rules(load_plugins())]

"""The click group every sopframe command group uses: an unknown subcommand is answered in sopframe's
words with a "did you mean" (imported by ``--version`` too, so it holds nothing but click)."""

from __future__ import annotations

from typing import Any

import click

__all__ = ["SuggestingGroup"]


class SuggestingGroup(click.Group):
    """A command group that answers an unknown subcommand in sopframe's words, with a "did you mean"."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            from sopframe.core.safetext import escape
            from sopframe.errors import did_you_mean

            name = args[0] if args else ""
            if name and "No such command" in str(exc):
                hint = did_you_mean(name, self.list_commands(ctx))
                raise click.UsageError(f"no such command '{escape(name)}'{hint}", ctx) from None
            raise

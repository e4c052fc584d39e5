"""``sopframe job ...``: run templates as tracked jobs.

The group imports a command's module when the command is named, so that
each job command imports only its own: :mod:`.jobsteps` (the commands that
append events), :mod:`.jobshow` (``show``, ``history``), :mod:`.joblist`
(``list``, ``verify``), :mod:`.jobfiles` (``attachment``).
"""

from __future__ import annotations

import importlib

import click

from sopframe.clickgroup import SuggestingGroup

__all__ = ["job", "JobGroup", "COMMANDS"]

#: job command -> "module:attribute"
COMMANDS = {
    "start": "sopframe.commands.jobsteps:start", "set": "sopframe.commands.jobsteps:set_",
    "attach": "sopframe.commands.jobsteps:attach", "sign": "sopframe.commands.jobsteps:sign",
    "complete": "sopframe.commands.jobsteps:complete", "reject": "sopframe.commands.jobsteps:reject",
    "cancel": "sopframe.commands.jobsteps:cancel",
    "show": "sopframe.commands.jobshow:show", "history": "sopframe.commands.jobshow:history",
    "list": "sopframe.commands.joblist:list_", "verify": "sopframe.commands.joblist:verify",
    "attachment": "sopframe.commands.jobfiles:attachment",
}


class JobGroup(SuggestingGroup):
    """The ``job`` group: each command imported from its module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        wanted = [name] if name in COMMANDS else [] if name in self.commands else list(COMMANDS)
        for other in wanted:  # an unknown name loads them all: click's "did you mean" then knows every name
            if other not in self.commands:
                module, attr = COMMANDS[other].split(":")
                self.add_command(getattr(importlib.import_module(module), attr), other)
        return super().get_command(ctx, name)


@click.group(cls=JobGroup)
def job() -> None:
    """Start and run jobs: set fields, attach documents, sign off, complete stages.

    JOB is a job id (ITSOP-2026-01) or a sub-job id (ITSOP-2026-01-A).
    Every command appends hash-chained events to the job store.
    """

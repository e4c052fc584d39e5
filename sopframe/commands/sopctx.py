"""What the SOP-lifecycle commands share: the record writer, groups and training defaults from configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from sopframe.commands.common import config_for
from sopframe.commands.jobctx import limits_from_config, open_engine, roles_from_config
from sopframe.services.context import config_text
from sopframe.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine.records import SopRecords
    from sopframe.core.identity import RoleTable

__all__ = ["groups_from_config", "training_defaults", "open_records"]

TRAINING_KEYS = {"grace": "grace period after the effective date", "reacknowledge-every": "re-acknowledgement interval"}


def _where(key: str, table: str, value: str | None = None) -> str | None:
    from sopframe.core.identity import find_line

    config_file = config_for(click.get_current_context()).file
    if config_file is None:
        return None
    text, prefix = config_text(config_file)
    return f"{config_file}:{find_line(text, prefix + table, key, value)}"


def groups_from_config(ctx: click.Context) -> "RoleTable":
    """The ``groups`` table (group -> users), names normalised and through ``aliases``, checked like ``roles``."""
    from sopframe.core.identity import RoleTable, table_problems

    config = config_for(ctx)
    groups = config.get("groups", {}) or {}
    aliases = config.get("aliases", {}) or {}
    problems = [p for p in table_problems(groups, {}) if p.message.startswith("roles.")]
    if problems:
        p = problems[0]
        raise ConfigError("groups." + p.message[len("roles."):], path=_where(p.key, "groups", p.value))
    return RoleTable.build(groups, aliases)


def training_defaults(ctx: click.Context) -> tuple[str | None, str | None]:
    """(grace, reacknowledge-every) of the ``training`` table, each checked as a duration."""
    from sopframe.core.durations import parse_duration
    from sopframe.errors import did_you_mean

    table = config_for(ctx).get("training", {}) or {}
    for key, value in table.items():
        if key not in TRAINING_KEYS:
            raise ConfigError(f"training: unknown key {key!r}{did_you_mean(key, TRAINING_KEYS)}",
                              path=_where(key, "training"), hint=f"known keys: {', '.join(TRAINING_KEYS)}")
        try:
            parse_duration(str(value))
        except ValueError as exc:
            raise ConfigError(f"training.{key}: {exc}", path=_where(key, "training"),
                              hint="a duration such as 30d or 12 months") from None
    grace, every = table.get("grace"), table.get("reacknowledge-every")
    return (str(grace) if grace else None), (str(every) if every else None)


def open_records(ctx: click.Context, store_url: str | None) -> "SopRecords":
    """The SOP record writer on the store the options, environment or configuration name."""
    from sopframe.core.engine.records import SopRecords

    engine = open_engine(ctx, store_url)
    return SopRecords(engine.store, roles=roles_from_config(ctx), groups=groups_from_config(ctx),
                      clock=engine.clock, limits=limits_from_config(ctx))

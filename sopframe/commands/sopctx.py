"""What the SOP-lifecycle commands share: the record writer, groups and training defaults from configuration.

The groups and the ``[training]`` defaults are built by the settings-based
services (:mod:`sopframe.services.context`), the same functions the server
calls; these wrappers only find the settings of the click context.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from sopframe.commands.common import settings_for
from sopframe.commands.jobctx import limits_from_config, open_engine, roles_from_config

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine.records import SopRecords
    from sopframe.core.identity import RoleTable

__all__ = ["groups_from_config", "training_defaults", "open_records"]


def groups_from_config(ctx: click.Context) -> "RoleTable":
    """The ``groups`` table (group -> users), names normalised and through ``aliases``, checked like ``roles``."""
    from sopframe.services.context import groups_from_settings

    return groups_from_settings(settings_for(ctx))


def training_defaults(ctx: click.Context) -> tuple[str | None, str | None]:
    """(grace, reacknowledge-every) of the ``training`` table, each checked as a duration."""
    from sopframe.services.context import training_defaults_from

    return training_defaults_from(settings_for(ctx))


def open_records(ctx: click.Context, store_url: str | None) -> "SopRecords":
    """The SOP record writer on the store the options, environment or configuration name, with the
    ``[training] reacknowledge-every`` default."""
    from sopframe.services.sops import sop_records

    engine = open_engine(ctx, store_url)
    return sop_records(settings_for(ctx), engine, roles_from_config(ctx), limits_from_config(ctx))

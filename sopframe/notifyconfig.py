"""The ``[notify]`` and ``[people]`` configuration: channels, routes, times, and people's addresses.

Read once per process from the configuration file and checked against the
notifiers and triggers the plugins provide; a bad entry is a
:class:`~sopframe.errors.ConfigError` naming ``file:line``.  Secrets are
never written in the file: a channel names the environment variable that
holds its password or signing secret (``password-env``, ``secret-env``),
which is read here, once, from the environment the caller passes.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Collection, Mapping

from sopframe.core.durations import parse_duration
from sopframe.core.notify.address import single_address
from sopframe.core.notify.model import TRIGGERS
from sopframe.core.notify.routing import DEFAULT_ESCALATE_AFTER, DEFAULT_LEAD, ChannelSpec, NotifyRouting
from sopframe.core.safetext import escape
from sopframe.errors import ConfigError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.config import Config

__all__ = ["NotifySettings", "notify_settings", "channel_names"]

_KEYS = {"lead", "escalate-after", "escalate-to", "max-attempts", "backoff", "backoff-max", "lease", "routes",
         "channels", "link"}


@dataclass(frozen=True)
class NotifySettings:
    """The routing, and how the delivery worker retries."""

    routing: NotifyRouting = NotifyRouting()
    max_attempts: int = 8
    backoff: float = 30.0  # seconds before the first retry, doubled each time (jittered)
    backoff_max: float = 3600.0
    lease: float = 300.0  # how long a claim holds before another worker may take the row


class _Where:
    def __init__(self, config: "Config") -> None:
        self.config = config

    def error(self, keys: tuple[str, ...], message: str, hint: str = "") -> ConfigError:
        return ConfigError(message, path=self.config.where(*keys), hint=hint)


def _table(w: _Where, keys: tuple[str, ...], value: Any) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise w.error(keys, f"{'.'.join(keys)} must be a table")
    return value


def channel_names(config: "Config") -> tuple[str, ...]:
    """The channel names the configuration defines (for the template linter)."""
    channels = (config.get("notify") or {}).get("channels") or {}
    return tuple(channels) if isinstance(channels, dict) else ()


def _seconds(w: _Where, table: Mapping[str, Any], key: str, default: float) -> float:
    if key not in table:
        return default
    try:
        return float(parse_duration(str(table[key])).shortest_seconds())
    except ValueError as exc:
        raise w.error(("notify", key), f"notify.{key}: {exc}", hint="a duration such as 30s, 5m, 1h") from None


def _duration(w: _Where, table: Mapping[str, Any], key: str, default: str) -> str:
    _seconds(w, table, key, 0)
    return str(table.get(key, default))


def notify_settings(config: "Config", notifiers: Mapping[str, Any], extra_triggers: tuple[str, ...] = (),
                    environ: Mapping[str, str] | None = None, secrets: bool = True,
                    roles: Collection[str] | None = None) -> NotifySettings:
    """The checked notification settings of ``config`` (empty routing when there is no ``[notify]``).

    ``roles``: the roles that exist (``escalate-to`` must name one of them); None: not checked.

    ``secrets``: read the ``...-env`` variables, and refuse one that is not set (delivery needs them;
    planning notifications in a job command does not, so a user without the secrets can still work).
    """
    env = os.environ if environ is None else environ
    w = _Where(config)
    table = _table(w, ("notify",), config.get("notify"))
    for key in table:
        if key not in _KEYS:
            raise w.error(("notify", key), f"unknown key notify.{key}{did_you_mean(key, _KEYS)}",
                          hint=f"known keys: {', '.join(sorted(_KEYS))}")
    channels = _channels(w, _table(w, ("notify", "channels"), table.get("channels")), notifiers, env, secrets)
    kinds = {*TRIGGERS, *extra_triggers}
    routes: dict[str, tuple[str, ...]] = {}
    for kind, names in _table(w, ("notify", "routes"), table.get("routes")).items():
        where = ("notify", "routes", kind)
        if kind not in kinds:
            raise w.error(where, f"notify.routes: unknown trigger {kind!r}{did_you_mean(kind, kinds)}",
                          hint=f"triggers: {', '.join(sorted(kinds))}")
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise w.error(where, f"notify.routes.{kind} must be a list of channel names")
        for n in names:
            if n not in channels:
                raise w.error(where, f"notify.routes.{kind}: unknown channel {n!r}"
                              f"{did_you_mean(n, channels)}", hint="define it as [notify.channels.NAME]")
        routes[kind] = tuple(names)
    book = _people(w, _table(w, ("people",), config.get("people")), channels)
    to = table.get("escalate-to", [])
    to = [to] if isinstance(to, str) else to
    if not isinstance(to, list) or not all(isinstance(r, str) for r in to):
        raise w.error(("notify", "escalate-to"), "notify.escalate-to must be a role or a list of roles")
    if roles is not None:
        for role in to:
            if role not in roles:
                raise w.error(("notify", "escalate-to"), f"notify.escalate-to: unknown role {role!r}"
                              f"{did_you_mean(role, roles)}",
                              hint=f"roles in [roles]: {', '.join(sorted(roles)) or 'none'}")
    attempts = table.get("max-attempts", 8)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 1:
        raise w.error(("notify", "max-attempts"), f"notify.max-attempts must be a whole number >= 1, got {attempts!r}")
    routing = NotifyRouting(channels=channels, routes=routes, people=book,
                            lead=_duration(w, table, "lead", DEFAULT_LEAD),
                            escalate_after=_duration(w, table, "escalate-after", DEFAULT_ESCALATE_AFTER),
                            escalate_to=tuple(to), link=_link(w, table.get("link")))
    return NotifySettings(routing, attempts, _seconds(w, table, "backoff", 30.0),
                          _seconds(w, table, "backoff-max", 3600.0), _seconds(w, table, "lease", 300.0))


def _link(w: _Where, value: Any) -> str:
    """``link``: the team server's address as people open it (https://sop.example.com), without a trailing /."""
    from urllib.parse import urlsplit

    if value is None:
        return ""
    where = ("notify", "link")
    hint = "the address people open the server at, such as https://sop.example.com"
    if not isinstance(value, str):
        raise w.error(where, "notify.link must be the server's address as text", hint=hint)
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        raise w.error(where, f"notify.link {escape(value)!r} is not a web address", hint=hint) from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise w.error(where, f"notify.link {escape(value)!r} is not an http(s) address", hint=hint)
    if parts.username or parts.password or parts.query or parts.fragment:
        raise w.error(where, f"notify.link {escape(value)!r} may not hold a user name, password, query or fragment",
                      hint=hint)
    return value.strip().rstrip("/")


#: option names that hold secrets: never written in the file, only named by their ``-env`` option
_SECRET_WORDS = ("password", "secret", "token", "api-key", "apikey", "private-key")


def _is_secret(key: str) -> bool:
    return any(key == word or key.endswith("-" + word) or key.endswith("_" + word) for word in _SECRET_WORDS)


def _people(w: _Where, people: Mapping[str, Any], channels: Mapping[str, ChannelSpec]) -> dict[str, dict[str, str]]:
    """Each person's addresses; every mail address (for the type ``email`` or an email channel's name) must be
    exactly one address: a list or a display name would send one person's notifications to others.

    Each person is keyed by the normalised form of the name (:func:`~sopframe.core.identity.normalise`), the
    form the role table holds, so ``Alice`` in ``[people]`` is the ``Alice`` of ``[roles]``; two entries
    for one person are refused."""
    from sopframe.core.identity import normalise

    mail_keys = {"email", *(name for name, ch in channels.items() if ch.type == "email")}
    book: dict[str, dict[str, str]] = {}
    for user, addresses in people.items():
        if not isinstance(addresses, dict) or not all(isinstance(v, str) for v in addresses.values()):
            raise w.error(("people", user), f"people.{user} must be a table of addresses, such as "
                                            "{ email = \"alice@example.com\" }")
        for key, address in addresses.items():
            if key in mail_keys:
                try:
                    single_address(address)
                except ValueError as exc:
                    raise w.error(("people", user, key), f"people.{user}.{key}: {exc}",
                                  hint="one plain address such as alice@example.com: no list, name or comment"
                                  ) from None
        person = normalise(user)
        if person in book:
            raise w.error(("people", user), f"people.{escape(user)}: a second entry for {escape(person)!r}",
                          hint="names are compared trimmed and case-folded: keep one entry per person")
        book[person] = dict(addresses)
    return book


def _problem_key(problem: str, options: Mapping[str, Any]) -> str:
    """The option a notifier's problem names first in backticks, if it is written; else ``type``."""
    for name in re.findall(r"`([^`]+)`", problem):
        for key in (name, f"{name}-env"):
            if key in options:
                return key
    return "type"


def _channels(w: _Where, table: Mapping[str, Any], notifiers: Mapping[str, Any],
              env: Mapping[str, str], secrets: bool) -> dict[str, ChannelSpec]:
    out: dict[str, ChannelSpec] = {}
    for name, options in table.items():
        section = f"notify.channels.{name}"
        keys = ("notify", "channels", name)
        if not isinstance(options, dict):
            raise w.error(keys, f"{section} must be a table")
        kind = options.get("type")
        if not isinstance(kind, str) or kind not in notifiers:
            raise w.error((*keys, "type"), f"{section}: no notifier for type {escape(repr(kind))}"
                          f"{did_you_mean(str(kind), notifiers)}", hint=f"types: {', '.join(sorted(notifiers))}")
        for key in options:
            if _is_secret(key):
                raise w.error((*keys, key), f"{section}.{key}: secrets are never written in the file",
                              hint=f"put it in an environment variable and name that variable with `{key}-env`")
        resolved = dict(options)
        for key in [k for k in options if k.endswith("-env")]:
            var = options[key]
            if not isinstance(var, str) or not var:
                raise w.error((*keys, key), f"{section}.{key} must name an environment variable")
            if not secrets:
                continue
            if var not in env:
                raise w.error((*keys, key), f"{section}.{key}: environment variable {var!r} is not set",
                              hint="secrets are read from the environment, never from the file")
            resolved[key[:-4]] = env[var]
        spec = ChannelSpec(name, kind, resolved)
        problems = notifiers[kind].check(spec)
        if problems:
            raise w.error((*keys, _problem_key(problems[0], options)), f"{section}: {problems[0]}")
        out[name] = spec
    return out

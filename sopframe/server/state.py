"""What one server process holds: settings, plugins, roles, limits, and one engine per worker thread."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sopframe.errors import ConfigError
from sopframe.services.auth import MAX_ADDRESS_FAILURES

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine import Engine
    from sopframe.core.identity import RoleTable
    from sopframe.core.limits import Limits
    from sopframe.core.model import Template
    from sopframe.core.notify.planning import Planner
    from sopframe.pluginmanager import Plugins
    from sopframe.settings import Settings

__all__ = ["ServerConfig", "OidcConfig", "ServerState", "server_config"]


class _Held:
    """A thread's engine; its store is closed when the thread ends (its thread-local goes) or at shutdown."""

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine

    def close(self) -> None:
        try:
            self.engine.store.close()
        except Exception:  # pragma: no cover - closing what is already closed or gone
            pass

    def __del__(self) -> None:
        self.close()


@dataclass(frozen=True)
class OidcConfig:
    """The ``[server.oidc]`` table: one OpenID Connect provider."""

    issuer: str
    client_id: str
    client_secret: str
    username_claim: str = "preferred_username"
    label: str = "Sign in with your organisation"


@dataclass(frozen=True)
class ServerConfig:
    """The ``[server]`` configuration table, checked."""

    #: roles whose holders may read every job (auditors), besides the roles each template names
    readers: tuple[str, ...] = ()
    #: send cookies with ``Secure`` (off only for plain-HTTP development on localhost)
    secure_cookies: bool = True
    session_lifetime: timedelta = timedelta(hours=8)
    oidc: OidcConfig | None = None
    #: roles whose holders see everyone's training status (trainers), besides ``readers`` and each SOP's authors
    training_readers: tuple[str, ...] = ()
    #: refused sign-ins from one client address within the window before that address is refused (0: no limit)
    address_failures: int = MAX_ADDRESS_FAILURES
    #: addresses or networks of reverse proxies whose X-Forwarded-For and -Proto are believed (uvicorn reads them)
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")


def server_config(settings: "Settings", environ: dict[str, str] | None = None,
                  secure_cookies: bool | None = None) -> ServerConfig:
    """The ``[server]`` table of the configuration (``secure_cookies`` from the command line wins)."""
    import os

    env = os.environ if environ is None else environ
    table: Any = settings.config.get("server", {}) or {}
    where = str(settings.config.file or "configuration")
    if not isinstance(table, dict):
        raise ConfigError("'server' must be a table", path=where)
    known = ("readers", "training-readers", "secure-cookies", "session-hours", "signin-failures-per-address",
             "trusted-proxies", "oidc")
    unknown = set(table) - set(known)
    if unknown:
        raise ConfigError(f"unknown key(s) in [server]: {', '.join(sorted(unknown))}", path=where,
                          hint=f"known: {', '.join(known)}")
    readers, trainers = table.get("readers", []), table.get("training-readers", [])
    hours = table.get("session-hours", 8)
    for key, value in (("readers", readers), ("training-readers", trainers)):
        if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
            raise ConfigError(f"'server.{key}' must be a list of role names", path=where)
    if not isinstance(hours, (int, float)) or not 0 < hours <= 24 * 30:
        raise ConfigError("'server.session-hours' must be a number of hours from 1 to 720", path=where)
    per_address = table.get("signin-failures-per-address", MAX_ADDRESS_FAILURES)
    if isinstance(per_address, bool) or not isinstance(per_address, int) or not 0 <= per_address <= 10_000:
        raise ConfigError("'server.signin-failures-per-address' must be a whole number from 0 (no limit) to 10000",
                          path=where)
    proxies = _trusted_proxies(table.get("trusted-proxies", list(ServerConfig.trusted_proxies)), where)
    oidc = None
    o = table.get("oidc")
    if o is not None:
        if not isinstance(o, dict) or not {"issuer", "client-id"} <= set(o):
            raise ConfigError("'server.oidc' needs issuer and client-id", path=where)
        secret_env = str(o.get("client-secret-env", "SOPFRAME_OIDC_CLIENT_SECRET"))
        secret = env.get(secret_env, "")
        if not secret:
            raise ConfigError(f"'server.oidc': the client secret is read from ${secret_env}, which is not set",
                              path=where, hint="secrets never go in the configuration file")
        oidc = OidcConfig(str(o["issuer"]).rstrip("/"), str(o["client-id"]), secret,
                          str(o.get("username-claim", "preferred_username")),
                          str(o.get("label", "Sign in with your organisation")))
    secure = bool(table.get("secure-cookies", True)) if secure_cookies is None else secure_cookies
    return ServerConfig(tuple(readers), secure, timedelta(hours=float(hours)), oidc, tuple(trainers), per_address,
                        proxies)


def _trusted_proxies(value: Any, where: str) -> tuple[str, ...]:
    """``trusted-proxies``: IP addresses or networks (``10.0.0.0/8``); never every address."""
    import ipaddress

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError("'server.trusted-proxies' must be a list of IP addresses or networks", path=where)
    for v in value:
        if v.strip() == "*":
            raise ConfigError("'server.trusted-proxies' may not be \"*\": every client could then say which "
                              "address it has (the sign-in limit per address counts by it)", path=where,
                              hint="list the proxies' addresses or networks, such as \"10.0.0.5\" or \"10.0.0.0/24\"")
        try:
            ipaddress.ip_network(v.strip(), strict=False)
        except ValueError:
            raise ConfigError(f"'server.trusted-proxies': {v!r} is not an IP address or network", path=where,
                              hint="for example \"10.0.0.5\", \"10.0.0.0/24\" or \"::1\"") from None
    return tuple(v.strip() for v in value)


@dataclass
class ServerState:
    """Shared by every request of one process; engines (and their store connections) are per thread."""

    settings: "Settings"
    plugins: "Plugins"
    roles: "RoleTable"
    limits: "Limits"
    config: ServerConfig
    store_url: str
    #: plans the notifications each append writes to the outbox (None: no channel configured)
    notify: "Planner | None" = None
    #: the ``groups`` configuration (group -> people): who may sign in for their own training status
    groups: "RoleTable | None" = None
    _local: threading.local = field(default_factory=threading.local)
    _held: "weakref.WeakSet[_Held]" = field(default_factory=lambda: weakref.WeakSet())
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _shipped: list[str] | None = None
    _starts: dict[str, Any] | None = None

    @classmethod
    def build(cls, settings: "Settings", plugins: "Plugins", config: ServerConfig,
              store_url: str | None = None) -> "ServerState":
        from sopframe.services.context import (groups_from_settings, limits_from_settings, planner_from,
                                               roles_from_settings, training_defaults_from)

        roles = roles_from_settings(settings)
        training_defaults_from(settings)  # a bad [training] table stops the server at start
        return cls(settings, plugins, roles, limits_from_settings(settings), config,
                   store_url or settings.store_url, planner_from(settings, plugins, roles),
                   groups_from_settings(settings))

    def holds_any(self, user: str, groups_too: bool = False) -> bool:
        """Whether ``user`` holds a role (or, with ``groups_too``, is in a group) of the configuration."""
        return bool(self.roles.roles_of(user)) or (groups_too and self.groups is not None and
                                                   bool(self.groups.roles_of(user)))

    def engine(self) -> "Engine":
        """This thread's engine (a store connection is used by one thread at a time).

        Worker threads come and go (idle ones end); the connection ends with its thread.  A connection the
        store reports lost (the database restarted) is closed and a new one opened: while the database is
        down that fails (a 503), and the first request after it is back is served.
        """
        held = getattr(self._local, "held", None)
        if held is not None and not held.engine.store.usable():
            self._local.held = None
            with self._lock:
                self._held.discard(held)
            held.close()
            held = None
        if held is None:
            from sopframe.core.store import open_store
            from sopframe.services.context import compiled_for, engine_on

            held = _Held(engine_on(open_store(self.store_url, self.plugins), self.roles, self.limits,
                                   compiled_for(self.settings), self.notify))
            self._local.held = held
            with self._lock:
                self._held.add(held)
        return held.engine

    def close(self) -> None:
        with self._lock:
            held = list(self._held)
        for h in held:
            h.close()

    def shipped_ids(self) -> list[str]:
        """The ids of the templates installed packs ship (what the board offers to start), read once."""
        if self._shipped is None:
            from sopframe.core.templates import shipped_texts

            self._shipped = sorted({tid for tid, _t, _p in shipped_texts(self.plugins)})
        return self._shipped

    def startable(self, user: str) -> list[str]:
        """The shipped templates ``user`` may start (``policy.may_start``): what the board offers to start.

        A template that cannot be built is offered, so that starting it says why it cannot be.
        """
        from sopframe.core import policy

        if self._starts is None:
            from sopframe.core.engine.pinned import pinned_template
            from sopframe.core.templates import shipped_texts

            starts: dict[str, Any] = {}
            for tid, text, path in shipped_texts(self.plugins):
                try:
                    template, graph = pinned_template(text, path)
                    starts.setdefault(tid, (template, graph.stage(graph.start) if graph.start else None))
                except Exception:  # noqa: BLE001 - the engine names the problem when it is started
                    starts.setdefault(tid, None)
            self._starts = starts
        return sorted(tid for tid, t in self._starts.items()
                      if t is None or policy.may_start(self.roles, t[0], t[1], user) is None)

    def may_read(self, template: "Template", user: str) -> bool:
        from sopframe.core.policy import may_read

        return may_read(self.roles, template, user, self.config.readers) is None

    def template_of(self, sha256: str, job: str) -> "Template":
        from sopframe.core.engine.pinned import pinned_by_sha

        return pinned_by_sha(sha256, "", self.engine().store.template, job)[0]

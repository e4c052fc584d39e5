"""``sopframe serve``: the JSON API and web UI on uvicorn (needs ``pip install 'sopframe[server]'``)."""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from sopframe.commands.common import plugins_for, settings_for
from sopframe.commands.jobctx import store_option
from sopframe.errors import UsageError

__all__ = ["serve", "KEEP_ALIVE"]

#: seconds an idle keep-alive connection stays open (uvicorn's 5 s races clients that pause to read a page)
KEEP_ALIVE = 30


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes (use PostgreSQL for more than one).")
@click.option("--insecure-cookies", is_flag=True,
              help="Send the session cookie without `Secure`, for plain HTTP during development only "
                   "(also `secure-cookies = false` under [server]).")
@store_option
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int, insecure_cookies: bool,
          store_url: str | None) -> None:
    """Serve the JSON API (/api/v1, OpenAPI at /api/v1/openapi.json) and the web UI.

    Users sign in with a local account (`sopframe users add`), OpenID Connect
    ([server.oidc]) or an API token (`sopframe tokens create`); the signed-in
    user is the actor of every command, checked by the same policy as the CLI.
    """
    try:
        import uvicorn
    except ImportError:
        raise UsageError("`sopframe serve` needs the server extra", hint="pip install 'sopframe[server]'") from None
    from sopframe.server.app import ENV_CONFIG, ENV_INSECURE, ENV_SERVE_STORE, create_app
    from sopframe.server.state import ServerState, server_config

    if port == 0 and workers > 1:
        raise UsageError("--port 0 (any free port) needs --workers 1: with several workers the port chosen "
                         "could not be announced", hint="give a port with --port")
    settings = settings_for(ctx)
    url = store_url or settings.store_url
    config = server_config(settings, secure_cookies=False if insecure_cookies else None)
    if workers > 1 and url.startswith("sqlite:"):
        click.echo("sopframe: warning: several workers on one SQLite file take turns writing; "
                   "use PostgreSQL for a team server", err=True)
    # checks the store and the configuration now, so a mistake is reported before listening
    state = ServerState.build(settings, plugins_for(ctx), config, url)
    state.engine()
    if not config.secure_cookies and host not in ("127.0.0.1", "localhost", "::1"):
        click.echo("sopframe: warning: cookies without `Secure` on a non-loopback address", err=True)
    sock = _listen(host, port) if workers == 1 else None  # bound here: the announcement names the real port
    bound = sock.getsockname()[1] if sock is not None else port
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"sopframe serve on http://{shown}:{bound} (store {state.engine().store.url}, {workers} worker(s))",
               err=True)
    if sock is not None:
        with _ctrl_c_exits_130(), sock:
            server = uvicorn.Server(uvicorn.Config(create_app(state), host=host, port=bound, log_level="warning",
                                                   timeout_keep_alive=KEEP_ALIVE, proxy_headers=True,
                                                   forwarded_allow_ips=list(config.trusted_proxies)))
            server.run(sockets=[sock])
        return
    state.close()
    os.environ[ENV_SERVE_STORE] = url
    os.environ[ENV_INSECURE] = "1" if not config.secure_cookies else "0"
    if settings.config.file:
        os.environ[ENV_CONFIG] = str(settings.config.file)
    with _ctrl_c_exits_130(), _signals_seen() as seen:
        uvicorn.run("sopframe.server.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                    log_level="warning", timeout_keep_alive=KEEP_ALIVE, proxy_headers=True,
                    forwarded_allow_ips=list(config.trusted_proxies))
    # uvicorn's supervisor takes over the signals and returns as if asked to: end as one worker does
    if signal.SIGINT in seen:
        raise KeyboardInterrupt
    if signal.SIGTERM in seen:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.raise_signal(signal.SIGTERM)


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (0: any free port), as uvicorn binds one; refused with why if it cannot be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                         hint="choose another --port (0: any free one), or stop what listens there") from None
    return sock


@contextmanager
def _signals_seen() -> Iterator[set[int]]:
    """The signals delivered while the block runs, whichever handler took them (uvicorn's supervisor installs its
    own): read from the interpreter's wakeup file descriptor, which gets each signal's number."""
    seen: set[int] = set()
    read, write = os.pipe()
    os.set_blocking(read, False)
    os.set_blocking(write, False)
    previous = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    try:
        yield seen
    finally:
        signal.set_wakeup_fd(previous)
        try:
            seen.update(os.read(read, 4096))
        except BlockingIOError:
            pass
        os.close(read)
        os.close(write)


@contextmanager
def _ctrl_c_exits_130() -> Iterator[None]:
    """uvicorn shuts down gracefully on Ctrl-C and returns as if asked to: remember the signal, and end with
    :exc:`KeyboardInterrupt` (exit 130, as ``sopframe --help`` says) once it has."""
    seen: list[int] = []

    def interrupted(signum: int, frame: Any) -> None:
        seen.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield
    except KeyboardInterrupt:
        seen.append(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, previous)
    if seen:
        raise KeyboardInterrupt

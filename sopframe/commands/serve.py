"""``sopframe serve``: the JSON API and web UI on uvicorn (needs ``pip install 'sopframe[server]'``)."""

from __future__ import annotations

import os
import signal
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
    click.echo(f"sopframe serve on http://{host}:{port} (store {state.engine().store.url}, {workers} worker(s))",
               err=True)
    with _ctrl_c_exits_130():
        if workers == 1:
            uvicorn.run(create_app(state), host=host, port=port, log_level="warning", timeout_keep_alive=KEEP_ALIVE)
            return
        state.close()
        os.environ[ENV_SERVE_STORE] = url
        os.environ[ENV_INSECURE] = "1" if not config.secure_cookies else "0"
        if settings.config.file:
            os.environ[ENV_CONFIG] = str(settings.config.file)
        uvicorn.run("sopframe.server.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                    log_level="warning", timeout_keep_alive=KEEP_ALIVE)


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

"""A sopframe server for tests: a configuration with roles, a store with accounts, clients that sign in."""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

ROLES_TOML = """\
[roles]
author = ["alice"]
it_manager = ["mike"]
it_lead = ["lee", "alice"]
security = ["sam"]
compliance = ["carol", "chris"]
ops_lead = ["olga"]
ciso = ["cate"]
it_director = ["dora", "alice"]
trainer = ["tom"]
auditor = ["audrey"]

[server]
readers = ["auditor"]
"""

PASSWORD = "correct horse battery staple"
#: everyone with an account in the test store; "nora" holds no role
USERS = ("alice", "mike", "lee", "sam", "carol", "audrey", "nora")
TEMPLATE = "itsop-incident-management"


@dataclass
class Server:
    state: Any
    app: Any
    url: str

    def client(self) -> Any:
        from fastapi.testclient import TestClient

        return TestClient(self.app, base_url="https://testserver")

    def store(self) -> Any:
        return self.state.engine().store


def make_server(tmp_path: Path, store_url: str | None = None, extra_toml: str = "",
                users: tuple[str, ...] = USERS, secure: bool = True, extra_roles: str = "",
                environ: dict[str, str] | None = None) -> Server:
    from sopframe.pluginmanager import load_plugins
    from sopframe.server.app import create_app
    from sopframe.server.state import ServerState, server_config
    from sopframe.services.auth import add_user
    from sopframe.settings import CommandLine, resolve_settings

    config = tmp_path / "sopframe.toml"
    config.write_text(ROLES_TOML.replace("\n[server]", f"{extra_roles}\n[server]") + extra_toml, "utf-8")
    settings = resolve_settings(CommandLine(config_path=str(config)), environ={})
    plugins = load_plugins()
    url = store_url
    if url is None:  # a copy of a store with the accounts made once (Argon2id is slow on purpose)
        path = tmp_path / "server.db"
        path.write_bytes(_seeded(users, tmp_path))
        url = f"sqlite:///{path}"
    state = ServerState.build(settings, plugins, server_config(settings, environ=environ or {}, secure_cookies=secure), url)
    store = state.engine().store
    for user in users:
        if store.account(user) is None:
            add_user(store, user, PASSWORD)
    return Server(state, create_app(state), url)


_SEEDS: dict[tuple[str, ...], bytes] = {}


def _seeded(users: tuple[str, ...], tmp_path: Path) -> bytes:
    if users not in _SEEDS:
        from sopframe.services.auth import add_user
        from sopframe_plugins.store_sqlite import SqliteStore

        path = tmp_path / "seed.db"
        store = SqliteStore(path)
        for user in users:
            add_user(store, user, PASSWORD)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        _SEEDS[users] = path.read_bytes()
        path.unlink()
    return _SEEDS[users]


def sign_in(client: Any, user: str, password: str = PASSWORD, next_path: str = "/") -> Any:
    """Sign in through the form (with its CSRF cookie), returning the last response."""
    page = client.get("/signin")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return client.post("/signin", data={"user": user, "password": password, "csrf": token, "next": next_path},
                       follow_redirects=False)


def sign_in_page(page: Any, base: str, user: str, next_path: str = "/") -> None:
    """Sign in on the sign-in page in a real browser (a Playwright ``page``), ending on ``next_path``."""
    page.goto(f"{base}/signin?next={next_path}")
    page.fill("input[name=user]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.signin button")
    page.wait_for_url(f"{base}{next_path}")


def csrf_of(client: Any) -> str:
    return str(client.get("/api/v1/me").json()["csrf"])


def token_for(server: Server, user: str, scope: str = "write", days: int = 30) -> dict[str, str]:
    from sopframe.services.auth import create_token

    text, _ = create_token(server.store(), user, scope, days=days)
    return {"Authorization": f"Bearer {text}"}


@contextmanager
def running(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    import socket
    import threading
    import time

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


#: a small template whose first stage has a longtext, a multichoice, a choice and a list field and a sign-off on
#: them
FORMS_TEMPLATE = """\
template: form-check
title: Form check
version: 1.0.0
kind: change
job_id: FRM-{seq:03}
roles:
  author: Writes it down
  it_lead: Checks it
starters: author
stages:
  write:
    owner: author
    fields:
      notes:
        type: longtext
      summary:
        type: text
      areas:
        type: multichoice
        options:
          - network
          - storage
          - docs
      outcome:
        type: choice
        options:
          - pass
          - fail
      findings:
        type: list
        key: id
        columns:
          id:
            type: text
            required: yes
          score:
            type: number
            title: Score
            max: 10
    signoffs:
      checked:
        role: it_lead
    next: close
  close:
    owner: author
    fields:
      closed_on:
        type: date
"""


def signed_forms_job(server: Server, values: dict[str, Any]) -> str:
    """A job of :data:`FORMS_TEMPLATE` with ``values`` set by alice through the engine, then signed by lee."""
    engine = server.state.engine()
    job = str(engine.start(FORMS_TEMPLATE, "form-check.yaml", actor="alice").job_id)
    engine.set_fields(job, values, actor="alice")
    engine.sign(job, "checked", actor="lee")
    return job

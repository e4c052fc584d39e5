"""Behind a reverse proxy: the client address the server logs and limits by is the one the proxy forwards,
but only from the proxies `[server] trusted-proxies` names (a real `sopframe serve` process on 127.0.0.1)."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sopframe.core.store import open_store
from sopframe.errors import ConfigError
from sopframe.pluginmanager import load_plugins
from sopframe.server.state import server_config
from sopframe.settings import CommandLine, resolve_settings

pytest.importorskip("uvicorn")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _logged_remote(tmp_path: Path, config: str) -> str:
    """The address the sign-in log records for a refused token sent through a 'proxy' claiming 203.0.113.7."""
    (tmp_path / "sopframe.toml").write_text(config, "utf-8")
    store = f"sqlite:///{tmp_path / 's.db'}"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOPFRAME_")}
    proc = subprocess.Popen([sys.executable, "-m", "sopframe", "serve", "--port", str(port), "--store", store],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):
            assert proc.poll() is None, proc.communicate()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/api/v1/jobs", headers={"Authorization": "Bearer sft_nope.nope",
                                                     "X-Forwarded-For": "203.0.113.7"})
        assert conn.getresponse().status == 401
        conn.close()
    finally:
        proc.terminate()
        proc.communicate(timeout=60)
    with open_store(store, load_plugins(), create=False) as s:
        return s.audit_log(kind="token.used")[0].remote


def test_a_trusted_proxys_forwarded_address_is_the_clients(tmp_path: Path) -> None:
    # the default trusts a proxy on this machine (127.0.0.1, ::1), as nginx beside the server is
    assert _logged_remote(tmp_path, "") == "203.0.113.7"


def test_an_untrusted_sender_cannot_say_which_address_it_has(tmp_path: Path) -> None:
    assert _logged_remote(tmp_path, "[server]\ntrusted-proxies = []\n") == "127.0.0.1"


@pytest.mark.parametrize("value, message", [
    ('["*"]', 'may not be "*"'),
    ('["10.0.0.300"]', "'10.0.0.300' is not an IP address or network"),
    ('"10.0.0.1"', "must be a list of IP addresses or networks"),
])
def test_a_bad_entry_is_refused_at_start(tmp_path: Path, value: str, message: str) -> None:
    path = tmp_path / "sopframe.toml"
    path.write_text(f"[server]\ntrusted-proxies = {value}\n", "utf-8")
    with pytest.raises(ConfigError, match=message.replace("*", r"\*").replace(".", r"\.")):
        server_config(resolve_settings(CommandLine(config_path=str(path)), environ={}), environ={})


def test_networks_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "sopframe.toml"
    path.write_text('[server]\ntrusted-proxies = ["10.0.0.0/24", "fd00::/8", "192.0.2.10"]\n', "utf-8")
    config = server_config(resolve_settings(CommandLine(config_path=str(path)), environ={}), environ={})
    assert config.trusted_proxies == ("10.0.0.0/24", "fd00::/8", "192.0.2.10")

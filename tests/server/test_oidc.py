"""OpenID Connect sign-in against a provider running on 127.0.0.1 that issues real RS256-signed ID tokens."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Iterator

import httpx2
import pytest
from oidc_idp import CLIENT_ID, CLIENT_SECRET, IdP
from serversupport import Server, make_server, running

from sopframe.server.oidc import COOKIE


@pytest.fixture(scope="module")
def idp() -> Iterator[IdP]:
    provider = IdP()
    with running(provider.app) as url:
        provider.issuer = url
        yield provider


@pytest.fixture
def oidc_server(tmp_path: Path, idp: IdP) -> Iterator[Server]:
    idp.tamper, idp.user = "", "lee"
    toml = f'\n[server.oidc]\nissuer = "{idp.issuer}"\nclient-id = "{CLIENT_ID}"\n'
    # the client secret comes from the environment, never from the configuration file
    s = make_server(tmp_path, extra_toml=toml, users=("audrey",),
                    environ={"SOPFRAME_OIDC_CLIENT_SECRET": CLIENT_SECRET})
    yield s
    s.state.close()


def _through_provider(client: Any, next_path: str = "/") -> Any:
    """Start the sign-in, let the provider answer, and bring its redirect back to the server."""
    start = client.get(f"/signin/oidc?next={next_path}", follow_redirects=False)
    assert start.status_code == 303
    at_provider = httpx2.get(start.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302, at_provider.text
    back = httpx2.URL(at_provider.headers["location"])
    return client.get(f"{back.path}?{back.query.decode()}", follow_redirects=False)


def test_the_authorization_request_uses_pkce_and_a_nonce(oidc_server: Server, idp: IdP) -> None:
    start = oidc_server.client().get("/signin/oidc", follow_redirects=False)
    url = httpx2.URL(start.headers["location"])
    assert str(url).startswith(f"{idp.issuer}/authorize")
    q = dict(url.params)
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) >= 43
    assert q["nonce"] and q["state"] and q["client_id"] == CLIENT_ID and "openid" in q["scope"].split()
    assert "HttpOnly" in start.headers["set-cookie"] and "Secure" in start.headers["set-cookie"]


def test_a_user_signs_in_with_the_provider_and_acts_as_themselves(oidc_server: Server, idp: IdP) -> None:
    client = oidc_server.client()
    done = _through_provider(client, "/sops")
    assert done.status_code == 303 and done.headers["location"] == "/sops"
    me = client.get("/api/v1/me").json()
    assert me["user"] == "lee" and "it_lead" in me["roles"] and me["via"] == "session"
    log = oidc_server.store().audit_log(user="lee", kind="signin")
    assert log[0].ok and log[0].detail.startswith(f"oidc {idp.issuer} sub sub-lee")


@pytest.mark.parametrize("tamper", ["foreign-key", "nonce", "audience", "expired"])
def test_a_bad_id_token_signs_nobody_in(oidc_server: Server, idp: IdP, tamper: str) -> None:
    idp.tamper = tamper
    client = oidc_server.client()
    done = _through_provider(client)
    assert done.status_code == 403 and "ID token was refused" in done.text
    assert client.get("/api/v1/me").status_code == 401
    assert not oidc_server.store().audit_log(user="lee", kind="signin", ok=True)


def test_a_callback_with_another_state_or_no_flow_is_refused(oidc_server: Server, idp: IdP) -> None:
    client = oidc_server.client()
    start = client.get("/signin/oidc", follow_redirects=False)
    at_provider = httpx2.get(start.headers["location"], follow_redirects=False)
    code = httpx2.URL(at_provider.headers["location"]).params["code"]
    before = idp.token_requests
    r = client.get(f"/signin/oidc/callback?code={code}&state=forged", follow_redirects=False)
    assert r.status_code == 403 and idp.token_requests == before  # the code is never exchanged
    stranger = oidc_server.client()  # a browser that did not start the flow
    r = stranger.get(f"/signin/oidc/callback?code={code}&state=x", follow_redirects=False)
    assert r.status_code == 403 and stranger.get("/api/v1/me").status_code == 401


_GOOD = {"state": "s", "nonce": "n", "verifier": "v" * 43, "next": "/"}


@pytest.mark.parametrize("flow", [
    "%%%not-base64", b"\xff\xfe not UTF-8", b"[1, 2]", {**_GOOD, "at": "soon"}, {**_GOOD, "at": [1]},
    {k: v for k, v in _GOOD.items() if k != "verifier"}, {**_GOOD, "state": 7}, {**_GOOD, "next": None},
], ids=["base64", "utf8", "list", "at-text", "at-list", "no-verifier", "state-number", "next-null"])
def test_an_altered_flow_cookie_is_refused_not_an_internal_error(oidc_server: Server, idp: IdP,
                                                                 flow: Any) -> None:
    import time

    if isinstance(flow, dict):  # started just now, so only its shape can be wrong
        flow = json.dumps({"at": int(time.time()), **flow}).encode()
    cookie = flow if isinstance(flow, str) else base64.urlsafe_b64encode(flow).decode()
    client = oidc_server.client()
    before = idp.token_requests
    r = client.get("/signin/oidc/callback?code=c&state=s", headers={"cookie": f"{COOKIE}={cookie}"},
                   follow_redirects=False)
    assert r.status_code == 403 and "did not start here" in r.text, r.text
    assert idp.token_requests == before and client.get("/api/v1/me").status_code == 401


def test_a_well_formed_flow_cookie_made_up_by_the_browser_gets_no_further_than_the_provider(
        oidc_server: Server, idp: IdP) -> None:
    """The control for the case above: a cookie of the right shape passes the shape check (and the provider,
    which never issued the code, refuses it)."""
    import time

    client = oidc_server.client()
    flow = base64.urlsafe_b64encode(json.dumps({**_GOOD, "at": int(time.time())}).encode()).decode()
    before = idp.token_requests
    r = client.get("/signin/oidc/callback?code=c&state=s", headers={"cookie": f"{COOKIE}={flow}"},
                   follow_redirects=False)
    assert r.status_code == 403 and "did not accept the sign-in code" in r.text, r.text
    assert idp.token_requests == before + 1


def test_a_state_with_characters_outside_ascii_is_refused(oidc_server: Server, idp: IdP) -> None:
    client = oidc_server.client()
    client.get("/signin/oidc", follow_redirects=False)
    r = client.get("/signin/oidc/callback?code=c&state=%C3%A9t%C3%A9", follow_redirects=False)
    assert r.status_code == 403 and "does not belong to this sign-in" in r.text


def test_an_unreachable_provider_is_a_bad_gateway_with_a_plain_message(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from sopframe.server import oidc

    monkeypatch.setattr(oidc, "_DISCOVERY", {})
    with socket.socket() as sock:  # a port that was free a moment ago: nothing answers there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    toml = f'\n[server.oidc]\nissuer = "http://127.0.0.1:{port}"\nclient-id = "{CLIENT_ID}"\n'
    s = make_server(tmp_path, extra_toml=toml, users=("audrey",),
                    environ={"SOPFRAME_OIDC_CLIENT_SECRET": CLIENT_SECRET})
    try:
        r = s.client().get("/signin/oidc", follow_redirects=False)
    finally:
        s.state.close()
    assert r.status_code == 502 and "identity provider did not answer" in r.text
    assert "ConnectError" in r.text and "Traceback" not in r.text


@pytest.mark.parametrize("tamper, where", [("discovery-incomplete", "start"), ("jwks-html", "callback")])
def test_a_provider_answering_nonsense_is_a_bad_gateway_and_signs_nobody_in(
        oidc_server: Server, idp: IdP, monkeypatch: pytest.MonkeyPatch, tamper: str, where: str) -> None:
    from sopframe.server import oidc

    monkeypatch.setattr(oidc, "_DISCOVERY", {})
    client = oidc_server.client()
    if where == "start":
        idp.tamper = tamper
        r = client.get("/signin/oidc", follow_redirects=False)
        assert r.status_code == 502 and "no authorization_endpoint, jwks_uri" in r.text, r.text
        return
    start = client.get("/signin/oidc", follow_redirects=False)
    at_provider = httpx2.get(start.headers["location"], follow_redirects=False)
    idp.tamper = tamper
    back = httpx2.URL(at_provider.headers["location"])
    r = client.get(f"{back.path}?{back.query.decode()}", follow_redirects=False)
    assert r.status_code == 502 and "signing keys" in r.text, r.text
    assert client.get("/api/v1/me").status_code == 401
    (refused,) = oidc_server.store().audit_log(kind="signin", ok=False)
    assert "signing keys" in refused.detail


@pytest.mark.parametrize("name", ["", "lee\x1b[2J"], ids=["empty", "control-character"])
def test_a_user_name_the_provider_vouches_for_that_cannot_be_one_is_refused_and_logged(
        oidc_server: Server, idp: IdP, name: str) -> None:
    idp.user = name
    client = oidc_server.client()
    done = _through_provider(client)
    assert done.status_code == 403 and client.get("/api/v1/me").status_code == 401
    (entry, *_) = oidc_server.store().audit_log(kind="signin", ok=False)
    assert entry.detail.startswith("oidc sub sub-") and "\x1b" not in entry.detail


def test_a_disabled_local_account_is_not_signed_in_by_the_provider(oidc_server: Server, idp: IdP) -> None:
    """Off-boarding here (`sopframe users disable`) holds even if the provider still vouches for the person."""
    from serversupport import PASSWORD

    from sopframe.services.auth import add_user, disable_user

    add_user(oidc_server.store(), "lee", PASSWORD)
    disable_user(oidc_server.store(), "lee")
    client = oidc_server.client()
    done = _through_provider(client)
    assert done.status_code == 403 and "is disabled on this server" in done.text
    assert client.get("/api/v1/me").status_code == 401
    (refused,) = oidc_server.store().audit_log(user="lee", kind="signin")
    assert not refused.ok and refused.detail == "oidc: account disabled"

"""OpenID Connect sign-in: authorization code flow with PKCE (S256) and a nonce, on authlib and joserfc.

``GET /signin/oidc`` fetches the provider's discovery document, makes a
random ``state``, ``nonce`` and PKCE verifier, keeps them in a short-lived
HttpOnly cookie, and sends the browser to the provider.  The callback checks
``state`` against the cookie, exchanges the code (with the verifier and the
client secret) at the token endpoint, and accepts the ID token only if its
RS256/ES256 signature verifies against the provider's JWKS and its ``iss``,
``aud``, ``exp`` and ``nonce`` are right.  The configured claim
(``preferred_username`` by default) is the user name, normalised and
resolved through ``aliases`` like every other name; the roles table decides
what that user may do.  Each sign-in, and each refusal, goes to the
sign-in log.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from sopframe.server.problems import Problem
from sopframe.server.security import remote_of

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.server.state import OidcConfig, ServerState

__all__ = ["router", "COOKIE"]

router = APIRouter(include_in_schema=False)
COOKIE = "sopframe_oidc"
_FLOW_SECONDS = 600
_log = logging.getLogger("sopframe.server")
_DISCOVERY: dict[str, tuple[float, dict[str, Any]]] = {}


class Unreachable(Problem):
    """The identity provider could not be asked (network, HTTP status or a body that is not a JSON object)."""

    def __init__(self, what: str, cause: BaseException | str) -> None:
        why = cause if isinstance(cause, str) else type(cause).__name__
        super().__init__(502, f"the identity provider did not answer as expected ({what}: {why}): try again later",
                         hint="the server's log and the provider's status say more")


def _get_json(url: str, what: str) -> dict[str, Any]:
    import httpx2

    try:
        r = httpx2.get(url, timeout=10)
        r.raise_for_status()
        data = r.json()
    except (httpx2.HTTPError, ValueError) as exc:
        _log.warning("identity provider: %s at %s: %s", what, url, exc)
        raise Unreachable(what, exc) from None
    if not isinstance(data, dict):
        _log.warning("identity provider: %s at %s is not a JSON object", what, url)
        raise Unreachable(what, "not a JSON object")
    return data


#: what a discovery document must name for the authorization code flow
_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")


def discovery(cfg: "OidcConfig") -> dict[str, Any]:
    """The provider's discovery document (cached for five minutes), its issuer and endpoints checked."""
    hit = _DISCOVERY.get(cfg.issuer)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    doc = _get_json(f"{cfg.issuer}/.well-known/openid-configuration", "discovery document")
    if str(doc.get("issuer", "")).rstrip("/") != cfg.issuer:
        raise Problem(502, "the identity provider's discovery document names another issuer")
    missing = [k for k in _ENDPOINTS if not isinstance(doc.get(k), str) or not doc[k].startswith(("https://", "http://"))]
    if missing:
        raise Unreachable("discovery document", f"no {', '.join(missing)}")
    _DISCOVERY[cfg.issuer] = (time.monotonic() + 300, doc)
    return doc


def _client(cfg: "OidcConfig", redirect_uri: str) -> Any:
    from authlib.integrations.httpx_client import OAuth2Client

    return OAuth2Client(cfg.client_id, cfg.client_secret, scope="openid profile email", redirect_uri=redirect_uri,
                        code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic", timeout=10)


def _config(request: Request) -> tuple["ServerState", "OidcConfig"]:
    st: ServerState = request.app.state.sopframe
    if st.config.oidc is None:
        raise Problem(404, "OpenID Connect sign-in is not configured ([server.oidc])")
    return st, st.config.oidc


@router.get("/signin/oidc")
def start(request: Request, next: str = "/") -> Response:
    from sopframe.server.web import _safe_next

    st, cfg = _config(request)
    doc = discovery(cfg)
    flow = {"state": secrets.token_urlsafe(24), "nonce": secrets.token_urlsafe(24),
            "verifier": secrets.token_urlsafe(48), "next": _safe_next(next), "at": int(time.time())}
    client = _client(cfg, str(request.url_for("oidc_callback")))
    url, _state = client.create_authorization_url(doc["authorization_endpoint"], state=flow["state"],
                                                  nonce=flow["nonce"], code_verifier=flow["verifier"])
    resp = RedirectResponse(url, status_code=303)
    value = base64.urlsafe_b64encode(json.dumps(flow).encode()).decode()
    # SameSite=Lax: the provider's redirect back is a top-level GET, which Lax cookies accompany
    resp.set_cookie(COOKIE, value, max_age=_FLOW_SECONDS, httponly=True, samesite="lax",
                    secure=st.config.secure_cookies, path="/signin/oidc")
    return resp


#: the sign-in flow cookie's fields and their types; anything else is not a flow this server started
_FLOW_FIELDS = {"state": str, "nonce": str, "verifier": str, "next": str, "at": int}


def _flow(request: Request) -> dict[str, Any]:
    """The flow this browser started, from its cookie; a missing, expired or altered cookie is refused (403)."""
    try:
        flow = json.loads(base64.urlsafe_b64decode(request.cookies.get(COOKIE, "")))
    except ValueError:  # not base64, not UTF-8 or not JSON
        flow = None
    if not isinstance(flow, dict) or any(type(flow.get(k)) is not kind for k, kind in _FLOW_FIELDS.items()) \
            or flow["at"] + _FLOW_SECONDS < time.time():
        raise Problem(403, "the sign-in with your identity provider expired or did not start here: try again")
    return flow


def _verified_claims(cfg: "OidcConfig", doc: dict[str, Any], id_token: str, nonce: str) -> dict[str, Any]:
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    keys_doc = _get_json(doc["jwks_uri"], "signing keys")
    try:
        keys = KeySet.import_key_set(keys_doc)  # type: ignore[arg-type]
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise Unreachable("signing keys", exc) from None
    try:
        token = jwt.decode(id_token, keys, algorithms=["RS256", "ES256"])
        jwt.JWTClaimsRegistry(iss={"essential": True, "value": cfg.issuer},
                              aud={"essential": True, "value": cfg.client_id},
                              nonce={"essential": True, "value": nonce},
                              exp={"essential": True}, sub={"essential": True}).validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise Problem(403, f"the identity provider's ID token was refused: {type(exc).__name__}") from None
    return dict(token.claims)


@router.get("/signin/oidc/callback", name="oidc_callback")
def callback(request: Request, code: str = "", state: str = "", error: str = "") -> Response:
    from sopframe.core.accounts import AuditRecord
    from sopframe.core.engine.clock import system_clock, to_text
    from sopframe.core.safetext import escape
    from sopframe.errors import UsageError
    from sopframe.server.web import _safe_next, expire_cookie, session_redirect
    from sopframe.services.auth import open_session, user_name

    import httpx2

    st, cfg = _config(request)
    flow = _flow(request)
    store = st.engine().store
    at = to_text(system_clock())
    if error or not code or not secrets.compare_digest(state.encode(), flow["state"].encode()):
        store.audit(AuditRecord(at, "signin", "", False, "oidc: bad state or provider error", remote_of(request)))
        raise Problem(403, "the identity provider's answer does not belong to this sign-in: try again")
    doc = discovery(cfg)
    client = _client(cfg, str(request.url_for("oidc_callback")))
    try:
        tokens = client.fetch_token(doc["token_endpoint"], code=code, code_verifier=flow["verifier"])
    except httpx2.TransportError as exc:  # the provider could not be reached: nothing was signed in
        store.audit(AuditRecord(at, "signin", "", False, f"oidc: token endpoint unreachable ({type(exc).__name__})",
                                remote_of(request)))
        raise Unreachable("token endpoint", exc) from None
    except Exception as exc:  # the provider refused the code: nothing was signed in
        store.audit(AuditRecord(at, "signin", "", False, f"oidc: token exchange failed ({type(exc).__name__})",
                                remote_of(request)))
        raise Problem(403, "the identity provider did not accept the sign-in code") from None
    try:
        claims = _verified_claims(cfg, doc, str(tokens.get("id_token", "")), str(flow["nonce"]))
    except Problem as refused:
        store.audit(AuditRecord(at, "signin", "", False, f"oidc: {refused.detail}", remote_of(request)))
        raise
    name = claims.get(cfg.username_claim)
    try:
        if not isinstance(name, str) or not name.strip():
            raise Problem(403, f"the ID token has no {cfg.username_claim!r} claim")
        user = st.roles.canonical(user_name(name))
    except (Problem, UsageError) as exc:  # the provider vouched for someone who cannot be a user here
        store.audit(AuditRecord(at, "signin", "", False, f"oidc sub {escape(str(claims['sub']))[:200]}: "
                                f"{exc.detail if isinstance(exc, Problem) else exc.message}", remote_of(request)))
        raise Problem(403, "the identity provider's user name cannot be used here"
                      if isinstance(exc, UsageError) else exc.detail, hint=escape(str(exc))) from None
    local = store.account(user)
    if local is not None and local.disabled:  # off-boarded here: the provider's word does not bring them back
        store.audit(AuditRecord(at, "signin", user, False, "oidc: account disabled", remote_of(request)))
        raise Problem(403, f"the account {user!r} is disabled on this server",
                      hint="an administrator enables it again with `sopframe users passwd`")
    issued = open_session(store, user, "oidc", lifetime=st.config.session_lifetime)
    store.audit(AuditRecord(at, "signin", user, True, f"oidc {cfg.issuer} sub {claims['sub']}", remote_of(request)))
    resp = session_redirect(st, issued.cookie, _safe_next(flow["next"]), request)
    expire_cookie(resp, COOKIE, "/signin/oidc", st.config.secure_cookies)
    return resp

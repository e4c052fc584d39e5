"""A small OpenID Connect provider for tests: discovery, JWKS, authorization code flow with PKCE, RS256 ID tokens.

It signs in whoever ``IdP.user`` names without asking (the browser part of a
real provider is not what is tested), checks the client's secret, the
redirect URI and the PKCE verifier, and issues a real RS256-signed ID token
carrying the nonce it was given.  ``IdP.tamper`` makes it misbehave the way
an attacker or a broken provider would: ``"foreign-key"`` signs with a key
not in its JWKS, ``"nonce"`` returns another nonce, ``"audience"`` another
audience, ``"expired"`` an expired token.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

__all__ = ["IdP", "CLIENT_ID", "CLIENT_SECRET"]

CLIENT_ID = "sopframe-test"
CLIENT_SECRET = "test-client-secret-" + "x" * 16


class IdP:
    """The provider's state; ``app`` is its ASGI application, ``issuer`` set once it is served."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "idp-1"})
        self.foreign = RSAKey.generate_key(2048, parameters={"kid": "idp-1"})
        self.issuer = ""
        self.user = "lee"
        self.tamper = ""
        self.codes: dict[str, dict[str, str]] = {}
        self.token_requests = 0
        self.app = Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery),
            Route("/jwks", self.jwks),
            Route("/authorize", self.authorize),
            Route("/token", self.token, methods=["POST"]),
        ])

    async def discovery(self, request: Request) -> Response:
        if self.tamper == "discovery-incomplete":
            return JSONResponse({"issuer": self.issuer, "token_endpoint": f"{self.issuer}/token"})
        return JSONResponse({
            "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"]})

    async def jwks(self, request: Request) -> Response:
        if self.tamper == "jwks-html":
            return Response("<html>maintenance</html>", media_type="text/html")
        return JSONResponse(KeySet([self.key]).as_dict(private=False))

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code" or \
                q.get("code_challenge_method") != "S256" or not q.get("code_challenge") or not q.get("nonce"):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": q["code_challenge"], "nonce": q["nonce"], "redirect_uri": q["redirect_uri"]}
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q.get('state', '')})}",
                                status_code=302)

    async def token(self, request: Request) -> Response:
        self.token_requests += 1
        auth = request.headers.get("authorization", "")
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        form = await request.form()
        grant = self.codes.pop(str(form.get("code", "")), None)
        if auth != f"Basic {expected}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant["challenge"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE"}, status_code=400)
        now = int(time.time())
        claims: dict[str, Any] = {"iss": self.issuer, "sub": f"sub-{self.user}", "aud": CLIENT_ID,
                                  "iat": now, "exp": now + 300, "nonce": grant["nonce"],
                                  "preferred_username": self.user}
        if self.tamper == "nonce":
            claims["nonce"] = "another-nonce"
        elif self.tamper == "audience":
            claims["aud"] = "another-client"
        elif self.tamper == "expired":
            claims["exp"] = now - 60
        key = self.foreign if self.tamper == "foreign-key" else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": "idp-1"}, claims, key)
        return JSONResponse({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300,
                             "id_token": id_token})

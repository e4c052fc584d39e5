"""OpenID Connect sign-in (authorization code flow with PKCE and a nonce), on authlib."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)

"""Store URLs with their credentials hidden, for every message and log line that names a store.

A PostgreSQL URL may carry a password in two places: after the user name
(``postgresql://it:SECRET@host/db``) and as a query parameter
(``?password=SECRET``, ``sslpassword=``).  :func:`redact_url` hides both,
and never raises: it is applied to URLs that failed to parse too.
"""

from __future__ import annotations

from urllib.parse import unquote

__all__ = ["redact_url", "redact_text"]

_SECRET_PARAMS = frozenset({"password", "sslpassword"})
_MASK = "***"


def _split(url: str) -> tuple[str, str, str, str] | None:
    """``(scheme://, userinfo, rest, query-and-fragment)``, or None for a URL without ``scheme://``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    cut = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    head, tail = rest[:cut], rest[cut:]
    # the last '@' before the query: a password with an unencoded '@' is still hidden whole
    userinfo, at, hostpath = head.rpartition("@")
    return scheme + sep, userinfo + at, hostpath, tail


def redact_url(url: str) -> str:
    """``url`` with the password after the user name and any ``password=`` parameter replaced by ``***``."""
    parts = _split(url)
    if parts is None:
        return url
    prefix, userinfo, hostpath, tail = parts
    if ":" in userinfo:
        userinfo = userinfo.partition(":")[0] + ":" + _MASK + "@"
    if tail.startswith("?"):
        query, hash_, fragment = tail[1:].partition("#")
        params = []
        for param in query.split("&"):
            key, eq, _ = param.partition("=")
            params.append(f"{key}={_MASK}" if eq and unquote(key).strip().lower() in _SECRET_PARAMS else param)
        tail = "?" + "&".join(params) + hash_ + fragment
    return prefix + userinfo + hostpath + tail


def redact_text(text: str, url: str) -> str:
    """``text`` (an error's message) with ``url`` and its secrets, raw or percent-decoded, hidden."""
    text = text.replace(url, redact_url(url))
    parts = _split(url)
    if parts is None:
        return text
    secrets = []
    userinfo = parts[1][:-1]
    if ":" in userinfo:
        secrets.append(userinfo.partition(":")[2])
    for param in parts[3].lstrip("?").partition("#")[0].split("&"):
        key, eq, value = param.partition("=")
        if eq and unquote(key).strip().lower() in _SECRET_PARAMS:
            secrets.append(value)
    for secret in secrets:
        for form in {secret, unquote(secret)}:
            if len(form) >= 4:  # a shorter one would hide unrelated text, and a password that short is no secret
                text = text.replace(form, _MASK)
    return text

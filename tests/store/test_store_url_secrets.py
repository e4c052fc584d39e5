"""A store URL's password is never printed back: not in an error, a status line or a plugin failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sopframe.core.redact import redact_text, redact_url
from sopframe.core.store import open_store
from sopframe.errors import SopframeError, StoreError
from sopframe.pluginmanager import load_plugins

SECRET = "Hunter2secret"


@pytest.mark.parametrize("url, shown", [
    (f"postgresql://it:{SECRET}@db:5432/sop", "postgresql://it:***@db:5432/sop"),
    (f"postgresql://:{SECRET}@db/sop", "postgresql://:***@db/sop"),
    (f"postgresql://db/sop?user=it&password={SECRET}&schema=s", "postgresql://db/sop?user=it&password=***&schema=s"),
    (f"postgresql://db/sop?sslpassword={SECRET}", "postgresql://db/sop?sslpassword=***"),
    (f"postgresql://it:p@{SECRET}@db/sop", "postgresql://it:***@db/sop"),
    (f"postgresql://it:{SECRET}@[::1/sop", "postgresql://it:***@[::1/sop"),
    ("postgresql://it@db/sop?schema=s", "postgresql://it@db/sop?schema=s"),
    ("sqlite:///jobs.db", "sqlite:///jobs.db"),
])
def test_redact_url_hides_every_password(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert redact_text(f"bad {url}", url) == f"bad {shown}"


def test_redact_text_hides_the_password_wherever_a_message_repeats_it() -> None:
    url = f"postgresql://it:{SECRET}@db/sop?schema=s"
    assert redact_text(f"cannot use {SECRET!r} for 'it'", url) == "cannot use '***' for 'it'"


@pytest.mark.parametrize("url", [
    f"postgresql://it:{SECRET}@[::1/sop",           # urlsplit refuses it
    f"postgresql://it:p@{SECRET}@127.0.0.1:1/sop",  # an unencoded '@': libpq would name the rest as the host
    f"postgresql://127.0.0.1:1/sop?user=it&password={SECRET}&connect_timeout=2",
])
def test_a_bad_or_unreachable_url_is_refused_without_its_password(url: str) -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(SopframeError) as info:
        open_store(url, load_plugins())
    assert isinstance(info.value, StoreError)  # the store's own refusal, not a plugin failure
    assert SECRET not in f"{info.value} {info.value.hint or ''}"


def test_store_status_never_prints_a_password_parameter(postgres_url: str, tmp_path: Path) -> None:
    url = postgres_url.replace("?", f"?password={SECRET}&", 1)  # the test server trusts: any password connects
    for args in (["store", "status"], ["job", "list"], ["job", "show", "NOPE-1"], ["store", "status", "--format",
                                                                                    "json"]):
        r = subprocess.run([sys.executable, "-m", "sopframe", *args, "--store", url], capture_output=True,
                           text=True, timeout=120, cwd=tmp_path)
        assert SECRET not in r.stdout + r.stderr, args
    r = subprocess.run([sys.executable, "-m", "sopframe", "store", "status", "--store", url], capture_output=True,
                       text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 0 and "password=***" in r.stdout

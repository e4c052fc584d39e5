"""Text that is not valid Unicode (a lone surrogate) is refused where it is given, and nothing is recorded.

Python hands a command line's bytes that are not UTF-8 over as lone
surrogates (U+DC80-U+DCFF), and JSON may spell one as ``\\ud800``; neither
has a UTF-8 encoding, so no event holding one can be hashed or stored.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sopframe.core.engine import Engine
from sopframe.errors import JobError
from sopframe.testing.store_contract import _TINY_TEMPLATE
from sopframe_plugins.store_memory import MemoryStore

from .conftest import Cli


@pytest.mark.parametrize(("argv", "says"), [
    (("job", "set", "TINY-001", "summary=x\udcffy"), "job TINY-001, stage write, field summary: the value holds"),
    (("job", "start", "tiny.yaml", "--title", "bad\udcfftitle"), "title holds text that is not valid Unicode"),
    (("job", "cancel", "TINY-001", "--reason", "x\ud800y"), "job TINY-001: reason holds"),
])
def test_a_command_given_text_that_is_not_unicode_is_refused(cli: Cli, argv: tuple[str, ...], says: str) -> None:
    cli("job", "start", "tiny.yaml")
    before = cli("job", "history", "TINY-001", "--format", "json").json()
    r = cli(*argv)
    assert r.code == 1, r.err
    assert says in r.err and "nothing was recorded" in r.err
    assert "\udcff" not in r.err and "\ud800" not in r.err  # named by its escape
    assert cli("job", "history", "TINY-001", "--format", "json").json() == before
    assert cli("job", "verify", "--all").code == 0


def test_a_job_id_that_is_not_unicode_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"  # SQLite cannot even be asked for such an id
    cli("job", "start", "tiny.yaml", "--store", url)
    r = cli("job", "show", "TINY\udcff", "--store", url)
    assert r.code == 2 and "not valid Unicode (\\udcff" in r.err


def test_the_engine_names_where_the_text_is_and_writes_nothing() -> None:
    store = MemoryStore()
    engine = Engine(store, roles={"author": ["alice"], "lead": ["lee"]})
    job = engine.start(_TINY_TEMPLATE, "tiny.yaml", actor="alice").job_id
    before = store.read(job)
    with pytest.raises(JobError) as info:
        engine.set_fields(job, {"summary": "a\ud800b"}, actor="alice")
    assert info.value.job == job and info.value.stage == "write" and info.value.field == "summary"
    assert store.read(job) == before


def test_a_template_that_is_not_utf8_is_refused_at_its_line_and_column(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_bytes(b"template: x\ntitle: \"caf\xff\"\n")
    r = cli("job", "start", "bad.yaml")
    assert r.code == 2 and "bad.yaml:2:12: the template is not UTF-8 text (byte 0xff)" in r.err

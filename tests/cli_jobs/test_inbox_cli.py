"""``sopframe inbox``: what waits on the user, as text and JSON, with untrusted text escaped."""

from __future__ import annotations

import re
from pathlib import Path

from sopframe.testing.store_contract import _SOD_TEMPLATE

from .conftest import Cli


def test_the_inbox_lists_stages_and_signoffs_with_time_left(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "sod.yaml").write_text(_SOD_TEMPLATE, "utf-8")
    cli("job", "start", "tiny.yaml", "--title", "Fix \x1b[31mred\x1b[0m")  # the write stage has a 1-day SLA
    cli("job", "start", "sod.yaml")
    cli("job", "set", "SOD-001", "summary=s", "author=alice")
    cli("job", "complete", "SOD-001")
    r = cli("inbox", "--as", "alice")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0] == "2 items wait on alice (roles: author, lead), most urgent first:"
    assert re.fullmatch(r"  \d+h \d+m left +TINY-001 write: complete the stage \(owner: author\) - "
                        r"Fix \\x1b\[31mred\\x1b\[0m", lines[1]), lines[1]  # the title's escape sequence is shown, not run
    assert lines[2] == "  no SLA           SOD-001 approve: complete the stage (owner: lead) - Reviewed by someone else"
    assert lines[3] == ("  may not sign     SOD-001 approve: sign-off lead: sign-off 'lead' must not be given by the "
                        "person 'author' names (alice) (not_by: author)")
    assert len(lines) == 4
    lee = cli("inbox", "--as", "lee", "--format", "json").json()
    assert lee["user"] == "lee" and lee["roles"] == ["lead"]
    assert [(i["kind"], i["job"], i["signoff"], i["may_act"], i["seconds_left"]) for i in lee["items"]] == [
        ("stage", "SOD-001", None, True, None), ("signoff", "SOD-001", "lead", True, None)]


def test_someone_with_no_role_is_told_why_nothing_waits(cli: Cli) -> None:
    cli("job", "start", "tiny.yaml")
    r = cli("inbox", "--as", "mallory")
    assert r.code == 0 and r.out.strip() == ("nothing waits on mallory: mallory holds no role in the configuration "
                                             "(the `roles` table)")
    r = cli("inbox", "--as", "alcie")  # a slip of the keyboard gets the name it was meant to be
    assert r.out.strip().endswith("holds no role in the configuration (the `roles` table) (did you mean 'alice'?)")
    r = cli("inbox", "--as", "lee")
    assert r.code == 0 and r.out.strip() == "nothing waits on lee (roles: lead)"
    assert cli("inbox", "--as", "lee", "--format", "json").json()["items"] == []

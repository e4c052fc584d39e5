"""``sopframe ack``, ``training status``, ``sops show|flag|reviewed``, ``job start --reason`` and ``overdue``."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_jobs.conftest import Cli
from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.engine.records import SopRecords
from sopframe.core.identity import RoleTable
from sopframe.testing.sop_lifecycle import CHANGE, GROUPS, ROLES, incident_of, publish
from sopframe_plugins.store_memory import sopframe_store

CONFIG = """\
[roles]
author = ["alice"]
responder = ["rita", "rob"]
requester = ["carl"]

[groups]
oncall = ["owen", "Rita"]

[training]
grace = "7d"
"""


@pytest.fixture
def published(cli: Cli, tmp_path: Path) -> Cli:
    (tmp_path / "sopframe.toml").write_text(CONFIG, "utf-8")
    (tmp_path / "incident.yaml").write_text(incident_of(), "utf-8")
    (tmp_path / "old-incident.yaml").write_text(incident_of("0.9.0"), "utf-8")
    (tmp_path / "change.yaml").write_text(CHANGE, "utf-8")
    store = sopframe_store(cli.store)
    clock = FixedClock("2026-01-05T09:00:00+00:00")
    engine = Engine(store, roles=ROLES, clock=clock)
    publish(engine)
    clock.advance(days=1)
    SopRecords(store, roles=engine.roles, groups=RoleTable.build(GROUPS), clock=clock).acknowledge(
        "SOP-T-001", actor="rob")
    return cli


def test_training_status_text_is_exact(published: Cli) -> None:
    r = published("training", "status", "SOP-T-001", "--as-of", "2026-01-26T09:00:00Z", "--store", published.store)
    assert r.code == 0, r.err
    assert r.out == """\
SOP-T-001 version 1.0.0 (published by TSOP-001, effective 2026-01-05)
  audience: responder, group:oncall; acknowledge within 14d of the effective date, or of joining the audience if \
later; again every 12 months
  audience as recorded in force then: the role and group tables of 2026-01-06T09:00Z
  effective: no (1 of 3 have acknowledged this version; 50% needs 2)
  person  status          due by             acknowledged
  owen    late (7d)       2026-01-19T00:00Z  -
  rita    late (7d)       2026-01-19T00:00Z  -
  rob     acknowledged    2027-01-06T09:00Z  2026-01-06T09:00Z
  1 of 3 acknowledged; 2 late; 0 pending
  note: groups were first recorded at 2026-01-06T09:00Z (acknowledgements, flags and reviews record it): whoever \
joined a group before then counts from the version's start
"""
    data = published("training", "status", "--as-of", "2026-01-26", "--format", "json", "--store",
                     published.store).json()
    assert [(p["person"], p["status"]) for p in data[0]["people"]] == [
        ("owen", "late"), ("rita", "late"), ("rob", "acknowledged")]
    assert data[0]["policy"]["within"] == "14d"  # the template's value wins over the configured 7d


def test_ack_from_the_command_line(published: Cli) -> None:
    r = published("ack", "SOP-T-001", "--as", "RITA", "--store", published.store)
    assert r.code == 0, r.err
    assert r.out.splitlines() == [
        "rita acknowledged SOP-T-001 version 1.0.0",
        "attestation: I have read this procedure and will follow it. (sha256 d39746bf412e79e1...)"]
    r = published("ack", "SOP-T-001", "--as", "zed", "--store", published.store)
    assert r.code == 1 and "zed is not known" in r.err
    for option in ("--version", "--attest"):  # empty is refused, never recorded as agreeing to the version's text
        r = published("ack", "SOP-T-001", "--as", "owen", option, " ", "--store", published.store)
        assert r.code == 2 and f"{option} is empty" in r.err
    r = published("ack", "SOP-T-009", "--as", "rita", "--store", published.store)
    assert r.code == 2 and "SOP-T-009 is not on the SOP master list (did you mean 'SOP-T-001'?)" in r.err
    status = published("training", "status", "--format", "json", "--store", published.store).json()
    assert status[0]["effective"] is True


def test_job_start_follows_the_current_version_or_records_a_reason(published: Cli) -> None:
    r = published("job", "start", "old-incident.yaml", user="rob")
    assert r.code == 1 and "the current published version of SOP-T-001 is 1.0.0" in r.err
    assert "--reason" in r.err
    r = published("job", "start", "old-incident.yaml", "--reason", "printed runbook still in use", user="rob")
    assert r.code == 0, r.err
    started = published("job", "history", "TINC-001").out.splitlines()[0]
    assert started.endswith(", started off the current version of SOP-T-001 (1.0.0): printed runbook still in use")
    r = published("job", "start", "incident.yaml", user="rob")
    assert r.code == 0, r.err
    out = published("sops", "show", "SOP-T-001").out.splitlines()
    assert out[0] == "SOP-T-001 version 1.0.0 (current, published by TSOP-001, effective 2026-01-05)"
    assert [line.split()[0] for line in out[1:]] == ["TINC-002", "TINC-001"]
    assert out[2].endswith("(tiny-incident 0.9.0) -- started off the current version: printed runbook still in use")
    assert [j["job"] for j in published("sops", "show", "SOP-T-001", "--last", "1", "--format", "json")
            .json()["versions"][0]["jobs"]] == ["TINC-002"]


def test_flags_show_in_overdue_until_reviewed(published: Cli) -> None:
    assert published("overdue").out == "nothing overdue\n"
    r = published("sops", "flag", "SOP-T-001", "--reason", "step 2 names a retired pager", "--as", "owen")
    assert r.code == 0 and r.out == "flagged SOP-T-001 version 1.0.0 for review: step 2 names a retired pager\n"
    r = published("overdue")
    assert r.code == 1
    (line,) = r.out.splitlines()
    assert line.startswith("review  SOP-T-001: flagged as not matching reality by owen at ")
    assert "step 2 names a retired pager (open for <1m)" in line
    r = published("sops", "reviewed", "SOP-T-001", "--reason", "pager step updated", "--as", "alice")
    assert r.code == 0, r.err
    assert published("overdue").out == "nothing overdue\n"


def test_a_significant_change_puts_the_sops_it_names_up_for_review(published: Cli) -> None:
    job = published("job", "start", "change.yaml", user="carl").out.split()[1]
    r = published("job", "set", job, "sops_affected=SOP-T-001", "significant=yes", user="carl")
    assert r.code == 0, r.err
    assert published("job", "complete", job, user="carl").code == 0
    items = published("overdue", "--format", "json").json()
    assert [(i["kind"], i["ref"], i["owner"], i["what"]) for i in items] == [("change", "SOP-T-001", "carl", job)]
    assert "review due for SOP-T-001" in published("job", "history", job).out


@pytest.mark.parametrize(("toml", "message"), [
    ('[groups]\noncall = ["owen", "\\u202eevil"]\n', "sopframe.toml:2: groups.oncall: '\\u202eevil': a user name "
                                                    "cannot contain control or invisible characters"),
    ('[training]\ngrace = "soon"\n', "sopframe.toml:2: training.grace:"),
    ('[training]\ngrase = "7d"\n', "sopframe.toml:2: training: unknown key 'grase' (did you mean 'grace'?)"),
])
def test_bad_groups_or_training_configuration_names_file_and_line(cli: Cli, tmp_path: Path, toml: str,
                                                                   message: str) -> None:
    (tmp_path / "sopframe.toml").write_text(toml, "utf-8")
    r = cli("training", "status", "--store", cli.store)
    assert r.code == 2 and message in r.err, r.err


def test_as_of_counts_only_what_had_happened_by_then(published: Cli) -> None:
    store = published.store
    before_ack = published("training", "status", "SOP-T-001", "--as-of", "2026-01-05T12:00:00Z", "--format", "json",
                           "--store", store).json()
    assert [(p["person"], p["status"], p["acknowledged_at"]) for p in before_ack[0]["people"]] == [
        ("owen", "pending", None), ("rita", "pending", None), ("rob", "pending", None)]
    assert before_ack[0]["acknowledged"] == 0
    after_ack = published("training", "status", "SOP-T-001", "--as-of", "2026-01-06T12:00:00Z", "--format", "json",
                          "--store", store).json()
    assert [p["status"] for p in after_ack[0]["people"]] == ["pending", "pending", "acknowledged"]
    before_publication = published("training", "status", "--as-of", "2026-01-01", "--store", store)
    assert before_publication.code == 0 and "SOP-T-001" not in before_publication.out
    named = published("training", "status", "SOP-T-001", "--as-of", "2026-01-01", "--store", store)
    assert named.code == 0 and named.out == "SOP-T-001 had no published version yet at 2026-01-01\n"


def test_ack_checks_the_training_table_as_training_status_does(published: Cli, tmp_path: Path) -> None:
    (tmp_path / "sopframe.toml").write_text(CONFIG.replace('grace = "7d"', 'grace = "abc"'), "utf-8")
    for argv in (("training", "status"), ("ack", "SOP-T-001", "--as", "rita")):
        r = published(*argv, "--store", published.store)
        assert r.code == 2 and "sopframe.toml:10: training.grace" in r.err, (argv, r.err)
    (tmp_path / "sopframe.toml").write_text(CONFIG, "utf-8")
    assert published("training", "status", "--format", "json", "--store", published.store).json()[0]["acknowledged"] == 1


def test_ack_renews_by_the_configured_re_acknowledgement_default(cli: Cli, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from sopframe.testing import sop_lifecycle

    monkeypatch.setattr(sop_lifecycle, "LIFECYCLE", sop_lifecycle.LIFECYCLE.replace("    every: 12 months\n", ""))
    (tmp_path / "sopframe.toml").write_text(CONFIG + 'reacknowledge-every = "30d"\n', "utf-8")
    store = sopframe_store(cli.store)
    clock = FixedClock("2026-01-05T09:00:00+00:00")
    publish(Engine(store, roles=ROLES, clock=clock))
    SopRecords(store, roles=RoleTable.build(ROLES), groups=RoleTable.build(GROUPS), clock=clock,
               every="30d").acknowledge("SOP-T-001", actor="rob")  # due again by 2026-02-04T09:00
    late = cli("training", "status", "SOP-T-001", "--as-of", "2026-03-01", "--format", "json", "--store", cli.store)
    assert [(p["person"], p["status"]) for p in late.json()[0]["people"]][-1] == ("rob", "late")
    r = cli("ack", "SOP-T-001", "--as", "rob", "--format", "json", "--store", cli.store)  # today, long after
    assert r.code == 0 and r.json()["every"] == "30d", r.err

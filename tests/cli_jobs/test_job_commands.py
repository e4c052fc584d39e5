"""``sopframe job ...`` end to end: clear messages, exit codes, JSON output, no tracebacks."""

from __future__ import annotations

from pathlib import Path

from .conftest import Cli


def test_a_job_runs_from_start_to_completion(cli: Cli, tmp_path: Path) -> None:
    r = cli("job", "start", "tiny.yaml")
    assert r.code == 0 and "started TINY-001 from tiny 1.0.0" in r.out
    r = cli("job", "set", "TINY-001", "summary=all good", "count=2")
    assert r.code == 0 and "set summary, count" in r.out and "TINY-001 is at write" in r.out
    r = cli("job", "complete", "TINY-001")
    assert r.code == 0 and "completed write" in r.out and "is at approve" in r.out
    r = cli("job", "sign", "TINY-001", "lead", user="lee")
    assert r.code == 0 and "lead signed off by lee" in r.out
    r = cli("job", "complete", "TINY-001", user="lee")
    assert r.code == 0 and "TINY-001 is completed" in r.out
    r = cli("job", "verify", "TINY-001")
    assert r.code == 0 and "TINY-001: ok" in r.out


def test_show_says_where_the_job_stands(cli: Cli) -> None:
    cli("job", "start", "tiny.yaml")
    r = cli("job", "show", "TINY-001")
    assert r.code == 0
    assert "open:     write" in r.out and "owner author (alice)" in r.out
    assert "field 'summary' (text) is required and not set" in r.out
    d = cli("job", "show", "TINY-001", "--format", "json").json()
    assert d["status"] == "open" and d["open_stages"][0]["stage"] == "write"
    assert d["open_stages"][0]["missing"] == ["field 'summary' (text) is required and not set"]


def test_listings_in_json(cli: Cli) -> None:
    cli("job", "start", "tiny.yaml")
    cli("job", "start", "tiny.yaml")
    jobs = cli("job", "list", "--format", "json").json()
    assert [j["job"] for j in jobs] == ["TINY-001", "TINY-002"]
    history = cli("job", "history", "TINY-001", "--format", "json").json()
    assert [e["type"] for e in history] == ["job.started", "stage.entered"]
    assert history[0]["actor"] == "alice" and len(history[1]["hash"]) == 64
    assert cli("job", "verify", "--all", "--format", "json").json()[1]["ok"] is True
    assert cli("sops", "--format", "json").json() == []
    assert cli("overdue", "--format", "json").json() == []


def test_actor_from_as_then_environment_then_os_user(cli: Cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import getpass

    from pathlib import Path

    Path("sopframe.toml").write_text('[roles]\nauthor = ["alice", "lee", "osuser"]\nlead = ["lee"]\n', "utf-8")
    monkeypatch.setattr(getpass, "getuser", lambda: "osuser")
    cli("job", "start", "tiny.yaml", user=None)
    monkeypatch.setenv("SOPFRAME_USER", "lee")
    cli("job", "set", "TINY-001", "summary=x", user=None)
    cli("job", "set", "TINY-001", "summary=y", "--as", "alice", user=None)
    history = cli("job", "history", "TINY-001", "--format", "json").json()
    assert [e["actor"] for e in history] == ["osuser", "osuser", "lee", "alice"]


def test_an_empty_as_is_refused_not_taken_for_the_os_user(cli: Cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import getpass

    from pathlib import Path

    Path("sopframe.toml").write_text('[roles]\nauthor = ["alice", "osuser"]\nlead = ["lee"]\n', "utf-8")
    monkeypatch.setattr(getpass, "getuser", lambda: "osuser")
    monkeypatch.setenv("SOPFRAME_USER", "alice")
    cli("job", "start", "tiny.yaml")
    before = cli("job", "history", "TINY-001", "--format", "json").json()
    for empty in ("", "  "):
        for args in (("job", "set", "TINY-001", "summary=x"), ("job", "start", "tiny.yaml"), ("inbox",),
                     ("job", "cancel", "TINY-001", "--reason", "r")):
            r = cli(*args, "--as", empty, user=None)
            assert r.code == 2 and "--as is empty: it must name who is acting" in r.err, (args, r)
    assert cli("job", "history", "TINY-001", "--format", "json").json() == before
    assert cli("job", "list", "--format", "json").json()[-1]["job"] == "TINY-001"  # no second job


def test_bad_input_gets_a_clear_error_and_changes_nothing(cli: Cli) -> None:
    cli("job", "start", "tiny.yaml")
    before = cli("job", "history", "TINY-001", "--format", "json").json()
    cases = [
        (("job", "set", "TINY-002", "summary=x"), 2, "unknown job 'TINY-002'"),  # a name that matches nothing
        (("job", "set", "TINY-001", "count=two"), 1, "job TINY-001, stage write, field count: integer field: "
                                                     "expected a whole number, got 'two'"),
        (("job", "set", "TINY-001", "cuont=2"), 1, "did you mean 'count'"),
        (("job", "set", "TINY-001", "summary"), 2, "is not FIELD=VALUE"),
        (("job", "set", "TINY-001", "summary=x", "--stage", "aprove"), 1, "unknown stage 'aprove'"),
        (("job", "complete", "TINY-001"), 1, "field 'summary' (text) is required and not set"),
        (("job", "sign", "TINY-001", "lead", "--stage", "approve"), 1, "stage approve: the stage is not open"),
        (("job", "reject", "TINY-001"), 2, "--reason"),
        (("job", "reject", "TINY-001", "--reason", "bad"), 1, "no `rework` stage"),
        (("job", "cancel", "TINY-001", "--reason", " "), 1, "a reason is required to cancel a job\n"
                                                             "  hint: give --reason TEXT"),  # what to type here
        (("job", "attach", "TINY-001", "summary", "nope.pdf"), 1, "not a document: record its value instead of "
                                                                  "attaching a file\n  hint: `sopframe job set`"),
        (("job", "start", "missing.yaml"), 2, "no template file or shipped template 'missing.yaml'"),
        (("job", "verify"), 2, "give a JOB or --all"),
    ]
    for args, code, text in cases:
        r = cli(*args)
        assert r.code == code, (args, r)
        assert text in r.err, (args, r.err)
    assert cli("job", "history", "TINY-001", "--format", "json").json() == before


def test_a_signoff_by_the_wrong_role_and_a_stage_completed_twice(cli: Cli) -> None:
    cli("job", "start", "tiny.yaml")
    cli("job", "set", "TINY-001", "summary=x")
    cli("job", "complete", "TINY-001")
    r = cli("job", "sign", "TINY-001", "lead", user="bob")
    assert r.code == 1 and "needs role 'lead', which bob does not hold (held by: lee, alice)" in r.err
    r = cli("job", "complete", "TINY-001", "--stage", "write")
    assert r.code == 1 and "stage write: the stage is already completed" in r.err


def test_completed_or_cancelled_jobs_accept_nothing(cli: Cli) -> None:
    cli("job", "start", "tiny.yaml")
    r = cli("job", "cancel", "TINY-001", "--reason", "opened by mistake")
    assert r.code == 0 and "cancelled" in r.out
    r = cli("job", "set", "TINY-001", "summary=x")
    assert r.code == 1 and "the job is cancelled (opened by mistake); nothing can change" in r.err


def test_an_invalid_template_does_not_start(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("template: bad\ntitle: x\nversion: 1\nkind: change\nstages: {}\n", "utf-8")
    r = cli("job", "start", "bad.yaml")
    assert r.code == 1 and "bad.yaml" in r.err
    assert cli("job", "list", "--format", "json").json() == []


def test_unknown_store_scheme(cli: Cli) -> None:
    r = cli("job", "list", "--store", "mongodb://x")
    assert r.code == 2 and "no store backend handles 'mongodb://x'" in r.err


def test_a_file_name_given_as_the_store_says_how_to_write_it(cli: Cli) -> None:
    r = cli("verify", "--store", "team.db")
    assert r.code == 2 and "'team.db' is not a store URL" in r.err
    assert "sqlite:///team.db" in r.err and "Traceback" not in r.err


def test_tampering_is_reported_by_verify(cli: Cli, tmp_path: Path) -> None:
    import sqlite3

    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    cli("job", "start", "tiny.yaml", "--store", url)
    cli("job", "set", "TINY-001", "summary=x", "--store", url)
    db = sqlite3.connect(tmp_path / "jobs.db")
    db.execute("UPDATE events SET actor = 'mallory' WHERE seq = 3")
    db.commit()
    db.close()
    r = cli("job", "verify", "--all", "--store", url)
    assert r.code == 5
    assert "TINY-001: BROKEN: job TINY-001: event 3: content does not match its hash" in r.out
    assert "failed verification" in r.err


def test_store_and_roles_from_the_configuration(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "sopframe.toml").write_text(
        'store = "sqlite:///configured.db"\n\n[roles]\nauthor = "alice"\nlead = ["lee"]\n', "utf-8")
    r = cli("job", "start", "tiny.yaml", "--as", "alice", user=None, store=False)
    assert r.code == 0 and (tmp_path / "configured.db").exists()
    cli("job", "set", "TINY-001", "summary=x", store=False)
    cli("job", "complete", "TINY-001", store=False)
    r = cli("job", "sign", "TINY-001", "lead", user="alice", store=False)
    assert r.code == 1 and "held by: lee" in r.err


def test_bad_roles_configuration(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "sopframe.toml").write_text("[roles]\nauthor = 3\n", "utf-8")
    cli("job", "start", "tiny.yaml")
    r = cli("job", "set", "TINY-001", "summary=x")
    assert r.code == 2 and "roles.author must be a list of user names, got 3" in r.err


def test_overdue_shows_a_page_of_the_most_overdue_stages(cli: Cli) -> None:
    from sopframe.core.store import open_store
    from sopframe.pluginmanager import load_plugins
    from store.test_read_paths import bench

    url = "sqlite:///overdue.db"  # in the test's directory
    store = open_store(url, load_plugins())
    bench.build(store, 9)  # started in 2025: three jobs are in a stage long past its SLA
    store.close()
    everything = cli("overdue", "--format", "json", "--exit-zero", "--store", url).json()
    assert len([i for i in everything if i["kind"] == "sla"]) == 3
    page = cli("overdue", "--limit", "2", "--store", url)
    assert page.code == 1 and [line[:4] for line in page.out.splitlines()].count("sla ") == 2
    assert "the 2 most overdue stages are shown" in page.out and "or more" in page.err
    paged = cli("overdue", "--limit", "2", "--format", "json", "--exit-zero", "--store", url).json()
    assert [i for i in paged if i["kind"] == "sla"] == [i for i in everything if i["kind"] == "sla"][:2]
    assert cli("overdue", "--limit", "0", "--store", url).code == 2


def test_a_page_offers_a_cursor_only_when_another_page_follows(cli: Cli) -> None:
    for _ in range(2):
        assert cli("job", "start", "tiny.yaml").code == 0
    first = cli("job", "list", "--limit", "1")
    assert first.out.splitlines()[-1] == "more: --cursor TINY-001"
    last = cli("job", "list", "--limit", "1", "--cursor", "TINY-001")
    assert "TINY-002" in last.out and "more:" not in last.out  # an exactly full last page has no next page
    assert "more:" not in cli("job", "list", "--limit", "2").out
    assert "more:" not in cli("job", "list", "--limit", "2", "--format", "json").err

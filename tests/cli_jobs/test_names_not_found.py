"""A name on the command line that matches nothing known exits 2 with a did-you-mean, in every command:
jobs, SOP references, template ids given to filters; and ``notify status`` checks the configuration."""

from __future__ import annotations

from pathlib import Path

from cli_jobs.conftest import Cli
from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.errors import ExitCode, JobError
from sopframe.testing.sop_lifecycle import ROLES, publish
from sopframe_plugins.store_memory import sopframe_store


def test_an_unknown_job_exits_2_like_every_name_that_matches_nothing(cli: Cli) -> None:
    cli("job", "start", "tiny.yaml")
    for args in (("job", "show", "TINY-01"), ("job", "history", "TINY-002"), ("job", "verify", "TINY-01"),
                 ("job", "complete", "TINY-01")):
        r = cli(*args)
        assert r.code == ExitCode.USAGE, (args, r)
        assert "unknown job" in r.err and "did you mean 'TINY-001'?" in r.err, (args, r.err)
    assert JobError("x", kind="not_found").exit_code == ExitCode.USAGE
    assert JobError("x").exit_code == ExitCode.FAILED  # a refusal of what exists stays 1


def test_job_list_and_the_report_refuse_a_template_no_job_was_started_from(cli: Cli) -> None:
    cli("job", "start", "tiny.yaml")
    for args in (("job", "list", "--template", "tinny"), ("job", "list", "--template", "tinny", "--format", "json"),
                 ("report", "bottlenecks", "--template", "tinny")):
        r = cli(*args)
        assert r.code == 2 and r.out == "", (args, r)
        assert "no job in the store was started from template 'tinny' (did you mean 'tiny'?)" in r.err
        assert "hint: templates with jobs: tiny" in r.err
    # a known template that no job of the filter matches is an ordinary empty answer
    r = cli("job", "list", "--template", "tiny", "--status", "completed")
    assert (r.code, r.out) == (0, "no jobs\n")
    assert cli("job", "list", "--template", "tiny").out.startswith("TINY-001")


def test_job_list_refuses_an_assignee_who_holds_no_role(cli: Cli) -> None:
    cli("job", "start", "tiny.yaml")
    r = cli("job", "list", "--assigned-to", "alcie")
    assert r.code == 2 and "--assigned-to: alcie holds no role in the configuration (did you mean 'alice'?)" in r.err
    assert cli("job", "list", "--assigned-to", " Alice ").out.startswith("TINY-001")  # names are normalised
    r = cli("job", "list", "--assigned-to", "lee")  # holds a role: an ordinary, possibly empty, answer
    assert (r.code, r.out) == (0, "no jobs\n")


def test_an_empty_store_says_it_has_no_jobs_yet(cli: Cli) -> None:
    cli("job", "start", "tiny.yaml")
    other = f"{cli.store}-empty"
    sopframe_store(other)  # created, no jobs
    r = cli("job", "list", "--template", "tiny", "--store", other)
    assert r.code == 2 and "hint: the store has no jobs yet" in r.err


def test_unknown_or_malformed_sop_references_exit_2_with_a_suggestion(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "sopframe.toml").write_text('[roles]\nauthor = ["alice"]\nresponder = ["rita", "rob"]\n'
                                           'requester = ["carl"]\n\n[groups]\noncall = ["owen"]\n', "utf-8")
    engine = Engine(sopframe_store(cli.store), roles=ROLES, clock=FixedClock("2026-01-05T09:00:00+00:00"))
    publish(engine)
    commands = [("sops", "show", "{ref}"), ("training", "status", "{ref}", "--store", cli.store),
                ("ack", "{ref}", "--as", "rita", "--store", cli.store),
                ("sops", "flag", "{ref}", "--reason", "x", "--as", "rita"),
                ("sops", "reviewed", "{ref}", "--reason", "x", "--as", "rita")]
    for ref, said in (("SOP-T-002", "SOP-T-002 is not on the SOP master list (did you mean 'SOP-T-001'?)"),
                      ("sop-t-001", "'sop-t-001' must be written in upper case, as 'SOP-T-001'"),
                      ("SOP_T_001", "'SOP_T_001' is not an SOP reference (did you mean 'SOP-T-001'?)")):
        for command in commands:
            r = cli(*(a.format(ref=ref) for a in command))
            assert r.code == 2, (command, ref, r)
            assert said in r.err, (command, ref, r.err)
    assert cli("sops", "show", "SOP-T-001").code == 0


def test_notify_status_checks_the_configuration_as_the_worker_does(cli: Cli, tmp_path: Path,
                                                                   monkeypatch) -> None:  # type: ignore[no-untyped-def]
    store = ["--store", cli.store]
    sopframe_store(cli.store)
    assert cli("notify", "status", *store).out == "pending 0  sending 0  delivered 0  dead 0\n"
    (tmp_path / "sopframe.toml").write_text('[notify.channels.mail]\ntype = "email"\nhost = "localhost"\n'
                                           'from = "sop@example.org"\nprot = 25\n', "utf-8")
    r = cli("notify", "status", *store)
    assert r.code == 2 and r.out == "pending 0  sending 0  delivered 0  dead 0\n"  # the counts, then the problem
    assert "sopframe.toml:5: notify.channels.mail: `prot`: unknown option (did you mean 'port'?)" in r.err
    assert "`sopframe notify run` refuses this configuration too" in r.err
    assert cli("notify", "run", *store).code == 2  # the same check
    (tmp_path / "sopframe.toml").write_text('[notify.channels.hook]\ntype = "webhook"\nurl = "https://x.test/"\n'
                                           'secret-env = "HOOK_SECRET"\n', "utf-8")
    monkeypatch.delenv("HOOK_SECRET", raising=False)
    r = cli("notify", "status", *store, "--format", "json")
    assert r.code == 2 and r.json() == {"pending": 0, "sending": 0, "delivered": 0, "dead": 0}
    assert "environment variable 'HOOK_SECRET' is not set" in r.err
    monkeypatch.setenv("HOOK_SECRET", "s3cret")
    assert cli("notify", "status", *store).code == 0

"""Every kind of command an ordinary day records, from the command line: ``verify --replay`` must find it clean.

Replay re-runs each recorded batch through the command that wrote it; a
batch it cannot turn back into its command is reported as a record the
engine would have refused (exit 5): a false accusation of tampering when
nobody tampered.  This history has every event type the engine and the SOP
record commands write: fields of every type (list items set whole, added
with ``--add`` and ``--items``, changed and removed; multichoice, user,
date), an attached document, sign-offs (one voided), a rejection and the
rework, SLA breaches recorded by ``tick``, per-item sub-jobs (one cancelled
alone), a cancelled job, an SOP published, acknowledged (by a role and by a
group), flagged and reviewed, a start off the current SOP version with
``--reason``, and a change that puts the SOP up for review.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_jobs.conftest import Cli
from sopframe.core.engine.clock import FixedClock
from sopframe.core.store import open_store
from sopframe.pluginmanager import load_plugins
from sopframe.testing.sop_lifecycle import CHANGE, LIFECYCLE, incident_of

CONFIG = """\
[roles]
author = ["alice"]
lead = ["lee"]
eng = ["ed", "eve"]
responder = ["rita", "rob"]
requester = ["carl"]

[groups]
oncall = ["owen", "Rita"]
"""

EVERYTHING = """\
template: everything
title: Every kind of command
version: 1.0.0
kind: change
job_id: EVR-{seq:03}
roles:
  author: Collects and fixes
  lead: Reviews
  eng: Patches
stages:
  collect:
    owner: author
    sla: 1d
    fields:
      summary:
        type: text
        required: yes
      areas:
        type: multichoice
        options:
          - network
          - storage
          - identity
      due:
        type: date
      who:
        type: user
        role: author
      evidence:
        type: file
      hosts:
        type: list
        key: id
        columns:
          id:
            type: text
            required: yes
          ip:
            type: text
    next: review
  review:
    owner: lead
    fields:
      notes:
        type: text
    signoffs:
      approve:
        role: lead
        not_by: collect.who
    rework: collect
    next: fix
  fix:
    owner: author
    fields:
      findings:
        type: list
        key: id
        columns:
          id:
            type: text
            required: yes
    split:
      finding:
        for_each: findings
        suffix: F
        owner: eng
        stages:
          patch:
            fields:
              done:
                type: bool
                required: yes
    rejoin: close
  close:
    owner: lead
"""

#: parallel branches that join (``stage.waiting``), an SLA chosen by a field
FLOW = """\
template: flow
title: Parallel and conditional
version: 1.0.0
kind: change
job_id: FLOW-{seq:03}
roles:
  eng: Engineer
stages:
  request:
    owner: eng
    fields:
      risk:
        type: choice
        options:
          - low
          - high
        required: yes
    sla:
      when: risk
      is:
        high: 4h
      otherwise: 2d
    next:
      when: risk
      is:
        high: assess
      otherwise: implement
  assess:
    owner: eng
    next:
      - security
      - capacity
  security:
    owner: eng
    fields:
      ok:
        type: bool
        required: yes
    gate:
      ok: yes
    next: implement
  capacity:
    owner: eng
    next: implement
  implement:
    owner: eng
"""

#: every event type a command of the engine or of the SOP records writes
EVERY_TYPE = {"job.started", "stage.entered", "field.set", "document.attached", "signoff.given", "signoff.voided",
              "stage.waiting", "stage.completed", "stage.rejected", "sla.breached", "subjob.started", "subjob.cancelled",
              "subjob.completed", "job.completed", "job.cancelled", "sop.published", "sop.review_due",
              "sop.acknowledged", "sop.flagged", "sop.reviewed"}


@pytest.fixture
def day(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The CLI on an SQLite store, every command's clock a fixed one the test moves on."""
    from sopframe.services import context

    (tmp_path / "sopframe.toml").write_text(CONFIG, "utf-8")
    for name, text in {"tiny-sop.yaml": LIFECYCLE, "old-incident.yaml": incident_of("0.9.0"),
                       "change.yaml": CHANGE, "everything.yaml": EVERYTHING,
                       "flow.yaml": FLOW}.items():
        (tmp_path / name).write_text(text, "utf-8")
    (tmp_path / "hosts.csv").write_text("id,ip\nh3,10.0.0.3\nh4,10.0.0.4\n", "utf-8")
    (tmp_path / "evidence.txt").write_text("scan output\n", "utf-8")
    clock = FixedClock("2026-02-02T09:00:00+00:00")
    real = context.open_engine

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        engine = real(*args, **kwargs)
        engine.clock = clock
        return engine

    monkeypatch.setattr(context, "open_engine", timed)
    cli.store = f"sqlite:///{tmp_path / 'day.db'}"
    cli.clock = clock  # type: ignore[attr-defined]
    return cli


def _ok(cli: Cli, *args: str, user: str | None = "alice") -> str:
    r = cli(*args, user=user)
    assert r.code == 0, (args, r.err)
    return r.out


def _sops(cli: Cli) -> None:
    """An SOP published, acknowledged, flagged, reviewed, followed off its current version, and affected."""
    s = cli.store
    _ok(cli, "job", "start", "tiny-sop.yaml", "--as", "alice")
    _ok(cli, "job", "set", "TSOP-001", "ref=SOP-T-001", "version=1.0.0", "effective=2026-02-02")
    _ok(cli, "job", "complete", "TSOP-001")
    _ok(cli, "ack", "SOP-T-001", "--as", "rob", "--store", s)  # holds an audience role
    _ok(cli, "ack", "SOP-T-001", "--as", "OWEN", "--store", s)  # in an audience group
    _ok(cli, "sops", "flag", "SOP-T-001", "--reason", "step 2 is out of date", "--as", "carl")
    _ok(cli, "sops", "reviewed", "SOP-T-001", "--reason", "step 2 rewritten", "--as", "alice")
    _ok(cli, "job", "start", "old-incident.yaml", "--reason", "finishing the pilot on 0.9.0", user="rita")
    _ok(cli, "job", "set", "TINC-001", "summary=disk full on db1", user="rita")
    _ok(cli, "job", "complete", "TINC-001", user="rita")
    _ok(cli, "job", "start", "change.yaml", user="carl")
    _ok(cli, "job", "set", "TCHG-001", "sops_affected=SOP-T-001", "significant=yes", user="carl")
    _ok(cli, "job", "complete", "TCHG-001", user="carl")


def _everything(cli: Cli) -> None:
    """A job through every kind of field, a document, a breach, rework, sign-offs and per-item sub-jobs."""
    clock: FixedClock = cli.clock  # type: ignore[attr-defined]
    _ok(cli, "job", "start", "everything.yaml")
    _ok(cli, "job", "set", "EVR-001", "summary=patch the edge", "areas=network, storage", "due=today", "who=ALICE",
        'hosts=[{"id": "h1", "ip": "10.0.0.1"}]', "--add", "hosts", "id=h2,ip=10.0.0.2")
    _ok(cli, "job", "set", "EVR-001", "--items", "hosts=hosts.csv")
    _ok(cli, "job", "set", "EVR-001", 'hosts=[{"id": "h1", "ip": "10.0.0.9"}, {"id": "h3"}]')  # changed, removed
    _ok(cli, "job", "attach", "EVR-001", "evidence", "evidence.txt")
    clock.advance(days=2)
    _ok(cli, "tick", "--as", "cron", user=None)  # the collect stage's 1-day SLA: a breach of its own
    _ok(cli, "job", "complete", "EVR-001")
    _ok(cli, "job", "set", "EVR-001", "notes=first look", user="lee")
    _ok(cli, "job", "sign", "EVR-001", "approve", user="lee")
    _ok(cli, "job", "set", "EVR-001", "notes=second look", user="lee")  # voids the sign-off
    _ok(cli, "job", "reject", "EVR-001", "--reason", "h2 is missing", user="lee")
    _ok(cli, "job", "set", "EVR-001", "--add", "hosts", "id=h2")
    _ok(cli, "job", "complete", "EVR-001")
    _ok(cli, "job", "sign", "EVR-001", "approve", user="lee")
    _ok(cli, "job", "complete", "EVR-001", user="lee")
    _ok(cli, "job", "set", "EVR-001", "--add", "findings", "id=F1", "--add", "findings", "id=F2")
    _ok(cli, "job", "cancel", "EVR-001-FF2", "--reason", "a duplicate of F1")
    _ok(cli, "job", "set", "EVR-001-FF1", "done=yes", user="ed")
    _ok(cli, "job", "complete", "EVR-001-FF1", user="ed")
    _ok(cli, "job", "complete", "EVR-001", user="lee")
    _ok(cli, "job", "start", "everything.yaml")
    _ok(cli, "job", "cancel", "EVR-002", "--reason", "opened by mistake")


def _branches(cli: Cli) -> None:
    """Parallel branches: the first one done waits at the join for the other."""
    for args in (("start", "flow.yaml"), ("set", "FLOW-001", "risk=high"), ("complete", "FLOW-001"),
                 ("complete", "FLOW-001"), ("complete", "FLOW-001", "--stage", "capacity"),
                 ("set", "FLOW-001", "ok=yes", "--stage", "security"),
                 ("complete", "FLOW-001", "--stage", "security"), ("complete", "FLOW-001")):
        _ok(cli, "job", *args, user="eve")


def test_an_ordinary_day_replays_clean(day: Cli, tmp_path: Path) -> None:
    _sops(day)
    _everything(day)
    _branches(day)
    store = open_store(day.store, load_plugins())
    try:
        types = {e.type for job in store.job_ids() for e in store.read(job)}
        assert store.summary("EVR-001").status == "completed"
    finally:
        store.close()
    assert EVERY_TYPE <= types, EVERY_TYPE - types
    r = day("verify", "--replay", "--store", day.store)
    assert r.code == 0 and r.out.rstrip().endswith("ok"), r.out
    assert "were not checked" not in r.out  # every batch was replayed, none folded in unchecked
    r = day("job", "verify", "--all", "--replay")
    assert r.code == 0 and "BROKEN" not in r.out, r.out
    # an auditor's packs: the jobs of a template, and an SOP with its record stream
    assert day("keys", "init", "--private-key", "k/cp.key").code == 0
    for n, what in enumerate((("--template", "everything"), ("--sop", "SOP-T-001"))):
        _ok(day, "evidence", "-o", f"pack{n}.zip", *what, "--key", "k/cp.key", "--store", day.store)
        r = day("evidence", "verify", f"pack{n}.zip", "--public-key", "k/cp.pub", "--replay")
        assert r.code == 0 and r.out.rstrip().endswith("ok"), r.out

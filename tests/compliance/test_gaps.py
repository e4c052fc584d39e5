"""`sopframe gaps`: each of the seven points, by design (its own policy numbers) and with evidence
read from a job store (jobs run by the real engine on a SQLite store)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import pytest

from compliance_samples import SAMPLES
from sopframe.__main__ import main
from test_commands import samples  # noqa: F401  (the fixture: every sample in a directory)
from sopframe.core.engine import Engine
from sopframe.core.engine.clock import FixedClock
from sopframe.core.validate import validate_text
from sopframe.pluginmanager import load_plugins
from sopframe_plugins.store_sqlite import SqliteStore

ROLES = ("requester", "developer", "cab", "implementer", "handler", "manager", "admin", "reviewer",
         "bc_manager", "service_owner", "approver", "analyst", "engineer", "author", "system_owner", "lead")
USERS = {role: [f"{role}-1", f"{role}-2"] for role in ROLES}
VALUES = {"text": "x", "longtext": "x", "bool": "yes", "integer": "1", "duration": "4h", "date": "2026-01-05",
          "datetime": "2026-01-05T09:00:00+00:00", "user": None, "file": "x"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.err, out.err
    return int(info.value.code or 0), out.out


def drive(engine: Engine, text: str, overrides: Mapping[str, str] = {}) -> str:
    """Run a job of the sample ``text`` to its end: every required field set, every sign-off given."""
    template = validate_text(text, "t.yaml", plugins=load_plugins()).template
    first = next(iter(template.stages.values()))
    job = engine.start(text, "t.yaml", actor=f"{first.owner}-1").job_id  # who may start: the first stage's owner
    for _ in range(20):
        state = engine.state(job)
        if state.status == "completed" or not state.active:
            return job
        node = next(iter(state.active))
        st = template.stages[node]
        owner = f"{st.owner}-1"
        values = {}
        for fid, f in st.fields.items():
            if f.type == "file":
                engine.attach(job, fid, "report.txt", data=b"report", actor=owner)
            elif fid in overrides:
                values[fid] = overrides[fid]
            elif f.type == "user":
                values[fid] = f"{f.role}-1"
            elif f.type == "choice":
                values[fid] = str(f.options[0])
            elif f.required:
                values[fid] = VALUES[f.type]
        for cond in st.gate:
            values[cond.field] = "yes" if cond.value in (True, "yes") else "no"
        if values:
            engine.set_fields(job, values, actor=owner)
        for sid, so in st.signoffs.items():
            engine.sign(job, sid, actor=f"{so.role}-2")
        engine.complete(job, actor=owner)
    raise AssertionError(f"job {job} did not finish")


@pytest.fixture
def sops(samples: Path) -> Path:
    return samples


def points(capsys, *argv: str) -> tuple[int, dict[int, dict[str, Any]], dict[str, Any]]:
    code, out = run(capsys, "gaps", *argv, "--format", "json")
    data = json.loads(out)
    return code, {p["number"]: p for p in data["points"]}, data


# ----------------------------------------------------------------- design

#: point -> a change to a sample that breaks the checklist's own number or a required part
DESIGN_BREAKS = {
    1: ("incident", "    triage: triage\n", ""),
    2: ("change", "    rollback_plan: request.rollback_plan\n", ""),
    3: ("access", "    sla: 24h\n", "    sla: 90d\n"),
    4: ("backup", "    restore_result: restore.result\n", ""),
    5: ("vulnerability", "        critical: 14d\n", "        critical: 365d\n"),
    6: ("continuity", "  exercised_every: 12 months\n", "  exercised_every: 5 years\n"),
    7: ("sop-lifecycle", "review_every: 12 months", "review_every: 10 years"),
}


@pytest.mark.parametrize("point", sorted(DESIGN_BREAKS))
def test_each_point_opens_by_design(capsys, sops: Path, point: int) -> None:
    code, before, _ = points(capsys, str(sops))
    assert code == 0 and all(p["complete"] for p in before.values())
    sample, old, new = DESIGN_BREAKS[point]
    path = sops / f"{sample}.yaml"
    assert old in path.read_text("utf-8")
    path.write_text(path.read_text("utf-8").replace(old, new), "utf-8")
    code, after, data = points(capsys, str(sops))
    assert code == 1 and not after[point]["complete"], after[point]
    assert [n for n, p in after.items() if not p["complete"]] == [point]
    assert data["design"]["complete"] == 6 and data["evidence"] is None


@pytest.mark.parametrize(("point", "sample", "old"), [
    (3, "access", "    sla: 24h\n"),                            # no leaver deadline at all
    (6, "continuity", "  exercised_every: 12 months\n"),         # no drill interval at all
])
def test_an_absent_number_keeps_the_point_open(capsys, sops: Path, point: int, sample: str, old: str) -> None:
    path = sops / f"{sample}.yaml"
    path.write_text(path.read_text("utf-8").replace(old, ""), "utf-8")
    _, after, _ = points(capsys, str(sops))
    assert not after[point]["complete"] and "policy" in " ".join(after[point]["missing"])


@pytest.mark.parametrize(("point", "key", "value"), [
    (3, "leaver-revocation", "1h"),
    (5, "patch-critical", "1d"),
    (6, "dr-drill-every", "1 month"),
    (7, "sop-review-every", "1 month"),
])
def test_design_numbers_are_the_organisations_policy(capsys, sops: Path, point: int, key: str, value: str) -> None:
    config = sops.parent / "sopframe.toml"
    config.write_text(f'[policy]\n{key} = "{value}"\n', "utf-8")
    code, out = run(capsys, "--config", str(config), "gaps", str(sops), "--format", "json")
    after = {p["number"]: p for p in json.loads(out)["points"]}
    assert code == 1 and [n for n, p in after.items() if not p["complete"]] == [point]
    assert f"organisation's policy of {value} (policy {key})" in " ".join(after[point]["missing"])


# --------------------------------------------------------------- evidence

@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'jobs.db'}"


@pytest.fixture
def engine(store_url: str):
    store = SqliteStore(store_url.removeprefix("sqlite:///"))
    clock = FixedClock("2026-03-01T09:00:00+00:00")
    yield Engine(store, roles=USERS, clock=clock), clock
    store.close()


def test_design_only_without_a_store(capsys, sops: Path) -> None:
    code, out = run(capsys, "gaps", str(sops))
    assert code == 0 and "design 7 of 7 complete" in out and "evidence not checked" in out


def test_an_empty_store_evidences_nothing(capsys, sops: Path, store_url: str, engine) -> None:
    code, got, data = points(capsys, str(sops), "--store", store_url)
    assert code == 1
    assert data["design"] == {"complete": 7, "total": 7} and data["evidence"] == {"complete": 0, "total": 7}
    for n in range(1, 7):
        assert got[n]["evidence"]["missing"][0].startswith("not evidenced"), got[n]
    assert got[7]["evidence"]["missing"] == ["not evidenced: no SOP published through the store"]


def test_jobs_within_their_intervals_are_evidence(capsys, sops: Path, store_url: str, engine) -> None:
    eng, clock = engine
    for sample in ("incident", "change", "backup", "vulnerability", "continuity"):
        drive(eng, SAMPLES[sample])
    code, got, data = points(capsys, str(sops), "--store", store_url, "--as-of", "2026-03-02")
    for n in (1, 2, 4, 5, 6):
        assert got[n]["evidence"]["complete"], got[n]
    assert "with restore_result recorded" in got[4]["evidence"]["shown"][0]
    assert not got[3]["evidence"]["complete"]          # no leaver job yet
    assert not got[7]["evidence"]["complete"]          # no SOP published in this store
    assert data["evidence"]["complete"] == 5 and code == 1
    # the same jobs a year and a bit later: the drill, restore, scan and plan test are out of date
    _, later, _ = points(capsys, str(sops), "--store", store_url, "--as-of", "2027-03-02")
    for n in (1, 4, 6):
        assert not later[n]["evidence"]["complete"] and "in the last 12 months" in later[n]["evidence"]["missing"][0]
    _, scans, _ = points(capsys, str(sops), "--store", store_url, "--as-of", "2026-06-02")
    assert not scans[5]["evidence"]["complete"] and scans[6]["evidence"]["complete"]  # scans every 3 months


def test_leavers_revoked_within_24_hours_of_the_last_day(capsys, sops: Path, store_url: str, engine) -> None:
    text = SAMPLES["access"].replace("        required: yes\n    next:\n      when: request_type\n",
                                     "        required: yes\n      last_day:\n        type: date\n"
                                     "        required: yes\n    next:\n      when: request_type\n")
    text += "  records:\n    last_day: request.last_day\n"
    (sops / "access.yaml").write_text(text, "utf-8")
    eng, clock = engine
    drive(eng, text, {"request_type": "leaver", "last_day": "2026-02-28"})   # revoked 1 March 09:00: in time
    _, got, _ = points(capsys, str(sops), "--store", store_url)
    assert got[3]["evidence"]["complete"], got[3]
    assert "revoked within 24h of the recorded last day" in got[3]["evidence"]["shown"][0]
    drive(eng, text, {"request_type": "leaver", "last_day": "2026-02-26"})   # over two days late
    _, late, _ = points(capsys, str(sops), "--store", store_url)
    assert not late[3]["evidence"]["complete"]
    assert "later than 24h after the last day 2026-02-26" in " ".join(late[3]["evidence"]["missing"])


def test_leaver_without_a_recorded_last_day_is_not_evidence(capsys, sops: Path, store_url: str, engine) -> None:
    eng, _ = engine
    drive(eng, SAMPLES["access"], {"request_type": "leaver"})
    _, got, _ = points(capsys, str(sops), "--store", store_url)
    assert not got[3]["evidence"]["complete"] and "records no last day" in got[3]["evidence"]["missing"][0]


def test_gaps_is_a_plugin_command(capsys, sops: Path) -> None:
    code, _ = run(capsys, "--disable-plugin", "compliance-gaps", "gaps", str(sops))
    assert code == 2
    from sopframe.cli import CORE_COMMANDS
    assert "gaps" not in CORE_COMMANDS


def test_evidence_intervals_are_configurable_policy(capsys, sops: Path, store_url: str, engine) -> None:
    eng, _ = engine
    drive(eng, SAMPLES["backup"])
    _, got, _ = points(capsys, str(sops), "--store", store_url, "--as-of", "2026-05-02")
    assert got[4]["evidence"]["complete"]
    (sops.parent / "sopframe.toml").write_text('[policy]\nrestore-test-every = "1 month"\n', "utf-8")
    code, out = run(capsys, "--config", str(sops.parent / "sopframe.toml"), "gaps", str(sops), "--store", store_url,
                    "--as-of", "2026-05-02", "--format", "json")
    strict = {p["number"]: p for p in json.loads(out)["points"]}
    assert not strict[4]["evidence"]["complete"] and "in the last 1 month" in strict[4]["evidence"]["missing"][0]


def test_acknowledgements_by_the_audience_are_evidence_of_point_7(capsys, sops: Path, store_url: str,
                                                                  tmp_path: Path) -> None:
    from sopframe.core.engine.records import SopRecords
    from sopframe.core.identity import RoleTable
    from sopframe.testing.sop_lifecycle import GROUPS, ROLES, publish

    store = SqliteStore(store_url.removeprefix("sqlite:///"))
    clock = FixedClock("2026-03-01T09:00:00+00:00")
    engine = Engine(store, roles=ROLES, clock=clock)
    publish(engine, effective="2026-03-01")
    records = SopRecords(store, roles=engine.roles, groups=RoleTable.build(GROUPS), clock=clock)
    records.acknowledge("SOP-T-001", actor="rita")
    records.acknowledge("SOP-T-001", actor="rob")
    store.close()
    config = tmp_path / "people.toml"
    config.write_text('[roles]\nauthor = ["alice"]\nresponder = ["rita", "rob"]\n\n[groups]\noncall = ["owen"]\n',
                      "utf-8")
    gaps = ("--config", str(config), "gaps", str(sops), "--store", store_url, "--format", "json")
    late = json.loads(run(capsys, *gaps, "--as-of", "2026-03-20")[1])["points"][6]["evidence"]
    assert late["missing"] == ["SOP SOP-T-001 version 1.0.0: 1 of 3 late acknowledging it (owen)"]
    assert not late["complete"]
    early = json.loads(run(capsys, *gaps, "--as-of", "2026-03-10")[1])["points"][6]["evidence"]
    assert early["complete"] and early["missing"] == []
    assert early["shown"][-1] == "SOP SOP-T-001 version 1.0.0: 2 of 3 acknowledged, nobody late"
    assert "1 published SOP, with a review date not yet passed" in early["shown"]


def test_as_of_judges_the_store_as_it_stood_then(capsys, sops: Path, store_url: str, tmp_path: Path) -> None:
    """What was recorded after --as-of is not evidence then: an SOP published later is not "published", nor
    reported as naming no audience; a change completed later is not a completed change."""
    from sopframe.testing.sop_lifecycle import ROLES, publish

    store = SqliteStore(store_url.removeprefix("sqlite:///"))
    clock = FixedClock("2026-03-01T09:00:00+00:00")
    publish(Engine(store, roles=ROLES, clock=clock), effective="2026-03-01")
    clock.set("2026-03-05T09:00:00+00:00")
    drive(Engine(store, roles=USERS, clock=clock), SAMPLES["change"])
    store.close()
    _, before, _ = points(capsys, str(sops), "--store", store_url, "--as-of", "2026-02-27")
    assert before[7]["evidence"]["missing"] == ["not evidenced: no SOP published through the store"]
    assert before[2]["evidence"]["missing"] == ["not evidenced: no completed change job recorded"]
    _, between, _ = points(capsys, str(sops), "--store", store_url, "--as-of", "2026-03-02")
    assert "1 published SOP, with a review date not yet passed" in between[7]["evidence"]["shown"]
    assert not between[2]["evidence"]["complete"]
    _, after, _ = points(capsys, str(sops), "--store", store_url, "--as-of", "2026-03-06")
    assert after[2]["evidence"]["complete"], after[2]


def test_an_unknown_policy_key_names_its_line(capsys, sops: Path) -> None:
    config = sops.parent / "sopframe.toml"
    config.write_text('store = "memory://"\n\n[policy]\nleaver-revocation = "4h"\npatch-crit = "1d"\n', "utf-8")
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main(["--config", str(config), "gaps", str(sops)])
    err = capsys.readouterr().err
    assert info.value.code == 2 and f"{config}:5: unknown policy key 'patch-crit' (did you mean 'patch-critical'?)" \
        in err, err

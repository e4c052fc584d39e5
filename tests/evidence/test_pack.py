"""Evidence packs: built from a store, checked offline; every change to the pack is caught."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from sopframe.checkpoints import load_private_key, load_public_key, read_checkpoints
from sopframe.evidence.check import check_pack
from sopframe.evidence.pack import Selection, build_pack, select_jobs
from sopframe.evidence.verify import checkpoint_store
from sopframe_plugins.store_memory import MemoryStore

from .conftest import forge


def _pack(store: MemoryStore, keys, tmp_path: Path, sel: Selection = Selection()) -> Path:
    cps_path = tmp_path / "checkpoints.jsonl"
    priv = load_private_key(keys[0])
    checkpoint_store(store, priv, cps_path, time="2026-03-01T00:00:00Z")
    cp = read_checkpoints(cps_path, load_public_key(keys[1]))[-1]
    data = build_pack(store, sel, cp, keys[1].read_bytes(), sign=priv.sign, created="2026-03-01T00:00:00Z",
                      version="test")
    out = tmp_path / "pack.zip"
    out.write_bytes(data)
    return out


def _rewrite(pack: Path, edit) -> None:
    with zipfile.ZipFile(pack) as zf:
        files = {i.filename: zf.read(i) for i in zf.infolist()}
    edit(files)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    pack.write_bytes(buf.getvalue())


def test_a_pack_checks_clean_offline(busy_store: MemoryStore, keys, tmp_path: Path) -> None:
    pack = _pack(busy_store, keys, tmp_path)
    report = check_pack(pack, load_public_key(keys[1]))
    assert report.ok, report.problems
    assert report.jobs == 3 and report.covered == report.events > 50
    with zipfile.ZipFile(pack) as zf:
        names = set(zf.namelist())
        sops = json.loads(zf.read("sops.json"))
        html = zf.read(f"jobs/{busy_store.job_ids()[0]}/history.html").decode()
    assert {"manifest.json", "manifest.sig", "checkpoint.json", "public-key.pem", "index.html"} <= names
    assert any(n.startswith("templates/") and n.endswith(".yaml") for n in names)
    assert [n for n in names if n.startswith("roles/")] == [f"roles/{e.roles}.json" for e in busy_store.ledger()][:1]
    assert [s["ref"] for s in sops] == ["ITSOP-2026-7"] and sops[0]["status"] == "current"
    assert "signoff.given" in html and "<script" not in html
    signoffs, every_event = html.split("Every event, oldest first")
    # the sign-offs in columns an auditor reads, not the event's data as Python writes it
    assert "<th scope=\"col\">What it approves</th>" in signoffs and "(role " in signoffs
    assert "approves=[" not in signoffs and "[&#39;" not in signoffs
    # each event in words (as `job history` says it), its recorded data kept beside
    assert " from itsop-" in every_event and "<summary>recorded data</summary>" in every_event


def test_a_pack_can_hold_the_documents(busy_store: MemoryStore, keys, tmp_path: Path) -> None:
    import hashlib

    cps_path = tmp_path / "checkpoints.jsonl"
    priv = load_private_key(keys[0])
    checkpoint_store(busy_store, priv, cps_path, time="2026-03-01T00:00:00Z")
    cp = read_checkpoints(cps_path, load_public_key(keys[1]))[-1]
    pack = tmp_path / "files.zip"
    pack.write_bytes(build_pack(busy_store, Selection(), cp, keys[1].read_bytes(), sign=priv.sign, created="t",
                                version="test", attachments=busy_store.attachment))
    with zipfile.ZipFile(pack) as zf:
        docs = {n: zf.read(n) for n in zf.namelist() if n.startswith("attachments/")}
    assert docs == {f"attachments/{hashlib.sha256(b'draft v1').hexdigest()}": b"draft v1"}
    assert check_pack(pack, load_public_key(keys[1])).ok


def test_a_pack_replays_offline(busy_store: MemoryStore, keys, tmp_path: Path) -> None:
    """A sign-off forged through the store itself, before a checkpoint: hashes prove it, replay refuses it."""
    from sopframe.core.engine.events import NewEvent, chain
    from sopframe.core.migrations import rows_of
    from sopframe.core.rolerecord import RoleRecord
    from sopframe.core.store import Derived

    assert check_pack(_pack(busy_store, keys, tmp_path), load_public_key(keys[1]), replay=True).ok
    job = busy_store.job_ids()[1]  # open at its components split: sub-job A waits for tech_lead's sign-off
    seq, head = busy_store.head(job)
    forged = chain(job, seq, head, [NewEvent("signoff.given", {
        "stage": "components/classification/tech_approval", "signoff": "tech_lead", "role": "it_lead",
        "digest": "0" * 64, "approves": []})], "olga", busy_store.read(job)[-1].at)
    roles = next(iter(busy_store.raw_role_tables().items()))
    busy_store.append(job, seq, forged, Derived(rows=rows_of(busy_store)([*busy_store.read(job), *forged]),
                                                roles=RoleRecord(*roles)))
    pack = _pack(busy_store, keys, tmp_path)
    assert check_pack(pack, load_public_key(keys[1])).ok, "signed and consistent"
    report = check_pack(pack, load_public_key(keys[1]), replay=True)
    assert report.problems == [f"job {job}: event {seq + 1} (signoff.given): replay: the engine would have refused "
                               f"it: job {job}-A, stage tech_approval: olga may not give sign-off 'tech_lead': that "
                               f"needs role 'it_lead', which olga does not hold (held by: lee, alice)"]


def test_the_same_content_gives_the_same_pack(busy_store: MemoryStore, keys, tmp_path: Path) -> None:
    a = _pack(busy_store, keys, tmp_path).read_bytes()
    b = _pack(busy_store, keys, tmp_path).read_bytes()
    # a second checkpoint is chained to the first, so only checkpoint.json (and what lists it) differ
    with zipfile.ZipFile(io.BytesIO(a)) as za, zipfile.ZipFile(io.BytesIO(b)) as zb:
        same = [n for n in za.namelist() if n.startswith("jobs/") and za.read(n) == zb.read(n)]
        assert len(same) == len([n for n in za.namelist() if n.startswith("jobs/")])


def test_selectors(busy_store: MemoryStore) -> None:
    jobs = busy_store.job_ids()
    assert select_jobs(busy_store, Selection()) == jobs
    assert select_jobs(busy_store, Selection(jobs=[jobs[1]])) == [jobs[1]]
    assert select_jobs(busy_store, Selection(sops=["ITSOP-2026-7"])) == [jobs[0]]
    assert select_jobs(busy_store, Selection(templates=["itsop-incident-management"], last=1)) == [jobs[2]]


def _first_job_file(files: dict[str, bytes]) -> str:
    return sorted(n for n in files if n.endswith("/events.json"))[0]


def _swap_jobs(files: dict[str, bytes]) -> None:
    a, b = sorted(n.split("/")[1] for n in files if n.endswith("/events.json"))[:2]
    for leaf in ("events.json", "ledger.json", "history.html"):
        files[f"jobs/{a}/{leaf}"], files[f"jobs/{b}/{leaf}"] = files[f"jobs/{b}/{leaf}"], files[f"jobs/{a}/{leaf}"]


DAMAGE = {
    "one byte of an event": (lambda f: f.__setitem__(_first_job_file(f), f[_first_job_file(f)].replace(
        b'"lee"', b'"leo"', 1)), "does not match its SHA-256"),
    "one byte of a page": (lambda f: f.__setitem__("index.html", f["index.html"].replace(b"Jobs", b"Jobz")),
                           "index.html: does not match"),
    "a file removed": (lambda f: f.pop("sops.json"), "sops.json: listed in the manifest but missing"),
    "a file added": (lambda f: f.__setitem__("extra.txt", b"hi"), "extra.txt: not in the manifest"),
    "two jobs swapped": (_swap_jobs, "does not match its SHA-256"),
    "the manifest edited": (lambda f: f.__setitem__("manifest.json", f["manifest.json"].replace(b"test", b"tost")),
                            "signature does not verify"),
    "the signature removed": (lambda f: f.pop("manifest.sig"), "manifest.sig is missing"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_any_change_is_caught(busy_store: MemoryStore, keys, tmp_path: Path, damage: str) -> None:
    pack = _pack(busy_store, keys, tmp_path)
    edit, expected = DAMAGE[damage]
    _rewrite(pack, edit)
    report = check_pack(pack, load_public_key(keys[1]))
    assert not report.ok
    assert any(expected in p for p in report.problems), report.problems


@pytest.mark.parametrize("member", ["checkpoint.json", "events.json", "index.html"])
def test_a_byte_changed_inside_the_zip_is_a_problem_not_a_crash(busy_store: MemoryStore, keys, tmp_path: Path,
                                                                member: str) -> None:
    pack = _pack(busy_store, keys, tmp_path)
    raw = bytearray(pack.read_bytes())
    with zipfile.ZipFile(pack) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith(member))
    name_len, extra_len = int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28], "little"), \
        int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    raw[start + info.compress_size // 2] ^= 0xFF  # the stored bytes change, the zip's directory does not
    pack.write_bytes(bytes(raw))
    report = check_pack(pack, load_public_key(keys[1]))
    assert not report.ok
    assert report.problems[0].startswith(f"{info.filename}: damaged in the pack, it cannot be read")


def test_a_pack_made_with_another_key_fails(busy_store: MemoryStore, keys, tmp_path: Path) -> None:
    from sopframe.checkpoints import init_keys

    pack = _pack(busy_store, keys, tmp_path)
    init_keys(tmp_path / "o.key", tmp_path / "o.pub")
    report = check_pack(pack, load_public_key(tmp_path / "o.pub"))
    assert not report.ok and "signature does not verify" in report.problems[0]


def test_unsafe_names_and_non_zips_are_refused(busy_store: MemoryStore, keys, tmp_path: Path) -> None:
    pack = _pack(busy_store, keys, tmp_path)
    _rewrite(pack, lambda f: f.__setitem__("../escape.txt", b"x"))
    report = check_pack(pack, load_public_key(keys[1]))
    assert not report.ok and "unsafe name" in report.problems[0]
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    assert "not a readable zip" in check_pack(junk, load_public_key(keys[1])).problems[0]


def test_events_after_the_checkpoint_are_noted_not_proven(busy_store: MemoryStore, keys, tmp_path: Path) -> None:
    cps_path = tmp_path / "checkpoints.jsonl"
    priv = load_private_key(keys[0])
    checkpoint_store(busy_store, priv, cps_path, time="2026-03-01T00:00:00Z")
    job = busy_store.job_ids()[-1]
    seq = forge(busy_store, job, "job.cancelled", {"reason": "late"}, "mike", "2026-03-02T00:00:00.000000Z") - 1
    cp = read_checkpoints(cps_path, load_public_key(keys[1]))[-1]
    pack = tmp_path / "p.zip"
    pack.write_bytes(build_pack(busy_store, Selection(jobs=[job]), cp, keys[1].read_bytes(), sign=priv.sign,
                                created="t", version="test"))
    report = check_pack(pack, load_public_key(keys[1]))
    assert report.ok
    assert report.notes == [f"job {job}: events {seq + 1}-{seq + 1} came after the checkpoint and are not proven by it"]


def test_a_pack_for_an_sop_holds_its_acknowledgements_and_the_jobs_that_followed_it(keys, tmp_path: Path) -> None:
    from sopframe.core.engine import Engine
    from sopframe.core.engine.clock import FixedClock
    from sopframe.core.engine.records import SopRecords
    from sopframe.core.identity import RoleTable
    from sopframe.testing.sop_lifecycle import GROUPS, ROLES, incident_of, publish

    store, clock = MemoryStore(), FixedClock("2026-01-05T09:00:00+00:00")
    engine = Engine(store, roles=ROLES, clock=clock)
    publisher = publish(engine)
    SopRecords(store, roles=engine.roles, groups=RoleTable.build(GROUPS), clock=clock).acknowledge(
        "SOP-T-001", actor="rita")
    incidents = []
    for _ in range(3):
        clock.advance(days=1)
        incidents.append(engine.start(incident_of(), "inc.yaml", actor="rob").job_id)
    sel = Selection(sops=("SOP-T-001",), last=2)
    assert select_jobs(store, sel) == ["sop~SOP-T-001", publisher, *incidents[1:]]
    pack = _pack(store, keys, tmp_path, sel)
    report = check_pack(pack, load_public_key(keys[1]))
    assert report.ok and report.jobs == 4, report.problems
    with zipfile.ZipFile(pack) as zf:
        (ack,) = json.loads(zf.read("jobs/sop~SOP-T-001/events.json"))
    assert (ack["type"], ack["actor"], ack["data"]["version"]) == ("sop.acknowledged", "rita", "1.0.0")

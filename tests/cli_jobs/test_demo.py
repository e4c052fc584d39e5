"""``sopframe demo`` walks the bundled SOP lifecycle on its own SQLite file in the working directory,
never on the real ./sopframe.db."""

from __future__ import annotations

from pathlib import Path

from .conftest import Cli


def test_demo_walks_every_stage_and_prints_history_and_master_list(cli: Cli, tmp_path: Path,
                                                                   monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "sopframe.toml").unlink()  # the demo brings its own cast of users
    r = cli("demo")
    assert r.code == 0, r.err
    assert (tmp_path / "sopframe-demo.db").exists() and not (tmp_path / "sopframe.db").exists()
    out = r.out
    for text in ("store: sqlite:///sopframe-demo.db", "sopframe job list --store sqlite:///sopframe-demo.db", "subjob.started", "-01-A", "-01-B", "subjob.completed",
                 "stage.entered      security_review", "stage.completed    training_rollout", "job.completed",
                 "sop.published", "hash chain: intact", "SOP master list:", "1.0    current"):
        assert text in out, text
    assert "acknowledgements_signed = yes" in out and "True" not in out  # values as templates write them
    r = cli("demo")
    assert r.code == 0, r.err
    assert "1.0    archived" in r.out and "1.1    current" in r.out
    listing = cli("sops", "--store", "sqlite:///sopframe-demo.db", "--format", "json").json()
    assert [(e["version"], e["status"]) for e in listing] == [("1.0", "archived"), ("1.1", "current")]
    policy = listing[-1]["acknowledgement"]  # an object, not JSON text inside the JSON
    assert policy["every"] == "12 months" and "it_lead" in policy["audience"]
    assert cli("job", "verify", "--all", "--store", "sqlite:///sopframe-demo.db").code == 0


def test_demo_leaves_the_real_store_alone(cli: Cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "sopframe.toml").unlink()
    monkeypatch.setenv("SOPFRAME_STORE", "sqlite:///sopframe.db")  # the real store, named the usual ways
    (tmp_path / "sopframe.toml").write_text('store = "sqlite:///sopframe.db"\n', "utf-8")
    assert cli("demo").code == 0
    assert not (tmp_path / "sopframe.db").exists()
    r = cli("demo", "--store", "memory://")
    assert r.code == 0 and "store: memory://" in r.out
    assert "look around" not in r.out and r.out.rstrip().endswith("without --store to keep one")  # nothing to list


def test_the_docs_name_the_demo_store_the_demo_uses() -> None:
    import re

    from sopframe.commands.demo import DEMO_STORE

    root = Path(__file__).resolve().parents[2]
    demo_file = DEMO_STORE[len("sqlite:///"):]
    for doc in ("README.md", "docs/jobs.md"):
        text = (root / doc).read_text("utf-8")
        lines = [line for line in text.splitlines() if re.search(r"sopframe demo\b", line) and ".db" in line]
        assert lines, doc
        for line in lines:
            named = re.findall(r"\./([\w.-]+\.db)", line)
            assert demo_file in named, (doc, line)
            assert all(n == demo_file or "not" in line for n in named), (doc, line)

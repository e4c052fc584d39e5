"""Keys and signed checkpoints: what an auditor holds, and every way it can be wrong."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from sopframe.checkpoints import (
    append_checkpoint,
    check_against_ledger,
    init_keys,
    load_private_key,
    load_public_key,
    make_checkpoint,
    read_checkpoints,
)
from sopframe.core.engine.events import GENESIS
from sopframe.errors import ConfigError, IntegrityError, UsageError

ROOTS = {n: f"{n:064x}" for n in range(0, 20)}


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    priv, pub = tmp_path / "keys" / "checkpoint.key", tmp_path / "keys" / "checkpoint.pub"
    init_keys(priv, pub)
    return priv, pub


def _write(path: Path, priv: Path, sizes: list[int], origin: str = "store-1") -> None:
    key = load_private_key(priv)
    prev = None
    for i, size in enumerate(sizes):
        cp = make_checkpoint(key, origin=origin, size=size, root=ROOTS[size], tree=ROOTS[size], previous=prev,
                             time=f"2026-01-0{i + 1}T00:00:00Z")
        append_checkpoint(path, cp)
        prev = cp


def test_keys_are_made_once_and_the_private_key_is_private(keys: tuple[Path, Path]) -> None:
    priv, pub = keys
    assert stat.S_IMODE(priv.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in priv.read_bytes() and b"PUBLIC KEY" in pub.read_bytes()
    with pytest.raises(UsageError, match="already exists"):
        init_keys(priv, pub)


def test_checkpoints_round_trip_and_chain(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    priv, pub = keys
    path = tmp_path / "checkpoints.jsonl"
    _write(path, priv, [3, 7, 7, 12])
    cps = read_checkpoints(path, load_public_key(pub))
    assert [c.size for c in cps] == [3, 7, 7, 12]
    assert cps[0].prev == GENESIS and all(b.prev == a.digest() for a, b in zip(cps, cps[1:]))
    assert check_against_ledger(cps, "store-1", 12, lambda n: ROOTS[n]) == []


def test_rewritten_history_and_deleted_entries_are_caught(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    priv, pub = keys
    path = tmp_path / "c.jsonl"
    _write(path, priv, [3, 7])
    cps = read_checkpoints(path, load_public_key(pub))
    rewritten = check_against_ledger(cps, "store-1", 9, lambda n: "f" * 64 if n == 7 else ROOTS[n])
    assert len(rewritten) == 1 and "checkpoint 2" in rewritten[0] and "was rewritten" in rewritten[0]
    shortened = check_against_ledger(cps, "store-1", 5, lambda n: ROOTS[n])
    assert len(shortened) == 1 and "has only 5" in shortened[0]
    other = check_against_ledger(cps, "store-2", 7, lambda n: ROOTS[n])
    assert other and "not of this store" in other[0]


@pytest.mark.parametrize("damage", ["byte", "reorder", "remove", "insert-foreign", "garbage", "missing-field",
                                    "size-type"])
def test_a_damaged_checkpoint_file_names_its_line(tmp_path: Path, keys: tuple[Path, Path], damage: str) -> None:
    priv, pub = keys
    path = tmp_path / "c.jsonl"
    _write(path, priv, [2, 4, 6])
    lines = path.read_text().splitlines()
    if damage == "byte":
        d = json.loads(lines[1])
        d["size"] = 5
        lines[1] = json.dumps(d, sort_keys=True, separators=(",", ":"))
    elif damage == "reorder":
        lines[1], lines[2] = lines[2], lines[1]
    elif damage == "remove":
        del lines[1]
    elif damage == "insert-foreign":
        other = tmp_path / "o.jsonl"
        _write(other, priv, [3])
        lines.insert(1, other.read_text().strip())
    elif damage == "garbage":
        lines[1] = lines[1][:40]
    elif damage == "missing-field":
        d = json.loads(lines[1])
        del d["root"]
        lines[1] = json.dumps(d)
    elif damage == "size-type":
        d = json.loads(lines[1])
        d["size"] = "4"
        lines[1] = json.dumps(d)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(IntegrityError, match=rf"{path.name}:2: "):
        read_checkpoints(path, load_public_key(pub))


def test_a_checkpoint_by_another_key_is_refused(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    priv, _pub = keys
    path = tmp_path / "c.jsonl"
    _write(path, priv, [2])
    other_priv, other_pub = tmp_path / "o.key", tmp_path / "o.pub"
    init_keys(other_priv, other_pub)
    with pytest.raises(IntegrityError, match="not by the given public key"):
        read_checkpoints(path, load_public_key(other_pub))


def test_a_forged_signature_is_refused(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    """Same key id written in, signed by another key: the signature check catches it."""
    priv, pub = keys
    path = tmp_path / "c.jsonl"
    _write(path, priv, [2])
    d = json.loads(path.read_text())
    other_priv = tmp_path / "o.key"
    init_keys(other_priv, tmp_path / "o.pub")
    forged = make_checkpoint(load_private_key(other_priv), origin="store-1", size=2, root=ROOTS[2], tree=ROOTS[2],
                             previous=None, time=d["time"])
    path.write_text(json.dumps({**json.loads(forged.line()), "key": d["key"]}) + "\n")
    with pytest.raises(IntegrityError, match="signature does not verify"):
        read_checkpoints(path, load_public_key(pub))


@pytest.mark.parametrize("content", [None, b"", b"not a key at all", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END "
                                     b"PUBLIC KEY-----\n"])
def test_missing_or_corrupted_keys_give_clear_errors(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "k.pem"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError, match=r"k\.pem: .*(not found|not a PEM)"):
        load_public_key(path)
    with pytest.raises(ConfigError, match=r"k\.pem: .*(not found|not a PEM)"):
        load_private_key(path)


def test_swapped_key_halves_are_named(keys: tuple[Path, Path]) -> None:
    priv, pub = keys
    with pytest.raises(ConfigError, match="is a private key; give the public key"):
        load_public_key(priv)
    with pytest.raises(ConfigError, match="not a PEM private key"):
        load_private_key(pub)


def test_a_ledger_that_shrank_cannot_be_checkpointed(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    priv, pub = keys
    path = tmp_path / "c.jsonl"
    _write(path, priv, [6])
    last = read_checkpoints(path, load_public_key(pub))[-1]
    with pytest.raises(IntegrityError, match="fewer than the 6"):
        make_checkpoint(load_private_key(priv), origin="store-1", size=4, root=ROOTS[4], tree=ROOTS[4], previous=last, time="t")

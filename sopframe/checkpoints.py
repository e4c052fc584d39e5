"""Signed checkpoints of the store's ledger, and the Ed25519 keys that sign them.

A checkpoint says "the ledger had ``size`` entries and its head hash was
``root``", names the previous checkpoint by its digest, and is signed with
an Ed25519 key whose private half never enters the database.  Checkpoints
are appended, one JSON object per line, to a file meant to be kept
elsewhere (committed to git, mailed to the auditor, copied to a bucket).
Whoever holds the public key can then prove that everything a checkpoint
covered is still in the store unchanged, without trusting the database or
whoever runs it, as Certificate Transparency's signed tree heads do.

Signatures use the ``cryptography`` package (``pip install 'sopframe[evidence]'``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from sopframe.core.engine.events import GENESIS, canonical
from sopframe.core.safetext import escape
from sopframe.errors import ConfigError, IntegrityError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = ["Checkpoint", "init_keys", "load_private_key", "load_public_key", "key_id", "keys_by_id", "make_checkpoint",
           "append_checkpoint", "read_checkpoints", "check_against_ledger", "unknown_key", "FORMAT_VERSION"]

FORMAT_VERSION = 1
_FIELDS = ("v", "origin", "size", "root", "tree", "prev", "time", "key", "sig")


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise UsageError("signing and checking checkpoints needs the 'cryptography' package",
                         hint="pip install 'sopframe[evidence]'") from None
    return serialization, ed25519


# ==================================================================== keys
def init_keys(private_path: Path, public_path: Path, *, overwrite: bool = False) -> str:
    """Make an Ed25519 key pair; the private key file is readable by its owner only.  Returns the key id."""
    serialization, ed25519 = _crypto()
    if Path(private_path).resolve() == Path(public_path).resolve():
        raise UsageError(f"the private and the public key would both be written to {escape(str(private_path))}",
                         hint="give --private-key and --public-key different paths")
    for p in (private_path, public_path):
        if p.exists() and not overwrite:
            raise UsageError(f"{p} already exists; refusing to overwrite a key",
                             hint="choose another path, or pass --force to replace it (checkpoints signed with "
                                  "the old key then need the old public key to verify)")
    key = ed25519.Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    private_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.parent.mkdir(parents=True, exist_ok=True)
    if overwrite and private_path.exists():
        private_path.unlink()
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private_pem)
    public_path.write_bytes(public_pem)
    return key_id(key.public_key())


def _read_key_file(path: Path, what: str) -> bytes:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{what} not found", path=str(path),
                          hint="`sopframe keys init` makes a key pair") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {what}: {exc.strerror or exc}", path=str(path)) from None
    if len(data) > 64 * 1024:
        raise ConfigError(f"is not a {what} (too large for a PEM key)", path=str(path))
    return data


def load_private_key(path: Path) -> "Ed25519PrivateKey":
    """The signing key in a PEM file, with a clear error for anything else."""
    serialization, ed25519 = _crypto()
    data = _read_key_file(path, "private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise ConfigError("the private key is encrypted; sopframe expects an unencrypted key protected by "
                          "file permissions", path=str(path)) from None
    except Exception:  # noqa: BLE001 - cryptography raises several types for bad input
        raise ConfigError("is not a PEM private key (corrupted, or not a key file)", path=str(path),
                          hint="`sopframe keys init` makes a key pair") from None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise ConfigError("is not an Ed25519 key; checkpoints are signed with Ed25519", path=str(path))
    return key


def load_public_key(path: Path) -> "Ed25519PublicKey":
    """The verifying key in a PEM file, with a clear error for anything else."""
    serialization, ed25519 = _crypto()
    data = _read_key_file(path, "public key")
    try:
        key = serialization.load_pem_public_key(data)
    except Exception:  # noqa: BLE001 - ValueError, UnsupportedAlgorithm ...
        if b"PRIVATE KEY" in data:
            raise ConfigError("is a private key; give the public key (the .pub file)", path=str(path)) from None
        raise ConfigError("is not a PEM public key (corrupted, or not a key file)", path=str(path)) from None
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise ConfigError("is not an Ed25519 public key", path=str(path))
    return key


def key_id(public_key: "Ed25519PublicKey") -> str:
    """A short, stable name for a public key: the first 16 hex digits of SHA-256 over its raw bytes."""
    serialization, _ = _crypto()
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


# ============================================================= checkpoints
@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of the ledger's size and head at one moment."""

    v: int
    origin: str  # the store's id: checkpoints of one store never verify another
    size: int  # entries covered: 1..size
    root: str  # hash of ledger entry ``size`` (GENESIS when size is 0)
    tree: str  # Merkle tree hash over entries 1..size (see sopframe.core.merkle), for inclusion proofs
    prev: str  # digest of the previous checkpoint's line (GENESIS for the first)
    time: str
    key: str  # key id of the signing key
    sig: str = ""  # base64 Ed25519 signature over ``signed_bytes()``

    def signed_bytes(self) -> bytes:
        body = {k: v for k, v in asdict(self).items() if k != "sig"}
        return b"sopframe-checkpoint\n" + canonical(body)

    def line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    def digest(self) -> str:
        return hashlib.sha256(self.line().encode("utf-8")).hexdigest()


def make_checkpoint(private_key: "Ed25519PrivateKey", *, origin: str, size: int, root: str, tree: str,
                    previous: Checkpoint | None, time: str) -> Checkpoint:
    """Sign the ledger's (size, root), chained to ``previous``."""
    if previous is not None:
        if previous.origin != origin:
            raise UsageError(f"the checkpoint file belongs to another store ({previous.origin}, this one is "
                             f"{origin})", hint="keep one checkpoint file per store")
        if size < previous.size:
            raise IntegrityError(f"the store's ledger has {size} entries, fewer than the {previous.size} the last "
                                 "checkpoint covers: entries were deleted",
                                 hint="run `sopframe verify --checkpoints FILE --public-key KEY` to see what changed")
    unsigned = Checkpoint(FORMAT_VERSION, origin, size, root, tree, previous.digest() if previous else GENESIS, time,
                          key_id(private_key.public_key()))
    sig = base64.b64encode(private_key.sign(unsigned.signed_bytes())).decode("ascii")
    return Checkpoint(**{**asdict(unsigned), "sig": sig})


def append_checkpoint(path: Path, cp: Checkpoint) -> None:
    """Append one checkpoint line and flush it to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(cp.line() + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def keys_by_id(public_keys: "Ed25519PublicKey | Sequence[Ed25519PublicKey]") -> "dict[str, Ed25519PublicKey]":
    """The given public key(s) by key id, in the order given."""
    keys = list(public_keys) if isinstance(public_keys, Sequence) else [public_keys]
    return {key_id(k): k for k in keys}


def unknown_key(where: str, kid: str, given: Sequence[str], option: str = "--public-key") -> IntegrityError:
    """The error for a checkpoint signed by none of the ``given`` key ids; the hint names ``option``."""
    which = "the signing key or an --earlier-key" if option == "--earlier-key" else \
        "the given public key" if len(given) == 1 else "any of the given public keys"
    hint = ("the file holds checkpoints of an earlier signing key: give its public key with --earlier-key "
            "(repeatable)" if option == "--earlier-key" else
            "check --public-key: give each key the checkpoints were signed with (the option repeats), the earlier "
            "ones too after a key rotation")
    return IntegrityError(f"{where}: signed by key {kid}, not by {which} ({', '.join(given)})", hint=hint)


def read_checkpoints(path: Path, public_keys: "Ed25519PublicKey | Sequence[Ed25519PublicKey]", *,
                     option: str = "--public-key") -> list[Checkpoint]:
    """Every checkpoint in a file, each signature and link checked; errors name the file and line.

    Each checkpoint must be signed by one of ``public_keys`` (one key, or
    several after a key rotation: each line names the key that signed it);
    ``option`` is the command-line option an error's hint names for them.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"checkpoint file {str(path)!r} not found",
                         hint="`sopframe checkpoint --out FILE` writes one") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise IntegrityError(f"{path}: cannot read the checkpoint file: {exc}") from None
    keys = keys_by_id(public_keys)
    out: list[Checkpoint] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        where = f"{path}:{lineno}"
        cp = _parse(raw, where)
        public_key = keys.get(cp.key)
        if public_key is None:
            raise unknown_key(where, cp.key, list(keys), option)
        try:
            public_key.verify(base64.b64decode(cp.sig, validate=True), cp.signed_bytes())
        except Exception:  # noqa: BLE001 - InvalidSignature, binascii.Error
            raise IntegrityError(f"{where}: the signature does not verify: the line was changed after it was "
                                 "signed") from None
        prev = out[-1] if out else None
        if cp.prev != (prev.digest() if prev else GENESIS):
            raise IntegrityError(f"{where}: does not follow the checkpoint before it: checkpoints were removed, "
                                 "inserted or reordered")
        if prev is not None and (cp.origin != prev.origin or cp.size < prev.size):
            why = "names another store" if cp.origin != prev.origin else \
                f"covers {cp.size} entries, fewer than the {prev.size} before it"
            raise IntegrityError(f"{where}: {why}")
        out.append(cp)
    return out


def _parse(raw: str, where: str) -> Checkpoint:
    try:
        d = json.loads(raw)
    except ValueError:
        raise IntegrityError(f"{where}: not a checkpoint (not JSON): the file is corrupted") from None
    if not isinstance(d, dict) or set(d) != set(_FIELDS):
        raise IntegrityError(f"{where}: not a checkpoint (expected the fields {', '.join(_FIELDS)})")
    if d["v"] != FORMAT_VERSION:
        raise IntegrityError(f"{where}: checkpoint format {d['v']!r} is not one this sopframe reads "
                             f"({FORMAT_VERSION})", hint="upgrade sopframe")
    types = {"origin": str, "size": int, "root": str, "tree": str, "prev": str, "time": str, "key": str, "sig": str}
    for k, t in types.items():
        if not isinstance(d[k], t) or isinstance(d[k], bool):
            raise IntegrityError(f"{where}: field {k!r} has the wrong type")
    return Checkpoint(**d)


def check_against_ledger(checkpoints: Sequence[Checkpoint], origin: str, size: int,
                         entry_hash_at: Callable[[int], str | None]) -> list[str]:
    """What differs between the checkpoints and the store's ledger (empty when all hold).

    ``size`` is the ledger's entry count now, ``entry_hash_at(n)`` the
    stored hash of entry n (only meaningful once the ledger itself verifies).
    """
    problems: list[str] = []
    for i, cp in enumerate(checkpoints, 1):
        if cp.origin != origin:
            problems.append(f"checkpoint {i} is of store {cp.origin}, not of this store ({origin})")
            continue
        if cp.size > size:
            problems.append(f"checkpoint {i} ({cp.time}) covers {cp.size} ledger entries, but the store has only "
                            f"{size}: entries it covered were deleted")
            continue
        got = entry_hash_at(cp.size) if cp.size else GENESIS
        if got != cp.root:
            problems.append(f"checkpoint {i} ({cp.time}) signed ledger entry {cp.size} as {cp.root[:12]}..., but "
                            f"the store's entry {cp.size} is {str(got)[:12]}...: history it covered was rewritten")
    return problems

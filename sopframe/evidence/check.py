"""Checking an evidence pack offline, with the auditor's copy of the public key and nothing else.

Every file is either proven or derived from what is proven:
the manifest is signed; each file matches its SHA-256 in the manifest; the
checkpoint is signed; each job's events form an unbroken hash chain whose
ledger entries are included (Merkle proofs) in the checkpoint's tree; each
pinned template matches the SHA-256 its job recorded; each role table a
job's ledger entries name is there and matches its digest; the SOP
versions are exactly those the included jobs published.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Sequence

from sopframe.checkpoints import Checkpoint, _parse, key_id, keys_by_id
from sopframe.core.engine.events import Event, verify_chain
from sopframe.core.ledger import LedgerEntry
from sopframe.core.merkle import verify_consistency, verify_inclusion
from sopframe.errors import UsageError
from sopframe.evidence.pack import FORMAT, sop_versions

if TYPE_CHECKING:  # pragma: no cover
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = ["PackReport", "check_pack", "MAX_PACK_BYTES"]

MAX_PACK_BYTES = 2 * 1024**3  # uncompressed; a larger pack is refused (zip bombs)
_NAME = re.compile(r"^(?!/)(?!.*(?:^|/)\.\.?(?:/|$))[A-Za-z0-9._@+~/-]{1,255}$")  # ~: SOP record streams


@dataclass
class PackReport:
    """What checking a pack found: problems fail it; notes say what is true but not proven."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    jobs: int = 0
    events: int = 0
    covered: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def check_pack(path: Path, public_keys: "Ed25519PublicKey | Sequence[Ed25519PublicKey]", *,
               max_bytes: int = MAX_PACK_BYTES, replay: bool = False, held: Sequence[Checkpoint] = ()) -> PackReport:
    """Check a pack offline; ``replay`` also re-runs its jobs' commands with the role tables it holds.

    ``public_keys``: the auditor's copy of the store's public key, or of each key it has used (after a key
    rotation); the pack must be signed by one of them.  ``held``: checkpoints the auditor kept (read and
    checked with those keys): the pack's checkpoint must extend each one, or the ledger it proves is not the
    one they covered.
    """
    report = PackReport()
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise UsageError(f"evidence pack {str(path)!r} not found") from None
    except (zipfile.BadZipFile, OSError) as exc:
        report.problems.append(f"{path}: not a readable zip file ({exc})")
        return report
    with zf:
        files = _read_members(zf, max_bytes, report)
        if files is None:
            return report
        public_key = _signing_key(files, keys_by_id(public_keys), report)
        if public_key is None:
            return report
        manifest = _check_manifest(files, public_key, report)
        if manifest is None:
            return report
        cp = _check_checkpoint(files, public_key, manifest, report)
        if cp is None:
            return report
        _check_held(files, cp, held, report)
        published: list[Event] = []
        histories: dict[str, tuple[list[Event], list[LedgerEntry]]] = {}
        for jid in manifest.get("jobs", []):
            problems = len(report.problems)
            events = _check_job(files, str(jid), cp, report)
            published += [e for e in events if e.type == "sop.published"]
            if len(report.problems) == problems and events:
                histories[str(jid)] = (events, [LedgerEntry(**d["entry"]) for d in json.loads(files[f"jobs/{jid}/ledger.json"])])
        for name, data in sorted(files.items()):
            if name.startswith("attachments/") and hashlib.sha256(data).hexdigest() != name.split("/", 1)[1]:
                report.problems.append(f"{name}: the document does not hash to the SHA-256 it is named by")
        _check_sops(files, published, report)
        if replay:
            _replay(files, histories, published, report)
    return report


class _PackRecord:
    """What replay reads, from the pack's own files."""

    def __init__(self, files: dict[str, bytes], published: list[Event]) -> None:
        self.files, self.published = files, published

    def template(self, sha256: str) -> str | None:
        data = self.files.get(f"templates/{sha256}.yaml")
        return data.decode("utf-8") if data is not None else None

    def role_table(self, digest: str) -> str | None:
        data = self.files.get(f"roles/{digest}.json")
        return data.decode("utf-8") if data is not None else None

    def events_of_type(self, type: str) -> list[Event]:
        return sorted((e for e in self.published if e.type == type), key=lambda e: (e.at, e.job, e.seq))


def _replay(files: dict[str, bytes], histories: dict[str, tuple[list[Event], list[LedgerEntry]]],
            published: list[Event], report: PackReport) -> None:
    """Replay every job that checked out (the pack holds its template, role tables and ledger entries)."""
    from sopframe.core.replay import Replayer

    entries = sorted((e for _events, jobs_entries in histories.values() for e in jobs_entries), key=lambda e: e.n)
    replayer = Replayer(_PackRecord(files, published), entries)
    unchecked = 0
    for jid, (events, _entries) in histories.items():
        result = replayer.job(jid, events)
        unchecked += result.unchecked
        if result.problem is not None:
            report.problems.append(str(result.problem))
    if unchecked:
        report.notes.append(f"replay cannot check authorisation before the first recorded role table: {unchecked} "
                            "events were recorded without one and were not checked")


def _read_members(zf: zipfile.ZipFile, max_bytes: int, report: PackReport) -> dict[str, bytes] | None:
    infos = zf.infolist()
    names = [i.filename for i in infos]
    bad = [n for n in names if not _NAME.match(n)]
    if bad:
        report.problems.append(f"the pack holds a file with an unsafe name: {bad[0]!r}")
        return None
    if len(set(names)) != len(names):
        report.problems.append("the pack holds two files of the same name")
        return None
    if sum(i.file_size for i in infos) > max_bytes:
        report.problems.append(f"the pack unpacks to more than {max_bytes} bytes; refusing to read it")
        return None
    out: dict[str, bytes] = {}
    for info in infos:
        try:
            with zf.open(info) as fh:
                out[info.filename] = _read_bounded(fh, info.file_size)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
            # a changed byte in the compressed data: a failed CRC or a broken deflate stream
            why = str(exc) if len(str(exc)) <= 100 else str(exc)[:100] + "..."
            report.problems.append(f"{info.filename}: damaged in the pack, it cannot be read ({why})")
            return None
    return out


def _read_bounded(fh: IO[bytes], declared: int) -> bytes:
    data = fh.read(declared + 1)
    if len(data) > declared:  # pragma: no cover - zipfile itself checks sizes and CRCs
        raise UsageError("a file in the pack is larger than its zip header says")
    return data


def _check_manifest(files: dict[str, bytes], key: "Ed25519PublicKey", report: PackReport) -> dict[str, Any] | None:
    raw, sig = files.get("manifest.json"), files.get("manifest.sig")
    if raw is None:
        report.problems.append("manifest.json is missing")
        return None
    if sig is None:
        report.problems.append("manifest.sig is missing: nothing proves the manifest")
        return None
    try:
        key.verify(base64.b64decode(sig.strip(), validate=True), raw)
    except Exception:  # noqa: BLE001 - InvalidSignature, binascii.Error
        report.problems.append("manifest.json: the signature does not verify with the given public key "
                               "(the manifest was changed, or the pack was made with another key)")
        return None
    try:
        manifest = json.loads(raw)
    except ValueError:
        report.problems.append("manifest.json is not JSON")
        return None
    if manifest.get("format") != FORMAT:
        report.problems.append(f"manifest.json: format {manifest.get('format')!r} is not {FORMAT!r}")
        return None
    listed: dict[str, str] = manifest.get("files", {})
    for name, data in sorted(files.items()):
        if name in ("manifest.json", "manifest.sig"):
            continue
        if name not in listed:
            report.problems.append(f"{name}: not in the manifest (added to the pack)")
        elif hashlib.sha256(data).hexdigest() != listed[name]:
            report.problems.append(f"{name}: does not match its SHA-256 in the manifest (changed)")
    for name in sorted(set(listed) - set(files)):
        report.problems.append(f"{name}: listed in the manifest but missing from the pack (removed)")
    return manifest


def _signing_key(files: dict[str, bytes], keys: "dict[str, Ed25519PublicKey]",
                 report: PackReport) -> "Ed25519PublicKey | None":
    """Which of the given keys the pack says signed it (its checkpoint names the key; the signatures are checked
    after).  A pack whose checkpoint cannot be read is checked with the first key, which reports why."""
    try:
        named = json.loads(files.get("checkpoint.json", b"").decode("utf-8", "replace")).get("key")
    except (ValueError, AttributeError):
        named = None
    if isinstance(named, str) and named not in keys and len(keys) > 1:
        report.problems.append(f"checkpoint.json: signed by key {named}, not by any of the given public keys "
                               f"({', '.join(keys)})")
        return None
    return keys.get(named) if isinstance(named, str) and named in keys else next(iter(keys.values()))


def _check_checkpoint(files: dict[str, bytes], key: "Ed25519PublicKey", manifest: dict[str, Any],
                      report: PackReport) -> Checkpoint | None:
    raw = files.get("checkpoint.json", b"").decode("utf-8", "replace").strip()
    if not raw:
        report.problems.append("checkpoint.json is missing")
        return None
    try:
        cp = _parse(raw, "checkpoint.json")
    except Exception as exc:  # noqa: BLE001 - IntegrityError with the reason
        report.problems.append(str(exc))
        return None
    if cp.key != key_id(key):
        report.problems.append(f"checkpoint.json: signed by key {cp.key}, not by the given public key")
        return None
    try:
        key.verify(base64.b64decode(cp.sig, validate=True), cp.signed_bytes())
    except Exception:  # noqa: BLE001
        report.problems.append("checkpoint.json: the signature does not verify")
        return None
    if manifest.get("store") != cp.origin:
        report.problems.append("manifest.json names another store than the checkpoint")
    pem = files.get("public-key.pem")
    if pem is not None and key_id(key) not in _pem_key_ids(pem):
        report.notes.append("public-key.pem in the pack is not the key you gave (your key was used)")
    return cp


def _check_held(files: dict[str, bytes], cp: Checkpoint, held: Sequence[Checkpoint], report: PackReport) -> None:
    """The pack's checkpoint extends every checkpoint the auditor holds (RFC 9162 consistency proofs)."""
    if not held:
        return
    proofs = _load_json(files, "consistency.json", report) if "consistency.json" in files else {}
    if not isinstance(proofs, dict):
        report.problems.append("consistency.json is not in the pack format")
        return
    failed = len(report.problems)
    for i, h in enumerate(held, 1):
        yours = f"your checkpoint {i} ({h.time}, {h.size} ledger entries)"
        if h.origin != cp.origin:
            report.problems.append(f"{yours} is of store {h.origin}, the pack of store {cp.origin}")
        elif h.size > cp.size:
            if h.time > cp.time:  # signed later, yet it covers less: entries the held one covered are gone
                report.problems.append(f"{yours} covers more than the pack's checkpoint ({cp.size}), signed "
                                       f"after it ({cp.time}): ledger entries were deleted (rolled back)")
            else:
                report.notes.append(f"{yours} is newer than the pack's checkpoint: the pack cannot be compared "
                                    "with it")
        elif h.size and not verify_consistency(h.size, cp.size, h.tree, cp.tree, proofs.get(str(h.size), [])
                                               if h.size < cp.size else []):
            why = "the pack carries no proof that its checkpoint extends it (the store's checkpoint file lacks " \
                  "it: truncated or replaced)" if h.size < cp.size and str(h.size) not in proofs else \
                  "the pack's checkpoint does not extend it: the ledger it covered was rewritten"
            report.problems.append(f"{yours}: {why}")
    if len(report.problems) == failed:
        report.notes.append(f"the pack's checkpoint extends the {len(held)} checkpoint"
                            f"{'s' if len(held) != 1 else ''} you hold")


def _pem_key_ids(pem: bytes) -> set[str]:
    from sopframe.checkpoints import _crypto

    serialization, _ = _crypto()
    try:
        return {key_id(serialization.load_pem_public_key(pem))}
    except Exception:  # noqa: BLE001
        return set()


def _load_json(files: dict[str, bytes], name: str, report: PackReport) -> Any:
    if name not in files:
        report.problems.append(f"{name} is missing")
        return None
    try:
        return json.loads(files[name])
    except ValueError:
        report.problems.append(f"{name} is not JSON")
        return None


def _check_job(files: dict[str, bytes], jid: str, cp: Checkpoint, report: PackReport) -> list[Event]:
    raw_events = _load_json(files, f"jobs/{jid}/events.json", report)
    raw_ledger = _load_json(files, f"jobs/{jid}/ledger.json", report)
    if raw_events is None or raw_ledger is None:
        return []
    try:
        events = [Event.from_dict(d) for d in raw_events]
        items = [(LedgerEntry(**d["entry"]), d.get("proof")) for d in raw_ledger]
    except (KeyError, TypeError, ValueError):
        report.problems.append(f"job {jid}: events.json or ledger.json is not in the pack format")
        return []
    report.jobs += 1
    report.events += len(events)
    problem = verify_chain(jid, events)
    if problem is not None:
        report.problems.append(str(problem))
        return []
    covered = 0
    for entry, proof in items:
        where = f"job {jid}, ledger entry {entry.n}"
        if entry.job != jid or entry.first != covered + 1 or entry.last > len(events):
            report.problems.append(f"{where}: does not follow the job's events (entries end at {covered})")
            return events
        if entry.compute_hash() != entry.hash or events[entry.last - 1].hash != entry.head:
            report.problems.append(f"{where}: does not match the job's event {entry.last}")
            return events
        if entry.n > cp.size:
            break
        if not isinstance(proof, list) or not verify_inclusion(bytes.fromhex(entry.hash), entry.n - 1, cp.size,
                                                               proof, cp.tree):
            report.problems.append(f"{where}: not proven to be in the signed checkpoint (the inclusion proof fails)")
            return events
        covered = entry.last
    report.covered += covered
    if covered < len(events):
        report.notes.append(f"job {jid}: events {covered + 1}-{len(events)} came after the checkpoint and are "
                            "not proven by it")
    for digest in sorted({entry.roles for entry, _proof in items if entry.roles}):
        body = files.get(f"roles/{digest}.json")
        if body is None:
            report.problems.append(f"job {jid}: the role table its batches ran under, roles/{digest}.json, "
                                   "is missing")
        elif hashlib.sha256(body).hexdigest() != digest:
            report.problems.append(f"roles/{digest}.json: is not the role table job {jid}'s batches name")
    start = events[0].data.get("template", {}) if events else {}
    sha = start.get("sha256") if isinstance(start, dict) else None
    if sha:
        text = files.get(f"templates/{sha}.yaml")
        if text is None:
            report.problems.append(f"job {jid}: its pinned template templates/{sha}.yaml is missing")
        elif hashlib.sha256(text).hexdigest() != sha:
            report.problems.append(f"templates/{sha}.yaml: is not the template job {jid} was pinned to")
    return events


def _check_sops(files: dict[str, bytes], published: list[Event], report: PackReport) -> None:
    listed = _load_json(files, "sops.json", report)
    if listed is None:
        return
    derived = sop_versions(published)
    if listed != derived:
        report.problems.append("sops.json: the SOP versions differ from what the pack's jobs published")

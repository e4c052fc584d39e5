"""Building an evidence pack: the procedure, the jobs run with it, and the proof that nobody changed them.

A pack is one zip file an auditor can check offline with the store's public
key and nothing else (:mod:`sopframe.evidence.check`):

=========================  ====================================================
``manifest.json``          what the pack holds, the SHA-256 of every other file
``manifest.sig``           Ed25519 signature over ``manifest.json``
``checkpoint.json``        the signed checkpoint the jobs are proven against
``public-key.pem``         the key that signed it (the auditor uses their own copy)
``consistency.json``       proofs that the checkpoint's tree extends each earlier checkpoint's
``sops.json``              the SOP versions of the selected SOPs, effective dates, status
``templates/<sha>.yaml``   each pinned template text, named by its SHA-256
``roles/<digest>.json``    each role table the jobs' batches ran under, named by its digest
``jobs/<id>/events.json``  each job's full event history (hash-chained)
``jobs/<id>/ledger.json``  the job's ledger entries with Merkle inclusion proofs
``jobs/<id>/history.html`` the same history as a readable page
``attachments/<sha>``      the documents themselves, on request
``index.html``             an overview linking every page
=========================  ====================================================

Every job file is proven by the chain (events), the ledger entries (heads)
and inclusion proofs against the checkpoint's signed Merkle root; the
remaining files by the signed manifest.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol, Sequence

from sopframe.checkpoints import Checkpoint
from sopframe.core.engine.events import Event
from sopframe.core.ledger import LedgerEntry
from sopframe.core.merkle import Tree
from sopframe.errors import UsageError, did_you_mean

__all__ = ["EvidenceSource", "Selection", "build_pack", "select_jobs", "sop_versions", "FORMAT", "write_json"]

FORMAT = "sopframe-evidence/1"
_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed zip timestamps: the same content gives the same pack


class EvidenceSource(Protocol):
    """What a pack is built from: a store with a ledger."""

    def store_id(self) -> str: ...

    def job_ids(self) -> list[str]: ...

    def read(self, job: str, after: int = 0) -> list[Event]: ...

    def ledger(self, after: int = 0) -> Iterable[LedgerEntry]: ...

    def events_of_type(self, type: str) -> list[Event]: ...

    def template(self, sha256: str) -> str | None: ...

    def role_table(self, digest: str) -> str | None: ...


@dataclass(frozen=True)
class Selection:
    """Which jobs go in a pack (an empty selection takes every job)."""

    sops: Sequence[str] = ()
    templates: Sequence[str] = ()
    jobs: Sequence[str] = ()
    since: str | None = None  # ISO date: jobs started on or after it
    last: int | None = None  # per SOP reference and per template, the most recent N

    def is_empty(self) -> bool:
        return not (self.sops or self.templates or self.jobs)

    def to_dict(self) -> dict[str, Any]:
        return {"sop": list(self.sops), "template": list(self.templates), "job": list(self.jobs),
                "since": self.since, "last": self.last}


@dataclass
class _Zip:
    buffer: io.BytesIO = field(default_factory=io.BytesIO)
    hashes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.zf = zipfile.ZipFile(self.buffer, "w", zipfile.ZIP_DEFLATED)

    def add(self, name: str, data: bytes, *, listed: bool = True) -> None:
        info = zipfile.ZipInfo(name, date_time=_EPOCH)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self.zf.writestr(info, data)
        if listed:
            self.hashes[name] = hashlib.sha256(data).hexdigest()


def write_json(value: Any) -> bytes:
    return (json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def select_jobs(source: EvidenceSource, sel: Selection) -> list[str]:
    """The ids of the jobs (and SOP record streams) a selection takes, oldest first."""
    from sopframe.core.sopref import is_record_stream, ref_of_stream

    started = {e.job: e for e in source.events_of_type("job.started")}
    chosen: set[str] = set()
    for jid in sel.jobs:
        if jid not in started:
            raise UsageError(f"unknown job {jid!r}{did_you_mean(jid, started)}",
                             hint="`sopframe job list` shows the jobs")
        chosen.add(jid)

    def recent(jobs: list[str]) -> list[str]:
        if sel.since:
            jobs = [j for j in jobs if started[j].at[:10] >= sel.since]
        jobs.sort(key=lambda j: (started[j].at, j))
        return jobs[-sel.last:] if sel.last else jobs

    publications = source.events_of_type("sop.published") if sel.sops else []
    for ref in sel.sops:
        publishers = sorted({e.job for e in publications if e.data.get("ref") == ref})
        if not publishers:
            known = {str(e.data.get("ref")) for e in publications}
            raise UsageError(f"no published SOP {ref!r}{did_you_mean(ref, known)}",
                             hint="`sopframe sops` lists the SOP references")
        chosen.update(publishers)  # every version: the master list in the pack is then complete for it
        # the jobs that followed it (the last N with --last) and its acknowledgements, flags and reviews
        chosen.update(recent([j for j, e in started.items() if (e.data.get("sop") or {}).get("ref") == ref]))
    for tid in sel.templates:
        of = [j for j, e in started.items() if (e.data.get("template") or {}).get("id") == tid]
        if not of:
            ids = {str((e.data.get("template") or {}).get("id")) for e in started.values()}
            raise UsageError(f"no job was started from template {tid!r}{did_you_mean(tid, ids)}",
                             hint="`sopframe job list` shows each job's template")
        chosen.update(recent(of))
    if sel.is_empty():
        chosen.update(recent(list(started)) if sel.since else started)
    # a job that published an SOP version brings every version of that SOP, so the pack's
    # master list (current, archived) is proven by the events it holds
    published = source.events_of_type("sop.published")
    refs = {e.data.get("ref") for e in published if e.job in chosen}
    chosen.update(e.job for e in published if e.data.get("ref") in refs)
    # ... and the record stream of each SOP in the pack: who acknowledged, flagged or reviewed it
    chosen.update(s for s in source.job_ids() if is_record_stream(s) and ref_of_stream(s) in refs)
    return sorted(chosen, key=lambda j: (started[j].at if j in started else "", j))


def build_pack(source: EvidenceSource, sel: Selection, checkpoint: Checkpoint, public_key_pem: bytes, *,
               sign: Callable[[bytes], bytes] | None, created: str, version: str,
               attachments: Callable[[str], bytes | None] | None = None, earlier: Iterable[int] = ()) -> bytes:
    """The pack's bytes.  ``sign`` signs the manifest (the checkpoint key); ``attachments`` fetches documents.

    ``earlier``: the sizes of the checkpoints signed before ``checkpoint``; the pack proves its checkpoint's
    tree extends each of them (``consistency.json``), so an auditor who holds them can tell a rewritten ledger.
    """
    from sopframe.evidence.render import render_index, render_job

    jobs = select_jobs(source, sel)
    entries = list(source.ledger())
    tree = Tree([bytes.fromhex(e.hash) for e in entries[:checkpoint.size]])
    if tree.root() != checkpoint.tree:
        raise UsageError("the checkpoint does not match this store's ledger",
                         hint="run `sopframe verify --checkpoints FILE --public-key KEY` first")
    by_job: dict[str, list[LedgerEntry]] = {}
    for e in entries:
        by_job.setdefault(e.job, []).append(e)

    z = _Zip()
    z.add("checkpoint.json", (checkpoint.line() + "\n").encode("utf-8"))
    z.add("public-key.pem", public_key_pem)
    z.add("consistency.json", write_json({str(m): tree.consistency_proof(m)
                                          for m in sorted(set(earlier)) if 0 < m < checkpoint.size}))
    summaries, templates, published = [], {}, []
    roles: set[str] = set()
    for jid in jobs:
        events = source.read(jid)
        published += [e for e in events if e.type == "sop.published"]
        roles.update(e.roles for e in by_job.get(jid, []) if e.roles)
        proofs = [{"entry": e.to_dict(),
                   "proof": tree.inclusion_proof(e.n - 1) if e.n <= checkpoint.size else None}
                  for e in by_job.get(jid, [])]
        start = events[0].data.get("template", {}) if events else {}
        sha = start.get("sha256")
        text = start.get("text") if start.get("text") is not None else source.template(sha) if sha else None
        if sha and text is not None:
            templates[sha] = text
        z.add(f"jobs/{jid}/events.json", write_json([ev.to_dict() for ev in events]))
        z.add(f"jobs/{jid}/ledger.json", write_json(proofs))
        covered = max((e.last for e in by_job.get(jid, []) if e.n <= checkpoint.size), default=0)
        z.add(f"jobs/{jid}/history.html", render_job(jid, events, covered).encode("utf-8"))
        summaries.append({"job": jid, "title": events[0].data.get("title", "") if events else "",
                          "template": start.get("id"), "events": len(events), "covered": covered})
        if attachments is not None:
            for ev in events:
                if ev.type == "document.attached":
                    sha = str(ev.data.get("sha256"))
                    name = f"attachments/{sha}"
                    if name not in z.hashes:
                        data = attachments(sha)
                        if data is not None and hashlib.sha256(data).hexdigest() == sha:
                            z.add(name, data)
    for sha, text in sorted(templates.items()):
        z.add(f"templates/{sha}.yaml", text.encode("utf-8"))
    for digest in sorted(roles):
        body = source.role_table(digest)
        if body is not None:  # a missing one is named by `evidence verify` (and by `verify --replay`)
            z.add(f"roles/{digest}.json", body.encode("utf-8"))
    sops = sop_versions(published)
    z.add("sops.json", write_json(sops))
    z.add("index.html", render_index(summaries, sops, checkpoint, sel.to_dict(), created).encode("utf-8"))
    manifest = {"format": FORMAT, "created": created, "sopframe": version, "store": checkpoint.origin,
                "selection": sel.to_dict(), "jobs": jobs, "files": dict(sorted(z.hashes.items()))}
    manifest_bytes = write_json(manifest)
    z.add("manifest.json", manifest_bytes, listed=False)
    if sign is not None:
        import base64

        z.add("manifest.sig", base64.b64encode(sign(manifest_bytes)) + b"\n", listed=False)
    z.zf.close()
    return z.buffer.getvalue()


def sop_versions(published: Iterable[Event]) -> list[dict[str, Any]]:
    """The SOP master list (current and archived versions) made from ``sop.published`` events alone."""
    from sopframe.core.engine.sops import master_list
    from sopframe.core.readmodel import SopRow, sop_rows_of

    class _Rows:
        def sop_rows(self, ref: str | None = None) -> list[SopRow]:
            return sop_rows_of(published, ref)

    return [e.to_dict() for e in master_list(_Rows())]  # type: ignore[arg-type]

"""Job commands: each is checked against the job's pinned template, then appends events.

A command reads the job's events, folds them, checks what was asked against
the template the job started from, works out every consequence (stages
entered, sub-jobs started or completed, the job completed, the SOP
published) by applying the new events to a copy of the state, and appends
them in one atomic batch that expects the job's current sequence number.  A
refused command raises :class:`~sopframe.errors.JobError` and appends
nothing; a concurrent writer makes it raise
:class:`~sopframe.errors.ConflictError` (also appending nothing).

Identity: the ``actor`` of every command is asserted by the caller (the CLI
takes ``--as``, SOPFRAME_USER or the OS user).  The engine checks what that
user may do (roles, segregation of duties) but cannot prove who they are; a
server with real authentication passes the authenticated user as ``actor``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from sopframe.core.durations import Duration, parse_duration
from sopframe.core.engine.clock import Clock, from_text, system_clock, to_text
from sopframe.core.engine.events import Event, NewEvent, chain, verify_chain
from sopframe.core.engine.ids import next_job_id, subjob_id
from sopframe.core.engine.pinned import pinned_template
from sopframe.core.engine.state import JobState, SubJobState, apply, fold
from sopframe.core.values import convert, coerce
from sopframe.errors import ConflictError, JobError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.graph import TemplateGraph
    from sopframe.core.model import Condition, FieldDef, Stage, Template
    from sopframe.core.store import Store

__all__ = ["Engine", "Loaded", "to_json", "sla_deadline", "typed_value"]


def to_json(value: Any) -> Any:
    """A converted field value as plain JSON (how it is stored in events)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, datetime):
        return to_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (Decimal, Duration)):
        return str(value)
    if isinstance(value, (tuple, list)):
        return [to_json(v) for v in value]
    return str(value)


def typed_value(f: "FieldDef", stored: Any) -> Any:
    """A stored value converted back to the field's type, for comparisons."""
    if stored is None:
        return None
    if f.type == "multichoice":
        return tuple(stored)
    return convert(f.type, stored)


@dataclass
class _Pending:
    type: str
    data: Mapping[str, Any]
    actor: str
    at: str


@dataclass
class Loaded:
    """A job read from the store, with the template it is pinned to."""

    ref: str  # the id asked for: the job or one of its sub-jobs
    root: str
    state: JobState
    template: "Template"
    graph: "TemplateGraph"
    subjob: SubJobState | None = None

    @property
    def prefix(self) -> str:
        return self.subjob.scope if self.subjob else ""

    def node(self, stage_id: str) -> str:
        return f"{self.prefix}/{stage_id}" if self.prefix else stage_id

    def in_scope(self, node: str) -> bool:
        sj = self.state.subjob_of(node)
        return (sj.id if sj else None) == (self.subjob.id if self.subjob else None)

    def open_stages(self) -> list[str]:
        return [n for n in self.state.active if self.in_scope(n)]


@dataclass
class _Command:
    """A command being worked out: the state as it will be, and the events that make it so."""

    loaded: Loaded
    actor: str
    at: str
    work: JobState
    pending: list[NewEvent] = field(default_factory=list)

    def emit(self, type: str, **data: Any) -> None:
        ev = NewEvent(type, data)
        self.pending.append(ev)
        apply(self.work, _Pending(type, data, self.actor, self.at))


class Engine:
    """Runs jobs on a store.  ``roles`` maps role -> users holding it (from configuration)."""

    def __init__(self, store: "Store", *, roles: Mapping[str, Sequence[str]] | None = None,
                 clock: Clock = system_clock) -> None:
        self.store = store
        self.roles = {r: list(u) for r, u in (roles or {}).items()}
        self.clock = clock
        #: job -> its state as last read (never changed in place: commands work on copies)
        self._states: dict[str, JobState] = {}

    # ================================================================= reading
    def _folded(self, job: str, fresh: bool = True) -> JobState | None:
        """The job's state; events already folded in this engine are not read again.

        Commands pass ``fresh=False``: they trust the state this engine last
        saw, because the append that ends them fails with a conflict (and
        forgets that state) if another writer has moved the job on since.
        """
        cached = self._states.get(job)
        if cached is not None and not fresh:
            return cached
        if cached is None:
            events = self.store.read(job)
            if not events:
                return None
            cached = fold(events)
        else:
            new = self.store.read(job, after=cached.seq)
            if new:
                cached = cached.copy()
                for ev in new:
                    apply(cached, ev)
        self._states[job] = cached
        return cached

    def load(self, ref: str, fresh: bool = True) -> Loaded:
        """A job, or a sub-job (``ITSOP-2026-01-A``) of a job, with its pinned template."""
        ref = (ref or "").strip()
        state = self._folded(ref, fresh) if ref else None
        sub = None
        root = ref
        if state is None and ref:
            parts = ref.split("-")
            for i in range(len(parts) - 1, 0, -1):
                candidate = "-".join(parts[:i])
                st = self._folded(candidate, fresh)
                if st is not None:
                    if ref in st.subjobs:
                        state, root, sub = st, candidate, st.subjobs[ref]
                    break
        if state is None:
            known = self.store.job_ids()
            raise JobError(f"unknown job {ref!r}{did_you_mean(ref, known)}",
                           hint="`sopframe job list` shows the jobs")
        template, graph = pinned_template(state.template_text, state.template_file, state.template_sha256, root)
        return Loaded(ref, root, state, template, graph, sub)

    def state(self, ref: str) -> JobState:
        return self.load(ref).state

    def history(self, ref: str) -> list[Event]:
        """The job's events, oldest first; for a sub-job, the events about it and its stages."""
        loaded = self.load(ref)
        events = self.store.read(loaded.root)
        if loaded.subjob is None:
            return events
        sj = loaded.subjob
        return [e for e in events if e.data.get("subjob") == sj.id
                or str(e.data.get("stage", "")).startswith(sj.scope + "/")]

    def verify(self, job: str) -> str | None:
        """None if the job's chain is intact, else what is wrong with the first bad event."""
        events = self.store.read(job)
        head = self.store.head(job)
        if not events and head is None:
            raise JobError(f"unknown job {job!r}{did_you_mean(job, self.store.job_ids())}")
        problem = verify_chain(job, events, head)
        return str(problem) if problem else None

    # ================================================================ starting
    def start(self, text: str, file: str, *, actor: str, template: "Template | None" = None,
              title: str | None = None, job_id: str | None = None) -> JobState:
        """Start a job from template text (validated by the caller); returns its state."""
        actor = self._actor(actor)
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        pinned, graph = pinned_template(text, file, sha)
        template = template or pinned
        if not graph.start:
            raise JobError(f"template {template.id!r} has no stages to run")
        now = self.clock()
        at = to_text(now)
        for _ in range(50):
            jid = job_id or next_job_id(template.job_id, template.id, now, self.store.job_ids())
            state = JobState()
            loaded = Loaded(jid, jid, state, pinned, graph)
            cmd = _Command(loaded, actor, at, state.copy())
            cmd.emit("job.started", job=jid, title=title or template.title,
                     template={"id": template.id, "version": template.version, "sha256": sha,
                               "file": Path(file).name, "text": text})
            self._enter(cmd, graph.start)
            try:
                return self._commit(cmd, expected=0)
            except ConflictError:
                if job_id or "{seq" not in template.job_id:
                    raise JobError("a job with this id already exists", job=jid,
                                   hint="the template's job_id pattern needs {seq} to number jobs"
                                   if not job_id else "") from None
        raise JobError(f"could not find a free job id for pattern {template.job_id!r}")

    # ================================================================ commands
    def set_fields(self, ref: str, values: Mapping[str, Any], *, actor: str, stage: str | None = None) -> JobState:
        """Set fields of an open stage; each value is checked against the field's type and constraints."""
        loaded, cmd, node = self._begin(ref, actor, stage, "set fields")
        st = loaded.graph.stage(node)
        if not values:
            raise JobError("no fields given", job=loaded.ref, stage=st.id, hint="give FIELD=VALUE")
        for fid, raw in values.items():
            f = self._field(loaded, st, fid)
            if f.type == "file":
                raise JobError(f"is a document: attach it with `sopframe job attach {loaded.ref} {fid} PATH`",
                               job=loaded.ref, stage=st.id, field=fid)
            cmd.emit("field.set", stage=node, field=fid, value=self._checked(loaded, st, f, raw))
        return self._commit(cmd)

    def attach(self, ref: str, field_id: str, path: str | Path, *, actor: str, stage: str | None = None,
               data: bytes | None = None, uri: str | None = None) -> JobState:
        """Attach a document to a ``file`` field: kept as a reference with its SHA-256."""
        loaded, cmd, node = self._begin(ref, actor, stage, "attach documents")
        st = loaded.graph.stage(node)
        f = self._field(loaded, st, field_id)
        if f.type != "file":
            raise JobError(f"is of type {f.type}, not a document: use `sopframe job set`",
                           job=loaded.ref, stage=st.id, field=field_id)
        p = Path(path)
        if data is None:
            try:
                data = p.read_bytes()
            except OSError as exc:
                raise JobError(f"cannot read document {str(path)!r}: {exc.strerror or exc}",
                               job=loaded.ref, stage=st.id, field=field_id) from None
        digest = hashlib.sha256(data).hexdigest()
        cmd.emit("document.attached", stage=node, field=field_id, name=p.name, sha256=digest, size=len(data),
                 uri=uri or str(path))
        return self._commit(cmd)

    def sign(self, ref: str, signoff: str, *, actor: str, stage: str | None = None) -> JobState:
        """Give a sign-off: the actor must hold its role and meet its segregation-of-duties constraints."""
        loaded, cmd, node = self._begin(ref, actor, stage, "sign off")
        st = loaded.graph.stage(node)
        so = st.signoffs.get(signoff)
        if so is None:
            known = list(st.signoffs)
            raise JobError(f"no sign-off {signoff!r} in this stage{did_you_mean(signoff, known)}",
                           job=loaded.ref, stage=st.id,
                           hint=f"sign-offs here: {', '.join(known)}" if known else "this stage has no sign-offs")
        given = cmd.work.signoffs.get(node, {})
        if signoff in given:
            raise JobError(f"sign-off {signoff!r} was already given by {given[signoff]['user']} "
                           f"at {given[signoff]['at']}", job=loaded.ref, stage=st.id)
        holders = self.roles.get(so.role, [])
        if cmd.actor not in holders:
            held = f"held by: {', '.join(holders)}" if holders else "nobody holds it in the configuration"
            raise JobError(f"sign-off {signoff!r} needs role {so.role!r}, which {cmd.actor} does not hold "
                           f"({held})", job=loaded.ref, stage=st.id,
                           hint="roles come from the `roles` key of the sopframe configuration")
        self._check_separation(loaded, cmd, st, so.id)
        cmd.emit("signoff.given", stage=node, signoff=signoff, role=so.role)
        return self._commit(cmd)

    def complete(self, ref: str, *, actor: str, stage: str | None = None) -> JobState:
        """Complete an open stage: its gate must hold; the job moves on."""
        loaded, cmd, node = self._begin(ref, actor, stage, "complete stages")
        st = loaded.graph.stage(node)
        missing = self.missing(loaded, node, cmd.work)
        if missing:
            lines = "".join(f"\n  - {m}" for m in missing)
            raise JobError(f"cannot complete: {len(missing)} thing{'s' if len(missing) > 1 else ''} "
                           f"still missing:{lines}", job=loaded.ref, stage=st.id)
        self._finish_stage(cmd, node)
        return self._commit(cmd)

    def reject(self, ref: str, reason: str, *, actor: str, stage: str | None = None) -> JobState:
        """Send an open stage back to its declared rework stage; a reason is required."""
        loaded, cmd, node = self._begin(ref, actor, stage, "reject stages")
        st = loaded.graph.stage(node)
        if not (reason or "").strip():
            raise JobError("a reason is required to reject a stage", job=loaded.ref, stage=st.id,
                           hint="give --reason TEXT")
        if not st.rework:
            raise JobError("this stage declares no `rework` stage, so it cannot be rejected", job=loaded.ref,
                           stage=st.id)
        target = loaded.graph.node_in_scope(st.scope, st.rework)
        if target is None:  # pragma: no cover - validation rejects dangling rework
            raise JobError(f"rework stage {st.rework!r} does not exist", job=loaded.ref, stage=st.id)
        import networkx as nx

        reset = sorted({target, *nx.descendants(loaded.graph.graph, target)} - {node})
        cmd.emit("stage.rejected", stage=node, to=target, reason=reason.strip(), reset=reset)
        self._enter(cmd, target)
        return self._commit(cmd)

    def cancel(self, ref: str, reason: str, *, actor: str) -> JobState:
        """Cancel a job (with its sub-jobs); a reason is required."""
        loaded = self.load(ref, fresh=False)
        actor = self._actor(actor)
        if loaded.subjob is not None:
            raise JobError(f"{ref} is a sub-job: cancel the job {loaded.root} itself", job=ref)
        self._check_open(loaded)
        if not (reason or "").strip():
            raise JobError("a reason is required to cancel a job", job=ref, hint="give --reason TEXT")
        cmd = _Command(loaded, actor, to_text(self.clock()), loaded.state.copy())
        cmd.emit("job.cancelled", reason=reason.strip())
        return self._commit(cmd)

    # ============================================================= what's left
    def missing(self, loaded: Loaded, node: str, state: JobState | None = None) -> list[str]:
        """Everything that stops an open stage from being completed."""
        state = state or loaded.state
        st = loaded.graph.stage(node)
        out: list[str] = []
        values = state.fields.get(node, {})
        for f in st.fields.values():
            if f.required and values.get(f.id) is None:
                what = "document" if f.type == "file" else "field"
                out.append(f"{what} {f.id!r} ({f.type}) is required and not {'attached' if f.type == 'file' else 'set'}")
        given = state.signoffs.get(node, {})
        for so in st.signoffs.values():
            if so.id not in given:
                out.append(f"sign-off {so.id!r} by role {so.role!r} is not given")
        for cond in st.gate:
            problem = self._gate_problem(loaded, state, st, cond)
            if problem:
                out.append(problem)
        for sj in state.subjobs.values():
            if sj.split == node and sj.status != "completed":
                at = ", ".join(n.rsplit("/", 1)[-1] for n in state.active if n.startswith(sj.scope + "/"))
                out.append(f"sub-job {sj.id} ({sj.title or sj.key}, owner {sj.owner or '-'}) is not complete"
                           + (f" (at {at})" if at else ""))
        return out

    # ================================================================ plumbing
    def _actor(self, actor: str) -> str:
        actor = (actor or "").strip()
        if not actor:
            raise JobError("no user: give --as USER or set SOPFRAME_USER")
        return actor

    def _check_open(self, loaded: Loaded) -> None:
        s = loaded.state
        if s.status != "open":
            why = f" ({s.cancel_reason})" if s.cancel_reason else ""
            raise JobError(f"the job is {s.status}{why}; nothing can change", job=loaded.ref)
        if loaded.subjob is not None and loaded.subjob.status != "open":
            raise JobError(f"the sub-job is {loaded.subjob.status}; nothing can change", job=loaded.ref)

    def _begin(self, ref: str, actor: str, stage: str | None, doing: str) -> tuple[Loaded, _Command, str]:
        actor = self._actor(actor)
        loaded = self.load(ref, fresh=False)
        self._check_open(loaded)
        node = self._stage_node(loaded, stage, doing)
        return loaded, _Command(loaded, actor, to_text(self.clock()), loaded.state.copy()), node

    def _stage_node(self, loaded: Loaded, stage: str | None, doing: str) -> str:
        open_ = loaded.open_stages()
        names = [n.rsplit("/", 1)[-1] for n in open_]
        if stage is None:
            if len(open_) == 1:
                return open_[0]
            if not open_:
                subs = [sj.id for sj in loaded.state.subjobs.values() if sj.status == "open"
                        and loaded.state.subjob_of(sj.split) == loaded.subjob]
                hint = f"work happens in its sub-jobs: {', '.join(subs)}" if subs else ""
                raise JobError(f"no stage is open to {doing} in", job=loaded.ref, hint=hint)
            raise JobError(f"several stages are open ({', '.join(names)}): say which with --stage",
                           job=loaded.ref)
        node = stage if "/" in stage else loaded.node(stage)
        if node not in loaded.graph.graph:
            scope = tuple(loaded.prefix.split("/")) if loaded.prefix else ()
            known = [n.rsplit("/", 1)[-1] for n in loaded.graph.scopes.get(scope, [])]
            raise JobError(f"unknown stage {stage!r}{did_you_mean(stage, known)}", job=loaded.ref,
                           hint=f"stages: {', '.join(known)}")
        if node not in loaded.state.active:
            if node in loaded.state.done:
                raise JobError("the stage is already completed", job=loaded.ref, stage=stage,
                               hint=f"open now: {', '.join(names) or 'none'}")
            raise JobError("the stage is not open", job=loaded.ref, stage=stage,
                           hint=f"open now: {', '.join(names) or 'none'}")
        return node

    def _field(self, loaded: Loaded, st: "Stage", fid: str) -> "FieldDef":
        f = st.fields.get(fid)
        if f is None:
            known = list(st.fields)
            raise JobError(f"no such field in this stage{did_you_mean(fid, known)}", job=loaded.ref,
                           stage=st.id, field=fid, hint=f"fields here: {', '.join(known)}" if known
                           else "this stage has no fields")
        return f

    def _checked(self, loaded: Loaded, st: "Stage", f: "FieldDef", raw: Any) -> Any:
        try:
            value = coerce(f, raw)
        except ValueError as exc:
            raise JobError(f"{f.type} field: {exc}", job=loaded.ref, stage=st.id, field=f.id) from None
        if f.type == "user" and f.role and self.roles:
            holders = self.roles.get(f.role, [])
            if value not in holders:
                raise JobError(f"expected a user holding role {f.role!r} ({', '.join(holders) or 'nobody'}), "
                               f"got {value!r}", job=loaded.ref, stage=st.id, field=f.id)
        return to_json(value)

    def _value_of(self, loaded: Loaded, state: JobState, at: "Stage", ref: str) -> tuple["FieldDef | None", Any]:
        look = loaded.graph.lookup_field(at, ref)
        if look.field is None or look.stage is None:
            return None, None
        stored = state.field_value(look.stage.node, look.field.id)
        return look.field, typed_value(look.field, stored)

    def _gate_problem(self, loaded: Loaded, state: JobState, st: "Stage", cond: "Condition") -> str | None:
        f, value = self._value_of(loaded, state, st, cond.field)
        name = cond.field
        if f is None:
            return f"gate: field {name!r} is unknown"
        if cond.op == "set":
            if (value is not None) != bool(cond.value):
                return f"gate: field {name!r} must {'be set' if cond.value else 'not be set'}"
            return None
        if value is None:
            return f"gate: field {name!r} is not set (it must {_describe(cond)})"
        try:
            ok = _holds(f, cond, value)
        except ValueError:
            return f"gate: field {name!r} cannot be compared with {cond.value!r}"
        if not ok:
            return f"gate: field {name!r} must {_describe(cond)}, but is {to_json(value)!r}"
        return None

    def _check_separation(self, loaded: Loaded, cmd: _Command, st: "Stage", signoff: str) -> None:
        node = st.node
        given = cmd.work.signoffs

        def signer(ref: str) -> str | None:
            if "." in ref:
                sid, name = ref.split(".", 1)
                other = loaded.graph.find_stage(st, sid)
                if other is not None and name in other.signoffs:
                    return given.get(other.node, {}).get(name, {}).get("user")
            elif ref in st.signoffs:
                return given.get(node, {}).get(ref, {}).get("user")
            f, value = self._value_of(loaded, cmd.work, st, ref)
            return value if f is not None and f.type == "user" else None

        so = st.signoffs[signoff]
        for ref in so.not_by:
            if signer(ref) == cmd.actor:
                raise JobError(f"segregation of duties: sign-off {signoff!r} must not be given by {ref!r} "
                               f"({cmd.actor}) (not_by: {ref})", job=loaded.ref, stage=st.id)
        for other in st.signoffs.values():  # the constraint holds both ways within a stage
            if signoff in other.not_by and given.get(node, {}).get(other.id, {}).get("user") == cmd.actor:
                raise JobError(f"segregation of duties: {cmd.actor} gave sign-off {other.id!r}, which must "
                               f"not be given by the same person as {signoff!r} (not_by: {signoff})",
                               job=loaded.ref, stage=st.id)

    # ---------------------------------------------------------- moving on
    def _enter(self, cmd: _Command, node: str) -> None:
        loaded = cmd.loaded
        st = loaded.graph.stage(node)
        owner_sj = cmd.work.subjob_of(node)
        cmd.emit("stage.entered", stage=node, subjob=owner_sj.id if owner_sj else None)
        if not st.split:
            return
        parent = owner_sj.id if owner_sj else loaded.root
        for key, sub in st.split.items():
            sid = subjob_id(parent, sub.suffix)
            cmd.emit("subjob.started", subjob=sid, key=key, split=node, scope=f"{node}/{key}", suffix=sub.suffix,
                     title=sub.title, owner=sub.owner)
            if sub.stages:
                self._enter(cmd, f"{node}/{key}/{next(iter(sub.stages))}")
            else:
                cmd.emit("subjob.completed", subjob=sid)
        self._maybe_finish_split(cmd, node)

    def _finish_stage(self, cmd: _Command, node: str) -> None:
        loaded = cmd.loaded
        st = loaded.graph.stage(node)
        cmd.emit("stage.completed", stage=node)
        targets = self._targets(cmd, st)
        for t in targets:
            self._arrive(cmd, t)
        self._release_waiting(cmd)
        if not targets:
            self._scope_ended(cmd, node)

    def _targets(self, cmd: _Command, st: "Stage") -> list[str]:
        g = cmd.loaded.graph
        if st.split and st.rejoin:
            names = [st.rejoin]
        elif st.next is None:
            names = []
        elif st.next.when:
            f, value = self._value_of(cmd.loaded, cmd.work, st, st.next.when)
            chosen = st.next.otherwise
            for case, target in st.next.cases.items():
                try:
                    if f is not None and value is not None and typed_value(f, convert(f.type, case)) == value:
                        chosen = target
                        break
                except ValueError:
                    continue
            if chosen is None:
                raise JobError(f"routing: field {st.next.when!r} is {to_json(value)!r}, which no route takes",
                               job=cmd.loaded.ref, stage=st.id)
            names = [chosen]
        else:
            names = list(st.next.targets)
        return [n for n in (g.node_in_scope(st.scope, t) for t in names) if n]

    def _reaches(self, cmd: _Command, target: str, exclude: str | None = None) -> bool:
        import networkx as nx

        g = cmd.loaded.graph.graph
        # an open split stage contains its sub-jobs' stages: it waits for them, not they for it
        return any(n != target and n != exclude and not target.startswith(n + "/") and nx.has_path(g, n, target)
                   for n in cmd.work.active)

    def _arrive(self, cmd: _Command, node: str) -> None:
        if node in cmd.work.active or node in cmd.work.waiting:
            return
        if self._reaches(cmd, node):
            cmd.emit("stage.waiting", stage=node)
        else:
            self._enter(cmd, node)

    def _release_waiting(self, cmd: _Command) -> None:
        changed = True
        while changed:
            changed = False
            for node in list(cmd.work.waiting):
                if not self._reaches(cmd, node):
                    self._enter(cmd, node)
                    changed = True

    def _scope_ended(self, cmd: _Command, node: str) -> None:
        work = cmd.work
        sj = work.subjob_of(node)
        if sj is not None:
            prefix = sj.scope + "/"
            if any(n.startswith(prefix) for n in (*work.active, *work.waiting)):
                return
            cmd.emit("subjob.completed", subjob=sj.id)
            self._maybe_finish_split(cmd, sj.split)
            return
        if work.active or work.waiting:
            return
        cmd.emit("job.completed")
        self._publish(cmd)

    def _maybe_finish_split(self, cmd: _Command, split: str) -> None:
        work = cmd.work
        if split not in work.active:
            return
        if not self.missing(cmd.loaded, split, work):
            self._finish_stage(cmd, split)

    def _publish(self, cmd: _Command) -> None:
        pub = cmd.loaded.template.publishes
        if pub is None:
            return
        graph, work = cmd.loaded.graph, cmd.work

        def value(ref: str | None) -> Any:
            if not ref:
                return None
            sid, _, fid = ref.rpartition(".")
            node = graph.node_in_scope((), sid) if sid else None
            if node is None:
                for st, f in graph.all_fields():
                    if f.id == fid and st.node in work.done:
                        node = st.node
            return work.field_value(node, fid) if node else None

        ref, version, effective = value(pub.ref), value(pub.version), value(pub.effective_date)
        effective = effective or cmd.at[:10]
        next_review = None
        if pub.review_every:
            try:
                due = parse_duration(pub.review_every).add_to(datetime.fromisoformat(str(effective)[:10]))
                next_review = due.date().isoformat()
            except ValueError:
                next_review = None
        supersedes = None
        if ref:
            earlier = [e for e in self.store.events_of_type("sop.published")
                       if e.data.get("ref") == ref and e.job != cmd.loaded.root]
            if earlier:
                last = earlier[-1]
                supersedes = {"job": last.job, "version": last.data.get("version")}
        cmd.emit("sop.published", ref=ref or cmd.loaded.root, version=version, effective_date=effective,
                 next_review=next_review, title=work.title, template=cmd.loaded.template.id, job=cmd.loaded.root,
                 supersedes=supersedes)

    def _commit(self, cmd: _Command, expected: int | None = None) -> JobState:
        state = cmd.loaded.state
        seq = state.seq if expected is None else expected
        events = chain(cmd.loaded.root, seq, state.head, cmd.pending, cmd.actor, cmd.at)
        try:
            self.store.append(cmd.loaded.root, seq, events)
        except ConflictError:
            self._states.pop(cmd.loaded.root, None)  # read the job afresh next time
            raise
        work = cmd.work
        work.seq, work.head = events[-1].seq, events[-1].hash
        self._states[cmd.loaded.root] = work  # the engine never changes a state it handed out
        return work


def _describe(cond: "Condition") -> str:
    if cond.op == "in":
        return f"be one of {', '.join(cond.value)}"  # type: ignore[arg-type]
    return {"equals": "equal", "at_least": "be at least", "at_most": "be at most"}.get(cond.op, cond.op) + \
        f" {cond.value}"


def _holds(f: "FieldDef", cond: "Condition", value: Any) -> bool:
    def conv(text: Any) -> Any:
        if f.type == "multichoice":
            return str(text)
        return convert(f.type, text)

    def size(v: Any) -> Any:
        return v.approx_days() if isinstance(v, Duration) else v

    if cond.op == "equals":
        return (conv(cond.value) in value) if f.type == "multichoice" else value == conv(cond.value)
    if cond.op == "in":
        options = [conv(v) for v in cond.value]  # type: ignore[union-attr]
        return any(o in value for o in options) if f.type == "multichoice" else value in options
    if cond.op == "at_least":
        return size(value) >= size(conv(cond.value))
    if cond.op == "at_most":
        return size(value) <= size(conv(cond.value))
    return False


def sla_deadline(loaded: Loaded, node: str, entered_at: str, state: JobState | None = None) -> datetime | None:
    """When an open stage's SLA runs out, or None if it has none."""
    st = loaded.graph.stage(node)
    sla = st.sla
    if sla is None:
        return None
    text = sla.duration
    if text is None and sla.when:
        look = loaded.graph.lookup_field(st, sla.when)
        stored = (state or loaded.state).field_value(look.stage.node, look.field.id) if look.field and look.stage \
            else None
        text = sla.otherwise
        if stored is not None:
            for case, d in sla.cases.items():
                try:
                    if typed_value(look.field, convert(look.field.type, case)) == typed_value(look.field, stored):  # type: ignore[union-attr,arg-type]
                        text = d
                        break
                except ValueError:
                    continue
    if not text:
        return None
    try:
        return parse_duration(text).add_to(from_text(entered_at))
    except ValueError:
        return None

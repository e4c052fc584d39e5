"""Job commands: each is checked against the job's pinned template and the policy, then appends events.

A command reads the job's events, folds them, asks the policy whether the
actor may do it, checks what was asked against the template the job started
from, works out every consequence (SLA breaches recorded, sign-offs voided,
stages entered, sub-jobs started or completed, the job completed, the SOP
published) by applying the new events to a copy of the state, and appends
them in one atomic batch that expects the job's current sequence number.  A
refused command raises :class:`~sopframe.errors.JobError` and appends
nothing; a concurrent writer makes it raise
:class:`~sopframe.errors.ConflictError` (also appending nothing).

The decisions live in small modules this class composes: who may act in
:mod:`sopframe.core.policy`, gates in :mod:`.gates` and :mod:`.readiness`,
routing in :mod:`.routing`, sign-off binding in :mod:`.signoffs`, SLA
breaches in :mod:`.sla`, the master list in :mod:`.publishing`.

Identity: the ``actor`` of every command is asserted by the caller (the CLI
takes ``--as``, SOPFRAME_USER or the OS user) and normalised by
:mod:`sopframe.core.identity`.  The engine checks what that user may do but
cannot prove who they are; a server with real authentication passes the
authenticated user as ``actor``.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from sopframe.core import policy
from sopframe.core.engine import inputs, lists, routing
from sopframe.core.engine.inputs import bounded as _bounded, refuse as _refuse
from sopframe.core.engine.clock import Clock, system_clock, to_text
from sopframe.core.engine.command import Command, Loaded, in_scope
from sopframe.core.engine.following import affects_problem, on_job_completed, refuse_reserved_id, sop_binding
from sopframe.core.engine.events import Event, chain
from sopframe.core.engine.ids import take_job_id
from sopframe.core.engine.pinned import pinned_by_sha, pinned_template
from sopframe.core.engine.publishing import early_version_problem
from sopframe.core.engine.readiness import missing
from sopframe.core.engine.signoffs import approved, digest, void_stale
from sopframe.core.engine.sla import record_breaches
from sopframe.core.engine.state import JobState, apply, fold
from sopframe.core.identity import RoleTable
from sopframe.core.limits import Limits
from sopframe.core.safetext import escape
from sopframe.core.sopref import is_record_stream
from sopframe.core.store import Derived
from sopframe.errors import ConfigError, ConflictError, JobError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.compiled import CompiledTemplates
    from sopframe.core.engine.documents import Attachment
    from sopframe.core.model import FieldDef, Stage, Template
    from sopframe.core.readmodel import JobRows
    from sopframe.core.rolerecord import RoleRecord
    from sopframe.core.notify.planning import Planner
    from sopframe.core.store import Store

__all__ = ["Engine", "Loaded"]


class Engine:
    """Runs jobs on a store.

    ``roles`` is the role table (a :class:`RoleTable`, or role -> users),
    ``limits`` the size limits, ``clock`` where "now" comes from, ``compiled``
    the compiled-template cache, ``notify`` what plans the outbox rows each append writes: all passed
    in, never read from global state.
    """

    def __init__(self, store: "Store", *, roles: RoleTable | Mapping[str, Iterable[str]] | None = None,
                 clock: Clock = system_clock, limits: Limits | None = None,
                 compiled: "CompiledTemplates | None" = None, notify: "Planner | None" = None) -> None:
        self.store, self.notify = store, notify
        self.compiled = compiled  # where pinned templates are kept compiled between processes, if anywhere
        self.roles = roles
        self.clock = clock
        self.limits = limits or Limits()
        #: job -> its state as last read (never changed in place: commands work on copies)
        self._states: dict[str, JobState] = {}
        #: job -> the read-model rows this engine's last append to it wrote (the next append writes what differs)
        self._rows: dict[str, JobRows] = {}

    @property
    def roles(self) -> RoleTable:
        return self._roles

    @roles.setter
    def roles(self, value: RoleTable | Mapping[str, Iterable[str]] | None) -> None:
        try:
            self._roles = value if isinstance(value, RoleTable) else \
                RoleTable.build({r: list(u) for r, u in (value or {}).items()})
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        self._role_record: RoleRecord | None = None  # recorded with every batch (replay needs it): see _commit
        self._actors: dict[tuple[str, int], str] = {}  # (name as given, length limit) -> the person

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
        if state is None or is_record_stream(ref):
            known = [j for j in self.store.job_ids() if not is_record_stream(j)]
            raise JobError(f"unknown job '{escape(ref)}'{did_you_mean(ref, known)}",
                           hint="the list of jobs shows them", cli_hint="`sopframe job list` shows the jobs",
                           kind="not_found")
        template, graph = pinned_by_sha(state.template_sha256, state.template_file, self.store.template, root,
                                        state.template_text, self.compiled)
        return Loaded(ref, root, state, template, lists.expanded(template, graph, state), sub)

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
                or in_scope(str(e.data.get("stage", "")), sj.scope) and "stage" in e.data]

    def verify(self, job: str) -> str | None:
        """None if the job's chain is intact, else what is wrong with the first bad event."""
        from sopframe.core.jobcheck import verify_job

        return verify_job(self.store, job)

    def missing(self, loaded: Loaded, node: str, state: JobState | None = None, labels: bool = False) -> list[str]:
        """Everything that stops an open stage from being completed (``labels``: fields and sign-offs named as
        the job page shows them, by their titles)."""
        return missing(loaded, node, state, labels)

    # ================================================================ starting
    def start(self, text: str, file: str, *, actor: str, template: "Template | None" = None,
              title: str | None = None, job_id: str | None = None, reason: str | None = None) -> JobState:
        """Start a job from template text (validated by the caller; ``reason``: see following.sop_binding)."""
        actor = self._actor(actor)
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        pinned, graph = pinned_template(text, file, sha, compiled=self.compiled)
        template = template or pinned
        if not graph.start:
            raise JobError(f"template {template.id!r} has no stages to run")
        if problem := policy.may_start(self.roles, pinned, graph.stage(graph.start), actor):
            raise JobError(problem, hint="roles come from the `roles` key of the sopframe configuration",
                           kind="forbidden")
        title = _bounded(title, self.limits.title, "title") or template.title
        sop = sop_binding(template, self.store.sop_rows(), _bounded(reason, self.limits.reason, "reason"))
        now = self.clock()
        at = to_text(now)
        floor = 0
        for attempt in range(50):
            jid, counter = (job_id, None) if job_id else take_job_id(self.store, template.job_id, template.id, now,
                                                                     floor)
            refuse_reserved_id(jid)
            state = JobState()
            cmd = Command(Loaded(jid, jid, state, pinned, lists.expanded(pinned, graph, state)), actor, at,
                          state.copy())
            # the event pins the template by its hash; the store keeps the text once per hash
            cmd.emit("job.started", job=jid, title=title,
                     template={"id": template.id, "version": template.version, "sha256": sha,
                               "file": Path(file).name}, **({"sop": sop} if sop else {}))
            routing.enter(cmd, graph.start, self._ready, self._on_job_completed)
            try:
                return self._commit(cmd, expected=0, extra=Derived(template=(sha, text), counter=counter))
            except ConflictError:
                if job_id or counter is None:
                    raise JobError("a job with this id already exists", job=jid,
                                   hint="the template's job_id pattern needs {seq} to number jobs"
                                   if not job_id else "") from None
                floor = counter[1]
                import random  # rarely needed: not imported by every command

                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))  # another starter took it: jittered retry
        raise JobError(f"could not find a free job id for pattern {template.job_id!r}")

    # ================================================================ commands
    def set_fields(self, ref: str, values: Mapping[str, Any], *, actor: str, stage: str | None = None,
                   add: Mapping[str, Sequence[Mapping[str, Any]]] | None = None) -> JobState:
        """Set fields of an open stage (each value checked), and append ``add``'s items to list fields."""
        loaded, cmd, node = self._begin(ref, actor, stage, "set fields")
        st = loaded.graph.stage(node)
        _refuse(policy.may_edit(self.roles, st, cmd.actor, "set fields"), loaded, st)
        if not values and not add:
            raise JobError("no fields given", job=loaded.ref, stage=st.id, hint="give a value of at least one field",
                           cli_hint="give FIELD=VALUE")
        for fid, raw in values.items():
            f = inputs.field_of(loaded, st, fid)
            if f.type == "file":
                raise JobError("is a document: attach a file to it instead of setting a value", job=loaded.ref,
                               stage=st.id, field=fid, cli_hint=f"`sopframe job attach {loaded.ref} {fid} PATH`")
            cmd.emit("field.set", stage=node, field=fid, value=self._checked(cmd, st, f, raw))
        lists.add_items(cmd, node, st, add or {}, self.limits)
        lists.after_set(cmd, loaded.state, self._ready, self._on_job_completed)
        problem = early_version_problem(cmd, self.store.sop_rows) \
            or affects_problem(cmd, self.store.sop_rows)
        if problem:
            raise JobError(problem, job=loaded.ref, stage=st.id,
                           hint="the SOP master list only moves forward: give a greater version than the one "
                                "in force (the SOP master list shows it)",
                           cli_hint="the SOP master list only moves forward: give a greater version; `sopframe sops` "
                                    "lists the SOP references")
        void_stale(cmd)
        return self._commit(cmd)

    def attach(self, ref: str, field_id: str, path: str | Path, *, actor: str, stage: str | None = None,
               data: bytes | None = None, uri: str | None = None) -> JobState:
        """Attach a document to a ``file`` field: recorded with its SHA-256 (``data``: its bytes, named by ``path``)."""
        from sopframe.core.engine.documents import read_attachment

        return self.attach_document(ref, field_id, lambda: read_attachment(
            str(path), data, uri, self.limits.attachment, self.limits.attachments_root), actor=actor, stage=stage)

    def attach_document(self, ref: str, field_id: str, document: Callable[[], "Attachment"], *, actor: str,
                        stage: str | None = None) -> JobState:
        """Attach what ``document()`` returns, read once the actor may attach (replay passes the record)."""
        loaded, cmd, node = self._begin(ref, actor, stage, "attach documents")
        st = loaded.graph.stage(node)
        _refuse(policy.may_edit(self.roles, st, cmd.actor, "attach documents"), loaded, st)
        f = inputs.field_of(loaded, st, field_id)
        if f.type != "file":
            raise JobError(f"is of type {f.type}, not a document: record its value instead of attaching a file",
                           job=loaded.ref, stage=st.id, field=field_id, cli_hint="`sopframe job set`")
        try:
            doc = document()
        except ValueError as exc:
            raise JobError(str(exc), job=loaded.ref, stage=st.id, field=field_id) from None
        _bounded(str(doc.record["uri"]), self.limits.text, "text", loaded.ref)
        cmd.emit("document.attached", stage=node, field=field_id, **doc.record)
        void_stale(cmd)
        kept = (str(doc.record["sha256"]), doc.content) if doc.content is not None else None
        return self._commit(cmd, extra=Derived(attachment=kept))

    def sign(self, ref: str, signoff: str, *, actor: str, stage: str | None = None) -> JobState:
        """Give a sign-off: the actor must hold its role and meet its segregation-of-duties constraints."""
        loaded, cmd, node = self._begin(ref, actor, stage, "sign off")
        st = loaded.graph.stage(node)
        so = st.signoffs.get(signoff)
        if so is None:
            known = list(st.signoffs)
            raise JobError(f"no sign-off '{escape(signoff)}' in this stage{did_you_mean(signoff, known)}",
                           job=loaded.ref, stage=st.id,
                           hint=f"sign-offs here: {', '.join(known)}" if known else "this stage has no sign-offs")
        given = cmd.work.signoffs.get(node, {})
        if signoff in given:
            raise JobError(f"sign-off {signoff!r} was already given by {given[signoff]['user']} "
                           f"at {given[signoff]['at']}", job=loaded.ref, stage=st.id, kind="conflict")
        _refuse(policy.may_sign(self.roles, st, signoff, cmd.actor), loaded, st)
        problem = policy.separation_problem(loaded, cmd.work, node, signoff, cmd.actor)
        _refuse(f"segregation of duties: {problem}" if problem else None, loaded, st,
                hint="another holder of the role must give it")
        items = approved(loaded, cmd.work, node, so)
        cmd.emit("signoff.given", stage=node, signoff=signoff, role=so.role, digest=digest(items),
                 approves=sorted(items))
        return self._commit(cmd)

    def complete(self, ref: str, *, actor: str, stage: str | None = None) -> JobState:
        """Complete an open stage: its gate must hold; the job moves on."""
        loaded, cmd, node = self._begin(ref, actor, stage, "complete stages")
        st = loaded.graph.stage(node)
        gaps = missing(loaded, node, cmd.work)
        if st.owner or not st.split or not gaps:  # an ownerless split first says what it waits for
            _refuse(policy.may_complete(self.roles, st, cmd.actor), loaded, st)
        if gaps:
            head = f"cannot complete: {len(gaps)} thing{'s' if len(gaps) > 1 else ''} still missing:"
            labelled = missing(loaded, node, cmd.work, labels=True)
            raise JobError(head + "".join(f"\n  - {m}" for m in gaps), job=loaded.ref, stage=st.id,
                           labelled=head + "".join(f"\n  - {m}" for m in labelled))
        routing.finish_stage(cmd, node, self._ready, self._on_job_completed)
        return self._commit(cmd)

    def reject(self, ref: str, reason: str, *, actor: str, stage: str | None = None) -> JobState:
        """Send an open stage back to its declared rework stage; a reason is required."""
        loaded, cmd, node = self._begin(ref, actor, stage, "reject stages")
        st = loaded.graph.stage(node)
        _refuse(policy.may_reject(self.roles, st, cmd.actor), loaded, st)
        reason = _bounded(reason, self.limits.reason, "reason", loaded.ref)
        if not reason:
            raise JobError("a reason is required to reject a stage", job=loaded.ref, stage=st.id,
                           hint="give the reason", cli_hint="give --reason TEXT")
        if not st.rework:
            raise JobError("this stage declares no `rework` stage, so it cannot be rejected", job=loaded.ref,
                           stage=st.id)
        target = loaded.graph.node_in_scope(st.scope, st.rework)
        if target is None:  # pragma: no cover - validation rejects dangling rework
            raise JobError(f"rework stage {st.rework!r} does not exist", job=loaded.ref, stage=st.id)
        cmd.emit("stage.rejected", stage=node, to=target, reason=reason, reset=routing.rework_reset(cmd, node, target))
        routing.enter(cmd, target, self._ready, self._on_job_completed)
        return self._commit(cmd)

    def cancel(self, ref: str, reason: str, *, actor: str) -> JobState:
        """Cancel a job (with its sub-jobs), or one per-item sub-job; a reason is required."""
        loaded = self.load(ref, fresh=False)
        actor = self._actor(actor)
        loaded.check_open()
        if loaded.subjob is None:
            _refuse(policy.may_cancel(self.roles, loaded, actor), loaded)
        reason = _bounded(reason, self.limits.reason, "reason", ref)
        if not reason:
            raise JobError("a reason is required to cancel a job", job=ref, hint="give the reason",
                           cli_hint="give --reason TEXT")
        cmd = Command(loaded, actor, to_text(self.clock()), loaded.state.copy())
        record_breaches(cmd, self.clock())
        if loaded.subjob is not None:  # only a per-item sub-job can be cancelled alone
            lists.cancel_subjob(cmd, self.roles, reason, self._ready, self._on_job_completed)
        else:
            cmd.emit("job.cancelled", reason=reason)
        return self._commit(cmd)

    def tick(self, *, actor: str) -> dict[str, list[str]]:
        """Append the time-based events that are due (SLA breaches) to every open job: job -> stages."""
        from sopframe.core.engine.ticking import tick_jobs

        return tick_jobs(self, self._actor(actor))

    # ================================================================ plumbing
    def _ready(self, cmd: Command, node: str) -> bool:
        return not missing(cmd.loaded, node, cmd.work)

    def _on_job_completed(self, cmd: Command) -> None:
        on_job_completed(cmd, self.store.sop_rows)

    def _actor(self, actor: str) -> str:
        key = (actor, self.limits.name)  # checked and normalised once per name (a new role table forgets them)
        if key not in self._actors:
            self._actors[key] = inputs.actor_name(actor, self.roles, self.limits.name)
        return self._actors[key]

    def _begin(self, ref: str, actor: str, stage: str | None, doing: str) -> tuple[Loaded, Command, str]:
        actor = self._actor(actor)
        loaded = self.load(ref, fresh=False)
        loaded.check_open()
        node = inputs.stage_node(loaded, stage, doing)
        now = self.clock()
        cmd = Command(loaded, actor, to_text(now), loaded.state.copy())
        record_breaches(cmd, now)
        return loaded, cmd, node

    def _checked(self, cmd: Command, st: "Stage", f: "FieldDef", raw: Any) -> Any:
        return inputs.checked_value(cmd, st, f, raw, self.roles, self.limits, self.clock().date())

    def _commit(self, cmd: Command, expected: int | None = None, extra: Derived = Derived()) -> JobState:
        from sopframe.core.readmodel import job_rows

        state = cmd.loaded.state
        seq = state.seq if expected is None else expected
        if self._role_record is None:  # once per role table
            from sopframe.core.rolerecord import RoleRecord

            self._role_record = RoleRecord.of(self._roles)
        events = chain(cmd.loaded.root, seq, state.head, cmd.pending, cmd.actor, cmd.at)
        work = cmd.work
        work.seq, work.head = events[-1].seq, events[-1].hash
        rows = job_rows(work, cmd.loaded.template, cmd.loaded.graph, cmd.at)  # read models, same transaction
        notes = self.notify.for_events(events, cmd.loaded.template, cmd.loaded.graph, work) if self.notify else ()
        root = cmd.loaded.root
        before = self._rows.get(root)  # the rows of this engine's own append at ``seq``, if it made that one
        before = before if before is not None and before.summary.events == seq else None
        try:  # the events, their read-model rows, the notifications they cause and the role table: one transaction
            self.store.append(root, seq, events, extra._replace(rows=rows, notifications=tuple(notes),
                                                                roles=self._role_record, before=before))
        except BaseException:
            self._states.pop(root, None)  # read the job afresh next time
            self._rows.pop(root, None)
            raise
        self._states[root] = work  # the engine never changes a state it handed out
        self._rows[root] = rows
        return work

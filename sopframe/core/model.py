"""The loaded template: immutable dataclasses, all the rest of the code sees.

Values are kept as the text the template wrote (strictyaml does no implicit
typing); the engine converts them with the field's declared type.  Every
element carries the :class:`~sopframe.core.diagnostics.Location` it came from
so that any check can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from sopframe.core.location import Location

__all__ = [
    "Role",
    "FieldDef",
    "Signoff",
    "Condition",
    "Routing",
    "Sla",
    "SubJob",
    "Stage",
    "Publishes",
    "Acknowledgement",
    "ReviewTrigger",
    "NotifyRule",
    "Template",
    "frozen_map",
]

NOWHERE = Location()


def frozen_map(items: Mapping | None = None) -> Mapping:
    """A read-only view of an insertion-ordered dict."""
    return MappingProxyType(dict(items or {}))


@dataclass(frozen=True, slots=True)
class Role:
    """A role of the template: who may own stages, sign off or edit."""

    id: str
    description: str
    loc: Location = NOWHERE


@dataclass(frozen=True, slots=True)
class FieldDef:
    """A field a stage collects: its type, constraints and who may set it."""

    id: str
    type: str
    title: str = ""
    description: str = ""
    required: bool = False
    role: str | None = None
    options: tuple[str, ...] = ()
    min: str | None = None
    max: str | None = None
    pattern: str | None = None
    #: ``actor``: a user field whose value must be whoever records it
    bind: str | None = None
    loc: Location = NOWHERE
    #: where each key of the field was written, for pointing at one of them
    key_locs: Mapping[str, Location] = field(default_factory=frozen_map)
    #: ``list`` fields: the typed columns of each item, and the column whose value names an item
    columns: Mapping[str, "FieldDef"] = field(default_factory=frozen_map)
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Signoff:
    """A sign-off a stage needs: its role, and who may not give it (``not_by``)."""

    id: str
    role: str
    title: str = ""
    not_by: tuple[str, ...] = ()
    loc: Location = NOWHERE
    not_by_locs: tuple[Location, ...] = ()
    #: where the role name was written
    role_loc: Location = NOWHERE


@dataclass(frozen=True, slots=True)
class Condition:
    """One gate condition on a field.

    ``op`` is equals, in, at_least, at_most or set; on a list field also
    every, any (``items`` are the conditions on the item's columns) or count
    (``items`` are the conditions on the number of items).  A comparison with
    another field names it in ``other``, with a signed duration ``offset``
    (``+1d``) added to that field's value.
    """

    field: str
    op: str
    value: str | tuple[str, ...] | bool
    loc: Location = NOWHERE
    #: where each compared value was written (one per item of ``in``)
    value_locs: tuple[Location, ...] = ()
    items: tuple["Condition", ...] = ()
    other: str | None = None
    offset: str | None = None


@dataclass(frozen=True, slots=True)
class Routing:
    """Where a stage goes next.

    ``targets`` are the stages it can go to.  ``when`` names the field that
    chooses among ``cases`` (value -> stage) with ``otherwise`` as default;
    without ``when`` every target is entered (one target, or several in
    parallel).
    """

    targets: tuple[str, ...] = ()
    when: str | None = None
    cases: Mapping[str, str] = field(default_factory=frozen_map)
    otherwise: str | None = None
    loc: Location = NOWHERE
    target_locs: Mapping[str, Location] = field(default_factory=frozen_map)

    @property
    def conditional(self) -> bool:
        return self.when is not None

    @property
    def parallel(self) -> bool:
        return self.when is None and len(self.targets) > 1


@dataclass(frozen=True, slots=True)
class Sla:
    """A stage's time limit: a fixed duration, or one per value of a field.

    It runs from entering the stage, or from the date or time recorded in
    the ``anchor`` field (``from:``).
    """

    duration: str | None = None
    when: str | None = None
    cases: Mapping[str, str] = field(default_factory=frozen_map)
    otherwise: str | None = None
    loc: Location = NOWHERE
    value_locs: Mapping[str, Location] = field(default_factory=frozen_map)
    anchor: str | None = None


@dataclass(frozen=True, slots=True)
class SubJob:
    """A sub-job a split stage starts (once, or per item of a list field), with its own stages."""

    id: str
    suffix: str
    title: str
    owner: str | None
    stages: Mapping[str, "Stage"]
    loc: Location = NOWHERE
    owner_loc: Location = NOWHERE
    suffix_loc: Location = NOWHERE
    #: a list field: one sub-job is started per item (``for_each:``)
    for_each: str | None = None
    for_each_loc: Location = NOWHERE


@dataclass(frozen=True, slots=True)
class Stage:
    """A stage of the template: owner, fields, sign-offs, gate, routing and SLA."""

    id: str
    title: str = ""
    description: str = ""
    owner: str | None = None
    #: roles that may set values and attach documents here besides the owner's
    editors: tuple[str, ...] = ()
    fields: Mapping[str, FieldDef] = field(default_factory=frozen_map)
    signoffs: Mapping[str, Signoff] = field(default_factory=frozen_map)
    gate: tuple[Condition, ...] = ()
    next: Routing | None = None
    rework: str | None = None
    sla: Sla | None = None
    split: Mapping[str, SubJob] = field(default_factory=frozen_map)
    rejoin: str | None = None
    loc: Location = NOWHERE
    #: where each key of the stage (owner, rework, rejoin ...) was written
    key_locs: Mapping[str, Location] = field(default_factory=frozen_map)
    #: the sub-job path this stage lives in, () for the job's own stages
    scope: tuple[str, ...] = ()

    @property
    def node(self) -> str:
        """The stage's id in the template graph (namespaced inside sub-jobs)."""
        return "/".join((*self.scope, self.id))

    def at(self, key: str) -> Location:
        return self.key_locs.get(key, self.loc)


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """Who must acknowledge a published SOP version, by when, how often, and when it becomes effective.

    ``audience`` names template roles or ``group:NAME`` (a group of the
    ``groups`` configuration table); ``within`` is the grace period after the
    effective date, ``every`` the re-acknowledgement interval, and
    ``effective_share`` (``80%``) the share of the audience that must have
    acknowledged before the version counts as effective.
    """

    audience: tuple[str, ...] = ()
    within: str | None = None
    every: str | None = None
    effective_share: str | None = None
    attestation: str | None = None
    loc: Location = NOWHERE
    key_locs: Mapping[str, Location] = field(default_factory=frozen_map)
    audience_locs: tuple[Location, ...] = ()


@dataclass(frozen=True, slots=True)
class ReviewTrigger:
    """A change template's fields naming the SOPs a completed (significant) change puts up for review."""

    affects: str = ""
    significant: str | None = None
    loc: Location = NOWHERE
    key_locs: Mapping[str, Location] = field(default_factory=frozen_map)


@dataclass(frozen=True, slots=True)
class Publishes:
    """What a finished SOP-lifecycle job records on the SOP master list."""

    ref: str | None = None
    version: str | None = None
    effective_date: str | None = None
    review_every: str | None = None
    acknowledgement: Acknowledgement | None = None
    loc: Location = NOWHERE
    key_locs: Mapping[str, Location] = field(default_factory=frozen_map)

    def references(self) -> Mapping[str, str]:
        """The keys whose values are ``stage.field`` references."""
        return frozen_map(
            {
                k: v
                for k, v in (
                    ("ref", self.ref),
                    ("version", self.version),
                    ("effective_date", self.effective_date),
                )
                if v
            }
        )


@dataclass(frozen=True, slots=True)
class NotifyRule:
    """One entry of a template's ``notify:`` key: how one trigger tells, overriding the configuration."""

    trigger: str
    #: channel names, or None to keep the configuration's route (``off: yes`` makes it empty: nobody is told)
    channels: tuple[str, ...] | None = None
    #: roles told instead of the trigger's default
    to: tuple[str, ...] = ()
    lead: str | None = None
    after: str | None = None
    loc: Location = NOWHERE
    key_locs: Mapping[str, Location] = field(default_factory=frozen_map)
    #: where each channel and each role was written
    channel_locs: tuple[Location, ...] = ()
    to_locs: tuple[Location, ...] = ()


@dataclass(frozen=True, slots=True)
class Template:
    """A compiled template: its roles and stages, and what it publishes and notifies."""

    id: str
    title: str
    version: str
    kind: str
    file: str
    description: str = ""
    frameworks: tuple[str, ...] = ()
    job_id: str = "{template}-{year}-{seq:03}"
    roles: Mapping[str, Role] = field(default_factory=frozen_map)
    #: roles that may start a job besides the first stage's owner's
    starters: tuple[str, ...] = ()
    stages: Mapping[str, Stage] = field(default_factory=frozen_map)
    publishes: Publishes | None = None
    #: the SOP reference (on the master list) this template carries out
    implements: str | None = None
    review_trigger: ReviewTrigger | None = None
    #: the ``notify:`` key: trigger -> its overrides
    notify: Mapping[str, NotifyRule] = field(default_factory=frozen_map)
    #: every other top-level key, for plugins that extend the schema
    extra: Mapping[str, object] = field(default_factory=frozen_map)
    loc: Location = NOWHERE
    key_locs: Mapping[str, Location] = field(default_factory=frozen_map)
    #: SHA-256 of the file's bytes: pins a job to the exact template
    sha256: str = ""

    def at(self, key: str) -> Location:
        return self.key_locs.get(key, self.loc)

    def all_stages(self) -> list[Stage]:
        """Every stage, sub-job stages included, in document order."""
        out: list[Stage] = []

        def walk(stages: Mapping[str, Stage]) -> None:
            for stage in stages.values():
                out.append(stage)
                for sub in stage.split.values():
                    walk(sub.stages)

        walk(self.stages)
        return out

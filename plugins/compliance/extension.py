"""The ``compliance:`` top-level key: what a template declares for framework checks.

Checks never guess from stage or field names.  A template says which of its
stages does which part of the procedure (``steps``), which fields hold the
records an auditor asks for (``records``), and how often the procedure is
run or exercised::

    compliance:
      steps:
        approval: cab_approval          # a stage id, or a list of them
        implementation: implement
      records:
        rollback_plan: plan.rollback_plan   # stage.field
      runs_every: 6 months              # a periodic job: access review, scan
      exercised_every: 12 months        # the plan is tested or drilled this often
      inactive_after: 90d               # accounts unused this long are disabled
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from sopframe.core.diagnostics import Location
from sopframe.core.graph import TemplateGraph
from sopframe.core.model import FieldDef, Stage
from sopframe.core.schema import SchemaExtension
from sopframe.errors import did_you_mean

__all__ = ["KEY", "STEPS", "RECORDS", "EXTENSION", "Declared", "declared"]

KEY = "compliance"

#: step name -> what the stage does (the vocabulary of ``compliance.steps``)
STEPS: dict[str, str] = {
    "approval": "approves the procedure, change or access before it takes effect",
    "training": "trains the audience and collects acknowledgements",
    "implementation": "deploys the change",
    "verification": "confirms the change works and controls still operate",
    "documentation_update": "updates the documents the change affects",
    "triage": "decides whether an event is an incident",
    "containment": "contains the incident",
    "eradication": "removes the cause",
    "recovery": "restores normal service",
    "communication": "informs stakeholders and authorities",
    "evidence": "preserves evidence under chain of custody",
    "lessons_learned": "reviews the incident and records lessons and changes",
    "restore_test": "restores a backup to prove it can be recovered",
    "joiner": "grants access to a new user",
    "mover": "changes access when a user changes role",
    "leaver": "revokes access of a user who leaves",
    "access_review": "reviews accounts and privileges periodically",
    "scan": "scans for vulnerabilities",
    "patch": "remediates vulnerabilities within deadlines by severity",
    "rescan": "rescans to confirm the fix",
    "drill": "exercises the continuity or recovery plan",
}

#: record name -> what the field holds (the vocabulary of ``compliance.records``)
RECORDS: dict[str, str] = {
    "acknowledgement": "staff acknowledged the procedure",
    "reason": "why the change is needed",
    "impact": "impact of the change, security impact included",
    "test_result": "result of testing the change",
    "rollback_plan": "how the change is backed out",
    "severity": "severity or risk ranking (a choice field)",
    "reporting_channel": "how the event was reported",
    "root_cause": "root cause of the incident",
    "restore_result": "result of the restoration test",
    "rto": "recovery time objective (a duration field)",
    "rpo": "recovery point objective (a duration field)",
    "rto_met": "whether recovery was within the RTO",
    "rpo_met": "whether data loss was within the RPO",
}

_DURATION = {"$ref": "#/$defs/duration"}

#: the JSON Schema of the key (optional; never loosens the core schema)
SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "compliance data: steps, records, runs_every, exercised_every, inactive_after",
    "description": "What framework checks need to know: which stage does which part of the procedure, "
                   "which fields hold the records, and how often the procedure runs.",
    "additionalProperties": False,
    "properties": {
        "steps": {
            "type": "object",
            "minProperties": 1,
            "title": "a mapping of step name to stage id (or a list of stage ids)",
            "propertyNames": {"enum": list(STEPS), "title": "a step name"},
            "additionalProperties": {
                "anyOf": [
                    {"$ref": "#/$defs/id"},
                    {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/id"}},
                ],
                "title": "a stage id or a list of stage ids",
            },
        },
        "records": {
            "type": "object",
            "minProperties": 1,
            "title": "a mapping of record name to stage.field",
            "propertyNames": {"enum": list(RECORDS), "title": "a record name"},
            "additionalProperties": {"$ref": "#/$defs/ref"},
        },
        "runs_every": {**_DURATION, "description": "How often a job of this template is started."},
        "exercised_every": {**_DURATION, "description": "How often the plan is tested or drilled."},
        "inactive_after": {**_DURATION, "description": "Accounts unused this long are disabled or removed."},
    },
}

EXTENSION = SchemaExtension(properties={KEY: SCHEMA})


@dataclass(frozen=True)
class Declared:
    """The ``compliance:`` block of one template, resolved against its graph."""

    tg: TemplateGraph
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def loc(self) -> Location:
        t = self.tg.template
        return t.at(KEY) if KEY in t.key_locs else t.at("kind")

    def value(self, key: str) -> str | None:
        v = self.data.get(key)
        return None if v is None else str(v)

    def has_step(self, name: str) -> bool:
        return bool(self.data.get("steps", {}).get(name))

    def step_ids(self, name: str) -> list[str]:
        raw = self.data.get("steps", {}).get(name)
        if raw is None:
            return []
        return [str(v) for v in (raw if isinstance(raw, list) else [raw])]

    def steps(self, name: str) -> tuple[list[Stage], list[str]]:
        """The stages declared for a step, and a problem message per unknown stage id."""
        found: list[Stage] = []
        problems: list[str] = []
        for sid in self.step_ids(name):
            node = sid if sid in self.tg.graph else None
            if node is None:
                problems.append(f"compliance.steps.{name} names stage {sid!r}, which is not defined"
                                f"{did_you_mean(sid, self.tg.template.stages)}")
            else:
                found.append(self.tg.stage(node))
        return found, problems

    def record(self, name: str) -> tuple[Stage | None, FieldDef | None, str | None]:
        """The stage and field declared for a record, or a problem message."""
        ref = self.data.get("records", {}).get(name)
        if ref is None:
            return None, None, None
        ref = str(ref)
        if "." not in ref:
            return None, None, f"compliance.records.{name} must name a field as stage.field, got {ref!r}"
        sid, fid = ref.split(".", 1)
        node = sid if sid in self.tg.graph else None
        if node is None:
            return None, None, (f"compliance.records.{name} names stage {sid!r}, which is not defined"
                                f"{did_you_mean(sid, self.tg.template.stages)}")
        st = self.tg.stage(node)
        f = st.fields.get(fid)
        if f is None:
            return st, None, (f"compliance.records.{name} names field {fid!r} of stage {sid!r}, which that "
                              f"stage does not capture{did_you_mean(fid, st.fields)}")
        return st, f, None


def declared(tg: TemplateGraph) -> Declared:
    raw = tg.template.extra.get(KEY)
    return Declared(tg, raw if isinstance(raw, Mapping) else {})

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
      retention: 12 months              # logs kept this long (logging)

Intervals are read with :func:`sopframe.core.durations.parse_interval`:
``m`` is refused (minutes or months?), ``quarterly`` means 3 months.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from sopframe.core.diagnostics import Location
from sopframe.core.durations import INTERVAL_PATTERN
from sopframe.core.graph import TemplateGraph
from sopframe.core.model import FieldDef, Stage
from sopframe.core.schema import SchemaExtension
from sopframe.errors import did_you_mean

__all__ = ["KEY", "STEPS", "RECORDS", "VALUES", "KINDS", "EXTENSION", "Declared", "declared"]

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
    "card_data_response": "deals with stored card data found where it should not be",
    "log_review": "reviews security logs and alerts",
    "alert_triage": "triages a monitoring alert or a failure of a security control",
    "failure_response": "restores a failed security control and deals with its cause",
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
    "on_call": "the responder on call, reachable at any hour",
    "alert_source": "the monitoring alert or system that raised the event",
    "authorities_contacted": "whether authorities or regulators were told (bool or choice)",
    "preproduction_environment": "the pre-production environment, apart from production, where the change was tested",
    "live_data_used": "whether live card data was used in pre-production (bool, gated to no)",
    "test_data_removed": "whether test data and accounts were removed before go-live (bool, gated to yes)",
    "review_result": "what the log review found",
    "last_day": "a leaver's last day, from which the revocation deadline runs (date or datetime)",
}

#: value name -> what it says (intervals and retention periods, read by parse_interval)
VALUES: dict[str, str] = {
    "runs_every": "how often a job of this template is started",
    "exercised_every": "how often the plan is tested or drilled",
    "inactive_after": "accounts unused this long are disabled or removed",
    "retention": "how long logs are kept",
    "available_for": "how long logs stay immediately available for analysis",
    "responders_trained_every": "how often incident responders are trained",
}

#: an interval or retention period: a number and a unit (``m`` refused as ambiguous) or a word
_INTERVAL = {
    "type": "string",
    "pattern": INTERVAL_PATTERN,
    "title": "an interval such as 1d, 2w, 3 months, 1 year, P3M or a word (daily, weekly, fortnightly, monthly, "
             "quarterly, semiannually, annually); `m` is refused (minutes or months?): write `min` or `months`",
}

_ID = "[A-Za-z][A-Za-z0-9_-]*"
#: a record: ``stage.field``, or ``stage.list.column`` (a column of a list field)
_RECORD = f"^{_ID}\\.{_ID}(\\.{_ID})?$"
#: a stage, or a sub-job's stage written as its node (``findings/finding/patch``)
STAGE_PATH = {"type": "string", "pattern": f"^{_ID}(/{_ID})*$", "title": "a stage id, or split/subjob/stage"}

#: the JSON Schema of the key (optional; never loosens the core schema)
SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "compliance data: steps, records, and intervals (" + ", ".join(VALUES) + ")",
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
                    STAGE_PATH,
                    {"type": "array", "minItems": 1, "items": STAGE_PATH},
                ],
                "title": "a stage id or a list of stage ids (a sub-job's stage as split/subjob/stage)",
            },
        },
        "records": {
            "type": "object",
            "minProperties": 1,
            "title": "a mapping of record name to stage.field",
            "propertyNames": {"enum": list(RECORDS), "title": "a record name"},
            "additionalProperties": {"type": "string", "pattern": _RECORD,
                                     "title": "stage.field, or stage.list.column for a column of a list field"},
        },
        **{key: {**_INTERVAL, "description": what[0].upper() + what[1:] + "."} for key, what in VALUES.items()},
    },
}

#: the template kinds the compliance plugins add to the language
KINDS = ("logging",)

EXTENSION = SchemaExtension(properties={KEY: SCHEMA}, kinds=KINDS)


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
        fid, _, column = fid.partition(".")
        node = sid if sid in self.tg.graph else None
        if node is None:
            return None, None, (f"compliance.records.{name} names stage {sid!r}, which is not defined"
                                f"{did_you_mean(sid, self.tg.template.stages)}")
        st = self.tg.stage(node)
        f = st.fields.get(fid)
        if f is None:
            return st, None, (f"compliance.records.{name} names field {fid!r} of stage {sid!r}, which that "
                              f"stage does not capture{did_you_mean(fid, st.fields)}")
        if column:  # a column of a list field: the value each item records
            col = f.columns.get(column)
            if col is None:
                return st, None, (f"compliance.records.{name} names column {column!r} of field {fid!r}, which "
                                  f"it does not declare{did_you_mean(column, f.columns)}")
            return st, col, None
        return st, f, None


def declared(tg: TemplateGraph) -> Declared:
    raw = tg.template.extra.get(KEY)
    return Declared(tg, raw if isinstance(raw, Mapping) else {})

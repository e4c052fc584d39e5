"""Minimal templates that pass every compliance check, and one mutation per check
that makes it fail: the failing template is the sample with ``old`` replaced by
``new``; the sample itself is its passing fix."""

from __future__ import annotations

HEAD = """\
template: sample-{kind}
title: Sample {kind} procedure
version: 1.0.0
kind: {kind}
frameworks:
  - iso27001
  - soc2
  - pci-dss
"""

SAMPLES: dict[str, str] = {}

SAMPLES["sop-lifecycle"] = HEAD.format(kind="sop-lifecycle") + """\
roles:
  author: Writes the SOP
  approver: Approves the SOP
stages:
  draft:
    owner: author
    fields:
      author:
        type: user
        role: author
        required: yes
      sop_ref:
        type: text
        required: yes
      version:
        type: text
        required: yes
    next: approval
  approval:
    owner: approver
    fields:
      effective_date:
        type: date
        required: yes
    signoffs:
      approved:
        role: approver
        not_by: author
    next: training
  training:
    owner: author
    fields:
      acknowledged:
        type: bool
        required: yes
publishes:
  ref: draft.sop_ref
  version: draft.version
  effective_date: approval.effective_date
  review_every: 12 months
  audience: All IT staff, on the intranet SOP library
compliance:
  steps:
    approval: approval
    training: training
  records:
    acknowledgement: training.acknowledged
"""

SAMPLES["change"] = HEAD.format(kind="change") + """\
roles:
  requester: Raises the change
  developer: Prepares the change
  cab: Approves changes
  implementer: Deploys changes
stages:
  request:
    owner: requester
    fields:
      requester:
        type: user
        role: requester
        required: yes
      developer:
        type: user
        role: developer
        required: yes
      reason:
        type: longtext
        required: yes
      impact:
        type: longtext
        required: yes
      rollback_plan:
        type: longtext
        required: yes
    next: test
  test:
    owner: developer
    fields:
      test_result:
        type: choice
        options:
          - pass
          - fail
        required: yes
      environment:
        type: text
        required: yes
      live_data:
        type: bool
        required: yes
      test_data_removed:
        type: bool
        required: yes
    gate:
      live_data: no
      test_data_removed: yes
    next: approval
  approval:
    owner: cab
    signoffs:
      approved:
        role: cab
        not_by: requester
    next: implement
  implement:
    owner: implementer
    signoffs:
      deployed:
        role: implementer
        not_by: developer
    next: verify
  verify:
    owner: requester
    fields:
      verified:
        type: bool
        required: yes
    next: update_docs
  update_docs:
    owner: developer
    fields:
      documents_updated:
        type: text
        required: yes
compliance:
  steps:
    approval: approval
    implementation: implement
    verification: verify
    documentation_update: update_docs
  records:
    reason: request.reason
    impact: request.impact
    test_result: test.test_result
    rollback_plan: request.rollback_plan
    preproduction_environment: test.environment
    live_data_used: test.live_data
    test_data_removed: test.test_data_removed
"""

SAMPLES["incident"] = HEAD.format(kind="incident") + """\
roles:
  handler: Handles incidents
  manager: Reviews incidents
stages:
  report:
    owner: handler
    fields:
      channel:
        type: choice
        options:
          - portal
          - phone
        required: yes
      on_call:
        type: user
        role: handler
        required: yes
      alert:
        type: text
        required: yes
    next: triage
  triage:
    owner: handler
    fields:
      severity:
        type: choice
        options:
          - critical
          - high
          - low
        required: yes
    next: respond
  respond:
    owner: handler
    fields:
      actions:
        type: longtext
        required: yes
      authorities_told:
        type: bool
        required: yes
    next: evidence
  evidence:
    owner: handler
    fields:
      evidence_register:
        type: longtext
        required: yes
    next: review
  review:
    owner: manager
    fields:
      root_cause:
        type: longtext
        required: yes
    signoffs:
      reviewed:
        role: manager
compliance:
  steps:
    triage: triage
    containment: respond
    eradication: respond
    recovery: respond
    communication: respond
    evidence: evidence
    lessons_learned: review
    card_data_response: respond
  records:
    reporting_channel: report.channel
    severity: triage.severity
    root_cause: review.root_cause
    on_call: report.on_call
    alert_source: report.alert
    authorities_contacted: respond.authorities_told
  exercised_every: 12 months
  responders_trained_every: 12 months
"""

SAMPLES["logging"] = HEAD.format(kind="logging") + """\
roles:
  analyst: Reviews logs
  lead: Security operations lead
stages:
  review:
    owner: analyst
    fields:
      reviewer:
        type: user
        role: analyst
        required: yes
      result:
        type: longtext
        required: yes
    signoffs:
      reviewed:
        role: analyst
    next: triage
  triage:
    owner: analyst
    fields:
      failure:
        type: bool
        required: yes
    sla: 1h
    next: restore
  restore:
    owner: analyst
    fields:
      cause:
        type: longtext
        required: yes
    signoffs:
      confirmed:
        role: lead
        not_by: reviewer
compliance:
  steps:
    log_review: review
    alert_triage: triage
    failure_response: restore
  records:
    review_result: review.result
    root_cause: restore.cause
  runs_every: daily
  retention: 12 months
  available_for: 3 months
"""

SAMPLES["backup"] = HEAD.format(kind="backup") + """\
roles:
  admin: Backup administrator
  reviewer: Reviews restoration tests
stages:
  plan:
    owner: admin
    fields:
      tester:
        type: user
        role: admin
        required: yes
      rto:
        type: duration
        required: yes
      rpo:
        type: duration
        required: yes
    next: restore
  restore:
    owner: admin
    fields:
      result:
        type: choice
        options:
          - success
          - failure
        required: yes
      rto_met:
        type: bool
        required: yes
      rpo_met:
        type: bool
        required: yes
    next: sign_off
  sign_off:
    owner: reviewer
    signoffs:
      reviewed:
        role: reviewer
        not_by: tester
compliance:
  steps:
    restore_test: restore
  records:
    restore_result: restore.result
    rto: plan.rto
    rpo: plan.rpo
    rto_met: restore.rto_met
    rpo_met: restore.rpo_met
"""

SAMPLES["continuity"] = HEAD.format(kind="continuity") + """\
roles:
  bc_manager: Continuity manager
  service_owner: Owns the service
stages:
  plan:
    owner: bc_manager
    fields:
      rto:
        type: duration
        required: yes
      rpo:
        type: duration
        required: yes
    next: drill
  drill:
    owner: service_owner
    fields:
      rto_met:
        type: bool
        required: yes
      rpo_met:
        type: bool
        required: yes
compliance:
  steps:
    drill: drill
  records:
    rto: plan.rto
    rpo: plan.rpo
    rto_met: drill.rto_met
    rpo_met: drill.rpo_met
  exercised_every: 12 months
"""

SAMPLES["access"] = HEAD.format(kind="access") + """\
roles:
  requester: Line manager or HR
  approver: System owner
  admin: Access administrator
stages:
  request:
    owner: requester
    fields:
      requester:
        type: user
        role: requester
        required: yes
      request_type:
        type: choice
        options:
          - joiner
          - mover
          - leaver
        required: yes
    next:
      when: request_type
      is:
        leaver: revoke
      otherwise: approve
  approve:
    owner: approver
    signoffs:
      approved:
        role: approver
        not_by: requester
    next: grant
  grant:
    owner: admin
    fields:
      granted:
        type: bool
        required: yes
  revoke:
    owner: admin
    fields:
      revoked:
        type: bool
        required: yes
    sla: 24h
compliance:
  steps:
    approval: approve
    joiner: grant
    mover: grant
    leaver: revoke
"""

SAMPLES["access-review"] = HEAD.format(kind="access").replace("sample-access", "sample-access-review") + """\
roles:
  system_owner: Owns the system
  manager: Manager who signs the review
stages:
  review:
    owner: system_owner
    fields:
      accounts_reviewed:
        type: integer
        required: yes
    signoffs:
      reviewed:
        role: manager
compliance:
  steps:
    access_review: review
  runs_every: 6 months
  inactive_after: 90d
"""

SAMPLES["vulnerability"] = HEAD.format(kind="vulnerability") + """\
roles:
  analyst: Security analyst
  engineer: Fixes vulnerabilities
stages:
  scan:
    owner: analyst
    fields:
      scan_report:
        type: file
        required: yes
    next: triage
  triage:
    owner: analyst
    fields:
      severity:
        type: choice
        options:
          - critical
          - high
          - medium
          - low
        required: yes
    next: patch
  patch:
    owner: engineer
    fields:
      fixed:
        type: bool
        required: yes
    sla:
      when: severity
      is:
        critical: 14d
        high: 30d
        medium: 90d
      otherwise: 180d
    next: rescan
  rescan:
    owner: analyst
    fields:
      confirmed:
        type: bool
        required: yes
compliance:
  steps:
    scan: scan
    patch: patch
    rescan: rescan
  records:
    severity: triage.severity
  runs_every: 3 months
"""

#: check -> [(sample, old, new)]: the failing variants of a sample
MUTATIONS: dict[str, list[tuple[str, str, str]]] = {
    "sop-published": [("sop-lifecycle", "  audience: All IT staff, on the intranet SOP library\n", "")],
    "sop-review-interval": [("sop-lifecycle", "review_every: 12 months", "review_every: 18 months")],
    "approver-not-author": [
        ("sop-lifecycle", "        not_by: author\n", ""),
        ("change", "        not_by: requester\n", ""),
        ("access", "        not_by: requester\n", ""),
    ],
    "training-acknowledged": [("sop-lifecycle", "    training: training\n", "")],
    "change-record": [("change", "    rollback_plan: request.rollback_plan\n", "")],
    "change-follow-up": [("change", "    documentation_update: update_docs\n", "")],
    "deployer-separate": [("change", "        not_by: developer\n", "")],
    "incident-triage": [("incident", "    triage: triage\n", "")],
    "incident-response": [("incident", "    communication: respond\n", "")],
    "lessons-learned": [("incident", "    root_cause: review.root_cause\n", "")],
    "incident-evidence": [("incident", "      evidence_register:\n        type: longtext\n        required: yes\n",
                           "      evidence_register:\n        type: longtext\n")],
    "reporting-channel": [("incident", "    reporting_channel: report.channel\n", "")],
    "plan-exercised": [
        ("incident", "  exercised_every: 12 months\n", "  exercised_every: 18 months\n"),
        ("continuity", "  exercised_every: 12 months\n", "  exercised_every: 18 months\n"),
    ],
    "restoration-test": [("backup", "    restore_result: restore.result\n", "")],
    "recovery-objectives": [
        ("backup", "    rpo_met: restore.rpo_met\n", ""),
        ("continuity", "    rto: plan.rto\n", ""),
    ],
    "continuity-drill": [("continuity", "  steps:\n    drill: drill\n", "")],
    "access-authorised": [("access", "    signoffs:\n      approved:\n        role: approver\n"
                                     "        not_by: requester\n", "")],
    "leaver-deadline": [("access", "    sla: 24h\n", "    sla: 3d\n")],
    "leaver-no-wait": [("access", "    next:\n      when: request_type\n",
                        "    signoffs:\n      hr_confirmed:\n        role: requester\n"
                        "    next:\n      when: request_type\n")],
    "access-review": [("access-review", "  runs_every: 6 months\n", "  runs_every: 12 months\n")],
    "inactive-accounts": [("access-review", "  inactive_after: 90d\n", "  inactive_after: 180d\n")],
    "severity-ranking": [("vulnerability", "    severity: triage.severity\n", "    severity: patch.fixed\n")],
    "patch-deadlines": [("vulnerability", "        critical: 14d\n", "        critical: 60d\n")],
    "scan-and-rescan": [("vulnerability", "    rescan: rescan\n", "")],
    "scan-cadence": [("vulnerability", "  runs_every: 3 months\n", "  runs_every: 6 months\n")],
    "preproduction-separate": [("change", "    preproduction_environment: test.environment\n", "")],
    "no-live-data-in-test": [("change", "      live_data: no\n", "")],
    "test-data-removed": [("change", "      test_data_removed: yes\n", "")],
    "responders-available": [("incident", "    on_call: report.on_call\n", "")],
    "responders-trained": [("incident", "  responders_trained_every: 12 months\n",
                            "  responders_trained_every: 2 years\n")],
    "monitoring-alerts": [("incident", "    alert_source: report.alert\n", "")],
    "card-data-found": [("incident", "    card_data_response: respond\n", "")],
    "authorities-contacted": [("incident", "    authorities_contacted: respond.authorities_told\n", "")],
    "log-review": [("logging", "    signoffs:\n      reviewed:\n        role: analyst\n", "")],
    "log-review-cadence": [("logging", "  runs_every: daily\n", "  runs_every: 2d\n")],
    "log-retention": [("logging", "  retention: 12 months\n", "  retention: 365d\n")],
    "control-failures": [("logging", "    sla: 1h\n", "")],
}


def kind_of(sample: str) -> str:
    return "access" if sample.startswith("access") else sample


def mutate(sample: str, old: str, new: str) -> str:
    text = SAMPLES[sample]
    assert text.count(old) == 1, f"mutation {old!r} must occur once in sample {sample}"
    return text.replace(old, new)

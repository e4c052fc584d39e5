"""Small templates and helpers for testing the SOP lifecycle: publishing, acknowledging, following, reviewing.

``LIFECYCLE`` publishes an SOP in one stage, with an acknowledgement policy
(audience: role ``responder`` and ``group:oncall``; 14 days' grace;
acknowledged again every 12 months; effective at 50%).  ``INCIDENT``
implements ``SOP-T-001`` at version 1.0.0; ``CHANGE`` names the SOPs it
affects in a review trigger.  :func:`publish` runs a lifecycle job to the
master list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.engine import Engine

__all__ = ["LIFECYCLE", "INCIDENT", "CHANGE", "ROLES", "GROUPS", "publish", "incident_of"]

ROLES: Mapping[str, list[str]] = {"author": ["alice"], "responder": ["rita", "rob"], "requester": ["carl"]}
GROUPS: Mapping[str, list[str]] = {"oncall": ["owen", "rita"]}

LIFECYCLE = """\
template: tiny-sop
title: Tiny SOP lifecycle
version: 1.0.0
kind: sop-lifecycle
job_id: TSOP-{seq:03}
roles:
  author: Writes the SOP
  responder: Handles incidents
stages:
  write:
    owner: author
    fields:
      ref:
        type: text
        required: yes
      version:
        type: text
        required: yes
      effective:
        type: date
        required: yes
publishes:
  ref: write.ref
  version: write.version
  effective_date: write.effective
  review_every: 12 months
  acknowledgement:
    audience:
      - responder
      - group:oncall
    within: 14d
    every: 12 months
    effective_share: 50%
    attestation: I have read this procedure and will follow it.
"""

INCIDENT = """\
template: tiny-incident
title: Tiny incident
version: {version}
kind: incident
implements: SOP-T-001
job_id: TINC-{{seq:03}}
roles:
  responder: Handles incidents
stages:
  handle:
    owner: responder
    fields:
      summary:
        type: text
        required: yes
"""

CHANGE = """\
template: tiny-change
title: Tiny change
version: 1.0.0
kind: change
job_id: TCHG-{seq:03}
roles:
  requester: Asks for the change
stages:
  request:
    owner: requester
    fields:
      sops_affected:
        type: text
      significant:
        type: bool
        required: yes
review_trigger:
  affects: request.sops_affected
  significant: request.significant
"""


def publish(engine: "Engine", ref: str = "SOP-T-001", version: str = "1.0.0", effective: str = "2026-01-05") -> str:
    """Run a lifecycle job that publishes ``version`` of ``ref``; returns the job id."""
    job = engine.start(LIFECYCLE, "tiny-sop.yaml", actor="alice").job_id
    engine.set_fields(job, {"ref": ref, "version": version, "effective": effective}, actor="alice")
    engine.complete(job, actor="alice")
    return job


def incident_of(version: str = "1.0.0") -> str:
    """The text of the tiny incident template at ``version``."""
    return INCIDENT.format(version=version)

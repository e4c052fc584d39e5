"""ISO/IEC 27001:2022 checks: clauses and Annex A controls a documented procedure supports.

Clauses and Annex A controls are requirements; checks drawn only from
ISO/IEC 27002 guidance (what a change record holds, for instance) are
warnings.  ISO 27001 sets no numbers: every interval and deadline compared
here is organisation policy.
"""

from __future__ import annotations

from sopframe_plugins.compliance.catalogue_iso import CATALOGUE as ISO_CATALOGUE
from sopframe_plugins.compliance.policy import Limit
from sopframe_plugins.compliance.ruleset import WARNING, RuleSpec, framework_plugin

FRAMEWORK_ID = "iso27001"
SHORT = "ISO 27001"

#: every clause 4-10 and Annex A control, in our own words (see catalogue_iso)
CATALOGUE = ISO_CATALOGUE

_GUIDANCE = "The detail checked here comes from ISO/IEC 27002 guidance, so it is a warning."

SPECS = [
    RuleSpec("ISO101", "sop-published", ("7.5.2", "7.5.3", "A.5.37")),
    RuleSpec("ISO102", "sop-review-interval", ("A.5.37", "7.5.2"), WARNING,
             params={"limit": Limit(policy="sop-review-every")}),
    RuleSpec("ISO103", "approver-not-author", ("A.5.3", "7.5.2"), kinds=("sop-lifecycle",)),
    RuleSpec("ISO104", "training-acknowledged", ("7.3", "A.6.3")),
    RuleSpec("ISO105", "change-record", ("A.8.32",), WARNING, why=_GUIDANCE),
    RuleSpec("ISO106", "change-follow-up", ("A.8.32",), WARNING, why=_GUIDANCE),
    RuleSpec("ISO107", "deployer-separate", ("A.5.3",)),
    RuleSpec("ISO108", "incident-triage", ("A.5.25",)),
    RuleSpec("ISO109", "incident-response", ("A.5.24", "A.5.26")),
    RuleSpec("ISO110", "lessons-learned", ("A.5.27",)),
    RuleSpec("ISO111", "incident-evidence", ("A.5.28",)),
    RuleSpec("ISO112", "restoration-test", ("A.8.13",)),
    RuleSpec("ISO113", "recovery-objectives", ("A.5.30",)),
    RuleSpec("ISO114", "continuity-drill", ("A.5.29", "A.5.30")),
    RuleSpec("ISO115", "plan-exercised", ("A.5.30",), WARNING, kinds=("continuity",),
             params={"limit": Limit(policy="dr-drill-every")}),
    RuleSpec("ISO116", "access-authorised", ("A.5.16", "A.5.18")),
    RuleSpec("ISO117", "leaver-deadline", ("A.5.18",), WARNING, params={"limit": Limit(policy="leaver-revocation")}),
    RuleSpec("ISO118", "access-review", ("A.5.18", "A.8.2"), params={"limit": Limit(policy="access-review-every")}),
    RuleSpec("ISO119", "inactive-accounts", ("A.5.16",), WARNING,
             params={"limit": Limit(policy="inactive-account-limit")}),
    RuleSpec("ISO120", "severity-ranking", ("A.8.8",)),
    RuleSpec("ISO121", "patch-deadlines", ("A.8.8",), params={"limits": {
        "critical": Limit(policy="patch-critical"), "high": Limit(policy="patch-high"),
        "medium": Limit(policy="patch-medium")}}),
    RuleSpec("ISO122", "scan-and-rescan", ("A.8.8",)),
    RuleSpec("ISO123", "scan-cadence", ("A.8.8",), WARNING, params={"limit": Limit(policy="scan-every")}),
    RuleSpec("ISO124", "approver-not-author", ("A.5.3",), kinds=("change", "access"),
             docs="approver-not-author in changes and access"),
    RuleSpec("ISO125", "log-review", ("A.8.15", "A.8.16")),
    RuleSpec("ISO126", "log-review-cadence", ("A.8.15",), WARNING, params={"limit": Limit(policy="log-review-every")}),
    RuleSpec("ISO127", "log-retention", ("A.8.15",), WARNING, params={"limits": {
        "retention": Limit(policy="log-retention", minimum=True),
        "available": Limit(policy="log-available", minimum=True)}}),
    RuleSpec("ISO128", "control-failures", ("A.8.16",)),
    RuleSpec("ISO129", "reporting-channel", ("A.6.8",)),
    RuleSpec("ISO130", "authorities-contacted", ("A.5.5",), WARNING,
             why="A.5.5 asks for contact with authorities to be kept; a per-incident record is how a template "
                 "shows it is used, so it is a warning."),
]

PLUGIN = framework_plugin(FRAMEWORK_ID, "ISO/IEC 27001:2022", SHORT, "iso27001", CATALOGUE, SPECS,
                         cited="clauses or Annex A controls")
FRAMEWORK, RULES = PLUGIN.framework, PLUGIN.rules
# the hooks sopframe calls: the entry point names this module
sopframe_rules, sopframe_frameworks, sopframe_schema_extensions = PLUGIN.hooks()

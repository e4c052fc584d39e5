"""ISO/IEC 27001:2022 checks: clauses and Annex A controls a documented procedure supports.

Clauses and Annex A controls are requirements; checks drawn only from
ISO/IEC 27002 guidance (what a change record holds, for instance) are
warnings.  ISO 27001 sets no numbers: every interval and deadline compared
here is organisation policy.
"""

from __future__ import annotations

from sopframe_plugins.compliance.policy import Limit
from sopframe_plugins.compliance.ruleset import WARNING, RuleSpec, framework_plugin

FRAMEWORK_ID = "iso27001"
SHORT = "ISO 27001"

#: control id -> our short title (never the standard's text)
CATALOGUE: dict[str, str] = {
    "7.2": "Competence",
    "7.3": "Awareness",
    "7.5.2": "Creating and updating documented information",
    "7.5.3": "Control of documented information",
    "9.2": "Internal audit",
    "10.2": "Nonconformity and corrective action",
    "A.5.1": "Policies for information security",
    "A.5.2": "Information security roles and responsibilities",
    "A.5.3": "Segregation of duties",
    "A.5.15": "Access control",
    "A.5.16": "Identity management",
    "A.5.17": "Authentication information",
    "A.5.18": "Access rights",
    "A.5.24": "Incident management planning and preparation",
    "A.5.25": "Assessment of and decision on security events",
    "A.5.26": "Response to security incidents",
    "A.5.27": "Learning from security incidents",
    "A.5.28": "Collection of evidence",
    "A.5.29": "Information security during disruption",
    "A.5.30": "ICT readiness for business continuity",
    "A.5.37": "Documented operating procedures",
    "A.6.3": "Awareness, education and training",
    "A.8.2": "Privileged access rights",
    "A.8.8": "Management of technical vulnerabilities",
    "A.8.13": "Information backup",
    "A.8.15": "Logging",
    "A.8.32": "Change management",
}

_GUIDANCE = "The detail checked here comes from ISO/IEC 27002 guidance, so it is a warning."

SPECS = [
    RuleSpec("ISO101", "sop-published", ("7.5.3", "A.5.37")),
    RuleSpec("ISO102", "sop-review-interval", ("A.5.1",), WARNING, params={"limit": Limit(policy="sop-review-every")}),
    RuleSpec("ISO103", "approver-not-author", ("A.5.3",)),
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
]

PLUGIN = framework_plugin(FRAMEWORK_ID, "ISO/IEC 27001:2022", SHORT, "iso27001", CATALOGUE, SPECS)
FRAMEWORK, RULES = PLUGIN.framework, PLUGIN.rules
# the hooks sopframe calls: the entry point names this module
sopframe_rules, sopframe_frameworks, sopframe_schema_extensions = PLUGIN.hooks()

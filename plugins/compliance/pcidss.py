"""PCI DSS v4.0.1 checks.

PCI DSS is the only one of the three frameworks that sets numbers; a
template that exceeds one of them fails (error).  Every other limit is
organisation policy (a warning).  Requirements that v4.0 future-dated are
mandatory since 31 March 2025; in v4.0.1, 6.3.3's one-month deadline covers
critical patches only.
"""

from __future__ import annotations

from sopframe_plugins.compliance.policy import Limit
from sopframe_plugins.compliance.ruleset import WARNING, RuleSpec, framework_plugin

FRAMEWORK_ID = "pci-dss"
SHORT = "PCI DSS"

#: requirement id -> our short title (never the standard's text)
CATALOGUE: dict[str, str] = {
    "6.3.1": "Vulnerabilities identified and risk-ranked",
    "6.3.3": "Security patches installed in time; critical ones within a month",
    "6.5.1": "Records for changes to production systems",
    "6.5.2": "Requirements confirmed after a significant change",
    "6.5.3": "Pre-production kept apart from production",
    "6.5.4": "Separate roles for pre-production and production work",
    "6.5.5": "No live card data in pre-production",
    "6.5.6": "Test data and test accounts removed before go-live",
    "7.2.1": "Access control model defined",
    "7.2.2": "Access by job function with least privilege",
    "7.2.3": "Privileges approved by authorised people",
    "7.2.4": "Accounts and privileges reviewed every six months",
    "8.2.4": "Adding, changing and removing user IDs authorised",
    "8.2.5": "Access of terminated users revoked at once",
    "8.2.6": "Inactive accounts disabled within 90 days",
    "10.4.1": "Security logs reviewed daily",
    "10.5.1": "Audit log history kept",
    "11.3.1": "Internal vulnerability scans every three months",
    "11.3.2": "External vulnerability scans every three months",
    "12.1.1": "Security policy published and known",
    "12.1.2": "Security policy reviewed at least every 12 months",
    "12.1.3": "Security roles defined and acknowledged",
    "12.4.2": "Quarterly operational reviews (service providers)",
    "12.6.3": "Security awareness training at hire and yearly",
    "12.10.1": "Incident response plan in place",
    "12.10.2": "Incident response plan reviewed and tested yearly",
    "12.10.3": "Incident responders available around the clock",
    "12.10.4": "Incident responders trained",
    "12.10.5": "Monitoring alerts covered by the incident plan",
    "12.10.6": "Incident plan improved from lessons learned",
    "12.10.7": "Procedure for card data found where it should not be",
}

_IR_PLAN = ("The incident response plan must cover backup and business recovery; this check is how a template "
            "shows it, so it is a warning.")

SPECS = [
    RuleSpec("PCI101", "sop-published", ("12.1.1",)),
    RuleSpec("PCI102", "sop-review-interval", ("12.1.2",),
             params={"limit": Limit(standard="12 months", set_by="PCI DSS 12.1.2")}),
    RuleSpec("PCI103", "training-acknowledged", ("12.6.3",)),
    RuleSpec("PCI104", "change-record", ("6.5.1",)),
    RuleSpec("PCI105", "change-follow-up", ("6.5.2",)),
    RuleSpec("PCI106", "deployer-separate", ("6.5.4",)),
    RuleSpec("PCI107", "incident-response", ("12.10.1",)),
    RuleSpec("PCI108", "lessons-learned", ("12.10.6",)),
    RuleSpec("PCI109", "plan-exercised", ("12.10.2",), kinds=("incident",),
             params={"limit": Limit(standard="12 months", set_by="PCI DSS 12.10.2")}),
    RuleSpec("PCI110", "restoration-test", ("12.10.1",), WARNING, why=_IR_PLAN),
    RuleSpec("PCI111", "continuity-drill", ("12.10.1",), WARNING, why=_IR_PLAN),
    RuleSpec("PCI112", "access-authorised", ("7.2.3", "8.2.4")),
    RuleSpec("PCI113", "leaver-no-wait", ("8.2.5",)),
    RuleSpec("PCI114", "leaver-deadline", ("8.2.5",), WARNING, params={"limit": Limit(policy="leaver-revocation")},
             why="8.2.5 sets no number; the deadline is the organisation's policy."),
    RuleSpec("PCI115", "access-review", ("7.2.4",),
             params={"limit": Limit(standard="6 months", set_by="PCI DSS 7.2.4")}),
    RuleSpec("PCI116", "inactive-accounts", ("8.2.6",),
             params={"limit": Limit(standard="90d", set_by="PCI DSS 8.2.6")}),
    RuleSpec("PCI117", "severity-ranking", ("6.3.1",), params={"options": ("critical", "high")}),
    RuleSpec("PCI118", "patch-deadlines", ("6.3.1", "6.3.3"), params={"limits": {
        "critical": Limit(standard="1 month", set_by="PCI DSS 6.3.3"),
        "high": Limit(policy="patch-high"), "medium": Limit(policy="patch-medium")}}),
    RuleSpec("PCI119", "scan-and-rescan", ("11.3.1",)),
    RuleSpec("PCI120", "scan-cadence", ("11.3.1", "11.3.2"),
             params={"limit": Limit(standard="3 months", set_by="PCI DSS 11.3.1 and 11.3.2")}),
]

PLUGIN = framework_plugin(FRAMEWORK_ID, "PCI DSS v4.0.1", SHORT, "pcidss", CATALOGUE, SPECS)
FRAMEWORK, RULES = PLUGIN.framework, PLUGIN.rules
# the hooks sopframe calls: the entry point names this module
sopframe_rules, sopframe_frameworks, sopframe_schema_extensions = PLUGIN.hooks()

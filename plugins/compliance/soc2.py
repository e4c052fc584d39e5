"""SOC 2 checks: Trust Services Criteria (2017, points of focus revised 2022).

The criteria set no numbers ("periodic", "timely"): every interval and
deadline compared here is organisation policy.  Points of focus are aids,
not requirements, so checks drawn from them are warnings.
"""

from __future__ import annotations

from sopframe_plugins.compliance.catalogue_soc2 import CATALOGUE as SOC2_CATALOGUE
from sopframe_plugins.compliance.policy import Limit
from sopframe_plugins.compliance.ruleset import WARNING, RuleSpec, framework_plugin

FRAMEWORK_ID = "soc2"
SHORT = "SOC 2"

#: every criterion, in our own words (see catalogue_soc2)
CATALOGUE = SOC2_CATALOGUE

_FOCUS = "This detail comes from points of focus, which are aids rather than requirements, so it is a warning."

SPECS = [
    RuleSpec("SOC101", "sop-published", ("CC2.2",)),
    RuleSpec("SOC102", "sop-review-interval", ("CC5.3",), WARNING, params={"limit": Limit(policy="sop-review-every")}),
    RuleSpec("SOC103", "approver-not-author", ("CC1.3", "CC5.1")),
    RuleSpec("SOC104", "training-acknowledged", ("CC1.4", "CC2.2")),
    RuleSpec("SOC105", "change-record", ("CC8.1",)),
    RuleSpec("SOC106", "deployer-separate", ("CC8.1",), WARNING, why=_FOCUS),
    RuleSpec("SOC107", "incident-triage", ("CC7.3",)),
    RuleSpec("SOC108", "incident-response", ("CC7.4",)),
    RuleSpec("SOC109", "lessons-learned", ("CC7.5",)),
    RuleSpec("SOC110", "reporting-channel", ("CC2.2",)),
    RuleSpec("SOC111", "restoration-test", ("A1.2", "A1.3")),
    RuleSpec("SOC112", "recovery-objectives", ("A1.3",), WARNING, why=_FOCUS),
    RuleSpec("SOC113", "continuity-drill", ("CC9.1", "A1.3")),
    RuleSpec("SOC114", "plan-exercised", ("A1.3",), WARNING, kinds=("continuity",),
             params={"limit": Limit(policy="dr-drill-every")}),
    RuleSpec("SOC115", "access-authorised", ("CC6.2", "CC6.3")),
    RuleSpec("SOC116", "leaver-deadline", ("CC6.2",), WARNING, params={"limit": Limit(policy="leaver-revocation")}),
    RuleSpec("SOC117", "access-review", ("CC6.2", "CC6.3"), params={"limit": Limit(policy="access-review-every")}),
    RuleSpec("SOC118", "inactive-accounts", ("CC6.2",), WARNING,
             params={"limit": Limit(policy="inactive-account-limit")}),
    RuleSpec("SOC119", "severity-ranking", ("CC7.1",)),
    RuleSpec("SOC120", "patch-deadlines", ("CC7.1",), params={"limits": {
        "critical": Limit(policy="patch-critical"), "high": Limit(policy="patch-high"),
        "medium": Limit(policy="patch-medium")}}),
    RuleSpec("SOC121", "scan-and-rescan", ("CC7.1",)),
    RuleSpec("SOC122", "scan-cadence", ("CC7.1",), WARNING, params={"limit": Limit(policy="scan-every")}),
    RuleSpec("SOC123", "log-review", ("CC7.2",)),
    RuleSpec("SOC124", "log-review-cadence", ("CC7.2",), WARNING, params={"limit": Limit(policy="log-review-every")}),
    RuleSpec("SOC125", "control-failures", ("CC7.2",)),
]

PLUGIN = framework_plugin(FRAMEWORK_ID, "SOC 2 Trust Services Criteria", SHORT, "soc2", CATALOGUE, SPECS,
                         cited="criteria")
FRAMEWORK, RULES = PLUGIN.framework, PLUGIN.rules
# the hooks sopframe calls: the entry point names this module
sopframe_rules, sopframe_frameworks, sopframe_schema_extensions = PLUGIN.hooks()

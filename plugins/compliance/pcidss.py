"""PCI DSS v4.0.1 checks.

PCI DSS is the only one of the three frameworks that sets numbers; a
template that exceeds one of them fails (error).  Every other limit is
organisation policy (a warning).  Requirements that v4.0 future-dated are
mandatory since 31 March 2025; in v4.0.1, 6.3.3's one-month deadline covers
critical patches only, and runs from the patch's release (templates count
from discovery: see ``_PATCH_WHY``).
"""

from __future__ import annotations

from sopframe_plugins.compliance.catalogue_pci import CATALOGUE as PCI_CATALOGUE
from sopframe_plugins.compliance.policy import Limit
from sopframe_plugins.compliance.ruleset import WARNING, RuleSpec, framework_plugin

FRAMEWORK_ID = "pci-dss"
SHORT = "PCI DSS"

#: every requirement to x.y, and each x.y.z a rule cites, in our own words (see catalogue_pci)
CATALOGUE = PCI_CATALOGUE

#: the "policies and procedures documented, current, in use and known" requirement of each principal requirement
PROCEDURES = tuple(f"{n}.1.1" for n in range(1, 12))

_PROCEDURES_WHY = ("Each principal requirement's x.1.1 asks for its procedures to be documented, kept up to date, "
                   "in use and known; 12.1.x is about the security policy and is not cited for procedures.")

#: what a passing SOP lifecycle leaves unchecked of each x.1.1: that requirement's own procedures are among its SOPs
_PROCEDURES_PARTIAL = {c: f"the template shows how an SOP is documented, kept current and made known, not that the "
                          f"procedures of requirement {c.split('.')[0]} are among the SOPs it governs"
                       for c in PROCEDURES}

_IR_PLAN = ("The incident response plan must cover backup and business recovery; this check is how a template "
            "shows it, so it is a warning.")

#: 12.10.1 lists what the incident response plan contains; each rule citing it checks one part only
_PLAN_PARTS = ("roles and contacts, notifying payment brands and acquirers, legal reporting duties and the "
               "critical system components the plan covers")
_PLAN_RESPONSE = {"12.10.1": f"the template's containment, eradication, recovery and communication steps are "
                             f"checked; the plan's other contents ({_PLAN_PARTS}) are not"}
_PLAN_BACKUP = {"12.10.1": "a restoration test shows the plan's backup part only, not the plan itself"}
_PLAN_RECOVERY = {"12.10.1": "a continuity drill shows the plan's business recovery part only, not the plan itself"}

#: 6.3.3 counts a critical patch's month from the patch's release; a template counts its deadline from what it
#: can record: when the finding was discovered (`from:`), or when the patch stage was entered
_PATCH_WHY = ("6.3.3 counts the month for critical patches from the patch's release. A template's deadline counts "
              "from a date it records (the discovery date, with `from:`) or from entering the patch stage. A patch "
              "is usually out by the time a finding is discovered, so a critical deadline longer than a month from "
              "discovery lets a patch be installed later than the month after its release: that is an error. One "
              "of a month or less is necessary but cannot prove 6.3.3, since the release date is not recorded.")
_PATCH_PARTIAL = ("the critical deadline is checked against one month, but it counts from discovery (or from entering "
                  "the patch stage), while 6.3.3 counts from the patch's release, which the template does not "
                  "record: a patch released before the finding was discovered may be due before the template's "
                  "deadline")

SPECS = [
    RuleSpec("PCI101", "sop-published", PROCEDURES, why=_PROCEDURES_WHY, partial=_PROCEDURES_PARTIAL),
    RuleSpec("PCI102", "sop-review-interval", PROCEDURES, WARNING, params={"limit": Limit(policy="sop-review-every")},
             why=_PROCEDURES_WHY + " x.1.1 sets no review interval, so 12 months is organisation policy.",
             partial=_PROCEDURES_PARTIAL),
    RuleSpec("PCI103", "training-acknowledged", ("12.6.3",), partial={
        "12.6.3": "training at hire and at least every 12 months is not checked: the template trains staff on a "
                  "new SOP version only"}),
    RuleSpec("PCI104", "change-record", ("6.5.1",)),
    RuleSpec("PCI105", "change-follow-up", ("6.5.2",)),
    RuleSpec("PCI106", "deployer-separate", ("6.5.4",)),
    RuleSpec("PCI107", "incident-response", ("12.10.1",), partial=_PLAN_RESPONSE),
    RuleSpec("PCI108", "lessons-learned", ("12.10.6",)),
    RuleSpec("PCI109", "plan-exercised", ("12.10.2",), kinds=("incident",),
             params={"limit": Limit(standard="12 months", set_by="PCI DSS 12.10.2")},
             docs="plan-exercised in incident response"),
    RuleSpec("PCI110", "restoration-test", ("12.10.1",), WARNING, why=_IR_PLAN, partial=_PLAN_BACKUP),
    RuleSpec("PCI111", "continuity-drill", ("12.10.1",), WARNING, why=_IR_PLAN, partial=_PLAN_RECOVERY),
    RuleSpec("PCI112", "access-authorised", ("7.2.3", "8.2.4"), partial={
        "8.2.4": "grants and changes of access are checked for an approval; removals are not (a leaver's "
                 "termination authorises them, and they must not wait: 8.2.5), nor are changes to "
                 "authentication factors"}),
    RuleSpec("PCI113", "leaver-no-wait", ("8.2.5",)),
    RuleSpec("PCI114", "leaver-deadline", ("8.2.5",), params={"limit": Limit(
        policy="pci-leaver-revocation", set_by="PCI DSS 8.2.5", enforced=True)},
             why="8.2.5 asks for revocation at once; a deadline of days fails it. The policy value says how long "
                 "the organisation accepts as immediate."),
    RuleSpec("PCI115", "access-review", ("7.2.4",),
             params={"limit": Limit(standard="6 months", set_by="PCI DSS 7.2.4")}),
    RuleSpec("PCI116", "inactive-accounts", ("8.2.6",),
             params={"limit": Limit(standard="90d", set_by="PCI DSS 8.2.6")}),
    RuleSpec("PCI117", "severity-ranking", ("6.3.1",), params={"options": ("critical", "high")}),
    RuleSpec("PCI118", "patch-deadlines", ("6.3.1", "6.3.3"), params={"limits": {
        "critical": Limit(standard="1 month", set_by="PCI DSS 6.3.3", basis="from the patch's release"),
        "high": Limit(policy="patch-high"), "medium": Limit(policy="patch-medium")}},
             why=_PATCH_WHY, partial={"6.3.3": _PATCH_PARTIAL}),
    RuleSpec("PCI119", "scan-and-rescan", ("11.3.1",)),
    RuleSpec("PCI120", "scan-cadence", ("11.3.1", "11.3.2"),
             params={"limit": Limit(standard="3 months", set_by="PCI DSS 11.3.1 and 11.3.2")}, partial={
                 "11.3.2": "only the interval is checked: that an approved scanning vendor ran the external scan "
                           "and that it passed are not"}),
    RuleSpec("PCI121", "preproduction-separate", ("6.5.3",), partial={
        "6.5.3": "the pre-production environment used is recorded; that it is kept apart from production by "
                 "access controls is not checked"}),
    RuleSpec("PCI122", "no-live-data-in-test", ("6.5.5",)),
    RuleSpec("PCI123", "test-data-removed", ("6.5.6",)),
    RuleSpec("PCI124", "responders-available", ("12.10.3",)),
    RuleSpec("PCI125", "responders-trained", ("12.10.4",), WARNING,
             params={"limit": Limit(policy="responder-training-every")},
             partial={"12.10.4": "the template states how often responders are trained; the training itself is "
                                 "not evidenced by incident jobs"}),
    RuleSpec("PCI126", "monitoring-alerts", ("12.10.5",)),
    RuleSpec("PCI127", "card-data-found", ("12.10.7",)),
    RuleSpec("PCI128", "log-review", ("10.4.1",)),
    RuleSpec("PCI129", "log-review-cadence", ("10.4.1",),
             params={"limit": Limit(standard="1d", set_by="PCI DSS 10.4.1")}),
    RuleSpec("PCI130", "log-retention", ("10.5.1",), params={"limits": {
        "retention": Limit(standard="12 months", set_by="PCI DSS 10.5.1", minimum=True),
        "available": Limit(standard="3 months", set_by="PCI DSS 10.5.1", minimum=True)}}),
    RuleSpec("PCI131", "control-failures", ("10.7.2", "10.7.3")),
]

PLUGIN = framework_plugin(FRAMEWORK_ID, "PCI DSS v4.0.1", SHORT, "pcidss", CATALOGUE, SPECS, cited="requirements")
FRAMEWORK, RULES = PLUGIN.framework, PLUGIN.rules
# the hooks sopframe calls: the entry point names this module
sopframe_rules, sopframe_frameworks, sopframe_schema_extensions = PLUGIN.hooks()

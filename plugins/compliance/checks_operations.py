"""Shared checks for backups, continuity, access and vulnerabilities."""

from __future__ import annotations

from typing import Iterator, Mapping

from sopframe.core.graph import TemplateGraph

from sopframe_plugins.compliance.checks import (
    Issue, Params, check, declares, exceeds, grants_or_not_access, issue_at, missing_limit, periodic,
    reached_early, record_issues, required_step, stages_of,
)
from sopframe_plugins.compliance.policy import Limit
from sopframe_plugins.compliance.extension import declared

# -------------------------------------------------------------------- backup

@check("restoration-test", ("backup",), "Backups are proven by a restoration test whose result is recorded.")
def _restore(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    yield from required_step(d, "restore_test", "the stage that restores the backup")
    yield from record_issues(d, "restore_result", "the field with the test's result")


@check("recovery-objectives", ("backup", "continuity"),
       "RTO and RPO are recorded and the recovery is compared with them.")
def _objectives(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    for name in ("rto", "rpo"):
        yield from record_issues(d, name, f"a duration field holding the {name.upper()}", ("duration",))
    for name in ("rto_met", "rpo_met"):
        yield from record_issues(d, name, f"the field that says whether the {name[:3].upper()} was met",
                           ("bool", "choice"))


@check("continuity-drill", ("continuity",), "The continuity plan is exercised by a drill.")
def _drill(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    yield from required_step(declared(tg), "drill", "the stage that runs the drill")


# -------------------------------------------------------------------- access

_ACCESS_PARTS = ("joiner", "mover", "leaver", "access_review")


@check("access-authorised", ("access",), "Access is granted or changed only after an authorising sign-off.",
       when=grants_or_not_access)
def _authorised(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    if not any(d.has_step(n) for n in _ACCESS_PARTS):
        yield Issue("the access procedure declares none of its parts: joiner, mover, leaver or access review",
                    hint="name the stages under `compliance.steps` (joiner, mover, leaver, access_review)", at=d.loc)
        return
    for name in ("joiner", "mover"):
        stages = yield from stages_of(d, name)
        for st in stages:
            chain = [st.node, *tg.dominators(st.node)]
            if not any(tg.stage(n).signoffs for n in chain):
                yield issue_at(st, f"{name} stage {st.node!r} grants access without an authorising sign-off before it",
                          "add an approval stage with a sign-off that every path passes first")


@check("leaver-deadline", ("access",), "A leaver's access is revoked within the policy deadline.",
       when=declares("leaver"))
def _leaver_deadline(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    stages = yield from stages_of(declared(tg), "leaver")
    limit: Limit = p["limit"]
    for st in stages:
        if st.sla is None or not st.sla.duration:
            yield missing_limit(limit, f"the revocation deadline (SLA) of leaver stage {st.node!r}", st.loc,
                                 f"add `sla: {limit.resolved().text}` to the stage", st.node)
        else:
            yield from exceeds(st.sla.duration, limit, f"the revocation deadline of leaver stage {st.node!r}",
                                st.at("sla"), st.node)


@check("leaver-no-wait", ("access",), "Revocation for a leaver does not wait for an approval.",
       when=declares("leaver"))
def _leaver_wait(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    stages = yield from stages_of(declared(tg), "leaver")
    for st in stages:
        waits = [n for n in tg.dominators(st.node) if tg.stage(n).signoffs]
        if waits:
            yield issue_at(st, f"leaver stage {st.node!r} waits for sign-off in {', '.join(map(repr, waits))} before "
                      "access is revoked",
                      "let termination lead straight to revocation; approvals belong to joiners and movers")


@check("access-review", ("access",), "Accounts and privileges are reviewed periodically and signed off.",
       when=declares("access_review"))
def _review(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    if not d.has_step("access_review"):
        return
    stages = yield from stages_of(d, "access_review")
    for st in stages:
        if not st.signoffs:
            yield issue_at(st, f"access review stage {st.node!r} has no sign-off acknowledging the review",
                      "add a sign-off by the manager or system owner")
    yield from periodic(d, "runs_every", p["limit"], "how often access is reviewed (`compliance.runs_every`)")


@check("inactive-accounts", ("access",), "Inactive accounts are disabled after a set time.",
       when=declares("access_review"))
def _inactive(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    if not d.has_step("access_review"):
        return
    yield from periodic(d, "inactive_after", p["limit"],
                         "the inactivity limit for accounts (`compliance.inactive_after`)")


# ------------------------------------------------------------- vulnerability

@check("severity-ranking", ("vulnerability",), "Vulnerabilities are ranked on a severity scale.")
def _ranking(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    issues = record_issues(d, "severity", "a choice field with the severity scale", ("choice",))
    if issues:
        yield from issues
        return
    st, f, _ = d.record("severity")
    assert f is not None and st is not None
    have = {str(o).lower() for o in f.options}
    missing = [o for o in p.get("options", ()) if o not in have]
    if missing:
        yield Issue(f"the severity scale {list(f.options)} lacks {', '.join(missing)}", at=f.loc, stage=st.node,
                    hint=f"add {', '.join(missing)} to the options of field {f.id!r}")


@check("patch-deadlines", ("vulnerability",), "Each severity has a remediation deadline within the limit.")
def _patch(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    stages = yield from required_step(d, "patch", "the stage that remediates within the deadline")
    sst, sev, _ = d.record("severity")
    limits: Mapping[str, Limit] = p["limits"]
    for st in stages:
        sla = st.sla
        if sla is None or not sla.when:
            yield issue_at(st, f"patch stage {st.node!r} has no deadline by severity",
                      "add `sla:` with `when: <severity field>` and a duration per severity under `is:`")
            continue
        if sev is not None and sla.when.split(".")[-1] != sev.id:
            yield Issue(f"the deadline of patch stage {st.node!r} depends on {sla.when!r}, not on the severity "
                        f"record {sev.id!r}", at=sla.loc, stage=st.node,
                        hint="use the severity field declared under `compliance.records.severity`")
        cases = {str(k).lower(): k for k in sla.cases}
        # what the template's deadline counts from: a recorded date (`from:`, the discovery date in the bundled
        # template) or entering the stage; a standard may count from something else (PCI DSS 6.3.3: the patch's
        # release), which its limit names, so the message says both clocks
        clock = f"counted from {sla.anchor}" if sla.anchor else "counted from entering the stage"
        for level, limit in limits.items():
            key = cases.get(level)
            text = sla.cases[key] if key is not None else sla.otherwise
            what = f"the {level} deadline of patch stage {st.node!r}"
            if text is None:
                yield missing_limit(limit, what, sla.loc, f"add `{level}: <duration>` under `is:`", st.node)
            else:
                at = sla.value_locs.get(key, sla.value_locs.get("otherwise", sla.loc)) if key else \
                    sla.value_locs.get("otherwise", sla.loc)
                yield from exceeds(text, limit, f"{what} ({clock})", at, st.node)


@check("scan-and-rescan", ("vulnerability",), "Scans find vulnerabilities and a rescan confirms the fix.")
def _rescan(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    d = declared(tg)
    yield from required_step(d, "scan", "the stage that runs or imports the scan")
    rescans = yield from required_step(d, "rescan", "the stage that rescans after remediation")
    patches, _ = d.steps("patch")
    yield from reached_early(tg, patches, rescans, "rescan", "before remediation",
                              "route to the rescan after the patch stage")


@check("scan-cadence", ("vulnerability",), "Scans run at a set interval within the limit.")
def _cadence(tg: TemplateGraph, p: Params) -> Iterator[Issue]:
    yield from periodic(declared(tg), "runs_every", p["limit"], "how often scans run (`compliance.runs_every`)")

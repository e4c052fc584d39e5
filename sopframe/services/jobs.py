"""Job use cases both adapters share: starting from a validated template, and listing jobs a page at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.diagnostics import Finding
    from sopframe.core.engine import Engine, JobState
    from sopframe.core.engine.clock import Clock
    from sopframe.core.identity import RoleTable
    from sopframe.core.readmodel import JobSummary
    from sopframe.core.store import Store
    from sopframe.pluginmanager import Plugins

__all__ = ["start_job", "JobPage", "list_jobs", "check_template_known"]


def start_job(engine: "Engine", plugins: "Plugins", text: str, path: str, *, actor: str,
              title: str | None = None, reason: str | None = None,
              on_plugin_problem: "Callable[[Finding], None] | None" = None) -> "JobState":
    """Validate a template's text (errors refuse the start, with their positions), then start a job of it.

    ``reason`` is recorded when the job follows an SOP version that is not the current one.  A plugin rule
    that crashed on the template (SOP901: the fault is the plugin's) does not refuse the start;
    ``on_plugin_problem`` is told of it.
    """
    from sopframe.core.rules.plugin_problems import RULE_CRASHED
    from sopframe.core.validate import template_errors, validate_text
    from sopframe.errors import TemplateError

    result = validate_text(text, path, plugins=plugins)
    errors = template_errors(result.findings)
    if errors or result.template is None:
        raise TemplateError(path, errors or result.findings)
    if on_plugin_problem is not None:
        for f in result.findings:
            if f.code == RULE_CRASHED.code:
                on_plugin_problem(f)
    return engine.start(text, path, actor=actor, template=result.template, title=title, reason=reason)


class JobPage(NamedTuple):
    """One page of a job listing; ``next_cursor`` continues it (None on the last page)."""

    items: list["JobSummary"]
    next_cursor: str | None


def list_jobs(store: "Store", roles: "RoleTable", *, clock: "Clock | None" = None, status: str | None = None,
              template: str | None = None, assigned_to: str | None = None, overdue: bool = False,
              since: str | None = None, cursor: str | None = None, limit: int = 50) -> JobPage:
    """Jobs from the read models in job-id order, filtered; ``assigned_to`` means an open stage owned by a
    role that user holds in ``roles`` (aliases resolve to the canonical user); ``overdue`` means past an SLA
    at ``clock()`` (default: the system clock).  Only the store is read: no engine, no template."""
    from sopframe.core.engine.clock import system_clock, to_text
    from sopframe.core.readmodel import JobQuery

    owners = None
    if assigned_to:
        owners = tuple(sorted(roles.roles_of(roles.canonical(assigned_to))))
    query = JobQuery(status=status, template=template, owners=owners,
                     overdue_at=to_text((clock or system_clock)()) if overdue else None, since=since, after=cursor,
                     limit=limit + 1)
    rows = store.summaries(query)  # one more than the page: a cursor only when another page really follows
    return JobPage(rows[:limit], rows[limit - 1].job if len(rows) > limit else None)


def check_template_known(store: "Store", template: str) -> None:
    """Refuse a template id no job of the store was started from (a usage error, exit 2, with a did-you-mean):
    a filter on it would answer "nothing" for a typo.  Callers ask only when their filtered answer is empty."""
    from sopframe.core.safetext import escape
    from sopframe.errors import UsageError, did_you_mean

    known = store.template_ids()
    if template in known:
        return
    raise UsageError(f"no job in the store was started from template '{escape(template)}'"
                     f"{did_you_mean(template, known)}",
                     hint=f"templates with jobs: {', '.join(escape(t) for t in known)}" if known else
                     "the store has no jobs yet")

"""What the store contract suites share: test events and small templates.

The templates are also used by sopframe's own tests and benchmarks, which
import them from :mod:`sopframe.testing.store_contract`.
"""

from __future__ import annotations

from sopframe.core.engine.events import GENESIS, Event, NewEvent, chain

__all__ = ["T0", "make_events"]

T0 = "2026-01-05T09:00:00.000000Z"


def make_events(job: str, n: int, after: tuple[int, str] = (0, GENESIS), type: str = "field.set",
                at: str = T0, actor: str = "alice") -> list[Event]:
    """``n`` chained test events for ``job`` following event ``after`` (seq, hash)."""
    new = [NewEvent(type, {"stage": "s", "field": "f", "value": i, "text": "naïve ✓", "nested": {"b": [1, None]}})
           for i in range(n)]
    return chain(job, after[0], after[1], new, actor, at)


_TINY_TEMPLATE = """\
template: tiny
title: A tiny procedure
version: 1.0.0
kind: change
job_id: TINY-{seq:03}
roles:
  author: Writes it
  lead: Approves it
stages:
  write:
    owner: author
    sla: 1d
    fields:
      summary:
        type: text
        required: yes
      count:
        type: integer
        min: 1
    next: approve
  approve:
    owner: lead
    signoffs:
      lead:
        role: lead
"""

_SOD_TEMPLATE = """\
template: sod
title: Reviewed by someone else
version: 1.0.0
kind: change
job_id: SOD-{seq:03}
roles:
  author: Writes it
  lead: Approves it
stages:
  write:
    owner: author
    fields:
      summary:
        type: text
        required: yes
      author:
        type: user
        role: author
        required: yes
    next: approve
  approve:
    owner: lead
    signoffs:
      lead:
        role: lead
        not_by: author
"""

_ITEMS_TEMPLATE = """\
template: items
title: One sub-job per finding
version: 1.0.0
kind: vulnerability
job_id: ITEMS-{seq:03}
roles:
  author: Lists the findings
  lead: Fixes them
stages:
  list:
    owner: author
    fields:
      findings:
        type: list
        key: id
        required: yes
        columns:
          id:
            type: text
            required: yes
          found_at:
            type: date
            required: yes
    split:
      finding:
        for_each: findings
        owner: lead
        stages:
          fix:
            sla:
              from: item.found_at
              within: 7d
    rejoin: done
  done:
    owner: author
"""

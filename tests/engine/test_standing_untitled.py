"""job show of a sub-job the template gives no title: it is named by its key, with no gap where a title would be."""

from __future__ import annotations

from sopframe.core.engine import Engine
from sopframe.core.engine.standing import render_standing, standing

UNTITLED = """\
template: untitled-parts
title: Parts without titles
version: 1.0.0
kind: change
roles:
  it_lead: Lead
  ops_lead: Operations lead
stages:
  start:
    owner: it_lead
    split:
      comms:
        suffix: C
        owner: ops_lead
        stages:
          announce:
            fields:
              announced:
                type: bool
                required: yes
    rejoin: done
  done:
    owner: it_lead
"""


def test_an_untitled_sub_job_is_shown_by_its_key(engine: Engine) -> None:
    job = engine.start(UNTITLED, "parts.yaml", actor="lee").job_id
    sub = standing(engine, f"{job}-C")
    assert sub["title"] == "comms" and [s["title"] for s in sub["subjobs"]] == ["comms"]
    text = render_standing(sub).splitlines()
    assert text[0] == f"{job}-C  comms"
    assert f"  sub-job:  {job}-C  comms  [open at announce]  owner ops_lead (olga)" in text
    assert f"  sub-job:  {job}-C  comms  [open at announce]  owner ops_lead (olga)" in \
        render_standing(standing(engine, job)).splitlines()

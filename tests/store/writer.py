"""A writer process for the reliability tests (run as a script, not collected by pytest).

    python writer.py stream URL JOB N          N commands of three events each, printing each done
    python writer.py race URL JOB N NAME       N one-event commands, retrying on conflicts
"""

from __future__ import annotations

import sys

TEMPLATE = """\
template: stress
title: Stress
version: 1.0.0
kind: change
job_id: STRESS-{seq:03}
roles:
  eng: Engineer
stages:
  work:
    owner: eng
    fields:
      a:
        type: text
      b:
        type: text
      c:
        type: text
"""


def main(argv: list[str]) -> int:
    from sopframe.core.engine import Engine
    from sopframe.core.store import open_store
    from sopframe.pluginmanager import load_plugins
    from sopframe.errors import ConflictError

    mode, url, job, n = argv[0], argv[1], argv[2], int(argv[3])
    store = open_store(url, load_plugins())
    engine = Engine(store, roles={"eng": ["eve", *argv[4:5]]})  # a racing writer acts as its NAME
    if mode == "start":
        print(engine.start(TEMPLATE, "stress.yaml", actor="eve", job_id=job).job_id, flush=True)
        return 0
    if mode == "stream":
        for i in range(n):
            v = f"cmd-{i}"
            engine.set_fields(job, {"a": v, "b": v, "c": v}, actor="eve")
            print(i, flush=True)
        return 0
    if mode == "race":
        name, conflicts = argv[4], 0
        for i in range(n):
            while True:
                try:
                    engine.set_fields(job, {"a": f"{name}-{i}"}, actor=name)
                    break
                except ConflictError:
                    conflicts += 1
        print(f"conflicts {conflicts}", flush=True)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

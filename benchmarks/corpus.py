"""Generate template corpora for the validation benchmark.

``realistic_corpus`` writes N templates derived from the bundled ones (ids,
titles, field names and stage counts varied); ``chain_template`` writes one
template of N stages with fields, sign-offs, gates, conditional routing and a
split every so often, like a long real procedure.
"""

from __future__ import annotations

import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def chain_template(n: int, seed: int = 0) -> str:
    out = [
        f"template: generated-{n}",
        f"title: Generated procedure with {n} stages",
        "version: 1.0.0",
        "kind: change",
        "frameworks:",
        "  - iso27001",
        "job_id: GEN-{year}-{seq:04}",
        "roles:",
        "  engineer: Does the work",
        "  reviewer: Reviews the work",
        "  lead: Owns the sub-jobs",
        "stages:",
    ]
    i = 0
    while i < n:
        sid, nxt = f"s{i}", f"s{i + 1}"
        last = i == n - 1
        out += [f"  {sid}:", f"    title: Stage {i} of the procedure", "    owner: engineer"]
        if i == 0:
            out += ["    fields:", "      requester:", "        type: user", "        role: engineer",
                    "        required: yes", "      risk:", "        type: choice", "        options:",
                    "          - low", "          - high", "        required: yes"]
        else:
            out += ["    fields:", f"      note_{i}:", "        type: longtext", f"      count_{i}:",
                    "        type: integer", "        min: 0", "        required: yes"]
        if i % 7 == 3:
            out += ["    signoffs:", f"      review_{i}:", "        role: reviewer", "        not_by: requester"]
        if i % 5 == 2:
            out += ["    gate:", f"      count_{i}:", "        at_least: 1"]
        if i % 11 == 4 and i > 0:
            out += ["    rework: s0"]
        if i % 4 == 1:
            out += ["    sla:", "      when: risk", "      is:", "        high: 4h", "      otherwise: 2d"]
        if last:
            break
        if i % 13 == 6 and i + 2 < n and (i + 1) % 17 != 9:
            # conditional route that skips one stage on low risk
            out += ["    next:", "      when: risk", "      is:", f"        high: {nxt}", f"      otherwise: s{i + 2}"]
        elif i % 17 == 9 and i + 1 < n:
            out += ["    split:"]
            for j, suffix in ((0, "A"), (1, "B")):
                out += [f"      part{j}:", f"        suffix: {suffix}", f"        title: Part {suffix}",
                        "        owner: lead", "        stages:", "          do:", "            title: Do it",
                        "            fields:", "              done:", "                type: bool",
                        "                required: yes", "            next: check", "          check:",
                        "            title: Check it", "            signoffs:", "              checked:",
                        "                role: reviewer"]
            out += [f"    rejoin: {nxt}"]
        else:
            out += [f"    next: {nxt}"]
        i += 1
    return "\n".join(out) + "\n"


def realistic_corpus(directory: Path, n: int = 200, seed: int = 0) -> list[Path]:
    """Write ``n`` templates varied from the bundled ones into ``directory``."""
    rng = random.Random(seed)
    sources = sorted((ROOT / "templates").rglob("*.yaml"))
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(n):
        src = sources[k % len(sources)].read_text("utf-8")
        lines = src.splitlines()
        for idx, line in enumerate(lines):
            if line.startswith("template: "):
                lines[idx] = f"{line}-{k:04d}"
            elif line.startswith("title: "):
                lines[idx] = f"{line} (variant {k})"
        text = "\n".join(lines) + "\n"
        if rng.random() < 0.1:  # some templates carry a mistake, as real repositories do
            text = text.replace("    owner: ", "    ownr: ", 1)
        path = directory / f"t{k:04d}.yaml"
        path.write_text(text, "utf-8")
        paths.append(path)
    return paths

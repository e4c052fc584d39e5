"""Validation at scale: sopframe against check-jsonschema, in the same run.

Run from the repository root, after ``pip install '.[bench]'`` (a regular
install: an editable one adds its import hook's start-up to every process)::

    python benchmarks/validate_bench.py [--repeat 5] [--corpus-only] [--out benchmarks/results/validate.json]

It generates a corpus (200 realistic templates, and single templates of 100,
1,000 and 5,000 stages), then times, as separate processes:

- ``sopframe validate`` cold (a fresh cache directory) and warm (every file
  in the result cache);
- ``check-jsonschema --schemafile <sopframe's schema>`` on the same files
  (the schema-only check a user would otherwise run);
- graph checks alone on each large template (in process, parsing excluded);
- ``sopframe --version``.

It prints medians and ratios against the targets and writes a JSON result.
Times vary between machines; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.corpus import chain_template, realistic_corpus  # noqa: E402


def _exe(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).with_name(name))
    if not Path(found).exists():
        sys.exit(f"{name} is not installed: pip install -e '.[bench]'")
    return found


#: as a user's machine runs them: compiled modules are written once and reused
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(cmd: list[str], repeat: int, ok: tuple[int, ...] = (0, 1), before=None) -> list[float]:
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)  # warm the OS and .pyc
    times = []
    for _ in range(repeat):
        if before:
            before()
        t = time.perf_counter()
        rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV).returncode
        times.append(time.perf_counter() - t)
        if rc not in ok:
            sys.exit(f"{' '.join(cmd)} exited {rc}")
    return times


def _graph_seconds(text: str, repeat: int) -> float:
    from sopframe.core.builder import build_template
    from sopframe.core.graph import build_graph
    from sopframe.core.validate import run_rules
    from sopframe.core.yamlsource import parse_text
    from sopframe.pluginmanager import load_plugins

    plugins = load_plugins()
    rules = plugins.rules()
    doc, _ = parse_text("big.yaml", text)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        tg = build_graph(build_template(doc))
        run_rules(tg, rules)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _editable() -> bool:
    """Whether sopframe is an editable install, whose import hook adds start-up time to every process."""
    from importlib.metadata import distribution

    raw = distribution("sopframe").read_text("direct_url.json") or "{}"
    return bool(json.loads(raw).get("dir_info", {}).get("editable"))


def _validate_seconds(text: str, repeat: int) -> float:
    """In-process validation of one template (read, schema, graph, rules): no start-up.

    The fastest of ``repeat`` runs after one to warm up (timeit's convention:
    interference from other work only ever adds time), for the growth fit.
    """
    from sopframe.core.validate import validate_text
    from sopframe.pluginmanager import load_plugins

    plugins = load_plugins()
    schema = plugins.schema()
    validate_text(text, "big.yaml", plugins=plugins, schema=schema)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        validate_text(text, "big.yaml", plugins=plugins, schema=schema)
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--corpus-only", action="store_true", help="time only the corpus, not the large templates")
    ap.add_argument("--out", default=str(HERE / "results" / "validate.json"))
    args = ap.parse_args()
    sop, cj = _exe("sopframe"), _exe("check-jsonschema")
    work = Path(tempfile.mkdtemp(prefix="sopframe-bench-"))
    result: dict[str, object] = {"python": sys.version.split()[0], "files": args.files, "repeat": args.repeat,
                                 "editable_install": _editable()}
    try:
        corpus = realistic_corpus(work / "corpus", args.files)
        schema = work / "schema.json"
        schema.write_text(subprocess.run([sop, "schema"], capture_output=True, text=True, check=True).stdout)
        cache = work / "cache"
        # the peer exits 1 both for invalid templates and for a schema it refuses: make sure it does the work
        probe = subprocess.run([cj, "--schemafile", str(schema), str(corpus[0])], capture_output=True, text=True)
        if "schemafile was not valid" in probe.stdout + probe.stderr:
            sys.exit("check-jsonschema refuses the schema `sopframe schema` prints, so it would time nothing:\n"
                     + (probe.stdout + probe.stderr).strip()[:2000])

        def clear() -> None:
            shutil.rmtree(cache, ignore_errors=True)

        files = [str(p) for p in corpus]
        cold = _time([sop, "validate", "--cache-dir", str(cache), "--format", "json", str(work / "corpus")],
                     args.repeat, before=clear)
        subprocess.run([sop, "validate", "--cache-dir", str(cache), str(work / "corpus")], capture_output=True)
        warm_cmd = [sop, "validate", "--cache-dir", str(cache), "--format", "json", str(work / "corpus")]
        warm = _time(warm_cmd, max(args.repeat, 20))  # short runs: more of them for a steady median
        peer = _time([cj, "--schemafile", str(schema), *files], args.repeat)
        version = _time([sop, "--version"], max(args.repeat, 20), ok=(0,))
        med = statistics.median
        result["corpus"] = {
            "sopframe_cold_s": med(cold), "sopframe_warm_s": med(warm), "check_jsonschema_s": med(peer),
            "cold_vs_peer": med(cold) / med(peer), "cold_vs_warm": med(cold) / med(warm),
        }
        result["version_ms"] = med(version) * 1000
        sizes = {}
        for n in () if args.corpus_only else (100, 1000, 5000):
            text = chain_template(n)
            path = work / f"chain-{n}.yaml"
            path.write_text(text)
            reps = max(1, args.repeat // (2 if n >= 5000 else 1))
            whole = _time([sop, "validate", "--no-cache", "--max-file-size", str(len(text) + 1), str(path)], reps)
            peer_one = _time([cj, "--schemafile", str(schema), str(path)], reps)
            in_process = _validate_seconds(text, max(reps, 3, 3000 // n))  # more runs of the quick sizes
            sizes[n] = {"bytes": len(text), "sopframe_s": med(whole), "check_jsonschema_s": med(peer_one),
                        "in_process_s": in_process, "graph_checks_s": _graph_seconds(text, reps)}
        result["sizes"] = sizes
        xs = [math.log(n) for n in sizes]
        ys = [math.log(sizes[n]["in_process_s"]) for n in sizes]
        mx, my = (statistics.fmean(xs), statistics.fmean(ys)) if sizes else (0.0, 0.0)
        result["growth_exponent"] = None if not sizes else sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    c = result["corpus"]
    if result["editable_install"]:
        print("note: sopframe is an editable install; its import hook adds about 10 ms to every process, which "
              "lowers cold / warm. Measure a regular install (pip install '.[bench]') for the figures users see.")
    print(f"corpus of {args.files} templates (median of {args.repeat}):")
    print(f"  sopframe cold                       {c['sopframe_cold_s'] * 1000:7.0f} ms")
    print(f"  sopframe warm, every file cached    {c['sopframe_warm_s'] * 1000:7.0f} ms")
    print(f"  check-jsonschema                    {c['check_jsonschema_s'] * 1000:7.0f} ms")
    print(f"  cold / check-jsonschema          = {c['cold_vs_peer']:.2f}  (target <= 1.5)")
    print(f"  cold / warm (every file cached)  = {c['cold_vs_warm']:.1f}  (target >= 6)")
    for n, s in result["sizes"].items():
        print(f"{n:>5} stages ({s['bytes']:>9,} B): sopframe validate {s['sopframe_s']:.2f} s "
              f"(in process {s['in_process_s']:.2f} s), check-jsonschema {s['check_jsonschema_s']:.2f} s, "
              f"graph checks {s['graph_checks_s']:.3f} s" + ("  (target <= 1 s)" if n == 5000 else ""))
    if sizes:
        print(f"growth exponent of in-process validation time (fastest run) over 100/1,000/5,000 stages: "
              f"{result['growth_exponent']:.3f} (target <= 1.0)")
    print(f"sopframe --version median: {result['version_ms']:.0f} ms (target <= 150 ms)")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

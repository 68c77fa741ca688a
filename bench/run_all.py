"""Run every benchmark in bench/ (and bench/robustness/) one after another, collecting their JSON.

Each script runs in its own process with modest default sizes, so the whole set finishes in
well under an hour on a 2-core machine; ``--full`` switches to the sizes quoted in
bench/RESULTS.md (10M-entry index and retro-hunt, 1M-entry service bank). Scripts run one at a
time because they measure CPU time on a small machine: two at once would distort both. The load
average is recorded before each run, since the machine may be shared with other jobs.

Usage::

    python bench/run_all.py                      # modest sizes
    python bench/run_all.py --full               # the sizes in RESULTS.md
    python bench/run_all.py --only service,retro_hunt
    python bench/run_all.py --pass 'service=--postgres --rate 200'

Writes bench/out/run_all.json: per script, its command, exit status, duration, load average
and the JSON files it wrote.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"

MODEST: dict[str, list[str]] = {
    "index": ["--sizes", "1000000"],
    "indicators": ["--naive-seconds", "10"],
    "service": [
        "--entries",
        "100000",
        "--closed-seconds",
        "10",
        "--open-seconds",
        "10",
        "--scan-seconds",
        "8",
    ],
    "retro_hunt": ["--items", "1000000"],
}
"""Arguments for a quick run; scripts not listed run with their own defaults."""

FULL: dict[str, list[str]] = {
    "index": ["--sizes", "1000000,10000000"],
    "service": ["--entries", "1000000"],
    "retro_hunt": ["--items", "10000000"],
}
"""Arguments for ``--full``: the sizes the results page quotes."""

MODEST_ENV: dict[str, dict[str, str]] = {"robustness": {"SHIELDWALL_BENCH_LIMIT": "40"}}
"""Scripts configured through the environment rather than flags."""


def scripts() -> dict[str, Path]:
    """Every ``bench_*.py`` under bench/ and bench/robustness/, by short name."""
    found = sorted(BENCH.glob("bench_*.py")) + sorted((BENCH / "robustness").glob("bench_*.py"))
    return {p.stem.removeprefix("bench_"): p for p in found}


def outputs_since(began: float) -> list[str]:
    if not OUT.exists():
        return []
    return sorted(p.name for p in OUT.glob("*.json") if p.stat().st_mtime >= began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the 10M sizes (hours, not minutes)")
    parser.add_argument("--only", default="", help="comma-separated names, e.g. service,index")
    parser.add_argument(
        "--pass",
        dest="passes",
        action="append",
        default=[],
        metavar="NAME=ARGS",
        help="extra arguments for one script (repeatable), e.g. 'service=--postgres'",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the commands only")
    args = parser.parse_args()
    available = scripts()
    chosen = [n.strip() for n in args.only.split(",") if n.strip()] or list(available)
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; choose from {sorted(available)}")
    extra: dict[str, list[str]] = {}
    for item in args.passes:
        name, _, rest = item.partition("=")
        if name not in available:
            raise SystemExit(f"--pass {item!r}: no benchmark named {name!r}")
        extra.setdefault(name, []).extend(shlex.split(rest))

    runs: list[dict[str, Any]] = []
    for name in chosen:
        sized = (FULL if args.full else MODEST).get(name, [])
        cmd = [sys.executable, str(available[name]), *sized, *extra.get(name, [])]
        env = {**os.environ, **({} if args.full else MODEST_ENV.get(name, {}))}
        print(f"== {name}: {shlex.join(cmd)}", flush=True)
        if args.dry_run:
            continue
        load = [round(x, 2) for x in os.getloadavg()]
        began = time.time()
        rc = subprocess.call(cmd, env=env, cwd=BENCH.parent)
        runs.append(
            {
                "name": name,
                "command": shlex.join(cmd),
                "returncode": rc,
                "seconds": round(time.time() - began, 1),
                "load_average_before": load,
                "wrote": outputs_since(began),
            }
        )
        print(f"== {name}: exit {rc} after {runs[-1]['seconds']} s", flush=True)
    if args.dry_run:
        return
    OUT.mkdir(parents=True, exist_ok=True)
    summary = {"full": args.full, "runs": runs}
    (OUT / "run_all.json").write_text(json.dumps(summary, indent=2) + "\n")
    failed = [r["name"] for r in runs if r["returncode"] != 0]
    print(f"done: {len(runs) - len(failed)} ok, failed: {failed or 'none'}")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()

"""Run the generation guard on the second fresh set (``guard_fresh_set2.py``): P, R, latency.

The set is run twice in its life: once before the fifth session changed the guard and once
after (see that file's docstring). By default this prints aggregate figures only, so that a
"before" run shows no per-prompt misses; ``--per-language`` adds precision and recall per
language block, and ``--misses`` lists the prompts decided wrongly (for the final run only).

Usage: ``python bench/bench_guard_fresh2.py [--per-language] [--misses]`` (one core; writes
bench/out/guard_fresh2.json).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import defaultdict
from typing import Any

from common import write_json
from guard_fresh_set2 import FRESH2_ABUSIVE, FRESH2_BENIGN
from shieldwall.signals.guard import GenerationGuard


def _pr(caught: int, wrongly: int, abusive: int) -> tuple[float, float]:
    return round(caught / max(1, caught + wrongly), 3), round(caught / max(1, abusive), 3)


def run(guard: GenerationGuard) -> dict[str, Any]:
    latencies: list[float] = []
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # caught, wrongly, n_bad, n_ok
    misses: list[str] = []
    for case, bad in [(c, True) for c in FRESH2_ABUSIVE] + [(c, False) for c in FRESH2_BENIGN]:
        began = time.perf_counter()
        refused = guard.evaluate(
            case.prompt, has_input_image=case.has_input_image, image_has_face=case.image_has_face
        ).refused
        latencies.append((time.perf_counter() - began) * 1000)
        row = per[case.lang]
        row[0] += refused and bad
        row[1] += refused and not bad
        row[2 if bad else 3] += 1
        if refused != bad:
            misses.append(f"{'missed' if bad else 'refused'} [{case.lang}] {case.prompt}")
    caught = sum(r[0] for r in per.values())
    wrongly = sum(r[1] for r in per.values())
    precision, recall = _pr(caught, wrongly, len(FRESH2_ABUSIVE))
    latencies.sort()
    return {
        "abusive": len(FRESH2_ABUSIVE),
        "benign": len(FRESH2_BENIGN),
        "precision": precision,
        "recall": recall,
        "false_refusals": wrongly,
        "missed": len(FRESH2_ABUSIVE) - caught,
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 2),
        "per_language": {
            lang: dict(zip(("precision", "recall"), _pr(r[0], r[1], r[2]), strict=True))
            | {"missed": r[2] - r[0], "false_refusals": r[1]}
            for lang, r in per.items()
        },
        "misses": misses,
    }


def main() -> None:
    full = GenerationGuard()
    full.warm_up()
    results = {"guard": run(full), "rules_only": run(GenerationGuard(use_semantic=False))}
    for name, r in results.items():
        print(
            f"{name}: {r['abusive']} abusive / {r['benign']} benign: P {r['precision']} "
            f"R {r['recall']} ({r['missed']} missed, {r['false_refusals']} wrongly refused); "
            f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms"
        )
    if "--per-language" in sys.argv:
        print("\n| language | P | R | missed | wrongly refused |\n|---|---|---|---|---|")
        for lang, r in results["guard"]["per_language"].items():
            print(
                f"| {lang} | {r['precision']} | {r['recall']} | {r['missed']} "
                f"| {r['false_refusals']} |"
            )
    if "--misses" in sys.argv:
        print("\n" + "\n".join(results["guard"]["misses"]))
    else:
        for r in results.values():
            r.pop("misses")
            r.pop("per_language")
    print(f"wrote {write_json('guard_fresh2', results)}")


if __name__ == "__main__":
    main()

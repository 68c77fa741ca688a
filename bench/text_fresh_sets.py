"""What the fresh held-out text sets share: an obfuscation family, the posts built from a set's
data, and the one way they are scored and printed.

Each ``bench_text_fresh*.py`` holds only its own data (indicators, families, frames, benign
templates, seed), written before the matcher changes it measures; keeping the scoring here
means every set is scored the same way, and a new set is only data.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from shieldwall.signals.text import Indicator, IndicatorKind, IndicatorSet, TextIndicatorSignal

ALL = frozenset(IndicatorKind)


@dataclass(frozen=True)
class Family:
    """One obfuscation: ``apply(mention, kind, rng)``, used on indicators of ``kinds``."""

    apply: Callable[[str, IndicatorKind, random.Random], str]
    kinds: frozenset[IndicatorKind] = ALL


@dataclass(frozen=True)
class FreshSet:
    """One held-out set: what it is called, where it writes, and its data."""

    label: str
    out: Path
    seed: int
    indicators: Sequence[Indicator]
    families: Mapping[str, Family]
    frames: Sequence[str]
    benign_templates: Sequence[str]
    fill: Mapping[str, Sequence[str]]


def _mention(ind: Indicator) -> str:
    return "@" + ind.value if ind.kind is IndicatorKind.BOT_HANDLE else ind.value


def positives(data: FreshSet, family: str, rng: random.Random) -> list[tuple[str, str]]:
    """(indicator id, post) for every indicator the family applies to, in every frame."""
    spec = data.families[family]
    rows = []
    for ind in data.indicators:
        if ind.kind not in spec.kinds:
            continue
        for frame in data.frames:
            rows.append((ind.id, frame.format(x=spec.apply(_mention(ind), ind.kind, rng))))
    return rows


def benign(data: FreshSet, n: int, rng: random.Random) -> list[str]:
    out = []
    while len(out) < n:
        template = rng.choice(data.benign_templates)
        out.append(template.format(**{k: rng.choice(v) for k, v in data.fill.items()}))
    return out


def evaluate(data: FreshSet, *, reveal: bool) -> dict[str, object]:
    """Recall per family and false positives on 1,000 benign posts; the per-family figures
    and misses only with ``reveal`` (a held-out set is looked at once, at the end)."""
    rng = random.Random(data.seed)
    signal = TextIndicatorSignal(IndicatorSet(list(data.indicators)))
    per_family: dict[str, dict[str, object]] = {}
    for family in data.families:
        rows = positives(data, family, rng)
        missed = [text for _, text in rows if not (signal.evaluate(text).score or 0) > 0]
        found = len(rows) - len(missed)
        per_family[family] = {
            "found": found,
            "of": len(rows),
            "recall": found / len(rows),
            "missed": missed,
        }
    posts = benign(data, 1000, rng)
    false_hits = [p for p in posts if (signal.evaluate(p).score or 0) > 0]
    recalls = [float(row["recall"]) for row in per_family.values()]  # type: ignore[arg-type]
    result: dict[str, object] = {
        "families": len(data.families),
        "positives": sum(int(row["of"]) for row in per_family.values()),  # type: ignore[call-overload]
        "mean_recall": round(sum(recalls) / len(recalls), 3),
        "benign_posts": len(posts),
        "false_positives": len(false_hits),
    }
    if reveal:
        result["per_family"] = per_family
        result["min_family"] = min(per_family, key=lambda f: per_family[f]["recall"])  # type: ignore[arg-type,return-value]
        result["false_positive_samples"] = sorted(set(false_hits))[:10]
    return result


def main(data: FreshSet, description: str) -> None:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--reveal", action="store_true", help="per-family figures and misses")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = evaluate(data, reveal=args.reveal)
    data.out.parent.mkdir(exist_ok=True)
    data.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    if args.reveal:
        per_family: dict[str, dict[str, object]] = result["per_family"]  # type: ignore[assignment]
        for f, row in per_family.items():
            print(f"  {f:28s} {row['found']:3d}/{row['of']:3d}  recall {row['recall']:.2f}")
            for text in row["missed"][:3]:  # type: ignore[index]
                print(f"      miss: {text!r}")
    print(
        f"{data.label} held-out: {result['families']} families, {result['positives']} "
        f"positives, mean recall {result['mean_recall']}"
    )
    print(f"false positives on {result['benign_posts']} benign posts: {result['false_positives']}")
    for sample in result.get("false_positive_samples", []):  # type: ignore[attr-defined]
        print(f"  FP: {sample}")

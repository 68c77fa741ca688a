"""``WatermarkSignal``: the invisible watermark that Stable Diffusion's reference code embeds.

Stability AI's reference scripts, and the ``diffusers`` SDXL pipeline, hide a fixed message in
every image they produce with ``invisible-watermark``'s ``dwtDct`` method: ``StableDiffusionV1``
(136 bits, SD 1.x scripts), ``SDV2`` (32 bits, SD 2.x scripts) and a 48-bit message (SDXL). Many
front ends turn it off, so its absence proves nothing; its presence is strong evidence.

How the method works, and how this decoder reads it: the image's U (blue-difference) channel is
split by a one-level Haar wavelet; the approximation band is cut into 4x4 blocks; in each block
the largest non-DC coefficient is quantised so that ``|c| mod 36`` is about 27 for a 1 bit and 9
for a 0 bit; block ``k`` carries bit ``k mod L``. Decoding reads every block's bit and takes
the majority per message bit. This module does exactly what ``imwatermark``'s
``EmbedMaxDct.decode`` does (the tests compare the two bit for bit) but vectorised, and once
for all three message lengths: about 5x faster than one ``imwatermark`` decode per message.

The score comes from bit agreement, corrected for chance: a natural image's decoded bits are
lopsided (flat areas decode as 0), so agreement is compared with what bits of the same balance
would give at random, and turned into the probability that an unmarked image agrees this well
with any of the three messages. The score is ``-log10(that probability) / 8``, capped to [0, 1]:
0.5 means about 1 in 10,000 unmarked images would score as high, 1.0 means 1 in 10^8 or rarer.
The watermark lives in chroma detail, so JPEG compression (4:2:0 chroma) and any resize
usually destroy it; PNG and WebP copies keep it.
"""

from __future__ import annotations

import io
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from PIL import Image

from shieldwall.signals.base import Availability, SignalInput, Subject
from shieldwall.types import SignalResult

if TYPE_CHECKING:
    from shieldwall.signals.base import Signal
    from shieldwall.signals.registry import SignalContext

WATERMARK_INSTALL_HINT = "pip install 'opencv-python-headless>=4.8' 'PyWavelets>=1.4'"

SCALE = 36
"""Quantisation step of imwatermark's dwtDct method (its default ``scales=[0, 36, 36]``)."""
BLOCK = 4
MIN_PIXELS = 256 * 256
"""imwatermark refuses images smaller than this; so does this decoder."""
LABEL_THRESHOLD = 0.5
"""Score from which the result carries the ``sd_watermark`` and ``synthetic`` labels."""
_LOG10_SCALE = 8.0


def _bits_of(message: bytes) -> tuple[int, ...]:
    return tuple(int(b) for b in np.unpackbits(np.frombuffer(message, dtype=np.uint8)))


@dataclass(frozen=True)
class KnownWatermark:
    """A message some generator embeds; ``key`` is its label suffix."""

    key: str
    description: str
    bits: tuple[int, ...]


KNOWN_WATERMARKS: tuple[KnownWatermark, ...] = (
    KnownWatermark("sd1", "Stable Diffusion 1.x default watermark 'StableDiffusionV1'",
                   _bits_of(b"StableDiffusionV1")),
    KnownWatermark("sd2", "Stable Diffusion 2.x default watermark 'SDV2'", _bits_of(b"SDV2")),
    KnownWatermark(
        "sdxl",
        "Stable Diffusion XL default 48-bit watermark",
        tuple(int(c) for c in f"{0b101100111110110010010000011110111011000110011110:b}"),
    ),
)  # fmt: skip


def watermark_missing() -> str | None:
    """Why the decoder cannot run here (OpenCV or PyWavelets missing), or None."""
    try:
        import cv2  # noqa: F401
        import pywt  # noqa: F401
    except ImportError as exc:
        return f"optional dependency {exc.name} is not installed"
    return None


def block_bits(bgr: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """The bit each 4x4 block of the U channel's Haar approximation carries, in embed order."""
    import cv2
    import pywt

    rows, cols = bgr.shape[0] // 4 * 4, bgr.shape[1] // 4 * 4
    yuv = cv2.cvtColor(np.ascontiguousarray(bgr), cv2.COLOR_BGR2YUV)
    approx, _ = pywt.dwt2(yuv[:rows, :cols, 1], "haar")
    brows, bcols = approx.shape[0] // BLOCK, approx.shape[1] // BLOCK
    blocks = (
        approx[: brows * BLOCK, : bcols * BLOCK]
        .reshape(brows, BLOCK, bcols, BLOCK)
        .transpose(0, 2, 1, 3)
        .reshape(brows * bcols, BLOCK * BLOCK)
    )
    strongest = np.argmax(np.abs(blocks[:, 1:]), axis=1) + 1
    values = np.abs(blocks[np.arange(len(blocks)), strongest])
    result: npt.NDArray[np.bool_] = (values % SCALE) > 0.5 * SCALE
    return result


def decode_bits(per_block: npt.NDArray[np.bool_], length: int) -> npt.NDArray[np.bool_]:
    """Majority vote of the blocks carrying each of ``length`` message bits (imwatermark's rule)."""
    slot = np.arange(len(per_block)) % length
    ones = np.bincount(slot, weights=per_block.astype(np.float64), minlength=length)
    counts = np.bincount(slot, minlength=length)
    result: npt.NDArray[np.bool_] = ones / np.maximum(counts, 1) * 255 > 127
    return result


@dataclass(frozen=True)
class Agreement:
    """How well the decoded bits of one image match one known message."""

    watermark: KnownWatermark
    agreeing: int
    expected: float
    """Agreement expected by chance from bits of the same 0/1 balance."""
    chance: float
    """One-sided probability that an unmarked image agrees at least this well (normal approx)."""


def agreement(decoded: npt.NDArray[np.bool_], watermark: KnownWatermark) -> Agreement:
    """Compare decoded bits with one message, allowing for the decoded bits' own balance."""
    message = np.array(watermark.bits, dtype=bool)
    n = len(message)
    agreeing = int(np.count_nonzero(decoded == message))
    ones = float(decoded.mean())
    n_ones = int(message.sum())
    expected = ones * n_ones + (1 - ones) * (n - n_ones)
    variance = n * ones * (1 - ones)
    if variance <= 0:  # all bits equal: a flat image, no information
        return Agreement(watermark, agreeing, expected, 1.0)
    z = (agreeing - expected) / math.sqrt(variance)
    return Agreement(watermark, agreeing, expected, 0.5 * math.erfc(z / math.sqrt(2)))


def score_from_chance(chance: float) -> float:
    """Map the chance of an unmarked image doing as well to a 0-1 score (module docstring)."""
    if chance <= 0:
        return 1.0
    return max(0.0, min(1.0, -math.log10(min(1.0, chance)) / _LOG10_SCALE))


class WatermarkSignal:
    """Looks for the Stable Diffusion reference watermarks; see the module docstring."""

    name = "watermark"
    version = "1"
    heavy = True
    applies_to = frozenset({Subject.IMAGE})
    description = (
        "Stable Diffusion reference invisible watermarks (imwatermark dwtDct: SD 1.x, 2.x, XL)"
    )

    def __init__(self, *, max_pixels: int = 100_000_000) -> None:
        self._max_pixels = max_pixels

    def availability(self) -> Availability:
        missing = watermark_missing()
        if missing:
            return Availability(False, missing, WATERMARK_INSTALL_HINT)
        return Availability(usable=True)

    def _rgb(self, item: SignalInput) -> npt.NDArray[np.uint8] | None:
        # The watermark is aligned to the stored pixel grid, so decode the original file at full
        # resolution and in stored orientation when there is one: the caller's pixels may have
        # been reduced or rotated.
        if not item.media:
            return item.pixels
        with Image.open(io.BytesIO(item.media)) as image:
            width, height = image.size
            if width * height > self._max_pixels:
                raise ValueError(
                    f"image is {width}x{height}, over the {self._max_pixels} pixel limit"
                )
            image.seek(0)
            return np.asarray(image.convert("RGB"), dtype=np.uint8)

    def evaluate(self, item: SignalInput) -> SignalResult:
        began = time.perf_counter()
        rgb = self._rgb(item)
        if rgb is None:
            raise ValueError("no image given (neither file bytes nor pixels)")
        if rgb.ndim != 3 or rgb.shape[2] != 3:
            raise ValueError(f"expected RGB pixels, got an array of shape {rgb.shape}")
        height, width = rgb.shape[:2]
        if height * width < MIN_PIXELS:
            return SignalResult(
                signal=self.name,
                version=self.version,
                score=0.0,
                evidence=(f"image is {width}x{height}: too small to carry the watermark",),
                elapsed_ms=(time.perf_counter() - began) * 1000,
            )
        per_block = block_bits(np.ascontiguousarray(rgb[:, :, ::-1]))
        results = [agreement(decode_bits(per_block, len(w.bits)), w) for w in KNOWN_WATERMARKS]
        # Three messages are tried, so the chance of any one matching is up to three times
        # larger (Bonferroni); the score is honest about that.
        best = min(results, key=lambda a: a.chance)
        score = score_from_chance(min(1.0, best.chance * len(results)))
        labels: tuple[str, ...] = ()
        if score >= LABEL_THRESHOLD:
            labels = ("sd_watermark", f"{best.watermark.key}_watermark", "synthetic")
        evidence = [
            f"{a.watermark.description}: {a.agreeing} of {len(a.watermark.bits)} bits agree "
            f"(about {a.expected:.0f} by chance); {_odds(a.chance * len(results))}"
            for a in sorted(results, key=lambda a: a.chance)
        ]
        return SignalResult(
            signal=self.name,
            version=self.version,
            score=round(score, 4),
            labels=labels,
            evidence=tuple(evidence),
            elapsed_ms=(time.perf_counter() - began) * 1000,
        )


def _odds(chance: float) -> str:
    if chance >= 0.05:
        return "no sign of the watermark"
    odds = 1 / max(chance, 1e-300)
    shown = f"{odds:,.0f}" if odds < 1e9 else f"10^{math.floor(math.log10(odds))}"
    return f"an unmarked image does this well about 1 time in {shown}"


def builtin_signals(context: SignalContext) -> list[Signal]:
    """The registry's entry point: this module's signals, built for ``context``."""
    return [WatermarkSignal(max_pixels=context.max_image_pixels)]

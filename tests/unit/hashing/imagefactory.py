"""Helpers for the hashing tests: the pdqhash oracle and synthetic images made in memory."""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
import pdqhash
from PIL import Image


def reference_pdq(pixels: npt.NDArray[np.uint8]) -> tuple[str, int]:
    """pdqhash.compute on the same pixels, as hex: the oracle every fast path is checked against."""
    vector, quality = pdqhash.compute(np.ascontiguousarray(pixels))
    return bytes(np.packbits(vector.astype(np.uint8))).hex(), int(quality)


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def textured(width: int, height: int, seed: int = 0) -> Image.Image:
    """A detailed synthetic image (smooth shapes plus noise) with high PDQ quality."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    base = np.stack(
        [
            128 + 100 * np.sin(x / (width / 7.0) + seed) * np.cos(y / (height / 5.0)),
            128 + 100 * np.cos((x + y) / (width / 9.0)),
            128 + 90 * np.sin(np.hypot(x - width / 3, y - height / 2) / (width / 11.0)),
        ],
        axis=2,
    )
    noisy = base + rng.normal(0, 12, base.shape)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")

"""workimage.js in headless Chromium builds exactly Python's grey work image, so region
hashes made in the victim's browser equal ``robust.bank_variants`` given the same pixels.

Bank-side region hashes are compared with query hashes that Python slices from a grey copy
at most ``WORK_SIDE`` long (Pillow's "L", then a BOX resize). These tests feed the browser
Pillow's own pixels (no decoder in the question) and demand byte-for-byte equality of that
grey copy, on odd sizes that exercise both orders of Pillow's two resize passes, and
bit-for-bit equality of the region hashes.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser_hash_support import RGB, HashPage, StaticServer, rgba_bytes
from PIL import Image

from shieldwall.hashing import robust
from shieldwall.hashing.pdq import pdq_from_pixels


def _textured(width: int, height: int, seed: int) -> RGB:
    """A benign synthetic picture: smooth colour blobs plus fine noise (hashable, quality >= 50)."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (max(2, height // 97), max(2, width // 97), 3), dtype=np.uint8)
    smooth = np.asarray(Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC))
    noise = rng.integers(-12, 13, (height, width, 3))
    return np.clip(smooth.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def _windows() -> list[dict[str, Any]]:
    return [
        {"name": w.name, "left": w.left, "top": w.top, "right": w.right, "bottom": w.bottom}
        for w in robust.BANK_WINDOWS[: robust.MAX_BANK_VARIANTS]
    ]


def test_work_side_is_pythons(hash_page: HashPage) -> None:
    assert hash_page.page.evaluate("window.sw.workSide") == robust.WORK_SIDE


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (1037, 733),  # landscape: rows first
        (513, 2000),  # height shrinks much more than width: Pillow 13 does columns first
        (2000, 513),
        (601, 600),
        (3000, 3000),
        (700, 3),  # a strip: one side rounds to a few pixels
        (3, 700),
        (512, 300),  # not over WORK_SIDE: grey only, no resize
    ],
)
def test_grey_box_resize_equals_pillows(
    hash_page: HashPage, static_server: StaticServer, width: int, height: int
) -> None:
    rgb = _textured(width, height, seed=width * 7 + height)
    url = static_server.add_blob(f"work-{width}x{height}.rgba", rgba_bytes(rgb))
    got = hash_page.page.evaluate(
        "([url, w, h]) => window.sw.workImageFromUrl(url, w, h)", [url, width, height]
    )
    want = np.asarray(robust._work_image(rgb))
    assert (got["width"], got["height"]) == (want.shape[1], want.shape[0])
    grey = np.frombuffer(base64.b64decode(got["grey"]), dtype=np.uint8).reshape(want.shape)
    assert np.array_equal(grey, want), f"{int((grey != want).sum())} levels differ"


@pytest.mark.parametrize(("width", "height"), [(1037, 733), (513, 2000), (640, 480)])
def test_region_hashes_equal_bank_variants_of_synthetic_pixels(
    hash_page: HashPage, static_server: StaticServer, width: int, height: int
) -> None:
    rgb = _textured(width, height, seed=width + height)
    url = static_server.add_blob(f"regions-{width}x{height}.rgba", rgba_bytes(rgb))
    options = {"windows": _windows(), "exclude": [pdq_from_pixels(rgb)[0]]}
    got = hash_page.page.evaluate(
        "([url, w, h, o]) => window.sw.windowVariantsFromUrl(url, w, h, o)",
        [url, width, height, options],
    )
    want = [{"name": v.name, "pdq": v.pdq, "quality": v.quality} for v in robust.bank_variants(rgb)]
    assert want, "the synthetic picture should have hashable regions"
    assert got == want


def test_region_hashes_of_every_test_photo_equal_bank_variants(
    hash_page: HashPage, static_server: StaticServer, photo_paths: list[Path]
) -> None:
    mismatches = []
    for path in photo_paths:
        with Image.open(path) as img:
            rgb = np.asarray(img.convert("RGB"))
        h, w, _ = rgb.shape
        url = static_server.add_blob(f"regions-{path.stem}.rgba", rgba_bytes(rgb))
        options = {"windows": _windows(), "exclude": [pdq_from_pixels(rgb)[0]]}
        got = hash_page.page.evaluate(
            "([url, w, h, o]) => window.sw.windowVariantsFromUrl(url, w, h, o)",
            [url, w, h, options],
        )
        want = [
            {"name": v.name, "pdq": v.pdq, "quality": v.quality} for v in robust.bank_variants(rgb)
        ]
        if got != want:
            mismatches.append((path.name, got, want))
    assert mismatches == []

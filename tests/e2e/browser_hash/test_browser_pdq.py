"""pdq.js in headless Chromium gives exactly the server's PDQ when it sees the same pixels.

The portal's promise to a victim is that the hash computed on their phone matches the
hash a platform computes on the same picture. Decoders may differ (see
test_browser_hasher.py); these tests remove the decoder from the question by feeding
the browser Pillow's own pixels, and demand bit-for-bit equality with pdqhash.
"""

from __future__ import annotations

import base64
import math
from pathlib import Path

import numpy as np
import pdqhash
import pytest
from browser_hash_support import (
    RGB,
    HashPage,
    StaticServer,
    bits_to_hex,
    hamming,
    pdq_hex,
    rgba_bytes,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

_PAGE_FIXTURE = [HealthCheck.function_scoped_fixture]


def _b64(rgb: RGB) -> str:
    return base64.b64encode(rgba_bytes(rgb)).decode("ascii")


def _browser_pdq(hash_page: HashPage, rgb: RGB) -> dict[str, object]:
    h, w, _ = rgb.shape
    result: dict[str, object] = hash_page.page.evaluate(
        "([b64, w, h]) => window.sw.pdqFromBase64(b64, w, h)", [_b64(rgb), w, h]
    )
    return result


def test_dct_matrix_is_the_reference_matrix(hash_page: HashPage) -> None:
    # float(sqrt(2/64)) * double cosine, rounded once to float, as pdqhashing.cpp builds it.
    scale = np.float32(math.sqrt(2.0 / 64))
    expected = [
        float(np.float32(float(scale) * math.cos((math.pi / 2.0 / 64) * (i + 1) * (2 * j + 1))))
        for i in range(16)
        for j in range(64)
    ]
    assert hash_page.page.evaluate("window.sw.dctMatrix()") == expected


def test_every_test_photo_hashes_identically_from_identical_pixels(
    hash_page: HashPage, static_server: StaticServer, photo_paths: list[Path]
) -> None:
    assert len(photo_paths) == 19
    mismatches = []
    for path in photo_paths:
        with Image.open(path) as img:
            rgb = np.asarray(img.convert("RGB"))
        expected_hash, expected_quality = pdq_hex(rgb)
        h, w, _ = rgb.shape
        url = static_server.add_blob(f"{path.stem}.rgba", rgba_bytes(rgb))
        got = hash_page.page.evaluate(
            "([url, w, h]) => window.sw.pdqFromUrl(url, w, h)", [url, w, h]
        )
        if got != {"hash": expected_hash, "quality": expected_quality}:
            mismatches.append((path.name, got, expected_hash, expected_quality))
    assert mismatches == []


@pytest.mark.parametrize(
    ("name", "rgb"),
    [
        # A flat image has an all-zero spectrum: the median ties with everything.
        ("flat grey", np.full((100, 80, 3), 128, dtype=np.uint8)),
        ("horizontal ramp", np.tile(np.arange(256, dtype=np.uint8)[None, :, None], (40, 1, 3))),
        ("64x64 skips the blur", np.random.default_rng(7).integers(0, 256, (64, 64, 3), np.uint8)),
        ("5x5 smallest hashable", np.random.default_rng(8).integers(0, 256, (5, 5, 3), np.uint8)),
        ("4 rows is too small", np.random.default_rng(9).integers(0, 256, (4, 50, 3), np.uint8)),
        ("tall strip", np.random.default_rng(10).integers(0, 256, (3000, 7, 3), np.uint8)),
    ],
)
def test_edge_case_images_match_pdqhash(hash_page: HashPage, name: str, rgb: RGB) -> None:
    expected_hash, expected_quality = pdq_hex(rgb)
    assert _browser_pdq(hash_page, rgb) == {"hash": expected_hash, "quality": expected_quality}


@settings(max_examples=40, deadline=None, suppress_health_check=_PAGE_FIXTURE)
@given(
    width=st.integers(1, 260),
    height=st.integers(1, 260),
    seed=st.integers(0, 2**32 - 1),
    smooth=st.booleans(),
)
def test_random_images_match_pdqhash(
    hash_page: HashPage, width: int, height: int, seed: int, smooth: bool
) -> None:
    rng = np.random.default_rng(seed)
    if smooth:
        # Photos are mostly smooth: blocky noise upscaled, so the blur keeps structure.
        small = rng.integers(0, 256, (max(1, height // 16), max(1, width // 16), 3), np.uint8)
        rgb = np.asarray(Image.fromarray(small).resize((width, height), Image.Resampling.BILINEAR))
    else:
        rgb = rng.integers(0, 256, (height, width, 3), np.uint8)
    expected_hash, expected_quality = pdq_hex(rgb)
    assert _browser_pdq(hash_page, rgb) == {"hash": expected_hash, "quality": expected_quality}


def test_dihedral_variants_match_pdqhash(hash_page: HashPage, photo_paths: list[Path]) -> None:
    names = hash_page.page.evaluate("window.sw.dihedralNames")
    assert names == [
        "original",
        "rotate90",
        "rotate180",
        "rotate270",
        "flipX",
        "flipY",
        "flipPlus1",
        "flipMinus1",
    ]
    for path in photo_paths[:4]:
        with Image.open(path) as img:
            rgb = np.asarray(img.convert("RGB"))
        vectors, quality = pdqhash.compute_dihedral(rgb)
        h, w, _ = rgb.shape
        got = hash_page.page.evaluate(
            "([b64, w, h]) => window.sw.pdqDihedralFromBase64(b64, w, h)", [_b64(rgb), w, h]
        )
        assert got == {
            "hashes": {n: bits_to_hex(v) for n, v in zip(names, vectors, strict=True)},
            "quality": int(quality),
        }, path.name


def test_rotated_photo_is_found_by_a_dihedral_variant(
    hash_page: HashPage, photo_paths: list[Path]
) -> None:
    # What the variants are for: a victim's photo re-posted rotated still matches.
    with Image.open(photo_paths[0]) as img:
        rgb = np.asarray(img.convert("RGB"))
    rotated = np.ascontiguousarray(np.rot90(rgb))  # 90 degrees anticlockwise
    h, w, _ = rgb.shape
    variants = hash_page.page.evaluate(
        "([b64, w, h]) => window.sw.pdqDihedralFromBase64(b64, w, h)", [_b64(rgb), w, h]
    )["hashes"]
    rotated_hash, _ = pdq_hex(rotated)
    # Not bit-exact: the 64x64 sampling grid is not symmetric under rotation.
    assert hamming(rotated_hash, variants["original"]) > 31
    assert min(hamming(rotated_hash, v) for v in variants.values()) <= 31


def test_wrong_pixel_count_is_refused(hash_page: HashPage) -> None:
    with pytest.raises(Exception, match="expected 400 RGBA bytes"):
        hash_page.page.evaluate("window.sw.pdqFromBase64(btoa('abcd'), 10, 10)")

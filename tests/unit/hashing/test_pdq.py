"""The matrix PDQ hashes like pdqhash; its dihedral hashes match the transformed images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pdqhash
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from shieldwall.hashing import DIHEDRAL_NAMES, pdq_dihedral_from_pixels, pdq_from_pixels
from shieldwall.hashing.pdq import pdq_float_from_pixels
from shieldwall.hashing.values import hamming
from shieldwall.types import DEFAULT_PDQ_THRESHOLD

from .imagefactory import reference_pdq

# pdqhash.compute_dihedral returns its eight hashes in this order (its FlipX
# mirrors about the x axis, i.e. reverses the rows).
PDQHASH_DIHEDRAL_ORDER = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_vertical",
    "flip_horizontal",
    "flip_diagonal",
    "flip_antidiagonal",
)


def _rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def test_photos_hash_exactly_like_pdqhash(photo_paths: list[Path]) -> None:
    for path in photo_paths:
        pixels = _rgb(path)
        assert pdq_from_pixels(pixels) == reference_pdq(pixels), path.name


@st.composite
def images(draw: st.DrawFn) -> np.ndarray:
    """Random sizes (tiny to several windows wide) and content from noise to smooth ramps."""
    h = draw(st.integers(1, 400))
    w = draw(st.integers(1, 400))
    seed = draw(st.integers(0, 2**32 - 1))
    smoothness = draw(st.sampled_from([1, 4, 32]))
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (max(1, h // smoothness), max(1, w // smoothness), 3))
    big = np.repeat(np.repeat(small, smoothness, axis=0), smoothness, axis=1)
    canvas = np.zeros((h, w, 3), dtype=np.uint8)
    ch, cw = min(h, big.shape[0]), min(w, big.shape[1])
    canvas[:ch, :cw] = big[:ch, :cw]
    return canvas


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(images())
@example(  # found by CI: a 2x2 image, below PDQ's 5-pixel minimum
    pixels=np.array([[[217, 163, 130], [69, 78, 10]], [[19, 4, 44], [208, 166, 233]]], np.uint8)
)
def test_random_images_hash_like_pdqhash(pixels: np.ndarray) -> None:
    ours, quality = pdq_from_pixels(pixels)
    theirs, their_quality = reference_pdq(pixels)
    if min(pixels.shape[:2]) < 5:
        # Too small to hash: both give the all-zero hash. (pdqhash.compute_float still
        # returns raw coefficients there, which no hash is made from, so they are not compared.)
        assert (ours, quality) == ("0" * 64, 0) == (theirs, their_quality)
        return
    coefficients, _ = pdq_float_from_pixels(pixels)
    reference = np.asarray(pdqhash.compute_float(pixels)[0])[::-1].reshape(16, 16)
    # Same coefficients up to float32 rounding: pdqhash keeps running box sums
    # in float32 (errors ~1e-3 of a luma unit at these sizes), we sum in float64.
    rounding = 5e-3
    np.testing.assert_allclose(coefficients, reference, rtol=0, atol=rounding)
    # So a bit can differ only where its coefficient is within that rounding of
    # the median: a tie the reference itself breaks by rounding noise (blocky
    # synthetic images have exact ties; the photos have none and hash identically).
    flat = coefficients.ravel()
    median = np.partition(flat, 127)[127]
    differing = int(ours, 16) ^ int(theirs, 16)
    for k in range(256):
        if differing >> k & 1:
            assert abs(flat[k] - median) <= 2 * rounding
    assert abs(quality - their_quality) <= 1


def test_flat_image_has_zero_quality() -> None:
    grey = np.full((300, 200, 3), 128, dtype=np.uint8)
    assert pdq_from_pixels(grey)[1] == 0 == reference_pdq(grey)[1]


def test_grayscale_array_hashes_like_rgb(photo_paths: list[Path]) -> None:
    gray = np.asarray(Image.open(photo_paths[0]).convert("L"))
    rgb = np.repeat(gray[:, :, None], 3, axis=2)
    assert hamming(pdq_from_pixels(gray)[0], pdq_from_pixels(rgb)[0]) <= 2


def test_rejects_wrong_arrays() -> None:
    with pytest.raises(ValueError):
        pdq_from_pixels(np.zeros((10, 10, 4), dtype=np.uint8))
    with pytest.raises(ValueError):
        pdq_from_pixels(np.zeros((10, 10, 3), dtype=np.float32))  # type: ignore[arg-type]


def test_dihedral_equals_pdqhash_compute_dihedral(photo_paths: list[Path]) -> None:
    for path in photo_paths[:6]:
        pixels = _rgb(path)
        vectors, quality = pdqhash.compute_dihedral(pixels)
        theirs = {
            name: bytes(np.packbits(v.astype(np.uint8))).hex()
            for name, v in zip(PDQHASH_DIHEDRAL_ORDER, vectors, strict=True)
        }
        ours = pdq_dihedral_from_pixels(pixels)
        assert set(ours) == set(DIHEDRAL_NAMES)
        assert {name: h for name, (h, _) in ours.items()} == theirs, path.name
        assert {q for _, q in ours.values()} == {quality}


TRANSFORMS = {
    "original": lambda a: a,
    "rotate90": lambda a: np.rot90(a, 1),  # counter-clockwise
    "rotate180": lambda a: np.rot90(a, 2),
    "rotate270": lambda a: np.rot90(a, 3),
    "flip_horizontal": lambda a: a[:, ::-1],
    "flip_vertical": lambda a: a[::-1],
    "flip_diagonal": lambda a: a.transpose(1, 0, 2),
    "flip_antidiagonal": lambda a: np.rot90(a, 2).transpose(1, 0, 2),
}


# Natural photos. On fine repetitive textures (brick, grass, gravel) PDQ's
# dihedral shortcut is not reliable: its box window and sampling grid are not
# symmetric, and such images have little low-frequency structure to outvote that.
PHOTOS_WITH_SCENES = ("palapeli__", "skimage__astronaut", "skimage__coffee", "skimage__rocket")


def test_flipped_copy_differs_but_its_dihedral_hash_matches(photo_paths: list[Path]) -> None:
    scenes = [p for p in photo_paths if p.name.startswith(PHOTOS_WITH_SCENES)]
    assert len(scenes) >= 6
    for path in scenes:
        pixels = _rgb(path)
        original, _ = pdq_from_pixels(pixels)
        variants = pdq_dihedral_from_pixels(pixels)
        for name, transform in TRANSFORMS.items():
            actual, _ = pdq_from_pixels(np.ascontiguousarray(transform(pixels)))
            # The transformed image is hashed differently from the original...
            if name != "original":
                assert hamming(actual, original) > DEFAULT_PDQ_THRESHOLD, (path.name, name)
            # ...but the matching dihedral variant finds it.
            assert hamming(actual, variants[name][0]) <= DEFAULT_PDQ_THRESHOLD, (path.name, name)

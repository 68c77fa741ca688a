"""Hashing many regions of one grey image at once gives the hashes of the regions' own pixels
(the query side hashes ~50 windows per upload this way)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shieldwall.hashing.pdq import (
    DIHEDRAL_NAMES,
    pdq_dihedral_from_pixels,
    pdq_dihedral_of_regions,
)
from shieldwall.hashing.values import hamming


@st.composite
def image_and_boxes(draw: st.DrawFn) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    h = draw(st.integers(6, 90))
    w = draw(st.integers(6, 90))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    # Smooth structure plus noise, like a photo: pure noise puts coefficients on the median.
    base = rng.integers(0, 256, size=(h // 3 + 2, w // 3 + 2)).astype(np.float64)
    big = np.kron(base, np.ones((3, 3)))[:h, :w] + rng.normal(0, 8, size=(h, w))
    luma = np.clip(big, 0, 255).astype(np.uint8)
    boxes = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["rows", "cols", "any"]))
        t, b = sorted(draw(st.lists(st.integers(0, h), min_size=2, max_size=2, unique=True)))
        left, r = sorted(draw(st.lists(st.integers(0, w), min_size=2, max_size=2, unique=True)))
        if kind == "rows":
            left, r = 0, w
        elif kind == "cols":
            t, b = 0, h
        boxes.append((t, b, left, r))
    return luma, boxes


@given(image_and_boxes())
def test_each_region_hashes_as_its_own_pixels(
    case: tuple[np.ndarray, list[tuple[int, int, int, int]]],
) -> None:
    luma, boxes = case
    together = pdq_dihedral_of_regions(luma, boxes)
    for (t, b, left, r), got in zip(boxes, together, strict=True):
        alone = pdq_dihedral_from_pixels(np.ascontiguousarray(luma[t:b, left:r]))
        for name in DIHEDRAL_NAMES:
            # Full-height strips multiply in the other order: float rounding may flip a bit
            # whose coefficient sits on the median; nothing more.
            assert hamming(got[name][0], alone[name][0]) <= 2
            assert abs(got[name][1] - alone[name][1]) <= 1


def test_only_the_orientations_asked_for() -> None:
    luma = np.tile(np.arange(64, dtype=np.uint8), (48, 1))
    (out,) = pdq_dihedral_of_regions(luma, [(0, 48, 0, 40)], ("original", "flip_horizontal"))
    assert set(out) == {"original", "flip_horizontal"}


@pytest.mark.parametrize("box", [(5, 4, 0, 10), (0, 10, 0, 99), (-1, 5, 0, 5)])
def test_a_region_outside_the_image_is_refused(box: tuple[int, int, int, int]) -> None:
    with pytest.raises(ValueError, match="outside"):
        pdq_dihedral_of_regions(np.zeros((20, 30), np.uint8), [box])


def test_an_empty_region_is_too_small_not_outside() -> None:
    # A window of a 1-pixel-high upload rounds to no rows: skipped as too small (a 1x1
    # upload made /v1/scan answer 500 when this raised).
    (out,) = pdq_dihedral_of_regions(np.zeros((20, 30), np.uint8), [(0, 0, 0, 10)])
    assert all(quality == 0 for _, quality in out.values())


def test_a_sliver_hashes_to_zero_like_the_reference() -> None:
    (out,) = pdq_dihedral_of_regions(np.full((20, 30), 99, np.uint8), [(0, 4, 0, 30)])
    assert out["original"] == ("0" * 64, 0)


def test_uncrop_guesses_hash_as_the_padded_images_do(photo_paths: list[Path]) -> None:
    """The folded filters give the hashes of actually padding the picture with its edge
    pixels (the old way, written out here), orientation by orientation, for every photo and
    for pads from none to more than the picture."""
    from PIL import Image

    from shieldwall.hashing.pdq import pdq_dihedral_from_pixels, pdq_dihedral_of_uncrops

    for path in photo_paths:
        grey = Image.open(path).convert("L")
        grey.thumbnail((512, 512))
        luma = np.asarray(grey)
        h, w = luma.shape
        pads = [(0, 0), (round(h * 0.026), round(w * 0.026)), (h // 10, w // 12), (h + 3, 0)]
        for (ph, pw), got in zip(pads, pdq_dihedral_of_uncrops(luma, pads), strict=True):
            want = pdq_dihedral_from_pixels(np.pad(luma, ((ph, ph), (pw, pw)), mode="edge"))
            for name, (pdq, quality) in want.items():
                apart = (int(pdq, 16) ^ int(got[name][0], 16)).bit_count()
                assert apart <= 1, (path.name, ph, pw, name, apart)
                assert abs(got[name][1] - quality) <= 1


def test_uncrop_guesses_refuse_negative_pads_and_hash_tiny_pictures_as_zero() -> None:
    from shieldwall.hashing.pdq import pdq_dihedral_of_uncrops

    luma = np.full((3, 3), 128, np.uint8)
    with pytest.raises(ValueError, match="negative"):
        pdq_dihedral_of_uncrops(luma, [(-1, 0)])
    [tiny] = pdq_dihedral_of_uncrops(luma, [(0, 0)], ["original"])
    assert tiny == {"original": ("0" * 64, 0)}
    assert pdq_dihedral_of_uncrops(luma, []) == []
    empty = np.zeros((0, 7), np.uint8)
    assert pdq_dihedral_of_uncrops(empty, [(9, 9)], ["original"]) == [{"original": ("0" * 64, 0)}]

"""Bank-side windows: when the submitter also stored hashes of regions of the original,
captioned, stickered and cropped copies match through the same region of the query, and
only through the same region (``robust.compatible``), so the extra probes add no false
matches between different pictures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from shieldwall.hashing.pdq import DIHEDRAL_NAMES, pdq_from_pixels
from shieldwall.hashing.robust import (
    BANK_WINDOWS,
    MAX_BANK_VARIANTS,
    Variant,
    bank_variants,
    compatible,
    describe_variant,
    query_variants,
)
from shieldwall.hashing.values import hamming

THRESHOLD = 31


@pytest.fixture(scope="module")
def stored(photo: Image.Image) -> list[tuple[str | None, str]]:
    """What a submitter who holds the photo stores: the plain hash and its windows."""
    pixels = np.asarray(photo)
    return [(None, pdq_from_pixels(pixels)[0])] + [(v.name, v.pdq) for v in bank_variants(pixels)]


def best_accepted(variants: list[Variant], stored: list[tuple[str | None, str]]) -> tuple[int, str]:
    """The closest (probe, stored hash) pair the matcher accepts, named as the matcher does."""
    return min(
        (hamming(v.pdq, h), v.name if n is None else f"{v.name}@bank:{n}")
        for v in variants
        for n, h in stored
        if compatible(v.name, n)
    )


def caption(image: Image.Image, side: str, percent: int) -> Image.Image:
    out = image.copy()
    band = image.height * percent // 100
    top = 0 if side == "top" else image.height - band
    draw = ImageDraw.Draw(out)
    draw.rectangle((0, top, image.width, top + band), fill=(255, 255, 255))
    draw.text((20, top + band // 3), "when the weekend finally arrives", fill=(0, 0, 0))
    return out


def test_windows_fit_the_limit_and_have_unique_names() -> None:
    assert len(BANK_WINDOWS) <= MAX_BANK_VARIANTS
    assert len({w.name for w in BANK_WINDOWS}) == len(BANK_WINDOWS)
    for w in BANK_WINDOWS:
        assert 0 <= w.left < w.right <= 1 and 0 <= w.top < w.bottom <= 1


@pytest.mark.parametrize(("side", "percent"), [("bottom", 25), ("top", 25), ("bottom", 15)])
def test_a_caption_over_a_quarter_matches_through_the_opposite_window(
    photo: Image.Image, stored: list[tuple[str | None, str]], side: str, percent: int
) -> None:
    copy = np.asarray(caption(photo, side, percent))
    variants = query_variants(copy)
    windows_only = [s for s in stored if s[0] is not None]
    distance, name = best_accepted(variants, windows_only)
    assert distance <= THRESHOLD
    kept = "top" if side == "bottom" else "bottom"
    assert f"@bank:window({kept}," in name or f"@bank:window({kept}-" in name
    assert "taking the" in describe_variant(name)


def test_a_corner_sticker_matches_through_a_clean_quarter(
    photo: Image.Image, stored: list[tuple[str | None, str]]
) -> None:
    copy = photo.copy()
    draw = ImageDraw.Draw(copy)
    r = round((0.08 * photo.width * photo.height / 3.14) ** 0.5)
    cx, cy = round(photo.width * 0.78), round(photo.height * 0.25)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 210, 0), outline=(0, 0, 0))
    distance, name = best_accepted(query_variants(np.asarray(copy)), stored)
    assert distance <= THRESHOLD
    assert "@bank:window(" in name and "top-right" not in name.split("@bank:")[1]


@pytest.mark.parametrize(
    ("box", "mirrored"),
    [
        ((0, 0, 0.9, 1), False),
        ((0.2, 0, 1, 1), False),
        ((0, 0, 1, 0.85), False),
        ((0, 0, 0.9, 1), True),
    ],
)
def test_a_one_sided_crop_matches_through_a_side_window(
    photo: Image.Image,
    stored: list[tuple[str | None, str]],
    box: tuple[float, float, float, float],
    mirrored: bool,
) -> None:
    w, h = photo.size
    copy = photo.crop((round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h)))
    if mirrored:
        copy = copy.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    distance, name = best_accepted(query_variants(np.asarray(copy)), stored)
    assert distance <= THRESHOLD
    assert "@bank:window(" in name


def test_other_photos_stay_apart_even_with_windows(photo_paths: list[Path]) -> None:
    """~100 probes against 16 stored hashes each, on 8 different photos: no accepted pair."""
    arrays = []
    for p in photo_paths[:8]:
        im = Image.open(p).convert("RGB")
        im.thumbnail((384, 384))
        arrays.append(np.asarray(im))
    banks = [
        [(None, pdq_from_pixels(a)[0])] + [(v.name, v.pdq) for v in bank_variants(a)]
        for a in arrays
    ]
    for i, a in enumerate(arrays):
        variants = query_variants(a)
        for j, bank in enumerate(banks):
            if i != j and pdq_from_pixels(arrays[j])[1] >= 50:
                assert best_accepted(variants, bank)[0] > THRESHOLD


# -- the compatibility rule -----------------------------------------------------------------

SIDE_NAMES = ["top", "bottom", "left", "right"]


def test_grid_probes_never_meet_the_plain_hash() -> None:
    assert not compatible("crop(center,94%)", None)
    assert not compatible("window(left,85%)+flip_horizontal", None)
    assert compatible("border_removed(5%)+rotate90", None)
    assert compatible(None, None) and compatible("flip_horizontal", None)


def test_a_mirrored_side_window_meets_the_other_side() -> None:
    assert compatible("window(left,83%)+flip_horizontal", "window(right,75%)")
    assert not compatible("window(left,83%)+flip_horizontal", "window(left,75%)")
    assert compatible("window(top,70%)+flip_horizontal", "window(top,60%)")
    assert compatible("window(top-left,50%)+flip_horizontal", "window(top-right,50%)")
    assert compatible("crop(center,92%)+flip_horizontal", "crop(center,80%)")
    assert not compatible("crop(center,92%)", "window(top,75%)")
    assert not compatible("caption_filled(bottom,15%)", "window(top,75%)")


def test_names_from_elsewhere_meet_only_the_upload_as_it_is() -> None:
    assert compatible("original", "someone_elses_region(3)")
    assert not compatible("window(left,75%)", "someone_elses_region(3)")


@given(
    side=st.sampled_from(SIDE_NAMES),
    other=st.sampled_from(SIDE_NAMES),
    keep=st.integers(50, 99),
    stored_keep=st.integers(50, 99),
    flipped=st.booleans(),
)
def test_side_windows_meet_exactly_one_stored_side(
    side: str, other: str, keep: int, stored_keep: int, flipped: bool
) -> None:
    """Whatever the fractions, a probe's side meets one stored side: its own, or its mirror."""
    probe = f"window({side},{keep}%)" + ("+flip_horizontal" if flipped else "")
    mirror = {"left": "right", "right": "left"}.get(side, side) if flipped else side
    assert compatible(probe, f"window({other},{stored_keep}%)") == (other == mirror)


@pytest.mark.parametrize("name", DIHEDRAL_NAMES)
def test_the_upload_itself_may_be_any_stored_region(name: str) -> None:
    for window in BANK_WINDOWS:
        assert compatible(name, window.name)


def test_without_stored_windows_the_grids_are_left_out(photo: Image.Image) -> None:
    """The grids only ever meet stored windows, so a deployment whose banks hold none skips
    them; the undo-an-edit variants (uncrop included) stay."""
    pixels = np.asarray(photo)
    names = {v.name for v in query_variants(pixels, windows=False)}
    assert not any(n.startswith(("window(", "crop(")) for n in names)
    assert any(n.startswith("uncrop(") for n in names)
    full = {v.name for v in query_variants(pixels)}
    assert names < full and any(n.startswith("window(") for n in full)

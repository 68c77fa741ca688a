"""Normalised views (hashing/views.py): a photo used as one tile of a grid post, or shown
at an angle on a plain canvas, is found again; ordinary photos give no such views; the views
a stored item keeps for retro-hunts leave the weak probes out."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageOps

from shieldwall.hashing.pdq import pdq_from_pixels
from shieldwall.hashing.robust import _work_image, describe_variant, query_variants
from shieldwall.hashing.views import (
    MAX_SEEN_VIEWS,
    collage_tiles,
    perspective_quad,
    seen_views,
)


def _dist(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _luma(image: Image.Image) -> np.ndarray:  # type: ignore[type-arg]
    return np.asarray(_work_image(np.asarray(image)))


@pytest.fixture(scope="module")
def others(photo_paths: list[Path]) -> list[Image.Image]:
    picked = [p for p in photo_paths if "castle" not in p.name][:3]
    return [Image.open(p).convert("RGB") for p in picked]


def _grid(photo: Image.Image, others: list[Image.Image], where: int) -> Image.Image:
    """A 2x2 grid post with thin white gutters; the photo in cell ``where``."""
    tw, th = photo.width // 2, photo.height // 2
    g = 6
    canvas = Image.new("RGB", (2 * tw + 3 * g, 2 * th + 3 * g), (255, 255, 255))
    tiles = [ImageOps.fit(o, (tw, th)) for o in others]
    tiles.insert(where, photo.resize((tw, th)))
    for k, tile in enumerate(tiles[:4]):
        r, c = divmod(k, 2)
        canvas.paste(tile, (g + c * (tw + g), g + r * (th + g)))
    return canvas


def test_a_photo_in_a_grid_post_matches_through_its_tile(
    photo: Image.Image, others: list[Image.Image]
) -> None:
    bank = pdq_from_pixels(np.asarray(photo))[0]
    post = _grid(photo, others, where=3)
    assert _dist(pdq_from_pixels(np.asarray(post))[0], bank) > 31  # plain PDQ misses it
    variants = query_variants(np.asarray(post), windows=False)
    best = min(variants, key=lambda v: _dist(v.pdq, bank))
    assert _dist(best.pdq, bank) <= 31
    assert best.name == "tile(2x2,r1c1)"
    assert "one tile of a multi-image grid" in describe_variant(best.name)


def test_ordinary_photos_give_no_tiles_and_no_quadrilateral(photo_paths: list[Path]) -> None:
    for path in photo_paths[:8]:
        image = Image.open(path).convert("RGB")
        image.thumbnail((640, 640))
        luma = _luma(image)
        assert collage_tiles(luma) == [], path.name
        assert perspective_quad(luma) is None, path.name


def test_a_photo_shown_at_an_angle_is_warped_back(photo: Image.Image) -> None:
    rgb = np.asarray(photo)
    h, w = rgb.shape[:2]
    # The photo on a black canvas 20% larger, its corners moved inward unevenly.
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32(
        [[0.14 * w, 0.12 * h], [1.08 * w, 0.16 * h], [1.12 * w, 1.05 * h], [0.1 * w, 1.1 * h]]
    )
    shown = cv2.warpPerspective(
        rgb, cv2.getPerspectiveTransform(src, dst), (round(1.2 * w), round(1.2 * h))
    )
    bank = pdq_from_pixels(rgb)[0]
    assert _dist(pdq_from_pixels(shown)[0], bank) > 31
    first = query_variants(shown, windows=False)
    assert first == query_variants(shown, windows=False)  # deterministic
    undone = [v for v in first if v.name.startswith("perspective_undone")]
    assert undone and min(_dist(v.pdq, bank) for v in undone) <= 31


def test_seen_views_keep_the_undoing_views_and_leave_the_grids_out() -> None:
    h = "ab" * 32
    variants = [
        ("flip_horizontal", h),
        ("border_removed(12%)", h),
        ("border_removed(12%)+flip_horizontal", h),
        ("border_removed(12%)+rotate90", h),
        ("tile(2x2,r0c1)", h),
        ("perspective_undone+border_removed", h),
        ("crop(center,94%)", h),
        ("window(left,80%)+flip_horizontal", h),
        ("uncrop(center,90%)", h),
        ("x" * 65, h),  # a lookup's caller may name its variants anything
        ("caption_removed(bottom,15%)", "not hex" + "0" * 57),
    ]
    assert [n for n, _ in seen_views(variants)] == [
        "flip_horizontal",
        "border_removed(12%)",
        "border_removed(12%)+flip_horizontal",
        "tile(2x2,r0c1)",
        "perspective_undone+border_removed",
    ]
    many = [(f"tile(3x3,r{i}c0)", h) for i in range(40)]
    assert len(seen_views(many)) == MAX_SEEN_VIEWS


def _marks_everywhere(luma: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
    from shieldwall.hashing.views import _line_marks

    return _line_marks(luma.astype(np.float32))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    height=st.integers(8, 90),
    width=st.integers(16, 140),
    gutters=st.lists(st.integers(0, 139), max_size=4),
    seams=st.lists(st.integers(1, 139), max_size=3),
)
def test_marks_near_a_line_are_those_of_the_whole_image(
    seed: int, height: int, width: int, gutters: list[int], seams: list[int]
) -> None:
    """The collage finder marks only the columns around its candidate lines; whatever the
    picture (noise with plain gutters and brightness seams anywhere, near the edges too),
    the answer must be exactly the whole image's marks there."""
    from shieldwall.hashing.views import _Marks

    rng = np.random.default_rng(seed)
    luma = rng.integers(0, 256, (height, width)).astype(np.int16)
    for x in seams:
        if x < width:
            luma[:, x:] += 90
    for x in gutters:
        if x < width:
            luma[:, x] = 250
    luma8 = np.clip(luma, 0, 255).astype(np.uint8)
    whole = _marks_everywhere(luma8)
    marks = _Marks(luma8)
    for at in range(8, width - 7):
        assert marks.near(at) == bool(whole[at - 2 : at + 3].any()), at
    assert np.array_equal(marks.every(), whole)


def test_a_grid_post_is_found_by_the_lazy_marks_as_by_marking_every_column(
    photo: Image.Image, others: list[Image.Image], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every cell of a 2x2 post, its gutters trimmed: the lazy marks change the cost, not
    the tiles found (the old whole-image rule, written out here, gives the same list)."""
    from shieldwall.hashing import views

    luma = _luma(_grid(photo, others, where=0))
    tiles = collage_tiles(luma)
    assert {t.name for t in tiles} >= {f"tile(2x2,r{r}c{c})" for r in (0, 1) for c in (0, 1)}

    class Whole(views._Marks):
        def near(self, at: int) -> bool:
            return bool(self.every()[at - 2 : at + 3].any())

    monkeypatch.setattr(views, "_Marks", Whole)
    assert collage_tiles(luma) == tiles

"""Robust matching: an edited copy of a photo yields a variant within the match threshold of
the original's plain hash, named so a moderator can read what was undone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont, ImageOps

from shieldwall.hashing import decode_image
from shieldwall.hashing.borders import (
    Box,
    find_caption_bands,
    find_flat_borders,
    find_frame,
    find_rotation,
    find_tilt,
)
from shieldwall.hashing.pdq import pdq_from_pixels
from shieldwall.hashing.robust import (
    Variant,
    bank_variants,
    describe_variant,
    matcher_variants,
    query_variants,
)
from shieldwall.hashing.values import hamming

THRESHOLD = 31


@pytest.fixture(scope="module")
def bank_hash(photo: Image.Image) -> str:
    return pdq_from_pixels(np.asarray(photo))[0]


def best(variants: list[Variant], target: str) -> tuple[int, str]:
    return min((hamming(v.pdq, target), v.name) for v in variants)


def pad(image: Image.Image, percent: int, color: tuple[int, int, int]) -> Image.Image:
    pw, ph = image.width * percent // 200, image.height * percent // 200
    canvas = Image.new("RGB", (image.width + 2 * pw, image.height + 2 * ph), color)
    canvas.paste(image, (pw, ph))
    return canvas


def test_first_variant_is_the_plain_hash(photo: Image.Image, bank_hash: str) -> None:
    variants = query_variants(np.asarray(photo))
    assert variants[0] == Variant("original", bank_hash, variants[0].quality)
    assert len({v.pdq for v in variants}) == len(variants)
    assert all(name != "original" for name, _ in matcher_variants(variants))


def test_decoded_image_plain_variant_equals_the_decoder_hash(photo_paths: list[Path]) -> None:
    """A scan takes its plain hash from the first variant (one pass over the pixels), so
    it must be the hash `shieldwall hash` gives, quality included, for every photo."""
    from shieldwall.hashing import hash_image_bytes
    from shieldwall.hashing.pdq import pdq_from_reduced

    for path in photo_paths:
        data = path.read_bytes()
        # The scan's decode (a JPEG's luma plane) and `shieldwall hash` agree exactly...
        first = query_variants(decode_image(data, luma=True), windows=False)[0]
        plain = hash_image_bytes(data)
        assert first.name == "original"
        assert (first.pdq, first.quality) == (plain.pdq, plain.quality), path.name
        # ...and so does a colour decode with its own plain hash.
        rgb = decode_image(data)
        first = query_variants(rgb, windows=False)[0]
        assert (first.pdq, first.quality) == pdq_from_reduced(rgb.pixels, rgb.rows, rgb.cols)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (ImageOps.mirror, "flip_horizontal"),
        (ImageOps.flip, "flip_vertical"),
        (lambda im: im.transpose(Image.Transpose.ROTATE_90), "rotate270"),
        (lambda im: im.transpose(Image.Transpose.ROTATE_270), "rotate90"),
        (lambda im: im.transpose(Image.Transpose.ROTATE_180), "rotate180"),
    ],
)
def test_flips_and_rotations_match_exactly_by_name(
    photo: Image.Image, bank_hash: str, edit: object, expected: str
) -> None:
    edited = edit(photo)  # type: ignore[operator]
    distance, name = best(query_variants(np.asarray(edited)), bank_hash)
    # Not bit-exact: PDQ's box filter is slightly asymmetric, so a mirrored image's hash
    # differs from the mirrored hash by some bits (up to 18 on this photo).
    assert distance <= THRESHOLD
    assert name == expected
    assert describe_variant(name).startswith("matched after ")


@pytest.mark.parametrize("color", [(0, 0, 0), (255, 255, 255)], ids=["black", "white"])
@pytest.mark.parametrize("percent", [10, 25])
def test_padding_is_removed(
    photo: Image.Image, bank_hash: str, color: tuple[int, int, int], percent: int
) -> None:
    padded = np.asarray(pad(photo, percent, color))
    assert hamming(pdq_from_pixels(padded)[0], bank_hash) > THRESHOLD
    distance, name = best(query_variants(padded), bank_hash)
    assert distance <= THRESHOLD
    # A plain pad is also a plain frame: either finder may get there first.
    assert name.startswith("border_removed(") or name == "frame_removed"


def test_picture_in_a_screenshot_frame_is_cut_out(photo: Image.Image, bank_hash: str) -> None:
    canvas = Image.new("RGB", (photo.width + 60, photo.height + 260), (248, 248, 248))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, canvas.width, 30), fill=(20, 20, 20))
    draw.text((20, 50), "demo_user posted this 2h ago", fill=(10, 10, 10))
    canvas.paste(photo, (30, 100))
    for i in range(4):
        draw.ellipse(
            (20 + 60 * i, photo.height + 130, 60 + 60 * i, photo.height + 170),
            outline=(0, 0, 0),
            width=3,
        )
    distance, name = best(query_variants(np.asarray(canvas)), bank_hash)
    assert distance <= THRESHOLD
    assert name == "frame_removed" or name.startswith("border_removed(")


def test_bank_crops_catch_a_border_crop(photo: Image.Image) -> None:
    original = np.asarray(photo)
    bank = [pdq_from_pixels(original)[0]] + [v.pdq for v in bank_variants(original)]
    assert {v.name for v in bank_variants(original)} >= {"crop(center,80%)", "crop(center,90%)"}
    w, h = photo.size
    cropped = np.asarray(photo.crop((w // 10, h // 10, w - w // 10, h - h // 10)))  # crop 20%
    variants = query_variants(cropped)
    assert hamming(variants[0].pdq, bank[0]) > THRESHOLD
    assert min(hamming(v.pdq, b) for v in variants for b in bank) <= THRESHOLD


def test_unrelated_photos_stay_apart(photo_paths: list[Path]) -> None:
    """Variants add probes, not false matches: distinct photos stay beyond the threshold."""
    arrays = []
    for p in photo_paths[:8]:
        im = Image.open(p).convert("RGB")
        im.thumbnail((384, 384))
        arrays.append(np.asarray(im))
    plain = [pdq_from_pixels(a) for a in arrays]
    for i, a in enumerate(arrays):
        variants = query_variants(a)
        for j, (other, quality) in enumerate(plain):
            if i != j and quality >= 50:
                assert best(variants, other)[0] > THRESHOLD


def test_low_quality_geometric_variants_are_dropped() -> None:
    flat = np.full((200, 300, 3), 128, np.uint8)
    variants = query_variants(flat)
    # The plain hash and its exact flips are kept whatever the quality; nothing else is.
    assert {v.name for v in variants} <= {
        "original",
        "rotate90",
        "rotate180",
        "rotate270",
        "flip_horizontal",
        "flip_vertical",
        "flip_diagonal",
        "flip_antidiagonal",
    }


def test_tilted_copy_on_a_canvas_gives_a_straightening_angle(photo: Image.Image) -> None:
    tilted = photo.rotate(8, Image.Resampling.BILINEAR, expand=True).convert("L")
    angles = find_tilt(np.asarray(tilted))
    assert any(abs(a + 8) <= 1.5 for a in angles)


def test_describe_variant_reads_like_evidence() -> None:
    assert describe_variant(None) == "matched as submitted"
    assert describe_variant("flip_horizontal") == "matched after horizontal flip"
    assert describe_variant("crop(center,94%)+flip_horizontal") == (
        "matched after cropping to the center 94% and horizontal flip"
    )
    assert "caption" in describe_variant("caption_removed(bottom,15%)")


@settings(max_examples=30, deadline=None)
@given(
    top=st.integers(0, 40),
    bottom=st.integers(0, 40),
    left=st.integers(0, 40),
    right=st.integers(0, 40),
    level=st.integers(0, 255),
)
def test_flat_borders_found_where_they_were_added(
    top: int, bottom: int, left: int, right: int, level: int
) -> None:
    """Property: a plain border of any colour around a textured picture is found to the pixel."""
    rng = np.random.default_rng(top * 7 + left)
    picture = rng.integers(0, 256, (120, 160), dtype=np.uint8)
    canvas = np.pad(picture, ((top, bottom), (left, right)), constant_values=level)
    box = find_flat_borders(canvas)
    h, w = canvas.shape
    if max(top / h, bottom / h, left / w, right / w) < 0.015:
        return  # below the noise floor: reporting nothing is right
    assert box is not None
    expected = Box(left / w, top / h, 1 - right / w, 1 - bottom / h)
    assert box.near(expected, tolerance=1.5 / min(h, w))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_frame_finder_never_returns_a_tiny_or_inverted_box(seed: int) -> None:
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (rng.integers(16, 120), rng.integers(16, 120)), dtype=np.uint8)
    for box in (find_frame(image), find_flat_borders(image)):
        if box is not None:
            assert 0 <= box.left < box.right <= 1 and 0 <= box.top < box.bottom <= 1
            assert box.is_sane()


@pytest.mark.parametrize("degrees", [2, -3, 7, -12])
def test_rotation_on_a_canvas_is_measured_and_undone(
    photo: Image.Image, bank_hash: str, degrees: int
) -> None:
    """A copy turned by a few degrees (canvas grown to hold it) matches after turning back."""
    turned = photo.rotate(degrees, Image.Resampling.BILINEAR, expand=True)
    found = find_rotation(np.asarray(turned.convert("L")))
    assert found is not None
    assert abs(found.angle + degrees) <= 0.4
    assert abs(found.width * turned.width - photo.width) <= 0.02 * photo.width
    assert abs(found.height * turned.height - photo.height) <= 0.02 * photo.height
    distance, name = best(query_variants(np.asarray(turned)), bank_hash)
    assert distance <= THRESHOLD
    assert name.startswith("straightened(")
    assert "straightening a tilt" in describe_variant(name)


def test_no_rotation_is_seen_in_an_upright_photo(photo: Image.Image) -> None:
    assert find_rotation(np.asarray(photo.convert("L"))) is None
    padded = pad(photo, 10, (255, 255, 255))  # plain corners, but a straight picture
    assert find_rotation(np.asarray(padded.convert("L"))) is None


def test_evenly_padded_picture_with_a_flat_edge_is_matched(photo: Image.Image) -> None:
    """Even padding around a picture whose own top rows are flat (sky): the trim eats into the
    picture on that side, and the evened trim (thinnest side everywhere) recovers it."""
    sky = photo.copy()
    ImageDraw.Draw(sky).rectangle((0, 0, sky.width, sky.height // 6), fill=(200, 200, 200))
    target = pdq_from_pixels(np.asarray(sky))[0]
    padded = pad(sky, 20, (200, 200, 200))
    distance, name = best(query_variants(np.asarray(padded)), target)
    assert distance <= THRESHOLD
    assert name.startswith("border_removed(") and name.endswith(",even)")
    assert "of each side" in describe_variant(name)


def caption_over(image: Image.Image, percent: int) -> Image.Image:
    """A white strip painted over the bottom of the picture with a line of large black text."""
    out = image.copy()
    band = image.height * percent // 100
    draw = ImageDraw.Draw(out)
    draw.rectangle((0, image.height - band, image.width, image.height), fill=(255, 255, 255))
    font = ImageFont.load_default(size=max(8, band * 45 // 100))
    draw.text((image.width * 0.05, image.height - band * 0.75), "weekend", fill=0, font=font)
    return out


@pytest.mark.parametrize("percent", [12, 25])
def test_tall_caption_band_with_large_text_is_measured_to_its_height(
    photo: Image.Image, percent: int
) -> None:
    captioned = caption_over(photo, percent).convert("L")
    bands = dict(find_caption_bands(np.asarray(captioned)))
    assert abs(bands["bottom"] - percent / 100) <= 0.01


@pytest.mark.parametrize(("percent", "found"), [(38, True), (42, False), (60, False), (100, False)])
def test_a_band_over_40_percent_of_the_height_is_not_a_caption(
    photo: Image.Image, percent: int, found: bool
) -> None:
    """The finder reads only the rows a caption may cover; a plain band taller than 40%
    (or a plain image) must still be refused, not cut at the rows it read."""
    grey = np.array(photo.convert("L"))
    h = grey.shape[0]
    grey[h - round(h * percent / 100) :] = 255
    grey[-max(2, h // 100) - 4 :, 10:30] = 0  # a speck of text in the band
    bands = dict(find_caption_bands(grey))
    assert ("bottom" in bands) is found
    if found:
        assert abs(bands["bottom"] - percent / 100) <= 0.02


def test_caption_painted_over_the_picture_is_filled_in(photo_paths: list[Path]) -> None:
    image = Image.open(next(p for p in photo_paths if "moon" in p.name)).convert("RGB")
    image.thumbnail((640, 640))
    target = pdq_from_pixels(np.asarray(image))[0]
    captioned = np.asarray(caption_over(image, 12))
    assert hamming(pdq_from_pixels(captioned)[0], target) > THRESHOLD
    distance, name = best(query_variants(captioned), target)
    assert distance <= THRESHOLD
    assert name.startswith("caption_filled(bottom,")
    assert "painting over a caption strip" in describe_variant(name)


def app_frame(picture: Image.Image, page: tuple[int, int, int]) -> tuple[Image.Image, Box]:
    """The picture in a phone-app-like page (dark status bar, a line of text above, a row of
    button circles and a line of text below), with where it was put."""
    width = picture.width * 10 // 9
    bar, below = width * 12 // 100, width * 30 // 100
    canvas = Image.new("RGB", (width, bar + picture.height + below), page)
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, width, bar * 2 // 5), fill=(30, 30, 30))
    draw.text((width * 0.04, bar * 0.5), "demo_user  2h", fill=(20, 20, 20))
    left = (width - picture.width) // 2
    canvas.paste(picture, (left, bar))
    y = bar + picture.height + below // 10
    for i in range(4):
        x = width * (4 + 10 * i) // 100
        draw.ellipse((x, y, x + width * 6 // 100, y + width * 6 // 100), outline=40, width=3)
    draw.text((width * 0.04, y + below * 0.35), "liked by someone", fill=(20, 20, 20))
    box = Box(
        left / width,
        bar / canvas.height,
        (left + picture.width) / width,
        (bar + picture.height) / canvas.height,
    )
    return canvas, box


def pale_top(image: Image.Image, share: float = 0.3) -> Image.Image:
    """The picture with a hazy, near-white sky over its top rows (grey levels 225-250)."""
    grey = np.asarray(image.convert("L")).copy()
    rows = round(grey.shape[0] * share)
    grey[:rows] = 225 + grey[:rows] // 10
    return Image.fromarray(grey).convert("RGB")


def test_frame_keeps_a_picture_edge_close_to_the_page_colour(photo: Image.Image) -> None:
    """A pale sky next to a white page is still picture: the box is measured to its edge, not
    cut where the picture's rows become mostly pale (which missed such screenshots)."""
    picture = pale_top(photo)
    target = pdq_from_pixels(np.asarray(picture))[0]
    canvas, expected = app_frame(picture, (250, 250, 250))
    luma = np.asarray(canvas.convert("L"))
    box = find_frame(luma)
    assert box is not None
    assert box.near(expected, tolerance=1.5 / min(luma.shape))
    distance, name = best(query_variants(np.asarray(canvas)), target)
    assert distance <= THRESHOLD
    assert name.startswith(("frame_removed", "border_removed("))


def test_letterboxed_dark_picture_keeps_its_dark_edge(photo: Image.Image) -> None:
    """Black bars beside a picture whose side columns are dark but not black."""
    grey = np.asarray(photo.convert("L")).copy()
    grey[:, : grey.shape[1] // 5] //= 8  # a shadow down the left side: grey levels 0-31
    picture = Image.fromarray(grey)
    side = max(picture.size) + 80
    canvas = Image.new("L", (side, side), 0)
    canvas.paste(picture, ((side - picture.width) // 2, (side - picture.height) // 2))
    luma = np.asarray(canvas)
    box = find_frame(luma)
    assert box is not None
    left, top = (side - picture.width) // 2, (side - picture.height) // 2
    expected = Box(
        left / side, top / side, (left + picture.width) / side, (top + picture.height) / side
    )
    assert box.near(expected, tolerance=1.5 / side)


def test_rotated_then_padded_picture_with_a_pale_edge_is_matched(photo: Image.Image) -> None:
    """Turned a quarter and padded with white: the flat-border trim runs into the pale sky on
    one side, the frame finder does not, and its region is searched in all orientations."""
    picture = pale_top(photo, 0.2)
    target = pdq_from_pixels(np.asarray(picture))[0]
    edited = pad(picture.transpose(Image.Transpose.ROTATE_90), 10, (255, 255, 255))
    distance, name = best(query_variants(np.asarray(edited)), target)
    assert distance <= THRESHOLD
    assert name.endswith("+rotate270")


def test_plain_band_on_one_side_only_is_not_a_frame(photo: Image.Image) -> None:
    """A flat sky across the top of an ordinary photo is not a frame: a frame has the page on
    two opposite sides of the picture (the flat-border trim handles one plain side)."""
    grey = np.asarray(photo.convert("L")).copy()
    grey[: grey.shape[0] // 4] = 230
    grey[:, 0] = grey[:, -1] = 230  # the outer ring is mostly one colour too
    grey[-1] = 230
    assert find_frame(grey) is None

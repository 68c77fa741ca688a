"""Large progressive JPEGs decoded from their DC scans: same luma as libjpeg's 1/8 decode,
PDQ within a few bits of the full-resolution hash, and damaged files still refused."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from shieldwall.errors import ImageError
from shieldwall.hashing import decode_image, hash_image_bytes
from shieldwall.hashing.decode import DC_MIN_SIDE
from shieldwall.hashing.jpeg_dc import dc_scans_only
from shieldwall.hashing.values import hamming

from .imagefactory import encode, reference_pdq


@pytest.fixture(scope="module")
def big_photo(photo_paths: list[Path]) -> Image.Image:
    """A real photo scaled so its short side allows the DC path (2048 px)."""
    source = next(p for p in photo_paths if p.name.startswith("palapeli__european-honey-bee"))
    photo = Image.open(source).convert("RGB")
    w, h = photo.size
    side = 8 * DC_MIN_SIDE
    return photo.resize((round(w * side / h), side), Image.Resampling.BILINEAR)


@pytest.fixture(scope="module")
def progressive(big_photo: Image.Image) -> bytes:
    return encode(big_photo, "JPEG", quality=90, progressive=True)


def _draft_luma(data: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(data))
    w, h = image.size
    image.draft("L", (w // 8, h // 8))
    return np.asarray(image)


def test_the_dc_scans_give_libjpegs_own_eighth_scale_luma(progressive: bytes) -> None:
    stripped = dc_scans_only(progressive)
    assert stripped is not None and len(stripped) < len(progressive) / 2
    assert np.array_equal(_draft_luma(stripped), _draft_luma(progressive))


def test_a_large_progressive_jpeg_is_decoded_at_an_eighth(
    progressive: bytes, big_photo: Image.Image
) -> None:
    decoded = decode_image(progressive)
    assert decoded.rows.scale == decoded.cols.scale == 8
    assert (decoded.original_width, decoded.original_height) == big_photo.size
    full = np.asarray(Image.open(io.BytesIO(progressive)).convert("RGB"))
    assert hamming(hash_image_bytes(progressive).pdq, reference_pdq(full)[0]) <= 4


def test_the_luma_decode_of_a_large_progressive_jpeg_is_libjpegs_eighth_scale_luma(
    progressive: bytes,
) -> None:
    """Hashing alone asks for the luma plane: from the DC scans it must be exactly what
    libjpeg gives for the whole file at 1/8, and hash like the colour decode."""
    luma, rgb = decode_image(progressive, luma=True), decode_image(progressive)
    assert luma.is_luma and luma.rows.scale == luma.cols.scale == 8
    assert np.array_equal(luma.pixels, _draft_luma(progressive))
    from shieldwall.hashing.pdq import pdq_from_reduced

    a = pdq_from_reduced(luma.pixels, luma.rows, luma.cols)
    b = pdq_from_reduced(rgb.pixels, rgb.rows, rgb.cols)
    assert hamming(a[0], b[0]) <= 2


def test_smaller_or_baseline_jpegs_keep_the_usual_decode(big_photo: Image.Image) -> None:
    baseline = encode(big_photo, "JPEG", quality=90)
    assert decode_image(baseline).rows.scale == 4
    small = big_photo.resize((big_photo.width // 2, big_photo.height // 2))
    assert decode_image(encode(small, "JPEG", quality=90, progressive=True)).rows.scale == 2


def test_a_truncated_progressive_jpeg_is_still_refused(progressive: bytes) -> None:
    """The AC scans are not decoded, but a file cut short inside one is still an error."""
    assert dc_scans_only(progressive[: len(progressive) * 3 // 4]) is None
    with pytest.raises(ImageError) as info:
        decode_image(progressive[: len(progressive) * 3 // 4])
    assert info.value.code == "truncated_image"


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=0, max_value=10_000), flip=st.integers(0, 255))
def test_damaged_streams_never_escape_as_untyped_errors(
    progressive: bytes, cut: int, flip: int
) -> None:
    data = bytearray(progressive[: max(4, len(progressive) - cut * 37)])
    data[min(len(data) - 1, 2 + cut)] ^= flip
    result = dc_scans_only(bytes(data))
    assert result is None or result.startswith(b"\xff\xd8")
    with contextlib.suppress(ImageError):  # a typed error is fine; anything else fails
        decode_image(bytes(data))

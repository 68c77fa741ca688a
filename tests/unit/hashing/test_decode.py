"""Hostile and unusual files: each gets its own stable error code, each odd format decodes right."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pillow_heif
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from shieldwall.errors import ImageError, ShieldwallError
from shieldwall.hashing import DecodeLimits, decode_image, hash_image_bytes, pdq_from_pixels
from shieldwall.hashing.values import hamming

from .imagefactory import encode, reference_pdq, textured


def code_of(data: bytes, **kwargs: object) -> str:
    with pytest.raises(ImageError) as info:
        decode_image(data, **kwargs)  # type: ignore[arg-type]
    assert info.value.message
    return info.value.code


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@pytest.fixture(scope="module")
def photo_png() -> bytes:
    return encode(textured(640, 480), "PNG")


@pytest.fixture(scope="module")
def photo_jpeg() -> bytes:
    return encode(textured(640, 480), "JPEG", quality=90)


def test_empty_file() -> None:
    assert code_of(b"") == "empty_file"


def test_text_file_is_not_an_image() -> None:
    assert code_of(b"name,hash\nalice,0123\n" * 20) == "not_an_image"


def test_truncated_jpeg(photo_jpeg: bytes) -> None:
    assert code_of(photo_jpeg[: len(photo_jpeg) // 2]) == "truncated_image"


def test_truncated_png(photo_png: bytes) -> None:
    assert code_of(photo_png[: len(photo_png) // 2]) == "truncated_image"


def test_png_cut_inside_its_header(photo_png: bytes) -> None:
    assert code_of(photo_png[:20]) == "truncated_image"


def test_corrupt_png_data(photo_png: bytes) -> None:
    damaged = bytearray(photo_png)
    start = photo_png.index(b"IDAT") + 8
    damaged[start : start + 64] = bytes(64)  # zlib stream destroyed, CRC now wrong
    assert code_of(bytes(damaged)) == "corrupt_image"


def test_png_header_claiming_100000_square_is_refused_before_decoding() -> None:
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IEND", b"")
    assert code_of(bomb) == "decompression_bomb"


def test_pixel_limit_is_configurable(photo_png: bytes) -> None:
    assert code_of(photo_png, limits=DecodeLimits(max_pixels=640 * 480 - 1)) == (
        "decompression_bomb"
    )
    assert decode_image(photo_png, limits=DecodeLimits(max_pixels=640 * 480)).frames == 1


def test_byte_limit(photo_png: bytes) -> None:
    assert code_of(photo_png, limits=DecodeLimits(max_bytes=1000)) == "file_too_large"


def test_pillow_guard_stays_on(photo_png: bytes) -> None:
    Image.MAX_IMAGE_PIXELS = None
    decode_image(photo_png)
    assert Image.MAX_IMAGE_PIXELS is not None


@pytest.mark.parametrize(("fmt", "name"), [("PPM", "PNM"), ("ICO", "ICO"), ("PDF", "PDF")])
def test_known_but_unsupported_formats(fmt: str, name: str) -> None:
    data = encode(textured(64, 64), fmt)
    with pytest.raises(ImageError) as info:
        decode_image(data)
    assert info.value.code == "unsupported_format"
    assert info.value.value == name


def test_cmyk_jpeg_converts_to_the_colours_a_viewer_sees() -> None:
    rgb = textured(600, 400, seed=3)
    decoded = decode_image(encode(rgb.convert("CMYK"), "JPEG", quality=95), exact=True)
    assert decoded.pixels.shape == (400, 600, 3)
    assert np.abs(decoded.pixels.astype(int) - np.asarray(rgb, dtype=int)).mean() < 6
    assert hamming(pdq_from_pixels(decoded.pixels)[0], pdq_from_pixels(np.asarray(rgb))[0]) <= 8


def test_16_bit_png_is_scaled_not_clipped() -> None:
    ramp = (np.arange(300 * 256, dtype=np.uint32).reshape(300, 256) * 3 % 65536).astype(np.uint16)
    data = encode(Image.fromarray(ramp), "PNG")
    assert Image.open(__import__("io").BytesIO(data)).mode == "I;16"
    decoded = decode_image(data, exact=True)
    expected = np.rint(ramp / 257.0).astype(np.uint8)
    assert np.array_equal(decoded.pixels[:, :, 0], expected)
    assert decoded.pixels.max() > 200  # clipping to 255 would make most pixels 255


def test_animated_gif_first_frame_and_frame_count() -> None:
    frames = [Image.new("RGB", (120, 80), colour) for colour in ("red", "green", "blue")]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    decoded = decode_image(data)
    assert decoded.frames == 3
    assert decoded.format == "GIF"
    assert tuple(decoded.pixels[40, 60]) == (255, 0, 0)


def test_heif_made_with_pillow_heif(photo_paths: list[Path]) -> None:
    source = Image.open(photo_paths[0]).convert("RGB")
    heif = pillow_heif.from_pillow(source)
    out = __import__("io").BytesIO()
    heif.save(out, quality=90)
    hashes = hash_image_bytes(out.getvalue(), exact_decode=True)
    assert hashes.format == "HEIF"
    assert (hashes.width, hashes.height) == source.size
    assert hamming(hashes.pdq, reference_pdq(np.asarray(source))[0]) <= 16


@pytest.mark.parametrize(
    ("fmt", "params", "lossless"),
    [
        ("PNG", {}, True),
        ("WEBP", {"lossless": True}, True),
        ("WEBP", {"quality": 85}, False),
        ("BMP", {}, True),
        ("TIFF", {}, True),
        ("TIFF", {"compression": "tiff_lzw"}, True),
        ("JPEG", {"quality": 90}, False),
    ],
)
def test_supported_formats_hash_their_pixels(
    fmt: str, params: dict[str, object], lossless: bool
) -> None:
    source = textured(700, 530, seed=7)
    hashes = hash_image_bytes(encode(source, fmt, **params), exact_decode=True)
    assert hashes.format == fmt
    assert (hashes.width, hashes.height) == (700, 530)
    expected, quality = reference_pdq(np.asarray(source))
    if lossless:
        assert (hashes.pdq, hashes.quality) == (expected, quality)
    else:
        assert hamming(hashes.pdq, expected) <= 31  # still a match after lossy coding


def _with_orientation(image: Image.Image, orientation: int, **params: object) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(image, "JPEG", exif=exif.tobytes(), **params)


def test_exif_orientation_6_hashes_like_the_rotated_image(photo_paths: list[Path]) -> None:
    data = _with_orientation(Image.open(photo_paths[1]).convert("RGB"), 6, quality=95)
    stored = np.asarray(Image.open(__import__("io").BytesIO(data)).convert("RGB"))
    turned = np.rot90(stored, -1)  # orientation 6: the viewer turns it 90 degrees clockwise
    hashes = hash_image_bytes(data, exact_decode=True)
    assert hashes.pdq == reference_pdq(turned)[0]
    assert (hashes.width, hashes.height) == (stored.shape[0], stored.shape[1])
    assert hamming(hashes.pdq, reference_pdq(stored)[0]) > 31


@pytest.mark.parametrize("orientation", range(1, 9))
def test_fast_path_respects_every_orientation(big_jpeg: bytes, orientation: int) -> None:
    image = Image.open(__import__("io").BytesIO(big_jpeg))
    data = _with_orientation(image, orientation, quality=92)
    fast = decode_image(data)
    exact = decode_image(data, exact=True)
    assert fast.reduced and not exact.reduced
    assert fast.pixels.shape[0] * 2 < exact.pixels.shape[0] + 2
    assert (fast.original_width, fast.original_height) == exact.pixels.shape[1::-1]
    fast_pdq = hash_image_bytes(data).pdq
    assert hamming(fast_pdq, reference_pdq(exact.pixels)[0]) <= 4


def test_png_fast_path_is_reduced_and_close(big_jpeg: bytes) -> None:
    png = encode(Image.open(__import__("io").BytesIO(big_jpeg)), "PNG")
    fast = decode_image(png)
    assert fast.reduced and min(fast.pixels.shape[:2]) >= 512
    exact = decode_image(png, exact=True)
    assert hamming(hash_image_bytes(png).pdq, reference_pdq(exact.pixels)[0]) <= 4


# ---- nothing but ShieldwallError escapes, whatever the bytes ----------------------------


def _only_typed_errors(data: bytes) -> None:
    try:
        hashes = hash_image_bytes(data, limits=DecodeLimits(max_pixels=4_000_000))
    except ShieldwallError as exc:
        assert isinstance(exc, ImageError)
    else:
        assert len(hashes.pdq) == 64


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_raise_only_image_errors(data: bytes) -> None:
    _only_typed_errors(data)


MAGICS = [b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"BM", b"II*\x00", b"RIFF"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(MAGICS), st.binary(max_size=2048))
def test_garbage_behind_a_real_magic_raises_only_image_errors(magic: bytes, tail: bytes) -> None:
    _only_typed_errors(magic + tail)


@pytest.fixture(scope="module")
def small_real_files(photo_paths: list[Path]) -> list[bytes]:
    source = textured(160, 120, seed=11)
    made = [
        encode(source, fmt, **params)
        for fmt, params in [
            ("PNG", {}),
            ("JPEG", {"quality": 80}),
            ("JPEG", {"progressive": True}),
            ("WEBP", {}),
            ("GIF", {}),
            ("BMP", {}),
            ("TIFF", {"compression": "tiff_deflate"}),
        ]
    ]
    return [*made, photo_paths[-1].read_bytes()]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_truncated_and_garbled_real_files_raise_only_image_errors(
    small_real_files: list[bytes], data: st.DataObject
) -> None:
    original = data.draw(st.sampled_from(small_real_files))
    blob = bytearray(original[: data.draw(st.integers(0, len(original)))])
    for _ in range(data.draw(st.integers(0, 4))):
        if blob:
            blob[data.draw(st.integers(0, len(blob) - 1))] = data.draw(st.integers(0, 255))
    _only_typed_errors(bytes(blob))


# ---- the luma-only decode (what hashing alone needs) -----------------------------------


def test_a_colour_jpeg_decodes_to_its_luma_plane_and_hashes_as_its_colours(
    photo_paths: list[Path],
) -> None:
    """Hashing reads luma alone, so a JPEG's Y plane is decoded instead of RGB. JPEG's Y
    uses PDQ's own weights: the hash must stay within 2 bits of the RGB decode's, with
    the same quality, size and reduction, on every photo."""
    for path in photo_paths:
        data = path.read_bytes()
        rgb, luma = decode_image(data), decode_image(data, luma=True)
        if rgb.format != "JPEG":
            # Other formats come back as they were: RGB, or their one grey channel.
            same = rgb.pixels[:, :, 0] if luma.is_luma else rgb.pixels
            assert np.array_equal(luma.pixels, same), path.name
            assert not luma.is_luma or Image.open(path).mode in ("L", "LA", "I;16"), path.name
            continue
        assert luma.is_luma and not rgb.is_luma
        assert luma.pixels.shape == rgb.pixels.shape[:2]
        assert (luma.rows.scale, luma.cols.scale) == (rgb.rows.scale, rgb.cols.scale)
        assert (luma.original_width, luma.original_height) == (
            rgb.original_width,
            rgb.original_height,
        )
        from shieldwall.hashing.pdq import pdq_from_reduced

        a = pdq_from_reduced(rgb.pixels, rgb.rows, rgb.cols)
        b = pdq_from_reduced(luma.pixels, luma.rows, luma.cols)
        assert hamming(a[0], b[0]) <= 2, path.name
        assert abs(a[1] - b[1]) <= 1, path.name


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_the_luma_plane_is_turned_by_the_exif_orientation_too(
    big_jpeg: bytes, orientation: int
) -> None:
    data = _with_orientation(Image.open(__import__("io").BytesIO(big_jpeg)), orientation)
    rgb, luma = decode_image(data), decode_image(data, luma=True)
    assert luma.pixels.shape == rgb.pixels.shape[:2]
    grey = np.asarray(Image.fromarray(rgb.pixels).convert("L"), dtype=int)
    assert np.abs(luma.pixels.astype(int) - grey).mean() < 1.5  # same picture, same way up


def test_the_luma_decode_leaves_cmyk_and_grey_jpegs_and_exact_hashes_as_they_were() -> None:
    source = textured(600, 400, seed=5)
    cmyk = encode(source.convert("CMYK"), "JPEG", quality=95)
    assert decode_image(cmyk, luma=True).pixels.shape == (400, 600, 3)  # colours converted
    grey = decode_image(encode(source.convert("L"), "JPEG", quality=95), luma=True)
    assert grey.is_luma and grey.pixels.shape == (400, 600)
    colour = encode(source, "JPEG", quality=95)
    # `shieldwall hash --exact` keeps the RGB decode, bit for bit the reference's input.
    exact = decode_image(colour, exact=True)
    assert hash_image_bytes(colour, exact_decode=True).pdq == reference_pdq(exact.pixels)[0]
    assert np.array_equal(decode_image(colour, exact=True, luma=True).pixels, exact.pixels)

"""hasher.js in headless Chromium: a file chosen in the page yields the server's hashes.

This is the victim's path end to end: pick a file, the browser decodes and hashes
it, only hashes leave. MD5 and SHA-256 must equal hashlib's exactly; PDQ must be
within a few bits of the server's (Chromium's JPEG decoder is not Pillow's), far
inside the matching threshold of 31. Nothing may be fetched from anywhere but the
loopback server that served the page.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser_hash_support import HashPage, hamming, pdq_hex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageOps
from playwright.sync_api import FilePayload

# Well inside PDQ's match threshold (31). Measured: Chromium 156 and Pillow decode all 19 photos
# to identical pixels (distance 0), but other encoders (progressive, CMYK, ICC) may differ.
DECODER_TOLERANCE = 10


def _server_pdq(path: Path) -> tuple[str, int]:
    """What the server computes: Pillow's full decode, upright per EXIF, as RGB."""
    with Image.open(path) as img:
        upright = ImageOps.exif_transpose(img).convert("RGB")
    return pdq_hex(np.asarray(upright))


def _choose(hash_page: HashPage, files: Any) -> dict[str, Any]:
    hash_page.page.set_input_files("#file", files)
    result: dict[str, Any] = hash_page.page.evaluate("window.sw.hashChosenFile()")
    return result


def test_each_photo_chosen_in_the_page_gets_the_servers_hashes(
    hash_page: HashPage, photo_paths: list[Path]
) -> None:
    distances = {}
    for path in photo_paths:
        data = path.read_bytes()
        got = _choose(hash_page, str(path))
        expected_pdq, _ = _server_pdq(path)
        assert got["md5"] == hashlib.md5(data).hexdigest(), path.name
        assert got["sha256"] == hashlib.sha256(data).hexdigest(), path.name
        with Image.open(path) as img:
            assert (got["width"], got["height"]) == ImageOps.exif_transpose(img).size
        distances[path.name] = hamming(got["pdq"], expected_pdq)
    assert max(distances.values()) <= DECODER_TOLERANCE, distances


def test_exif_orientation_is_applied_before_hashing(
    hash_page: HashPage, photo_paths: list[Path], tmp_path: Path
) -> None:
    # A phone photo stored sideways with "rotate 90 CW to display" (orientation 6).
    with Image.open(next(p for p in photo_paths if p.name == "skimage__rocket.jpg")) as img:
        stored = img.convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "sideways.jpg"
    stored.save(path, quality=95, exif=exif.tobytes())

    got = _choose(hash_page, str(path))
    upright_pdq, _ = _server_pdq(path)
    stored_pdq, _ = pdq_hex(np.asarray(stored))
    assert (got["width"], got["height"]) == (stored.height, stored.width)
    assert hamming(got["pdq"], upright_pdq) <= DECODER_TOLERANCE
    assert hamming(got["pdq"], stored_pdq) > 31


def test_png_with_same_pixels_as_server_hashes_identically(
    hash_page: HashPage, tmp_path: Path
) -> None:
    # Lossless formats decode to the same pixels everywhere, so PDQ is exact, not close.
    rng = np.random.default_rng(3)
    small = rng.integers(0, 256, (30, 40, 3), np.uint8)
    rgb = np.asarray(Image.fromarray(small).resize((400, 300), Image.Resampling.BICUBIC))
    path = tmp_path / "lossless.png"
    Image.fromarray(rgb).save(path)
    expected_pdq, expected_quality = pdq_hex(rgb)
    got = _choose(hash_page, str(path))
    assert (got["pdq"], got["quality"]) == (expected_pdq, expected_quality)


@pytest.mark.parametrize(
    "options",
    [
        {},  # WebCrypto for SHA-256, one read
        {"subtleMaxBytes": 0, "chunkSize": 65_536},  # streaming fallback, many chunks
    ],
    ids=["webcrypto", "streaming"],
)
def test_video_bytes_get_md5_and_sha256_but_no_pdq(
    hash_page: HashPage, options: dict[str, int]
) -> None:
    payload = np.random.default_rng(5).integers(0, 256, 3_000_001, np.uint8).tobytes()
    clip: FilePayload = {"name": "clip.mp4", "mimeType": "video/mp4", "buffer": payload}
    hash_page.page.set_input_files("#file", files=[clip])
    got = hash_page.page.evaluate("(o) => window.sw.hashChosenFile(o)", options)
    assert got == {
        "pdq": None,
        "quality": None,
        "width": None,
        "height": None,
        "variants": [],
        "md5": hashlib.md5(payload).hexdigest(),
        "sha256": hashlib.sha256(payload).hexdigest(),
    }


def test_untyped_file_is_tried_as_an_image(hash_page: HashPage, photo_paths: list[Path]) -> None:
    path = next(p for p in photo_paths if p.suffix == ".png")
    data = path.read_bytes()
    untyped: FilePayload = {"name": "no-extension", "mimeType": "", "buffer": data}
    got = _choose(hash_page, [untyped])
    assert got["pdq"] == _server_pdq(path)[0]
    assert got["sha256"] == hashlib.sha256(data).hexdigest()


def test_untyped_file_that_is_not_an_image_gets_digests_only(hash_page: HashPage) -> None:
    data = b"\x00\x00\x00\x18ftypmp42" + bytes(1000)
    blob: FilePayload = {"name": "VID_0001", "mimeType": "", "buffer": data}
    got = _choose(hash_page, [blob])
    assert (got["pdq"], got["md5"]) == (None, hashlib.md5(data).hexdigest())


def test_undecodable_image_is_reported_not_hashed(hash_page: HashPage) -> None:
    broken: FilePayload = {"name": "broken.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8?"}
    hash_page.page.set_input_files("#file", [broken])
    with pytest.raises(Exception, match="cannot decode image/jpeg"):
        hash_page.page.evaluate("window.sw.hashChosenFile()")


def test_downscaling_is_opt_in_and_stays_close(
    hash_page: HashPage, photo_paths: list[Path]
) -> None:
    path = next(p for p in photo_paths if p.name == "palapeli__european-honey-bee.jpg")
    hash_page.page.set_input_files("#file", str(path))
    full = hash_page.page.evaluate("window.sw.hashChosenFile()")
    small = hash_page.page.evaluate("window.sw.hashChosenFile({maxSide: 512})")
    assert (full["width"], full["height"]) == (1620, 1280)
    assert max(small["width"], small["height"]) == 512
    assert small["sha256"] == full["sha256"]  # bytes are hashed as they are
    assert hamming(small["pdq"], full["pdq"]) <= 31


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300), chunk=st.integers(1, 130))
def test_digests_equal_hashlib_for_any_bytes_and_chunking(
    hash_page: HashPage, data: bytes, chunk: int
) -> None:
    b64 = base64.b64encode(data).decode("ascii")
    got = hash_page.page.evaluate(
        """([b64, chunk]) => Promise.all([
            window.sw.md5FromBase64(b64),
            window.sw.sha256FromBase64(b64),
            window.sw.digestBase64(b64, {subtleMaxBytes: 0, chunkSize: chunk}),
        ])""",
        [b64, chunk],
    )
    md5, sha = hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()
    assert got == [md5, sha, {"md5": md5, "sha256": sha}]


def test_only_the_local_server_was_contacted(hash_page: HashPage, photo_paths: list[Path]) -> None:
    _choose(hash_page, str(photo_paths[0]))
    assert hash_page.requests, "the page's own requests should have been recorded"
    assert hash_page.foreign_requests() == []
    assert any(u.endswith("/static/js/pdq.js") for u in hash_page.requests)


def test_a_stray_remote_request_would_be_caught(fresh_hash_page: HashPage) -> None:
    # Proves the checks above mean something: a fetch from page code to another origin
    # is blocked by the page's CSP and shows up as foreign.
    page = fresh_hash_page
    page.page.evaluate("fetch('http://tracker.example/x').catch(() => null)")
    page.page.wait_for_function("window.sw.cspViolations().length > 0")
    assert page.foreign_requests() == ["http://tracker.example/x"]

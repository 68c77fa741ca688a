"""Hashing files: stable known hashes, agreement with pdqhash, batch order and error isolation."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from shieldwall.errors import EmptyFileError, FileTooLargeError, ShieldwallError
from shieldwall.hashing import (
    DecodeLimits,
    UnreadableFileError,
    digests,
    hash_files,
    hash_image_bytes,
    hash_image_file,
    iter_image_files,
)
from shieldwall.hashing.values import hamming
from shieldwall.types import DEFAULT_PDQ_THRESHOLD, ImageHashes

from .imagefactory import encode, reference_pdq

# Pinned so that any change to decoding or PDQ that moves a hash is noticed.
KNOWN = {
    "palapeli__citrus-fruits.jpg": (
        "eeb09871053b4702544f1b2c80f2d44ca32d86abd32f960cbad6fecd77216be9",
        "c95a1c48f6531ccd5f74e21ee22ef1bb",
        "0cbd7154a14789803167c86705130d0358875198231269df168ea26224e70848",
        (1350, 890, "JPEG"),
    ),
    "skimage__astronaut.png": (
        "2d6b1af3a956c529e79ca3d2526fa834d4196c81cedd04de0a26b855fc99b724",
        "97066e0a8baf4cd0be9859f9825aa3a2",
        "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5",
        (512, 512, "PNG"),
    ),
    "skimage__camera.png": (
        "dc9c9d3b746978f888f40ce6e5c3f70f7266623e8d989cb99f21f2010841e1c7",
        "f8b13d2cdd5ba56cf4ba2321bb7222f0",
        "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a",
        (512, 512, "PNG"),
    ),
}


@pytest.mark.parametrize("exact", [False, True])
def test_known_photos_have_stable_hashes(photos_dir: Path, exact: bool) -> None:
    for name, (pdq, md5, sha256, (w, h, fmt)) in KNOWN.items():
        hashes = hash_image_file(photos_dir / name, exact_decode=exact)
        assert hashes == ImageHashes(pdq, 100, md5, sha256, w, h, fmt), name


def _viewer_pixels(path: Path) -> np.ndarray:
    image = ImageOps.exif_transpose(Image.open(path))
    return np.asarray(image.convert("RGB"))


def test_exact_decode_equals_pdqhash_on_every_photo(photo_paths: list[Path]) -> None:
    for path in photo_paths:
        hashes = hash_image_file(path, exact_decode=True)
        assert (hashes.pdq, hashes.quality) == reference_pdq(_viewer_pixels(path)), path.name


def test_fast_path_stays_close_to_full_resolution(photo_paths: list[Path]) -> None:
    for path in photo_paths:
        fast = hash_image_file(path)
        full_pdq, quality = reference_pdq(_viewer_pixels(path))
        if quality >= 80:  # the PDQ cross-implementation rule is <= 10 bits
            assert hamming(fast.pdq, full_pdq) <= 4, path.name


def test_jpeg_reencoded_at_q70_still_matches(photo_paths: list[Path]) -> None:
    for path in photo_paths[:8]:
        original = hash_image_file(path)
        again = hash_image_bytes(encode(Image.open(path).convert("RGB"), "JPEG", quality=70))
        assert hamming(original.pdq, again.pdq) <= DEFAULT_PDQ_THRESHOLD, path.name
        assert original.md5 != again.md5


def test_digests_are_md5_and_sha256() -> None:
    data = b"not really an image"
    assert digests(data) == (hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest())


def test_file_errors(tmp_path: Path, photo_paths: list[Path]) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(EmptyFileError):
        hash_image_file(empty)
    with pytest.raises(UnreadableFileError) as missing:
        hash_image_file(tmp_path / "missing.jpg")
    assert missing.value.code == "unreadable_file"
    with pytest.raises(UnreadableFileError):
        hash_image_file(tmp_path)
    with pytest.raises(FileTooLargeError):
        hash_image_file(photo_paths[0], limits=DecodeLimits(max_bytes=1024))


def test_iter_image_files_walks_sorted_and_skips_hidden(tmp_path: Path) -> None:
    for rel in [
        "b/2.PNG",
        "b/1.jpg",
        "a.webp",
        ".hidden/x.jpg",
        "b/.secret.jpg",
        "notes.txt",
        "c/upload-17",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    explicit = tmp_path / "notes.txt"
    found = list(iter_image_files([tmp_path, explicit]))
    assert found == [
        tmp_path / "a.webp",
        tmp_path / "notes.txt",  # not an image: walked too, so it gets its own error line
        tmp_path / "b/1.jpg",
        tmp_path / "b/2.PNG",
        tmp_path / "c/upload-17",  # no suffix: sniffed by content, never skipped
        explicit,
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_hash_files_keeps_order_and_survives_bad_files(
    tmp_path: Path, photo_paths: list[Path], workers: int
) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(photo_paths[0].read_bytes()[:500])
    text = tmp_path / "readme.png"
    text.write_text("hello")
    paths = [photo_paths[0], bad, photo_paths[1], text, tmp_path / "gone.png", photo_paths[2]]
    results = list(hash_files(paths, workers=workers))
    assert [p for p, _ in results] == paths
    outcomes = [r for _, r in results]
    codes = [r.code if isinstance(r, ShieldwallError) else "ok" for r in outcomes]
    assert codes == ["ok", "truncated_image", "ok", "not_an_image", "unreadable_file", "ok"]
    assert outcomes[0] == hash_image_file(photo_paths[0])
    assert isinstance(outcomes[4], ShieldwallError) and outcomes[4].value is not None


def test_hash_bytes_matches_hash_file(photo_paths: list[Path]) -> None:
    path = photo_paths[3]
    assert hash_image_bytes(path.read_bytes()) == hash_image_file(path)
    assert (
        hash_image_bytes(io.BytesIO(path.read_bytes()).getvalue()).md5
        == digests(path.read_bytes())[0]
    )

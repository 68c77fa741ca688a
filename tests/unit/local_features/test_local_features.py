"""The local-features stage's pure parts: ORB extraction, its compact bytes, RANSAC
verification and the descriptor index's votes, on benign test photos.

What must hold: a photo and its off-centre crop, its small turn cropped to the upright
rectangle, and the photo shrunk into a page all verify; distinct photos do not; hostile
input (blank, tiny, a noise flood, corrupt bytes) neither crashes nor takes long.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from shieldwall.errors import InvalidRecordError
from shieldwall.hashing.local_features import (
    QUERY_FEATURES,
    LocalFeatures,
    describe_local_match,
    extract_local_features,
    local_match_variant,
    verify,
)
from shieldwall.hashing.robust import describe_variant
from shieldwall.index.local_features import DescriptorIndex


def _rgb(path: Path, side: int = 1024) -> Image.Image:
    with Image.open(path) as im:
        rgb = im.convert("RGB")
    rgb.thumbnail((side, side))
    return rgb


def _query(image: Image.Image) -> LocalFeatures:
    return extract_local_features(np.asarray(image), max_features=QUERY_FEATURES)


@pytest.fixture(scope="module")
def castle(photo_paths: list[Path]) -> Image.Image:
    return _rgb(next(p for p in photo_paths if "castle" in p.name))


@pytest.fixture(scope="module")
def banked(castle: Image.Image) -> LocalFeatures:
    return extract_local_features(np.asarray(castle))


def _off_centre_crop(im: Image.Image) -> Image.Image:
    w, h = im.size
    return im.crop((int(0.35 * w), int(0.05 * h), w, int(0.7 * h)))


def _turned_and_cropped(im: Image.Image) -> Image.Image:
    w, h = im.size
    turned = im.rotate(12, resample=Image.Resampling.BILINEAR)
    return turned.crop((int(0.15 * w), int(0.15 * h), int(0.85 * w), int(0.85 * h)))


def _in_a_page(im: Image.Image) -> Image.Image:
    page = Image.new("RGB", (1080, 1920), (245, 245, 245))
    small = im.copy()
    small.thumbnail((600, 600))
    page.paste(small, (240, 700))
    return page


@pytest.mark.parametrize("edit", [_off_centre_crop, _turned_and_cropped, _in_a_page])
def test_a_photo_and_its_edited_copy_verify(
    castle: Image.Image, banked: LocalFeatures, edit: object
) -> None:
    assert callable(edit)
    result = verify(_query(edit(castle)), banked)
    assert result.matched, result
    assert result.inliers >= 20


def test_distinct_photos_do_not_verify(photo_paths: list[Path]) -> None:
    feats = {p.name: extract_local_features(np.asarray(_rgb(p))) for p in photo_paths}
    queries = {p.name: _query(_rgb(p)) for p in photo_paths}
    matched = [
        (a, b, verify(q, feats[b]).inliers)
        for a, q in queries.items()
        for b in feats
        if a != b and verify(q, feats[b]).matched
    ]
    assert matched == []


def test_bytes_round_trip_and_corrupt_blobs_are_refused(banked: LocalFeatures) -> None:
    blob = banked.to_bytes()
    assert len(blob) == 9 + 36 * len(banked)
    back = LocalFeatures.from_bytes(blob)
    assert (back.width, back.height) == (banked.width, banked.height)
    assert np.array_equal(back.descriptors, banked.descriptors)
    assert np.abs(back.points - banked.points).max() <= 1 / 64
    for bad in (b"", blob[:-1], b"\x02" + blob[1:]):
        with pytest.raises(InvalidRecordError):
            LocalFeatures.from_bytes(bad)


def test_hostile_images_give_few_keypoints_quickly(banked: LocalFeatures) -> None:
    blank = extract_local_features(np.full((800, 800, 3), 128, np.uint8))
    tiny = extract_local_features(np.zeros((8, 8, 3), np.uint8))
    assert len(blank) == 0 and len(tiny) == 0
    assert not verify(blank, banked).matched and not verify(banked, blank).matched
    assert LocalFeatures.from_bytes(blank.to_bytes()).descriptors.shape == (0, 32)
    noise = np.random.default_rng(1).integers(0, 256, (4000, 4000, 3), dtype=np.uint8)
    started = time.process_time()
    flood = _query(Image.fromarray(noise))
    result = verify(flood, banked)
    assert time.process_time() - started < 2.0  # the working copy is 640 px, ORB caps the count
    assert len(flood) <= QUERY_FEATURES and not result.matched


def test_the_index_proposes_the_right_entry_first(
    photo_paths: list[Path], castle: Image.Image
) -> None:
    index: DescriptorIndex[str] = DescriptorIndex()
    for p in photo_paths:
        index.add(p.name, extract_local_features(np.asarray(_rgb(p))).descriptors)
    castle_name = next(p.name for p in photo_paths if "castle" in p.name)
    found = index.candidates(_query(_off_centre_crop(castle)).descriptors)
    assert found and found[0].key == castle_name
    index.discard(castle_name)
    assert castle_name not in index
    assert all(c.key != castle_name for c in index.candidates(_query(castle).descriptors))
    assert index.candidates(np.zeros((0, 32), np.uint8)) == []


def test_a_local_match_is_described_for_a_moderator() -> None:
    variant = local_match_variant(37)
    assert describe_local_match(variant) == "matched via local features (37 inliers)"
    assert describe_variant(variant) == "matched via local features (37 inliers)"
    assert describe_local_match("crop(center,80%)") is None


def test_a_large_index_turns_approximate_and_keeps_finding_the_right_entry(
    photo_paths: list[Path], castle: Image.Image, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shieldwall.index.local_features as module

    monkeypatch.setattr(module, "FLAT_MAX_ROWS", 3_000)  # the IVF path on a small corpus
    index: DescriptorIndex[str] = DescriptorIndex()
    for p in photo_paths:
        index.add(p.name, extract_local_features(np.asarray(_rgb(p))).descriptors)
    assert index.approximate and len(index) == len(photo_paths)
    castle_name = next(p.name for p in photo_paths if "castle" in p.name)
    rows = index.descriptor_count
    index.discard(castle_name)
    index.add("again", extract_local_features(np.asarray(castle)).descriptors)
    found = index.candidates(_query(_off_centre_crop(castle)).descriptors)
    assert found and found[0].key == "again"
    assert index.memory_bytes() >= rows * 32

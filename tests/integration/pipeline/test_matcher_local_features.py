"""The matcher's second stage: an entry stored with local features is found for an off-centre
crop that no PDQ hash meets, only when PDQ found nothing, and the features enter and leave
matching with their entry (added later, withdrawn, gained by a re-import, after a snapshot)."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from shieldwall.errors import InvalidRecordError
from shieldwall.hashing.local_features import (
    QUERY_FEATURES,
    QUERY_SIDE,
    extract_local_features,
)
from shieldwall.hashing.pdq import pdq_from_pixels
from shieldwall.pipeline.matcher import Matcher, Query
from shieldwall.store import BankStore
from shieldwall.types import BankPurpose, HashKind, NewEntry


def _query(image: Image.Image, *, keypoints: bool = True) -> Query:
    pixels = np.asarray(image)
    features = (
        extract_local_features(pixels, max_features=QUERY_FEATURES, max_side=QUERY_SIDE)
        if keypoints
        else None
    )
    return Query(pdq=pdq_from_pixels(pixels)[0], local_features=features)


@pytest.fixture(scope="module")
def off_centre(photo: Image.Image) -> Image.Image:
    w, h = photo.size
    return photo.crop((0, int(0.2 * h), int(0.6 * w), h))


@pytest.fixture(scope="module")
def entry(photo: Image.Image, plain_entry: NewEntry) -> NewEntry:
    blob = extract_local_features(np.asarray(photo)).to_bytes()
    return dataclasses.replace(plain_entry, local_features=blob)


@pytest.fixture
def bank(store: BankStore) -> str:
    store.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    return "victims"


def test_an_off_centre_crop_is_found_via_local_features(
    store: BankStore, bank: str, entry: NewEntry, off_centre: Image.Image, tmp_path: Path
) -> None:
    matcher = Matcher(store, local_features=True, snapshot_dir=tmp_path / "snap")
    matcher.load()
    assert not matcher.has_local_features
    (entry_id, *_) = store.add_entries(bank=bank, entries=[entry]).ids
    outcome = matcher.match(_query(off_centre))  # the change log brings the features in
    (hit,) = outcome.active
    assert hit.entry_id == entry_id and hit.signal_type is HashKind.PDQ
    assert hit.variant is not None and hit.variant.startswith("local_features(")
    assert hit.distance == hit.threshold  # not found closer than the bank's threshold
    assert any("matched via local features" in n for n in outcome.notes)
    assert matcher.has_local_features and matcher.local_features_memory_bytes() > 0
    # Without the upload's keypoints, or with the stage off, nothing.
    assert matcher.match(_query(off_centre, keypoints=False)).active == ()
    off = Matcher(store, local_features=False)
    assert off.match(_query(off_centre)).active == () and not off.has_local_features

    # A snapshot holds no descriptors: a reload rebuilds them from the store.
    matcher.save_snapshot()
    reloaded = Matcher(store, local_features=True, snapshot_dir=tmp_path / "snap")
    assert [m.entry_id for m in reloaded.match(_query(off_centre)).active] == [entry_id]

    store.withdraw_entry(entry_id=entry_id)
    assert matcher.match(_query(off_centre)).active == ()
    assert reloaded.match(_query(off_centre)).active == ()


def test_a_pdq_match_skips_the_second_stage_and_features_arrive_with_a_reimport(
    store: BankStore,
    bank: str,
    plain_entry: NewEntry,
    entry: NewEntry,
    photo: Image.Image,
    off_centre: Image.Image,
) -> None:
    (entry_id, *_) = store.add_entries(bank=bank, entries=[plain_entry]).ids
    matcher = Matcher(store, local_features=True)
    assert matcher.match(_query(off_centre)).active == ()
    store.add_entries(bank=bank, entries=[entry])  # same hash, now with its keypoints
    assert [m.entry_id for m in matcher.match(_query(off_centre)).active] == [entry_id]
    (as_is,) = matcher.match(_query(photo)).active
    assert as_is.variant is None and as_is.distance < as_is.threshold


def test_the_store_refuses_bad_features(store: BankStore, bank: str, entry: NewEntry) -> None:
    for bad in (
        dataclasses.replace(entry, local_features=b"\x01junk"),
        NewEntry(
            HashKind.MD5, "d41d8cd98f00b204e9800998ecf8427e", local_features=entry.local_features
        ),
    ):
        with pytest.raises(InvalidRecordError):
            store.add_entries(bank=bank, entries=[bad])


def test_hostile_uploads_neither_crash_nor_match(
    store: BankStore, bank: str, entry: NewEntry
) -> None:
    store.add_entries(bank=bank, entries=[entry])
    matcher = Matcher(store, local_features=True)
    flat = Image.new("RGB", (900, 600), (120, 120, 120))
    tiny = Image.new("RGB", (6, 4), (0, 0, 0))
    noise = Image.fromarray(
        np.random.default_rng(3).integers(0, 256, (3000, 3000, 3), dtype=np.uint8)
    )
    for upload in (flat, tiny, noise):
        query = _query(upload)
        assert query.local_features is not None
        assert len(query.local_features) <= QUERY_FEATURES
        started = time.process_time()
        assert matcher.match(query).active == ()
        assert time.process_time() - started < 2.0

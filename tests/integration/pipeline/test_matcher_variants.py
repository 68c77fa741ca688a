"""The matcher and bank-side variants: a copy cropped at the borders matches an entry through
the submitter's region hashes, named on both sides, and the variants survive withdrawal,
snapshots and old snapshots the way the entry itself does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from shieldwall.hashing.pdq import pdq_from_pixels
from shieldwall.hashing.robust import matcher_variants, query_variants
from shieldwall.pipeline.matcher import SNAPSHOT_MANIFEST, Matcher, Query
from shieldwall.store import BankStore
from shieldwall.types import BankPurpose, HashKind, NewEntry


@pytest.fixture(scope="module")
def copy_query(cropped: Image.Image) -> Query:
    pixels = np.asarray(cropped)
    return Query(pdq=pdq_from_pixels(pixels)[0], variants=matcher_variants(query_variants(pixels)))


@pytest.fixture
def bank(store: BankStore) -> str:
    store.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    return "victims"


def _bank_names(entry: NewEntry) -> set[str]:
    return {name for name, _ in entry.variants}


def test_cropped_copy_matches_only_through_stored_variants(
    store: BankStore,
    bank: str,
    plain_entry: NewEntry,
    entry_with_variants: NewEntry,
    copy_query: Query,
) -> None:
    (entry_id,) = store.add_entries(bank=bank, entries=[plain_entry]).ids
    matcher = Matcher(store)
    assert matcher.match(copy_query).active == ()

    # The submitter brings the region hashes later (an idempotent re-import).
    store.add_entries(bank=bank, entries=[entry_with_variants])
    outcome = matcher.match(copy_query)
    (hit,) = outcome.active
    assert hit.entry_id == entry_id
    assert hit.bank == bank
    assert hit.distance <= hit.threshold
    assert hit.variant is not None
    query_side, bank_side = hit.variant.split("@bank:")
    assert bank_side in _bank_names(entry_with_variants)
    assert query_side == "original" or query_side in dict(copy_query.variants)
    assert any("against the submitter's hash of " + bank_side in n for n in outcome.notes)


def test_new_entry_with_variants_matches_and_withdrawal_stops_it(
    store: BankStore, bank: str, entry_with_variants: NewEntry, copy_query: Query
) -> None:
    matcher = Matcher(store)
    matcher.load()
    (entry_id,) = store.add_entries(bank=bank, entries=[entry_with_variants]).ids
    assert [m.entry_id for m in matcher.match(copy_query).active] == [entry_id]

    store.withdraw_entry(entry_id=entry_id)
    assert matcher.match(copy_query).matches == ()
    # A matcher built from the store after the withdrawal holds no variants of it either.
    assert Matcher(store).match(copy_query).matches == ()


def test_plain_hit_beats_a_variant_hit_at_the_same_distance(
    store: BankStore, bank: str, plain_entry: NewEntry
) -> None:
    same = NewEntry(HashKind.PDQ, plain_entry.value, variants=(("whole", plain_entry.value),))
    store.add_entries(bank=bank, entries=[same])
    (hit,) = Matcher(store).match(Query(pdq=plain_entry.value)).active
    assert (hit.distance, hit.variant) == (0, None)


def test_negative_bank_variant_suppresses_like_its_entry(
    store: BankStore, bank: str, entry_with_variants: NewEntry, copy_query: Query
) -> None:
    store.create_bank(name="known-benign", purpose=BankPurpose.NEGATIVE)
    store.add_entries(bank=bank, entries=[entry_with_variants])
    store.add_entries(bank="known-benign", entries=[entry_with_variants])
    outcome = Matcher(store).match(copy_query)
    assert outcome.active == ()
    victim, negative = outcome.matches
    assert negative.bank_purpose is BankPurpose.NEGATIVE
    assert victim.suppressed_by == negative.entry_id
    assert "@bank:" in (victim.variant or "") and "@bank:" in (negative.variant or "")
    assert any(n.startswith("suppressed by negative bank 'known-benign'") for n in outcome.notes)


def test_snapshot_keeps_the_variants(
    store: BankStore,
    bank: str,
    entry_with_variants: NewEntry,
    copy_query: Query,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (entry_id,) = store.add_entries(bank=bank, entries=[entry_with_variants]).ids
    Matcher(store, snapshot_dir=tmp_path).save_snapshot()

    fresh = Matcher(store, snapshot_dir=tmp_path)

    def no_store_reads(**_: Any) -> Any:
        raise AssertionError("a loaded snapshot needs no rebuild from the store")

    with monkeypatch.context() as patch:
        patch.setattr(store, "iter_active_entries", no_store_reads)
        patch.setattr(store, "variants_for", no_store_reads)
        fresh.load()
    (hit,) = fresh.match(copy_query).active
    assert hit.entry_id == entry_id and "@bank:" in (hit.variant or "")


def test_old_snapshot_without_variants_is_rebuilt_from_the_store(
    store: BankStore,
    bank: str,
    entry_with_variants: NewEntry,
    copy_query: Query,
    tmp_path: Path,
) -> None:
    (entry_id,) = store.add_entries(bank=bank, entries=[entry_with_variants]).ids
    current = Matcher(store, snapshot_dir=tmp_path).save_snapshot()
    # What a format-1 matcher wrote: the plain index only.
    manifest = json.loads((current / SNAPSHOT_MANIFEST).read_text())
    (current / SNAPSHOT_MANIFEST).write_text(json.dumps(manifest | {"format": 1}))
    for path in sorted((current / "pdq_variants").iterdir()):
        path.unlink()
    (current / "pdq_variants").rmdir()

    (hit,) = Matcher(store, snapshot_dir=tmp_path).match(copy_query).active
    assert hit.entry_id == entry_id and "@bank:" in (hit.variant or "")


def _flip_bits(value: str, n: int) -> str:
    return f"{int(value, 16) ^ ((1 << n) - 1):064x}"


def test_the_simplest_explanation_within_the_threshold_is_reported(
    store: BankStore, bank: str, plain_entry: NewEntry
) -> None:
    """A re-encoded copy 20 bits from the plain hash reads "matched as submitted", even when
    a crop probe sits closer to the submitter's crop hash."""
    crop = _flip_bits(plain_entry.value, 128)
    entry = NewEntry(HashKind.PDQ, plain_entry.value, variants=(("crop(center,90%)", crop),))
    store.add_entries(bank=bank, entries=[entry])
    query = Query(pdq=_flip_bits(plain_entry.value, 20), variants=(("crop(center,94%)", crop),))
    (hit,) = Matcher(store).match(query).active
    assert (hit.distance, hit.variant) == (20, None)


def test_a_strict_bank_still_takes_a_close_window_hit(
    store: BankStore, plain_entry: NewEntry
) -> None:
    """The choice is made among hits within the bank's own threshold, so a far plain hit
    (20 bits, over this bank's 10) does not hide an exact hit on a stored window."""
    store.create_bank(name="strict", purpose=BankPurpose.VICTIM, threshold=10)
    crop = _flip_bits(plain_entry.value, 128)
    entry = NewEntry(HashKind.PDQ, plain_entry.value, variants=(("crop(center,90%)", crop),))
    store.add_entries(bank="strict", entries=[entry])
    query = Query(pdq=_flip_bits(plain_entry.value, 20), variants=(("crop(center,94%)", crop),))
    (hit,) = Matcher(store).match(query).active
    assert (hit.distance, hit.variant) == (0, "crop(center,94%)@bank:crop(center,90%)")
    assert hit.threshold == 10


def test_the_matcher_says_when_any_entry_has_windows(
    store: BankStore, bank: str, plain_entry: NewEntry, entry_with_variants: NewEntry
) -> None:
    matcher = Matcher(store)
    store.add_entries(bank=bank, entries=[plain_entry])
    assert not matcher.has_windows
    store.add_entries(bank=bank, entries=[entry_with_variants])
    matcher.refresh()
    assert matcher.has_windows


def test_a_grid_probe_is_not_taken_against_a_plain_hash_or_another_region(
    store: BankStore, bank: str, plain_entry: NewEntry
) -> None:
    """Even at distance 0: a crop of the upload can only be the original's central window,
    a left strip only its left window (robust.compatible)."""
    left = _flip_bits(plain_entry.value, 100)
    entry = NewEntry(HashKind.PDQ, plain_entry.value, variants=(("window(left,75%)", left),))
    store.add_entries(bank=bank, entries=[entry])
    matcher = Matcher(store)
    grid_on_plain = Query(variants=(("crop(center,94%)", plain_entry.value),))
    assert matcher.match(grid_on_plain).matches == ()
    wrong_side = Query(variants=(("window(right,83%)", left),))
    assert matcher.match(wrong_side).matches == ()
    mirrored = Query(variants=(("window(right,83%)+flip_horizontal", left),))
    (hit,) = matcher.match(mirrored).active
    assert hit.variant == "window(right,83%)+flip_horizontal@bank:window(left,75%)"

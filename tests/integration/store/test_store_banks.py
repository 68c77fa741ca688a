"""Banks: creation, lookup, settings, purposes, and deletion with its cascade, on both databases."""

from __future__ import annotations

import pytest

from shieldwall.errors import BankExistsError, BankNotFoundError, EntryNotFoundError, InputError
from shieldwall.store import BankStore
from shieldwall.types import BankPurpose, EntryStatus, HashKind, NewEntry

MD5_A = "a" * 32
MD5_B = "b" * 32
PDQ_A = "f0" * 32


def test_create_then_get_returns_the_settings(store: BankStore) -> None:
    made = store.create_bank(
        name="victims-eu", purpose=BankPurpose.VICTIM, description="StopNCII-style", threshold=20
    )
    got = store.get_bank(name="victims-eu")
    assert got == made
    assert (got.purpose, got.threshold, got.enabled, got.active_entries) == (
        BankPurpose.VICTIM,
        20,
        True,
        0,
    )
    assert got.created_at.tzinfo is not None


def test_defaults_are_threshold_31_and_enabled(store: BankStore) -> None:
    bank = store.create_bank(name="internal", purpose=BankPurpose.INTERNAL)
    assert bank.threshold == 31
    assert bank.enabled


def test_duplicate_name_is_refused(store: BankStore) -> None:
    store.create_bank(name="dup", purpose=BankPurpose.PARTNER)
    with pytest.raises(BankExistsError):
        store.create_bank(name="dup", purpose=BankPurpose.INTERNAL)


def test_unknown_bank_raises_not_found(store: BankStore) -> None:
    with pytest.raises(BankNotFoundError):
        store.get_bank(name="nope")
    with pytest.raises(BankNotFoundError):
        store.add_entries(bank="nope", entries=[NewEntry(HashKind.MD5, MD5_A)])
    with pytest.raises(BankNotFoundError):
        store.update_bank(name="nope", threshold=3)
    with pytest.raises(BankNotFoundError):
        store.delete_bank(name="nope")


@pytest.mark.parametrize("name", ["", "has space", "-leading-dash", "x" * 101, "semi;colon"])
def test_bad_bank_names_are_refused(store: BankStore, name: str) -> None:
    with pytest.raises(InputError):
        store.create_bank(name=name, purpose=BankPurpose.INTERNAL)


@pytest.mark.parametrize("threshold", [-1, 65, True])
def test_bad_thresholds_are_refused(store: BankStore, threshold: int) -> None:
    with pytest.raises(InputError):
        store.create_bank(name="t", purpose=BankPurpose.INTERNAL, threshold=threshold)
    store.create_bank(name="ok", purpose=BankPurpose.INTERNAL)
    with pytest.raises(InputError):
        store.update_bank(name="ok", threshold=threshold)


def test_unknown_purpose_is_refused(store: BankStore) -> None:
    with pytest.raises(InputError):
        store.create_bank(name="p", purpose="friends")  # type: ignore[arg-type]


def test_list_banks_counts_only_active_entries(store: BankStore) -> None:
    store.create_bank(name="b", purpose=BankPurpose.PARTNER)
    store.create_bank(name="a", purpose=BankPurpose.INTERNAL)
    store.add_entries(
        bank="b",
        entries=[NewEntry(HashKind.MD5, MD5_A), NewEntry(HashKind.MD5, MD5_B)],
    )
    store.withdraw_entry(bank="b", signal_type="md5", value=MD5_A)
    banks = store.list_banks()
    assert [(b.name, b.active_entries) for b in banks] == [("a", 0), ("b", 1)]


def test_threshold_update_shows_in_match_explanations(store: BankStore) -> None:
    store.create_bank(name="partner", purpose=BankPurpose.PARTNER, threshold=31)
    (entry_id,) = store.add_entries(bank="partner", entries=[NewEntry(HashKind.PDQ, PDQ_A)]).ids
    updated = store.update_bank(name="partner", threshold=12, description="tightened")
    assert (updated.threshold, updated.description, updated.active_entries) == (12, "tightened", 1)
    info = store.entries_by_ids(ids=[entry_id])[entry_id]
    assert (info.bank_name, info.bank_threshold) == ("partner", 12)


def test_negative_bank_keeps_its_purpose_for_explanations(store: BankStore) -> None:
    store.create_bank(name="memes", purpose=BankPurpose.NEGATIVE, description="allow-list")
    (entry_id,) = store.add_entries(bank="memes", entries=[NewEntry(HashKind.PDQ, PDQ_A)]).ids
    info = store.get_entry(entry_id=entry_id)
    assert info.bank_purpose is BankPurpose.NEGATIVE
    assert info.matching
    # Negative entries are indexed like any other; the policy decides what a hit means.
    active = [e for chunk in store.iter_active_entries(signal_type="pdq") for e in chunk]
    assert [e.id for e in active] == [entry_id]


def test_disabling_a_bank_takes_its_entries_out_of_matching_and_back(store: BankStore) -> None:
    store.create_bank(name="b", purpose=BankPurpose.PARTNER)
    ids = store.add_entries(
        bank="b", entries=[NewEntry(HashKind.MD5, MD5_A), NewEntry(HashKind.MD5, MD5_B)]
    ).ids
    seq = store.latest_change_seq()

    store.update_bank(name="b", enabled=False)
    assert list(store.iter_active_entries(signal_type="md5")) == []
    removed = store.changes_since(seq=seq)
    assert [(c.op, c.entry_id) for c in removed] == [("remove", i) for i in ids]
    assert not store.get_entry(entry_id=ids[0]).matching

    store.update_bank(name="b", enabled=False)  # no change, no log
    assert store.latest_change_seq() == removed[-1].seq

    store.update_bank(name="b", enabled=True)
    readded = store.changes_since(seq=removed[-1].seq)
    assert [(c.op, c.entry_id) for c in readded] == [("add", i) for i in ids]


def test_entries_added_to_a_disabled_bank_log_nothing(store: BankStore) -> None:
    store.create_bank(name="off", purpose=BankPurpose.PARTNER, enabled=False)
    result = store.add_entries(bank="off", entries=[NewEntry(HashKind.MD5, MD5_A)])
    assert result.added == 1
    assert store.latest_change_seq() == 0
    store.update_bank(name="off", enabled=True)
    assert [c.op for c in store.changes_since(seq=0)] == ["add"]


def test_delete_bank_cascades_to_entries_and_logs_removals(store: BankStore) -> None:
    store.create_bank(name="gone", purpose=BankPurpose.PARTNER)
    store.create_bank(name="kept", purpose=BankPurpose.PARTNER)
    gone = store.add_entries(
        bank="gone", entries=[NewEntry(HashKind.MD5, MD5_A), NewEntry(HashKind.PDQ, PDQ_A)]
    ).ids
    (kept,) = store.add_entries(bank="kept", entries=[NewEntry(HashKind.MD5, MD5_A)]).ids
    store.withdraw_entry(entry_id=gone[1])
    seq = store.latest_change_seq()

    store.delete_bank(name="gone")

    with pytest.raises(BankNotFoundError):
        store.get_bank(name="gone")
    for entry_id in gone:
        with pytest.raises(EntryNotFoundError):
            store.get_entry(entry_id=entry_id)
    # Only the entry that was still matching needs a removal.
    assert [(c.op, c.entry_id) for c in store.changes_since(seq=seq)] == [("remove", gone[0])]
    assert store.get_entry(entry_id=kept).status is EntryStatus.ACTIVE
    assert [b.name for b in store.list_banks()] == ["kept"]
    # The name is free again.
    store.create_bank(name="gone", purpose=BankPurpose.VICTIM)

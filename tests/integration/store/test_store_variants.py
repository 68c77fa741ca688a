"""Bank-side variants in the store: written with their PDQ entry, validated, read back by
entry, and a re-import that brings new variants logs the entry again for the matchers."""

from __future__ import annotations

import pytest

from shieldwall.errors import InvalidHashError, InvalidRecordError
from shieldwall.store import BankStore
from shieldwall.types import BankPurpose, HashKind, NewEntry


def _pdq(i: int) -> str:
    return f"{i:064x}"


def _variants(n: int, start: int = 1000) -> tuple[tuple[str, str], ...]:
    return tuple((f"crop(center,{90 - i}%)", _pdq(start + i)) for i in range(n))


@pytest.fixture
def bank(store: BankStore) -> str:
    store.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    return "victims"


def test_variants_are_stored_with_the_entry_in_slot_order(store: BankStore, bank: str) -> None:
    given = (("crop(center,90%)", "AB" * 32 + " "), ("top(75%)", _pdq(7)))
    (entry_id, plain_id) = store.add_entries(
        bank=bank,
        entries=[NewEntry(HashKind.PDQ, _pdq(1), variants=given), NewEntry("pdq", _pdq(2))],
    ).ids
    assert store.variants_for(entry_ids=[entry_id, plain_id, 999]) == {
        entry_id: [(0, "crop(center,90%)", "ab" * 32), (1, "top(75%)", _pdq(7))]
    }
    # One add per entry: the variants need no change rows of their own.
    assert [c.entry_id for c in store.changes_since(seq=0)] == [entry_id, plain_id]


def test_sixteen_variants_are_accepted_and_read_in_chunks(store: BankStore, bank: str) -> None:
    entries = [NewEntry(HashKind.PDQ, _pdq(i), variants=_variants(16, 100 * i)) for i in range(3)]
    ids = store.add_entries(bank=bank, entries=entries).ids
    found = store.variants_for(entry_ids=iter(ids))
    assert [len(found[i]) for i in ids] == [16, 16, 16]
    assert [slot for slot, _, _ in found[ids[2]]] == list(range(16))


@pytest.mark.parametrize(
    ("entry", "error", "words"),
    [
        (NewEntry("md5", "0" * 32, variants=_variants(1)), InvalidRecordError, "only with PDQ"),
        (NewEntry("pdq", _pdq(1), variants=_variants(17)), InvalidRecordError, "at most 16"),
        (NewEntry("pdq", _pdq(1), variants=(("", _pdq(2)),)), InvalidRecordError, "printable"),
        (NewEntry("pdq", _pdq(1), variants=(("a\nb", _pdq(2)),)), InvalidRecordError, "printable"),
        (NewEntry("pdq", _pdq(1), variants=(("x" * 65, _pdq(2)),)), InvalidRecordError, "1-64"),
        (
            NewEntry("pdq", _pdq(1), variants=(("a", _pdq(2)), ("a", _pdq(3)))),
            InvalidRecordError,
            "repeats",
        ),
        (NewEntry("pdq", _pdq(1), variants=(("a", "zz"),)), InvalidHashError, "variant 'a'"),
        (NewEntry("pdq", _pdq(1), variants=(("a",),)), InvalidRecordError, "pair"),  # type: ignore[arg-type]
    ],
)
def test_bad_variants_are_refused_before_anything_is_written(
    store: BankStore, bank: str, entry: NewEntry, error: type[Exception], words: str
) -> None:
    ok = NewEntry(HashKind.PDQ, _pdq(50))
    with pytest.raises(error, match=r"entry 1: .*" + words.replace("(", r"\(")):
        store.add_entries(bank=bank, entries=[ok, entry])
    assert store.get_bank(name=bank).active_entries == 0
    assert store.latest_change_seq() == 0


def test_reimport_with_new_variants_adds_them_and_logs_the_entry_again(
    store: BankStore, bank: str
) -> None:
    (entry_id,) = store.add_entries(bank=bank, entries=[NewEntry("pdq", _pdq(1))]).ids
    seq = store.latest_change_seq()

    again = NewEntry("pdq", _pdq(1), variants=_variants(2))
    result = store.add_entries(bank=bank, entries=[again])
    assert (result.added, result.unchanged, result.ids) == (0, 1, [entry_id])
    assert [v[1] for v in store.variants_for(entry_ids=[entry_id])[entry_id]] == [
        "crop(center,90%)",
        "crop(center,89%)",
    ]
    (change,) = store.changes_since(seq=seq)
    assert (change.entry_id, change.op, change.value) == (entry_id, "add", _pdq(1))

    # The same variants again: nothing to store, nothing to log.
    seq = store.latest_change_seq()
    store.add_entries(bank=bank, entries=[again])
    assert store.changes_since(seq=seq) == []

    # One known name (kept as stored) and one new one, which takes the next slot.
    more = (("crop(center,90%)", _pdq(99)), ("left(50%)", _pdq(98)))
    store.add_entries(bank=bank, entries=[NewEntry("pdq", _pdq(1), variants=more)])
    assert store.variants_for(entry_ids=[entry_id])[entry_id] == [
        (0, "crop(center,90%)", _pdq(1000)),
        (1, "crop(center,89%)", _pdq(1001)),
        (2, "left(50%)", _pdq(98)),
    ]
    assert [c.op for c in store.changes_since(seq=seq)] == ["add"]


def test_reimport_cannot_push_an_entry_past_sixteen_variants(store: BankStore, bank: str) -> None:
    store.add_entries(bank=bank, entries=[NewEntry("pdq", _pdq(1), variants=_variants(10))])
    seq = store.latest_change_seq()
    extra = NewEntry("pdq", _pdq(1), variants=tuple((f"r{i}", _pdq(5000 + i)) for i in range(7)))
    with pytest.raises(InvalidRecordError, match="17 variants"):
        store.add_entries(bank=bank, entries=[extra])
    assert store.latest_change_seq() == seq


def test_withdrawn_entry_gains_variants_but_is_not_logged_back(store: BankStore, bank: str) -> None:
    (entry_id,) = store.add_entries(bank=bank, entries=[NewEntry("pdq", _pdq(1))]).ids
    store.withdraw_entry(entry_id=entry_id)
    seq = store.latest_change_seq()
    store.add_entries(bank=bank, entries=[NewEntry("pdq", _pdq(1), variants=_variants(1))])
    assert store.changes_since(seq=seq) == []
    assert len(store.variants_for(entry_ids=[entry_id])[entry_id]) == 1


def test_variants_of_a_disabled_bank_are_stored_without_a_change(store: BankStore) -> None:
    store.create_bank(name="off", purpose=BankPurpose.VICTIM, enabled=False)
    (entry_id,) = store.add_entries(
        bank="off", entries=[NewEntry("pdq", _pdq(1), variants=_variants(2))]
    ).ids
    assert store.latest_change_seq() == 0
    assert len(store.variants_for(entry_ids=[entry_id])[entry_id]) == 2


def test_deleting_the_bank_deletes_the_variants(store: BankStore, bank: str) -> None:
    (entry_id,) = store.add_entries(
        bank=bank, entries=[NewEntry("pdq", _pdq(1), variants=_variants(3))]
    ).ids
    store.delete_bank(name=bank)
    assert store.variants_for(entry_ids=[entry_id]) == {}

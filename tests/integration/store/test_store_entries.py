"""Bank entries: idempotent bulk adds, withdrawal, deletion, expiry, lookups and the change
log that lets an index load a snapshot and replay what changed after it."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from shieldwall.errors import EntryNotFoundError, InputError, InvalidHashError, InvalidRecordError
from shieldwall.store import BankStore
from shieldwall.types import BankPurpose, EntryStatus, HashKind, NewEntry, Provenance


def _md5(i: int) -> str:
    return f"{i:032x}"


def _pdq(i: int) -> str:
    return f"{i:064x}"


def _active(store: BankStore, kind: HashKind) -> dict[int, str]:
    return {e.id: e.value for chunk in store.iter_active_entries(signal_type=kind) for e in chunk}


@pytest.fixture
def bank(store: BankStore) -> str:
    store.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    return "victims"


def test_add_normalises_and_keeps_provenance(store: BankStore, bank: str) -> None:
    submitted = datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    entry = NewEntry(
        HashKind.PDQ,
        "  " + "AB" * 32 + "\n",
        Provenance(
            source="stopncii", external_id="ext-1", case_id="case-9", submitted_at=submitted
        ),
        category="ncii",
        expires_at=datetime(2030, 1, 1),  # naive: taken as UTC
    )
    (entry_id,) = store.add_entries(bank=bank, entries=[entry]).ids
    info = store.get_entry(entry_id=entry_id)
    assert info.value == "ab" * 32
    assert info.category == "ncii"
    assert info.provenance == Provenance(
        source="stopncii", external_id="ext-1", case_id="case-9", submitted_at=submitted
    )
    assert info.provenance.submitted_at is not None
    assert info.provenance.submitted_at.tzinfo is not None
    assert info.expires_at == datetime(2030, 1, 1, tzinfo=UTC)
    assert (info.status, info.bank_name, info.bank_purpose) == (
        EntryStatus.ACTIVE,
        bank,
        BankPurpose.VICTIM,
    )


def test_re_adding_the_same_values_changes_nothing(store: BankStore, bank: str) -> None:
    entries = [NewEntry(HashKind.MD5, _md5(i)) for i in range(7)]
    first = store.add_entries(bank=bank, entries=entries)
    seq = store.latest_change_seq()
    again = store.add_entries(
        bank=bank,
        entries=[NewEntry(HashKind.MD5, e.value.upper(), category="other") for e in entries],
    )
    assert (first.added, first.unchanged) == (7, 0)
    assert (again.added, again.unchanged) == (0, 7)
    assert again.ids == first.ids
    assert store.latest_change_seq() == seq
    assert store.get_entry(entry_id=first.ids[0]).category is None  # first write wins


def test_duplicates_within_one_call_get_one_id(store: BankStore, bank: str) -> None:
    result = store.add_entries(
        bank=bank,
        entries=[
            NewEntry(HashKind.MD5, _md5(1)),
            NewEntry(HashKind.MD5, _md5(2)),
            NewEntry(HashKind.MD5, _md5(1).upper()),
        ],
    )
    assert (result.added, result.unchanged) == (2, 1)
    assert result.ids[0] == result.ids[2] != result.ids[1]


def test_same_value_in_two_banks_or_two_types_is_two_entries(store: BankStore, bank: str) -> None:
    store.create_bank(name="other", purpose=BankPurpose.PARTNER)
    sha = "c" * 64
    a = store.add_entries(bank=bank, entries=[NewEntry(HashKind.SHA256, sha)]).ids
    b = store.add_entries(bank="other", entries=[NewEntry(HashKind.SHA256, sha)]).ids
    c = store.add_entries(bank=bank, entries=[NewEntry(HashKind.PDQ, sha)]).ids
    assert len({*a, *b, *c}) == 3


def test_chunked_add_spans_transactions_and_keeps_order(store: BankStore) -> None:
    store.create_bank(name="big", purpose=BankPurpose.PARTNER)
    chunked = BankStore(store._sessions, add_chunk=3)
    values = [_pdq(i) for i in range(10)]
    result = chunked.add_entries(bank="big", entries=(NewEntry(HashKind.PDQ, v) for v in values))
    assert result.added == 10
    by_id = store.entries_by_ids(ids=result.ids)
    assert [by_id[i].value for i in result.ids] == values
    assert [c.entry_id for c in store.changes_since(seq=0)] == result.ids


def test_invalid_entry_names_its_position_and_keeps_earlier_chunks(store: BankStore) -> None:
    store.create_bank(name="b", purpose=BankPurpose.PARTNER)
    chunked = BankStore(store._sessions, add_chunk=2)
    entries = [NewEntry(HashKind.MD5, _md5(i)) for i in range(3)]
    entries.append(NewEntry(HashKind.MD5, "not-hex"))
    with pytest.raises(InvalidHashError, match="entry 3"):
        chunked.add_entries(bank="b", entries=entries)
    assert store.get_bank(name="b").active_entries == 2  # the first chunk; not the second


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        (NewEntry(HashKind.PDQ, "ab" * 31), InvalidHashError),
        (NewEntry("sha1", "a" * 40), InvalidHashError),  # type: ignore[arg-type]
        (NewEntry(HashKind.MD5, "a" * 32, category="x" * 256), InvalidRecordError),
        (NewEntry(HashKind.MD5, "a" * 32, Provenance(source="s" * 256)), InvalidRecordError),
    ],
)
def test_invalid_entries_are_refused_before_writing(
    store: BankStore, bank: str, entry: NewEntry, error: type[Exception]
) -> None:
    with pytest.raises(error):
        store.add_entries(bank=bank, entries=[entry])
    assert store.get_bank(name=bank).active_entries == 0


def test_withdraw_takes_the_entry_out_of_matching_with_a_change_row(
    store: BankStore, bank: str
) -> None:
    ids = store.add_entries(
        bank=bank, entries=[NewEntry(HashKind.PDQ, _pdq(1)), NewEntry(HashKind.PDQ, _pdq(2))]
    ).ids
    seq = store.latest_change_seq()
    info = store.withdraw_entry(entry_id=ids[0])
    assert info.status is EntryStatus.WITHDRAWN
    assert info.withdrawn_at is not None
    assert not info.matching
    assert list(_active(store, HashKind.PDQ)) == [ids[1]]
    (change,) = store.changes_since(seq=seq)
    assert (change.op, change.entry_id, change.value, change.signal_type) == (
        "remove",
        ids[0],
        _pdq(1),
        HashKind.PDQ,
    )


def test_withdraw_by_value_accepts_any_hex_case(store: BankStore, bank: str) -> None:
    (entry_id,) = store.add_entries(bank=bank, entries=[NewEntry(HashKind.MD5, _md5(255))]).ids
    info = store.withdraw_entry(bank=bank, signal_type="md5", value=_md5(255).upper())
    assert info.id == entry_id


def test_withdraw_twice_logs_once_and_re_adding_does_not_resurrect(
    store: BankStore, bank: str
) -> None:
    (entry_id,) = store.add_entries(bank=bank, entries=[NewEntry(HashKind.MD5, _md5(5))]).ids
    store.withdraw_entry(entry_id=entry_id)
    seq = store.latest_change_seq()
    store.withdraw_entry(entry_id=entry_id)
    result = store.add_entries(bank=bank, entries=[NewEntry(HashKind.MD5, _md5(5))])
    assert (result.added, result.unchanged, result.ids) == (0, 1, [entry_id])
    assert store.latest_change_seq() == seq
    assert store.get_entry(entry_id=entry_id).status is EntryStatus.WITHDRAWN


def test_delete_entry_marks_it_deleted_and_logs_removal_once(store: BankStore, bank: str) -> None:
    a, b = store.add_entries(
        bank=bank, entries=[NewEntry(HashKind.MD5, _md5(1)), NewEntry(HashKind.MD5, _md5(2))]
    ).ids
    store.withdraw_entry(entry_id=b)
    seq = store.latest_change_seq()
    assert store.delete_entry(entry_id=a).status is EntryStatus.DELETED
    assert store.delete_entry(entry_id=b).status is EntryStatus.DELETED  # already out: no log
    assert [(c.op, c.entry_id) for c in store.changes_since(seq=seq)] == [("remove", a)]
    # A deleted entry is never withdrawn back or re-activated.
    assert store.withdraw_entry(entry_id=a).status is EntryStatus.DELETED


def test_unknown_entries_and_bad_locators(store: BankStore, bank: str) -> None:
    with pytest.raises(EntryNotFoundError):
        store.get_entry(entry_id=999)
    with pytest.raises(EntryNotFoundError):
        store.withdraw_entry(entry_id=999)
    with pytest.raises(EntryNotFoundError):
        store.withdraw_entry(bank=bank, signal_type="md5", value=_md5(1))
    with pytest.raises(InputError):
        store.withdraw_entry(entry_id=1, bank=bank)
    with pytest.raises(InputError):
        store.withdraw_entry(bank=bank, signal_type="md5")
    with pytest.raises(InvalidHashError):
        store.withdraw_entry(bank=bank, signal_type="md5", value="zz")


def test_entries_by_ids_explains_matches_and_skips_missing_ids(store: BankStore) -> None:
    store.create_bank(name="v", purpose=BankPurpose.VICTIM, threshold=10)
    store.create_bank(name="n", purpose=BankPurpose.NEGATIVE, threshold=5)
    (v,) = store.add_entries(
        bank="v", entries=[NewEntry(HashKind.PDQ, _pdq(1), Provenance(source="portal"))]
    ).ids
    (n,) = store.add_entries(bank="n", entries=[NewEntry(HashKind.PDQ, _pdq(1))]).ids
    found = store.entries_by_ids(ids=[n, v, v, 12345])
    assert set(found) == {v, n}
    assert (found[v].bank_name, found[v].bank_purpose, found[v].bank_threshold) == (
        "v",
        BankPurpose.VICTIM,
        10,
    )
    assert found[v].provenance.source == "portal"
    assert (found[n].bank_purpose, found[n].bank_threshold) == (BankPurpose.NEGATIVE, 5)


def test_iter_active_entries_streams_in_id_order_by_type(store: BankStore, bank: str) -> None:
    ids = store.add_entries(
        bank=bank,
        entries=[NewEntry(HashKind.PDQ, _pdq(i)) for i in range(7)]
        + [NewEntry(HashKind.MD5, _md5(1))],
    ).ids
    chunks = list(store.iter_active_entries(signal_type=HashKind.PDQ, chunk=3))
    assert [len(c) for c in chunks] == [3, 3, 1]
    flat = [e for c in chunks for e in c]
    assert [e.id for e in flat] == ids[:7]
    assert {e.bank_id for e in flat} == {store.get_bank(name=bank).id}
    assert list(_active(store, HashKind.MD5).values()) == [_md5(1)]


def test_expire_entries_withdraws_only_what_is_due(store: BankStore, bank: str) -> None:
    now = datetime(2025, 6, 1, tzinfo=UTC)
    past, future, never = store.add_entries(
        bank=bank,
        entries=[
            NewEntry(HashKind.MD5, _md5(1), expires_at=now - timedelta(seconds=1)),
            NewEntry(HashKind.MD5, _md5(2), expires_at=now + timedelta(days=1)),
            NewEntry(HashKind.MD5, _md5(3)),
        ],
    ).ids
    seq = store.latest_change_seq()
    assert store.expire_entries(now=now) == 1
    assert store.expire_entries(now=now) == 0
    assert store.get_entry(entry_id=past).status is EntryStatus.WITHDRAWN
    assert store.get_entry(entry_id=past).withdrawn_at == now
    assert sorted(_active(store, HashKind.MD5)) == [future, never]
    assert [(c.op, c.entry_id) for c in store.changes_since(seq=seq)] == [("remove", past)]


def test_changes_since_is_ordered_paged_and_exclusive(store: BankStore, bank: str) -> None:
    ids = store.add_entries(
        bank=bank, entries=[NewEntry(HashKind.MD5, _md5(i)) for i in range(5)]
    ).ids
    store.withdraw_entry(entry_id=ids[2])
    every = store.changes_since(seq=0)
    seqs = [c.seq for c in every]
    assert seqs == sorted(seqs) and len(set(seqs)) == 6
    assert store.latest_change_seq() == seqs[-1]
    assert store.changes_since(seq=seqs[1], limit=2) == every[2:4]
    assert store.changes_since(seq=seqs[-1]) == []
    assert all(c.at.tzinfo is not None for c in every)


def test_snapshot_plus_replay_equals_the_active_set(store: BankStore) -> None:
    """The invariant the in-memory index relies on, under a random mix of operations."""
    rng = random.Random(7)
    store.create_bank(name="a", purpose=BankPurpose.VICTIM)
    store.create_bank(name="b", purpose=BankPurpose.PARTNER)
    snapshot_seq = 0
    snapshot: dict[int, str] = {}
    for step in range(120):
        op = rng.choice(["add", "add", "withdraw", "delete", "toggle", "snapshot"])
        bank = rng.choice(["a", "b"])
        if op == "add":
            values = [_pdq(rng.randrange(60)) for _ in range(rng.randrange(1, 6))]
            store.add_entries(bank=bank, entries=[NewEntry(HashKind.PDQ, v) for v in values])
        elif op in ("withdraw", "delete"):
            some = list(_active(store, HashKind.PDQ))
            if some:
                retire = store.withdraw_entry if op == "withdraw" else store.delete_entry
                retire(entry_id=rng.choice(some))
        elif op == "toggle":
            store.update_bank(name=bank, enabled=not store.get_bank(name=bank).enabled)
        elif step % 2:
            snapshot_seq = store.latest_change_seq()
            snapshot = _active(store, HashKind.PDQ)
    replayed = dict(snapshot)
    for change in store.changes_since(seq=snapshot_seq, limit=100_000):
        if change.op == "add":
            replayed[change.entry_id] = change.value
        else:
            replayed.pop(change.entry_id, None)
    assert replayed == _active(store, HashKind.PDQ)


def test_concurrent_writers_all_land_and_the_log_stays_ordered(store: BankStore) -> None:
    store.create_bank(name="busy", purpose=BankPurpose.PARTNER)
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            for i in range(5):
                store.add_entries(
                    bank="busy",
                    entries=[
                        NewEntry(HashKind.MD5, _md5(offset * 1000 + i * 10 + j)) for j in range(10)
                    ],
                )
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    changes = store.changes_since(seq=0, limit=1000)
    assert len(changes) == 200 == store.get_bank(name="busy").active_entries
    assert [c.seq for c in changes] == sorted(c.seq for c in changes)

"""Imports apply withdrawals and deletions: a tombstone in a partner's file takes the hash
out of matching, in file order, within the bank being imported into and nowhere else."""

from __future__ import annotations

import io

from shieldwall.exchange import ExchangeFormat, ExportRecord, read_entries, write_entries
from shieldwall.pipeline.bank_import import import_lines
from shieldwall.pipeline.matcher import Matcher, Query
from shieldwall.store import BankStore
from shieldwall.types import BankPurpose, EntryStatus, NewEntry, SignalType

A = "a" * 32
B = "b" * 32
C = "c" * 32


def _lines(text: str) -> list:  # type: ignore[type-arg]
    return list(read_entries(io.BytesIO(text.encode()), ExchangeFormat.JSONL))


def _matches(matcher: Matcher, md5: str) -> list[str]:
    return [m.bank for m in matcher.match(Query(md5=md5)).active]


def test_tombstones_withdraw_and_delete_in_file_order(store: BankStore) -> None:
    store.create_bank(name="partner", purpose=BankPurpose.PARTNER)
    matcher = Matcher(store)
    matcher.load()
    text = (
        f'{{"signal_type":"md5","value":"{A}"}}\n'
        f'{{"signal_type":"md5","value":"{B}"}}\n'
        f'{{"signal_type":"md5","value":"{C}"}}\n'
        f'{{"signal_type":"md5","value":"{A}","status":"withdrawn"}}\n'
        f'{{"signal_type":"md5","value":"{B}","status":"deleted"}}\n'
        f'{{"signal_type":"md5","value":"{"d" * 32}","status":"withdrawn"}}\n'
        "not json\n"
    )
    report = import_lines(store, bank="partner", lines=_lines(text), chunk=2)
    assert report.summary() == {
        "added": 3,
        "unchanged": 0,
        "withdrawn": 1,
        "deleted": 1,
        "unknown": 1,
        "errors": 1,
    }
    assert _matches(matcher, A) == [] and _matches(matcher, B) == []
    assert _matches(matcher, C) == ["partner"]
    assert store.find_entry(bank="partner", signal_type="md5", value=A).status is (
        EntryStatus.WITHDRAWN
    )
    # The same file again changes nothing (idempotent), the withdrawal included.
    again = import_lines(store, bank="partner", lines=_lines(text))
    assert (again.added, again.withdrawn, again.deleted) == (0, 0, 0)


def test_an_export_imported_elsewhere_carries_the_withdrawal(store: BankStore) -> None:
    store.create_bank(name="origin", purpose=BankPurpose.VICTIM)
    store.create_bank(name="copy", purpose=BankPurpose.PARTNER)
    ids = store.add_entries(
        bank="origin", entries=[NewEntry(SignalType.MD5, A), NewEntry(SignalType.MD5, B)]
    ).ids
    import_lines(store, bank="copy", lines=_lines(f'{{"signal_type":"md5","value":"{A}"}}\n'))
    store.withdraw_entry(entry_id=ids[0])
    buffer = io.StringIO()
    write_entries(
        (ExportRecord(e, s) for e, s in store.iter_bank_records(bank="origin")), buffer, "jsonl"
    )
    report = import_lines(store, bank="copy", lines=_lines(buffer.getvalue()))
    assert (report.added, report.withdrawn) == (1, 1)
    assert store.find_entry(bank="copy", signal_type="md5", value=A).status is (
        EntryStatus.WITHDRAWN
    )


def test_a_tombstone_cannot_reach_into_another_bank(store: BankStore) -> None:
    """A partner who can feed one bank must not be able to withdraw a victim's hash held
    in another bank by sending a tombstone for it."""
    store.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    store.create_bank(name="partner", purpose=BankPurpose.PARTNER)
    store.add_entries(bank="victims", entries=[NewEntry(SignalType.MD5, A)])
    matcher = Matcher(store)
    matcher.load()
    text = f'{{"signal_type":"md5","value":"{A}","status":"deleted"}}\n'
    report = import_lines(store, bank="partner", lines=_lines(text))
    assert (report.deleted, report.unknown) == (0, 1)
    assert _matches(matcher, A) == ["victims"]

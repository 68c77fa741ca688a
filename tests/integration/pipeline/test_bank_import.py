"""Imports apply withdrawals and deletions: a tombstone in a partner's file takes the hash
out of matching, in file order, within the bank being imported into and nowhere else."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from shieldwall.config import load_settings
from shieldwall.exchange import ExchangeFormat, ExportRecord, read_entries, write_entries
from shieldwall.pipeline.bank_import import import_lines
from shieldwall.pipeline.matcher import Matcher, Query
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose, EntryStatus, HashKind, NewEntry

A = "a" * 32
B = "b" * 32
C = "c" * 32


@pytest.fixture
def rt(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime.open(
        load_settings(data_dir=tmp_path / "d", database_url=database_url), migrate=True
    )
    yield runtime
    runtime.close()


def _lines(text: str) -> list:  # type: ignore[type-arg]
    return list(read_entries(io.BytesIO(text.encode()), ExchangeFormat.JSONL))


def _matches(matcher: Matcher, md5: str) -> list[str]:
    return [m.bank for m in matcher.match(Query(md5=md5)).active]


def test_tombstones_withdraw_and_delete_in_file_order(rt: Runtime) -> None:
    rt.banks.create_bank(name="partner", purpose=BankPurpose.PARTNER)
    matcher = rt.matcher
    text = (
        f'{{"signal_type":"md5","value":"{A}"}}\n'
        f'{{"signal_type":"md5","value":"{B}"}}\n'
        f'{{"signal_type":"md5","value":"{C}"}}\n'
        f'{{"signal_type":"md5","value":"{A}","status":"withdrawn"}}\n'
        f'{{"signal_type":"md5","value":"{B}","status":"deleted"}}\n'
        f'{{"signal_type":"md5","value":"{"d" * 32}","status":"withdrawn"}}\n'
        "not json\n"
    )
    report = import_lines(rt.banking, bank="partner", lines=_lines(text), chunk=2)
    assert report.summary() == {
        "added": 3,
        "unchanged": 0,
        "withdrawn": 1,
        "deleted": 1,
        "kept": 0,
        "unknown": 1,
        "errors": 1,
    }
    assert _matches(matcher, A) == [] and _matches(matcher, B) == []
    assert _matches(matcher, C) == ["partner"]
    assert rt.banks.find_entry(bank="partner", signal_type="md5", value=A).status is (
        EntryStatus.WITHDRAWN
    )
    # The same file again changes nothing (idempotent), the withdrawal included.
    again = import_lines(rt.banking, bank="partner", lines=_lines(text))
    assert (again.added, again.withdrawn, again.deleted) == (0, 0, 0)


def test_an_export_imported_elsewhere_carries_the_withdrawal(rt: Runtime) -> None:
    rt.banks.create_bank(name="origin", purpose=BankPurpose.VICTIM)
    rt.banks.create_bank(name="copy", purpose=BankPurpose.PARTNER)
    ids = rt.banks.add_entries(
        bank="origin", entries=[NewEntry(HashKind.MD5, A), NewEntry(HashKind.MD5, B)]
    ).ids
    import_lines(rt.banking, bank="copy", lines=_lines(f'{{"signal_type":"md5","value":"{A}"}}\n'))
    rt.banks.withdraw_entry(entry_id=ids[0])
    buffer = io.StringIO()
    write_entries(
        (ExportRecord(e, s) for e, s in rt.banks.iter_bank_records(bank="origin")), buffer, "jsonl"
    )
    report = import_lines(rt.banking, bank="copy", lines=_lines(buffer.getvalue()))
    assert (report.added, report.withdrawn) == (1, 1)
    assert rt.banks.find_entry(bank="copy", signal_type="md5", value=A).status is (
        EntryStatus.WITHDRAWN
    )


def test_a_tombstone_cannot_reach_into_another_bank(rt: Runtime) -> None:
    """A partner who can feed one bank must not be able to withdraw a victim's hash held
    in another bank by sending a tombstone for it."""
    rt.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    rt.banks.create_bank(name="partner", purpose=BankPurpose.PARTNER)
    rt.banks.add_entries(bank="victims", entries=[NewEntry(HashKind.MD5, A)])
    matcher = rt.matcher
    text = f'{{"signal_type":"md5","value":"{A}","status":"deleted"}}\n'
    report = import_lines(rt.banking, bank="partner", lines=_lines(text))
    assert (report.deleted, report.unknown) == (0, 1)
    assert _matches(matcher, A) == ["victims"]


def test_an_exchange_tombstone_cannot_cancel_a_victims_own_case(rt: Runtime) -> None:
    """The same hash came from a victim's case here and from a partner exchange: the
    partner withdrawing it (or an abuser who controls that feed) releases only the
    exchange's claim, and the victim's protection stays."""
    from shieldwall.pipeline.banking import add_to_bank

    rt.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    add_to_bank(rt.banking, bank="victims", entries=[NewEntry(HashKind.MD5, A)], holder="case:1")
    feed = f'{{"signal_type":"md5","value":"{A}"}}\n'
    import_lines(rt.banking, bank="victims", lines=_lines(feed), holder="exchange:partner")
    tomb = f'{{"signal_type":"md5","value":"{A}","status":"withdrawn"}}\n'
    report = import_lines(rt.banking, bank="victims", lines=_lines(tomb), holder="exchange:partner")
    assert (report.kept, report.withdrawn) == (1, 0)
    assert _matches(rt.matcher, A) == ["victims"]
    # Alone on a hash, the exchange's withdrawal does take it out.
    only = f'{{"signal_type":"md5","value":"{B}"}}\n'
    import_lines(rt.banking, bank="victims", lines=_lines(only), holder="exchange:partner")
    gone = f'{{"signal_type":"md5","value":"{B}","status":"withdrawn"}}\n'
    report = import_lines(rt.banking, bank="victims", lines=_lines(gone), holder="exchange:partner")
    assert report.withdrawn == 1
    assert _matches(rt.matcher, B) == []

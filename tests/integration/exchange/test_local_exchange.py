"""The local-files connector: every file in a folder once, changed files again, tombstones
applied; the fetch resumes from the files already read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shieldwall.exchange.connectors import ExchangeRegistry
from shieldwall.pipeline.exchange_fetch import add_exchange, fetch_exchange
from shieldwall.plugins import collect_exchanges, get_plugin_manager
from shieldwall.store import BankStore, ExchangeStore, make_engine, session_factory, upgrade
from shieldwall.types import BankPurpose, EntryStatus

A, B = "a" * 32, "b" * 32


@pytest.fixture
def stores(database_url: str) -> Iterator[tuple[BankStore, ExchangeStore]]:
    upgrade(database_url)
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    yield BankStore(sessions), ExchangeStore(sessions)
    engine.dispose()


def test_a_folder_is_read_file_by_file_and_tombstones_apply(
    stores: tuple[BankStore, ExchangeStore], tmp_path: Path
) -> None:
    banks, exchanges = stores
    registry = ExchangeRegistry()
    for connector in collect_exchanges(get_plugin_manager(load_entrypoints=False)):
        registry.register(connector)
    banks.create_bank(name="partner", purpose=BankPurpose.PARTNER)
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "001.csv").write_text(f"signal_type,value\nmd5,{A}\nmd5,{B}\n")
    add_exchange(
        exchanges,
        banks,
        registry,
        name="files",
        kind="local",
        bank="partner",
        config={"path": str(drop)},
    )

    def fetch():  # type: ignore[no-untyped-def]
        return fetch_exchange(exchanges, banks, registry, "files", credentials={})

    assert fetch().added == 2
    assert fetch().pages == 0  # nothing new: the checkpoint remembers 001.csv
    (drop / "002.jsonl").write_text(f'{{"signal_type":"md5","value":"{A}","status":"withdrawn"}}\n')
    report = fetch()
    assert (report.pages, report.withdrawn) == (1, 1)
    assert banks.find_entry(bank="partner", signal_type="md5", value=A).status is (
        EntryStatus.WITHDRAWN
    )
    assert banks.find_entry(bank="partner", signal_type="md5", value=B).status is (
        EntryStatus.ACTIVE
    )

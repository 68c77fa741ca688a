"""The local-files connector: every file in a folder once, changed files again, tombstones
applied; the fetch resumes from the files already read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shieldwall.config import load_settings
from shieldwall.pipeline.exchange_fetch import add_exchange, fetch_exchange
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose, EntryStatus

A, B = "a" * 32, "b" * 32


@pytest.fixture
def rt(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime.open(
        load_settings(data_dir=tmp_path / "d", database_url=database_url), migrate=True
    )
    yield runtime
    runtime.close()


def test_a_folder_is_read_file_by_file_and_tombstones_apply(rt: Runtime, tmp_path: Path) -> None:
    banks, exchanges, registry = rt.banks, rt.exchanges, rt.exchange_registry
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
        return fetch_exchange(exchanges, rt.banking, registry, "files", credentials={})

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

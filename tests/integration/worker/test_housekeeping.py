"""Retention and expiry: what is past its time leaves matching and storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from shieldwall.config import load_settings
from shieldwall.pipeline.matcher import Query
from shieldwall.pipeline.scan import ScanMeta
from shieldwall.runtime import Runtime
from shieldwall.store.items import ItemNotFoundError
from shieldwall.types import BankPurpose, HashKind, NewEntry
from shieldwall.worker.housekeeping import housekeep

PDQ = "f8110d4425fa063b8c759efa81036da9985387cd0ce663e5f31e6de28a9837cf"


def test_expired_entries_stop_matching_and_old_items_are_purged(
    database_url: str, tmp_path: Path
) -> None:
    settings = load_settings(
        data_dir=tmp_path / "d", database_url=database_url, retention_days={"message": 0}
    )
    rt = Runtime.open(settings, migrate=True)
    try:
        rt.banks.create_bank(
            name="v", purpose=BankPurpose.VICTIM, threshold=31, description="", enabled=True
        )
        past = datetime.now(UTC) - timedelta(minutes=1)
        rt.banks.add_entries(bank="v", entries=[NewEntry(HashKind.PDQ, PDQ, expires_at=past)])
        kept = rt.scanner.lookup(ScanMeta(content_id="post", surface="post"), Query(pdq=PDQ))
        assert kept.decision.verdict == "remove"  # not yet expired: the worker has not run
        rt.scanner.lookup(ScanMeta(content_id="dm", surface="message"), Query(pdq=PDQ))

        done = housekeep(rt)

        assert done == {"expired_entries": 1, "purged_items": 1, "purged_receipts": 0}
        after = rt.scanner.lookup(ScanMeta(content_id="later"), Query(pdq=PDQ))
        assert after.decision.verdict == "allow"
        assert rt.items.get_item("post").content_id == "post"  # 365-day default retention
        try:
            rt.items.get_item("dm")
            raise AssertionError("the message past its retention should be gone")
        except ItemNotFoundError:
            pass
    finally:
        rt.close()

"""The StopNCII-style connector against a fake server on loopback: paging, withdrawal within
one fetch cycle (by status, where Meta's connector compares the hash value and never
deletes), resuming from the checkpoint after a fault, the one-fetcher lease, feedback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shieldwall.config import load_settings
from shieldwall.errors import ExchangeBusyError, ExchangeFetchError
from shieldwall.exchange.connectors import ExchangeContext, Feedback
from shieldwall.exchange.connectors.stopncii import StopNCIIExchange
from shieldwall.pipeline.exchange_fetch import fetch_exchange
from shieldwall.pipeline.matcher import Query
from shieldwall.runtime import Runtime
from shieldwall.store import BankStore, ExchangeStore
from shieldwall.types import BankPurpose, EntryStatus
from tests.integration.exchange.fake_stopncii import API_KEY, FakeStopNCII

H = [f"{i:02x}" * 32 for i in range(1, 6)]


@pytest.fixture
def server() -> Iterator[FakeStopNCII]:
    fake = FakeStopNCII()
    yield fake
    fake.stop()


class Stores(tuple):  # type: ignore[type-arg]
    """(bank store, exchange store), with the runtime that owns them."""

    rt: Runtime


@pytest.fixture
def stores(database_url: str, tmp_path: Path) -> Iterator[Stores]:
    rt = Runtime.open(
        load_settings(data_dir=tmp_path / "d", database_url=database_url), migrate=True
    )
    rt.banks.create_bank(name="stopncii", purpose=BankPurpose.VICTIM)
    pair = Stores((rt.banks, rt.exchanges))
    pair.rt = rt
    yield pair
    rt.close()


def _setup(stores: tuple[BankStore, ExchangeStore], url: str, page_size: int = 2) -> None:
    stores[1].create(
        name="sncii",
        kind="stopncii",
        bank="stopncii",
        config={"base_url": url, "page_size": page_size},
        trust="auto",
        interval_s=300,
    )


def _fetch(stores: tuple[BankStore, ExchangeStore], key: str = API_KEY, owner: str = "t1"):  # type: ignore[no-untyped-def]
    rt = stores.rt  # type: ignore[attr-defined]
    return fetch_exchange(
        rt.exchanges,
        rt.banking,
        rt.exchange_registry,
        "sncii",
        credentials={"api_key": key},
        owner=owner,
    )


def _status(banks: BankStore, value: str) -> EntryStatus:
    return banks.find_entry(bank="stopncii", signal_type="pdq", value=value).status


def test_pages_are_followed_by_next_set_timestamp(
    server: FakeStopNCII, stores: tuple[BankStore, ExchangeStore]
) -> None:
    for h in H:
        server.put(h)
    _setup(stores, server.start())
    report = _fetch(stores)
    assert (report.pages, report.added) == (3, 5)
    assert server.starts == [0, 1020, 1040]
    assert stores[1].get("sncii").checkpoint == "1050"
    again = _fetch(stores)  # nothing new: one request from the checkpoint
    assert (again.added, server.starts[-1]) == (0, 1050)


def test_a_withdrawn_hash_stops_matching_within_one_fetch_cycle(
    server: FakeStopNCII, stores: tuple[BankStore, ExchangeStore]
) -> None:
    banks, _ = stores
    matcher = stores.rt.matcher  # type: ignore[attr-defined]
    server.put(H[0])
    server.put(H[1], signal_type="VideoMD5", hashValue=H[1][:32])
    _setup(stores, server.start())
    _fetch(stores)
    assert [m.entry_id for m in matcher.match(Query(pdq=H[0])).active]
    # The victim withdraws; StopNCII marks the record (its hashValue is unchanged, which
    # is why comparing the hash value with "withdrawn" never notices).
    server.put(H[0], status="Withdrawn")
    server.put(H[1][:32], status="Deleted", signal_type="VideoMD5")
    report = _fetch(stores)
    assert (report.withdrawn, report.deleted) == (1, 1)
    assert _status(banks, H[0]) is EntryStatus.WITHDRAWN
    assert matcher.match(Query(pdq=H[0])).active == ()
    assert matcher.match(Query(md5=H[1][:32])).active == ()


def test_a_fetch_that_fails_resumes_from_its_last_checkpoint(
    server: FakeStopNCII, stores: tuple[BankStore, ExchangeStore]
) -> None:
    banks, exchanges = stores
    for h in H:
        server.put(h)
    server.fail_on_request = 3
    _setup(stores, server.start())
    with pytest.raises(ExchangeFetchError):
        _fetch(stores)
    info = exchanges.get("sncii")
    assert info.checkpoint == "1040" and info.lease_owner is None
    assert info.last_error and "500" in info.last_error
    assert _status(banks, H[3]) is EntryStatus.ACTIVE  # the first two pages stay applied
    server.fail_on_request = None
    report = _fetch(stores)
    assert report.added == 1 and server.starts[-1] == 1040
    assert exchanges.get("sncii").last_error is None


def test_one_fetcher_at_a_time_and_a_dead_fetchers_lease_expires(
    server: FakeStopNCII, stores: tuple[BankStore, ExchangeStore]
) -> None:
    _, exchanges = stores
    server.put(H[0])
    _setup(stores, server.start())
    exchanges.acquire_lease("sncii", owner="worker-a", ttl_s=3600)
    with pytest.raises(ExchangeBusyError):
        _fetch(stores, owner="worker-b")
    assert server.starts == []  # the busy fetcher never called the exchange
    exchanges.release_lease("sncii", owner="worker-a")
    exchanges.acquire_lease("sncii", owner="crashed", ttl_s=-1)  # died mid-fetch
    assert _fetch(stores, owner="worker-b").added == 1


def test_a_wrong_key_applies_nothing_and_says_so(
    server: FakeStopNCII, stores: tuple[BankStore, ExchangeStore]
) -> None:
    banks, exchanges = stores
    server.put(H[0])
    _setup(stores, server.start())
    with pytest.raises(ExchangeFetchError):
        _fetch(stores, key="wrong")
    assert banks.get_bank(name="stopncii").active_entries == 0
    assert "401" in (exchanges.get("sncii").last_error or "")


def test_a_hostile_exchange_cannot_spoil_the_rest_of_a_page(
    server: FakeStopNCII, stores: tuple[BankStore, ExchangeStore]
) -> None:
    """Garbage records are refused one by one; the good ones in the same page still land."""
    banks, _ = stores
    server.put("not-a-hash")
    server.put(H[2], signal_type="Url")
    server.put(H[3], status="Paused")
    server.put(H[4])
    _setup(stores, server.start(), page_size=10)
    report = _fetch(stores)
    assert (report.added, report.errors) == (1, 3)
    assert _status(banks, H[4]) is EntryStatus.ACTIVE


def test_feedback_reaches_the_exchange(server: FakeStopNCII) -> None:
    url = server.start()
    connector = StopNCIIExchange(
        ExchangeContext(config={"base_url": url}, credentials={"api_key": API_KEY})
    )
    connector.submit_feedback(
        [
            Feedback("pdq", H[0], "confirmed", case_id="C-1"),
            Feedback("md5", H[1][:32], "rejected"),
        ]
    )
    (sent,) = server.feedback
    assert sent["hashFeedbacks"] == [
        {
            "hashValue": H[0],
            "signalType": "ImagePDQ",
            "feedback": "Blocked",
            "caseNumbers": ["C-1"],
        },
        {
            "hashValue": H[1][:32],
            "signalType": "VideoMD5",
            "feedback": "NotBlocked",
            "caseNumbers": [],
        },
    ]

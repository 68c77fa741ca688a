"""The ThreatExchange-style connector against a fake Graph API on loopback: cursor paging
inside a time window, deletions (``should_delete``) and false-positive opinions
(``NON_MALICIOUS``) taking hashes out of matching within one fetch, resuming inside a
window after a fault, hostile records refused one by one, and reactions as feedback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from shieldwall.config import load_settings
from shieldwall.errors import ExchangeFetchError, InputError
from shieldwall.exchange.connectors import ExchangeContext, Feedback
from shieldwall.exchange.connectors.threatexchange import ThreatExchangeExchange
from shieldwall.pipeline.exchange_fetch import FetchReport, add_exchange, fetch_exchange
from shieldwall.pipeline.matcher import Query
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose, EntryStatus
from tests.integration.exchange.fake_threatexchange import GROUP, TOKEN, FakeThreatExchange

H = [f"{i:02x}" * 32 for i in range(1, 6)]


@pytest.fixture
def server() -> Iterator[FakeThreatExchange]:
    fake = FakeThreatExchange()
    yield fake
    fake.stop()


@pytest.fixture
def rt(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime.open(
        load_settings(data_dir=tmp_path / "d", database_url=database_url), migrate=True
    )
    runtime.banks.create_bank(name="te", purpose=BankPurpose.PARTNER)
    yield runtime
    runtime.close()


def _setup(rt: Runtime, url: str, page_size: int = 2) -> None:
    add_exchange(
        rt.exchanges,
        rt.banks,
        rt.exchange_registry,
        name="te-ncii",
        kind="threatexchange",
        bank="te",
        config={"base_url": url, "privacy_group": GROUP, "page_size": page_size},
    )


def _fetch(rt: Runtime, token: str = TOKEN) -> FetchReport:
    return fetch_exchange(
        rt.exchanges,
        rt.banking,
        rt.exchange_registry,
        "te-ncii",
        credentials={"access_token": token},
        owner="t1",
    )


def _status(rt: Runtime, value: str, kind: str = "pdq") -> EntryStatus:
    return rt.banks.find_entry(bank="te", signal_type=kind, value=value).status


def test_cursor_pages_are_followed_and_the_next_window_starts_at_the_newest_change(
    server: FakeThreatExchange, rt: Runtime
) -> None:
    for i, h in enumerate(H):
        server.put(str(100 + i), h)
    _setup(rt, server.start())
    report = _fetch(rt)
    assert (report.pages, report.added) == (3, 5)
    assert [r.get("after") for r in server.requests] == [None, "2", "4"]
    state = json.loads(rt.exchanges.get("te-ncii").checkpoint or "")
    assert state == {"since": server.clock, "after": None, "high": server.clock}
    entry = rt.banks.find_entry(bank="te", signal_type="pdq", value=H[0])
    assert entry.provenance.external_id == "100"  # the descriptor, for feedback later
    again = _fetch(rt)  # nothing new: one request from the newest change seen
    assert again.added == 0 and server.requests[-1]["start_time"] == str(server.clock)


def test_deletions_and_false_positive_opinions_stop_matching_within_one_fetch(
    server: FakeThreatExchange, rt: Runtime
) -> None:
    server.put("100", H[0])
    server.put("101", H[1])
    server.put("102", H[2][:32], kind="HASH_MD5")
    _setup(rt, server.start())
    _fetch(rt)
    assert rt.matcher.match(Query(pdq=H[0])).active
    server.put("100", H[0], should_delete=True)
    server.put("101", H[1], status="NON_MALICIOUS")
    server.put("102", H[2][:32], kind="HASH_MD5", should_delete=True)
    report = _fetch(rt)
    assert (report.deleted, report.withdrawn) == (2, 1)
    assert _status(rt, H[0]) is EntryStatus.DELETED
    assert _status(rt, H[1]) is EntryStatus.WITHDRAWN
    assert rt.matcher.match(Query(pdq=H[0])).active == ()
    assert rt.matcher.match(Query(pdq=H[1])).active == ()


def test_a_fault_mid_window_resumes_at_the_stored_cursor(
    server: FakeThreatExchange, rt: Runtime
) -> None:
    for i, h in enumerate(H):
        server.put(str(100 + i), h)
    server.fail_on_request = 2
    _setup(rt, server.start())
    with pytest.raises(ExchangeFetchError):
        _fetch(rt)
    info = rt.exchanges.get("te-ncii")
    assert json.loads(info.checkpoint or "")["after"] == "2"
    assert info.lease_owner is None and "500" in (info.last_error or "")
    server.fail_on_request = None
    report = _fetch(rt)
    assert report.added == 3 and server.requests[-2]["after"] == "2"
    assert all(_status(rt, h) is EntryStatus.ACTIVE for h in H)


def test_hostile_records_are_refused_one_by_one_and_a_bad_token_applies_nothing(
    server: FakeThreatExchange, rt: Runtime
) -> None:
    server.put("100", "not-a-hash")
    server.put("101", H[1], kind="URI")
    server.put("102", H[2] + "\x00")
    server.put("103", H[3])
    _setup(rt, server.start(), page_size=10)
    with pytest.raises(ExchangeFetchError):
        _fetch(rt, token="wrong")
    assert rt.banks.get_bank(name="te").active_entries == 0
    report = _fetch(rt)
    assert (report.added, report.errors) == (1, 3)


def test_configuration_is_checked_before_anything_is_stored(rt: Runtime) -> None:
    with pytest.raises(InputError, match="privacy_group"):
        add_exchange(
            rt.exchanges,
            rt.banks,
            rt.exchange_registry,
            name="te-bad",
            kind="threatexchange",
            bank="te",
            config={"privacy_group": "../../me/friends"},
        )
    assert [e.name for e in rt.exchanges.list_exchanges()] == []


def test_feedback_is_a_reaction_on_the_descriptor(server: FakeThreatExchange) -> None:
    connector = ThreatExchangeExchange(
        ExchangeContext(
            config={"base_url": server.start(), "privacy_group": GROUP},
            credentials={"access_token": TOKEN},
        )
    )
    connector.submit_feedback(
        [
            Feedback("pdq", H[0], "confirmed", external_id="100"),
            Feedback("pdq", H[1], "rejected", external_id="101"),
        ]
    )
    assert server.reactions == [("100", "SAW_THIS_TOO"), ("101", "DISAGREE_WITH_TAGS")]
    with pytest.raises(InputError, match="descriptor"):  # a path-injection id never goes out
        connector.submit_feedback([Feedback("pdq", H[0], "confirmed", external_id="1/../x")])
    assert len(server.reactions) == 2

"""The generic HTTP JSON connector against a list served on loopback: field mapping from
configuration, cursor paging and resuming, tombstones, per-record errors, a cursor loop
refused, and feedback to a configured address (and none without one)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from shieldwall.config import load_settings
from shieldwall.errors import ExchangeFetchError, InputError
from shieldwall.exchange.connectors import ExchangeContext, Feedback
from shieldwall.exchange.connectors.http_json import HttpJsonExchange
from shieldwall.pipeline.exchange_fetch import FetchReport, add_exchange, fetch_exchange
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose, EntryStatus
from tests.integration.exchange.fake_http import JsonHandler, serve, stop

H = [f"{i:02x}" * 32 for i in range(1, 7)]
TOKEN = "list-token-not-secret"


class FakeList:
    """Pages of ``{"data": {"hashes": [...]}, "meta": {"next": cursor}}``; cursor = offset."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.cursors: list[str | None] = []
        self.feedback: list[dict[str, Any]] = []
        self.loop = False
        self.page = 2
        self._server, self.url = serve(self._handler())

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self.send_json(403, {})
                    return
                cursor = parse_qs(urlparse(self.path).query).get("page_token", [None])[0]
                fake.cursors.append(cursor)
                offset = int(cursor or 0)
                page = fake.records[offset : offset + fake.page]
                more = offset + fake.page < len(fake.records)
                nxt = "1" if fake.loop else (str(offset + fake.page) if more else None)
                self.send_json(200, {"data": {"hashes": page}, "meta": {"next": nxt}})

            def do_POST(self) -> None:
                fake.feedback.append(json.loads(self.read_body()))
                self.send_json(204, {})

        return Handler

    def stop(self) -> None:
        stop(self._server)


CONFIG = {
    "records": "data.hashes",
    "next": "meta.next",
    "cursor_param": "page_token",
    "fields": {"value": "hash", "signal_type": "algo", "status": "state", "external_id": "ref"},
}


@pytest.fixture
def fake() -> Iterator[FakeList]:
    server = FakeList()
    yield server
    server.stop()


@pytest.fixture
def rt(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime.open(
        load_settings(data_dir=tmp_path / "d", database_url=database_url), migrate=True
    )
    runtime.banks.create_bank(name="list", purpose=BankPurpose.PARTNER)
    yield runtime
    runtime.close()


def _add(rt: Runtime, url: str, **extra: Any) -> None:
    add_exchange(
        rt.exchanges,
        rt.banks,
        rt.exchange_registry,
        name="partner-list",
        kind="http_json",
        bank="list",
        config={"url": f"{url}/hashes", **CONFIG, **extra},
    )


def _fetch(rt: Runtime) -> FetchReport:
    return fetch_exchange(
        rt.exchanges,
        rt.banking,
        rt.exchange_registry,
        "partner-list",
        credentials={"token": TOKEN},
        owner="t1",
    )


def test_mapped_fields_paging_tombstones_and_resume(fake: FakeList, rt: Runtime) -> None:
    fake.records = [{"hash": h, "algo": "pdq", "ref": 70 + i} for i, h in enumerate(H[:5])]
    _add(rt, fake.url)
    report = _fetch(rt)
    assert (report.pages, report.added) == (3, 5)
    assert fake.cursors == [None, "2", "4"]
    entry = rt.banks.find_entry(bank="list", signal_type="pdq", value=H[0])
    assert entry.provenance.external_id == "70"
    # The list grows on its last page and withdraws an earlier hash there.
    fake.records.append({"hash": H[0], "algo": "pdq", "state": "withdrawn"})
    again = _fetch(rt)
    assert fake.cursors[-1] == "4"  # resumed at the last page, not from the start
    assert again.withdrawn == 1
    assert rt.banks.find_entry(bank="list", signal_type="pdq", value=H[0]).status is (
        EntryStatus.WITHDRAWN
    )


def test_bad_records_are_per_record_errors_and_a_cursor_loop_stops(
    fake: FakeList, rt: Runtime
) -> None:
    fake.page = 10
    fake.records = [
        {"hash": H[0], "algo": "pdq"},
        {"hash": 12345, "algo": "pdq"},
        {"hash": H[1], "algo": "pdq", "state": "paused"},
        "not an object",
        {"hash": H[2] + "\x00", "algo": "pdq"},
    ]
    _add(rt, fake.url)
    report = _fetch(rt)
    assert (report.added, report.errors) == (1, 4)
    fake.loop = True  # a server whose cursor never moves
    fake.page = 1
    fake.records = [{"hash": H[3], "algo": "pdq"}, {"hash": H[4], "algo": "pdq"}]
    add_exchange(
        rt.exchanges,
        rt.banks,
        rt.exchange_registry,
        name="loop-list",
        kind="http_json",
        bank="list",
        config={"url": f"{fake.url}/hashes", **CONFIG},
    )
    with pytest.raises(ExchangeFetchError, match="repeats"):
        fetch_exchange(
            rt.exchanges,
            rt.banking,
            rt.exchange_registry,
            "loop-list",
            credentials={"token": TOKEN},
            owner="t2",
        )


def test_configuration_is_checked(rt: Runtime) -> None:
    for config, message in (
        ({"url": "file:///etc/passwd"}, "http"),
        ({"url": "http://x.test/", "fields": {"uploader": "u"}}, "fields"),
    ):
        with pytest.raises(InputError, match=message):
            add_exchange(
                rt.exchanges,
                rt.banks,
                rt.exchange_registry,
                name="bad",
                kind="http_json",
                bank="list",
                config=config,
            )


def test_feedback_goes_only_where_configured(fake: FakeList, rt: Runtime) -> None:
    plain = {"url": f"{fake.url}/hashes"}
    assert not rt.exchange_registry.takes_feedback("http_json", plain)
    with_url = {**plain, "feedback_url": f"{fake.url}/feedback"}
    assert rt.exchange_registry.takes_feedback("http_json", with_url)
    connector = HttpJsonExchange(ExchangeContext(config=with_url, credentials={"token": TOKEN}))
    connector.submit_feedback([Feedback("pdq", H[0], "rejected", external_id="70")])
    assert fake.feedback == [
        {
            "feedback": [
                {"value": H[0], "signal_type": "pdq", "verdict": "rejected", "external_id": "70"}
            ]
        }
    ]
    with pytest.raises(InputError, match="feedback_url"):
        HttpJsonExchange(ExchangeContext(config=plain)).submit_feedback(
            [Feedback("pdq", H[0], "confirmed")]
        )

"""A fake StopNCII-style server on loopback for the connector tests (written here, from the
public API description): ``GET /v1/FetchHashes`` pages by ``startTimestamp`` and
``nextSetTimestamp``; ``POST /v1/SubmitFeedback`` records what it is sent."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.integration.exchange.fake_http import JsonHandler, serve, stop

API_KEY = "test-key-not-secret"


@dataclass
class FakeStopNCII:
    records: list[dict[str, Any]] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    fail_on_request: int | None = None
    delay_s: float = 0.0
    """Seconds each page takes, so a test can kill a fetcher half-way."""
    clock: int = 1000
    _server: ThreadingHTTPServer | None = None

    def put(
        self, value: str, status: str = "Active", signal_type: str = "ImagePDQ", **extra: Any
    ) -> None:
        """Add or change a record; its timestamp moves to the end, as a change does."""
        self.clock += 10
        self.records = [r for r in self.records if r["hashValue"] != value]
        self.records.append(
            {
                "hashValue": value,
                "signalType": signal_type,
                "hashStatus": status,
                "caseNumbers": {"C-1": status},
                "lastModifiedTimestamp": self.clock,
                **extra,
            }
        )

    def start(self) -> str:
        fake = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:
                if self.headers.get("Ocp-Apim-Subscription-Key") != API_KEY:
                    self.send_json(401, {"message": "bad key"})
                    return
                url = urlparse(self.path)
                query = parse_qs(url.query)
                start = int(query["startTimestamp"][0])
                size = int(query["pageSize"][0])
                fake.starts.append(start)
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                if fake.fail_on_request == len(fake.starts):
                    self.send_json(500, {"message": "boom"})
                    return
                later = sorted(
                    (r for r in fake.records if r["lastModifiedTimestamp"] > start),
                    key=lambda r: r["lastModifiedTimestamp"],
                )
                page = later[:size]
                nxt = page[-1]["lastModifiedTimestamp"] if page else start
                self.send_json(
                    200,
                    {
                        "count": len(page),
                        "hashRecords": page,
                        "nextSetTimestamp": nxt,
                        "hasMoreRecords": len(later) > size,
                    },
                )

            def do_POST(self) -> None:
                fake.feedback.append(json.loads(self.read_body()))
                self.send_json(200, {"accepted": True})

        self._server, url = serve(Handler)
        return url

    def stop(self) -> None:
        stop(self._server)

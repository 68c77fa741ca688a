"""A fake ThreatExchange-style Graph API on loopback for the connector tests (written here,
from the public API description): ``GET /{group}/threat_updates`` pages with
``paging.cursors.after`` inside a ``start_time`` window; ``POST /{descriptor}/reactions``
records reactions."""

from __future__ import annotations

from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.integration.exchange.fake_http import JsonHandler, serve, stop

TOKEN = "te-token-not-secret"
GROUP = "1234567"


@dataclass
class FakeThreatExchange:
    updates: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)
    reactions: list[tuple[str, str]] = field(default_factory=list)
    fail_on_request: int | None = None
    clock: int = 1_700_000_000
    _server: ThreadingHTTPServer | None = None

    def put(self, descriptor: str, indicator: str, kind: str = "HASH_PDQ", **extra: Any) -> None:
        """Add or change a descriptor; its ``last_updated`` moves to now, as a change does."""
        self.clock += 10
        self.updates = [u for u in self.updates if u["id"] != descriptor]
        self.updates.append(
            {
                "id": descriptor,
                "indicator": indicator,
                "type": kind,
                "last_updated": self.clock,
                "should_delete": False,
                "status": "MALICIOUS",
                **extra,
            }
        )

    def start(self) -> str:
        fake = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:
                if self.headers.get("Authorization") != f"OAuth {TOKEN}":
                    self.send_json(401, {"error": {"message": "bad token"}})
                    return
                url = urlparse(self.path)
                if url.path != f"/{GROUP}/threat_updates":
                    self.send_json(404, {"error": {"message": "no such group"}})
                    return
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.requests.append(query)
                if fake.fail_on_request == len(fake.requests):
                    self.send_json(500, {"error": {"message": "boom"}})
                    return
                start = int(query["start_time"])
                limit = int(query["limit"])
                offset = int(query.get("after", "0"))
                window = sorted(
                    (u for u in fake.updates if u["last_updated"] >= start),
                    key=lambda u: (u["last_updated"], u["id"]),
                )
                page = window[offset : offset + limit]
                body: dict[str, Any] = {"data": page, "paging": {}}
                if offset + limit < len(window):
                    body["paging"] = {
                        "cursors": {"after": str(offset + limit)},
                        "next": f"http://fake/next?after={offset + limit}",
                    }
                self.send_json(200, body)

            def do_POST(self) -> None:
                form = parse_qs(self.read_body().decode())
                descriptor = urlparse(self.path).path.strip("/").split("/")[0]
                fake.reactions.append((descriptor, form["reactions"][0]))
                self.send_json(200, {"success": True})

        self._server, url = serve(Handler)
        return url

    def stop(self) -> None:
        stop(self._server)

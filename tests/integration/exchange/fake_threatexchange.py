"""A fake ThreatExchange-style Graph API on loopback for the connector tests (written here,
from the public API description): ``GET /{group}/threat_updates`` pages with
``paging.cursors.after`` inside a ``start_time`` window; ``POST /{descriptor}/reactions``
records reactions."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

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

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.headers.get("Authorization") != f"OAuth {TOKEN}":
                    self._send(401, {"error": {"message": "bad token"}})
                    return
                url = urlparse(self.path)
                if url.path != f"/{GROUP}/threat_updates":
                    self._send(404, {"error": {"message": "no such group"}})
                    return
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.requests.append(query)
                if fake.fail_on_request == len(fake.requests):
                    self._send(500, {"error": {"message": "boom"}})
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
                self._send(200, body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = parse_qs(self.rfile.read(length).decode())
                descriptor = urlparse(self.path).path.strip("/").split("/")[0]
                fake.reactions.append((descriptor, form["reactions"][0]))
                self._send(200, {"success": True})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

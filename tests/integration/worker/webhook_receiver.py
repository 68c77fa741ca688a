"""A real webhook receiver for the worker tests: an HTTP server on 127.0.0.1 in a thread.

It behaves like a careful platform: every request is checked with the client's
``verify_webhook`` (signature, replay window, deduplication by idempotency key
and by signature), and accepted deliveries are recorded. Tests can tell it to
fail the next requests (a status code, or ``"timeout"``: answer only after the
sender gave up) and to answer slowly.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from shieldwall.client import SignatureError, verify_webhook
from shieldwall.signing import EVENT_HEADER, IDEMPOTENCY_HEADER


@dataclass(frozen=True)
class Delivery:
    key: str
    event: str
    payload: dict[str, Any]
    at: float


class Receiver:
    def __init__(self, secret: str, *, delay_s: float = 0.0, timeout_sleep_s: float = 1.0):
        self.secret = secret
        self.delay_s = delay_s
        self.timeout_sleep_s = timeout_sleep_s
        self.always: int | None = None
        self.seen: set[str] = set()
        self.deliveries: list[Delivery] = []
        self.duplicates = 0
        self.rejected: list[str] = []
        self.request_times: list[float] = []
        self._plan: list[int | str] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks/shieldwall"

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, *modes: int | str) -> None:
        """The next requests get these answers, in order: a status code, or ``"timeout"``."""
        with self._lock:
            self._plan.extend(modes)

    @property
    def keys(self) -> set[str]:
        with self._lock:
            return {d.key for d in self.deliveries}

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length)
        with self._lock:
            self.request_times.append(time.monotonic())
            mode: int | str | None = self._plan.pop(0) if self._plan else self.always
        try:
            if mode == "timeout":
                time.sleep(self.timeout_sleep_s)
                self._answer(request, 500, b"too late")
                return
            if isinstance(mode, int):
                self._answer(request, mode, b'{"error":"refused by the test receiver"}')
                return
            if self.delay_s:
                time.sleep(self.delay_s)
            headers = {k: v for k, v in request.headers.items()}
            try:
                with self._lock:
                    payload = verify_webhook(self.secret, body, headers, seen_keys=self.seen)
            except SignatureError as exc:
                with self._lock:
                    self.rejected.append(str(exc))
                self._answer(request, 400, str(exc).encode())
                return
            with self._lock:
                if payload is None:
                    self.duplicates += 1
                else:
                    self.deliveries.append(
                        Delivery(
                            key=headers[IDEMPOTENCY_HEADER],
                            event=headers[EVENT_HEADER],
                            payload=payload,
                            at=time.monotonic(),
                        )
                    )
            self._answer(request, 200, b'{"ok":true}')
        except OSError:
            # The sender went away (a killed worker): it will send again, as a duplicate.
            return

    @staticmethod
    def _answer(request: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

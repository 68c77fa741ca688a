"""A webhook receiver that takes content down when Shieldwall decides so, and confirms it.

The confirmation is the answer: ``200`` after the content is really gone (Shieldwall's
outbox records the delivery, the proof of the removal), ``503`` when it could not be
removed (Shieldwall retries with backoff), ``400`` for a bad signature. Run::

    SHIELDWALL_WEBHOOK_SECRET=... python examples/webhook_receiver.py 18810

and set ``SHIELDWALL_WEBHOOK_URL=http://127.0.0.1:18810/`` on the Shieldwall side.
"""

from __future__ import annotations

import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from shieldwall.client import SignatureError, forget_webhook, verify_webhook

SECRET = os.environ.get("SHIELDWALL_WEBHOOK_SECRET", "")
TAKE_DOWN = {"block", "remove", "escalate_child_safety"}
seen: set[str] = set()


def remove_content(content_id: str) -> bool:
    """Your platform's takedown (unpublish, purge caches and CDN); True when done."""
    print(f"removed {content_id}")
    return True


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            payload = verify_webhook(SECRET, body, dict(self.headers.items()), seen_keys=seen)
        except SignatureError as exc:
            self._answer(400, str(exc))
            return
        if payload is None:  # a retry of one already handled
            self._answer(200, "duplicate")
            return
        decision = payload.get("decision", {})
        if decision.get("verdict") in TAKE_DOWN and not remove_content(decision["content_id"]):
            forget_webhook(seen, dict(self.headers.items()))  # let the retry through
            self._answer(503, "removal failed; retry")
            return
        self._answer(200, "removed" if decision.get("verdict") in TAKE_DOWN else "noted")

    def _answer(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 18810
    ThreadingHTTPServer(("127.0.0.1", port), Receiver).serve_forever()

"""Signed webhook delivery to the platform: one POST per outbox row, classified for retry.

The body is the outbox payload as compact JSON; the signature covers exactly
those bytes (see :mod:`shieldwall.signing`). How an answer is treated:

- 2xx: delivered.
- 408, 429, 5xx, timeouts and connection errors: passing trouble, retried with backoff.
- any other 4xx, and 3xx: the platform refused the request (or moved it; redirects are not
  followed so a signed body never goes to an address nobody configured). Retrying will not
  help, so the row goes straight to the dead letters with the status and the start of the
  answer, for an operator to fix and replay.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx

from shieldwall.actions import Attempt
from shieldwall.signing import EVENT_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, sign

log = logging.getLogger("shieldwall.worker")

RETRYABLE_4XX = frozenset({408, 429})
ERROR_BODY_CHARS = 300
"""How much of a refusing answer is kept in ``last_error`` (enough to see why, never a page)."""


def webhook_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact, key-sorted JSON, UTF-8."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


class WebhookSender:
    """POSTs signed webhooks with one pooled HTTP client (safe to share between threads)."""

    def __init__(
        self,
        *,
        url: str,
        secret: str,
        timeout_s: float,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self._secret = secret
        self._client = httpx.Client(timeout=timeout_s, follow_redirects=False, transport=transport)

    def send(self, payload: dict[str, Any], *, idempotency_key: str) -> Attempt:
        event = payload.get("event")
        if not isinstance(event, str) or not event:
            return Attempt.dead("webhook payload has no 'event' name")
        body = webhook_body(payload)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self._secret, body),
            IDEMPOTENCY_HEADER: idempotency_key,
            EVENT_HEADER: event,
        }
        try:
            response = self._client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            return Attempt.retry(f"timeout: {type(exc).__name__}")
        except httpx.TransportError as exc:
            return Attempt.retry(f"connection error: {type(exc).__name__}: {exc}")
        return classify(response.status_code, response.text)

    def close(self) -> None:
        self._client.close()


def classify(status: int, text: str) -> Attempt:
    """Map an HTTP answer to an outcome (see the module docstring for the rules)."""
    if 200 <= status < 300:
        return Attempt.delivered()
    detail = f"HTTP {status}: {text[:ERROR_BODY_CHARS]}"
    if status in RETRYABLE_4XX or status >= 500:
        return Attempt.retry(detail)
    return Attempt.dead(detail)

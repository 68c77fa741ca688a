"""When and how long the clients wait before trying a request again.

Retried: connection failures and timeouts, 429 and 503 (honouring ``Retry-After``),
502 and 504. Never retried: any other 4xx (the request is wrong; sending it again
cannot help). Retrying is safe for every call the clients make: scans and lookups
are idempotent per ``content_id`` on the server (the same decision comes back with
``created: false``), bank adds per hash, withdrawals by nature; POSTs also carry an
``Idempotency-Key`` so a proxy or log can tell a retry from a new request.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``attempts`` in all; exponential backoff from ``base_s`` up to ``max_s`` with full
    jitter, or the server's ``Retry-After`` when it is shorter than ``max_retry_after_s``."""

    attempts: int = 4
    base_s: float = 0.2
    max_s: float = 5.0
    max_retry_after_s: float = 30.0
    rand: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int, response: httpx.Response | None) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None to give up now."""
        if attempt + 1 >= self.attempts:
            return None
        if response is not None:
            if response.status_code not in RETRY_STATUSES:
                return None
            after = _retry_after(response)
            if after is not None:
                return after if after <= self.max_retry_after_s else None
        backoff: float = self.base_s * 2.0**attempt
        return min(self.max_s, backoff) * self.rand()


NO_RETRY = RetryPolicy(attempts=1)


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None


def idempotency_key() -> str:
    return uuid.uuid4().hex


RETRY_ERRORS: tuple[type[Exception], ...] = (httpx.TransportError,)
"""Failures before an answer arrived (connect errors, timeouts, dropped connections)."""

"""Receiving side: verify_webhook over real HTTP, and the pure retry rules (property tests)."""

from __future__ import annotations

import random
import time

import httpx
from hypothesis import given
from hypothesis import strategies as st

from shieldwall.client import SignatureError, forget_webhook, verify_webhook
from shieldwall.signing import EVENT_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, sign
from shieldwall.worker import classify, retry_delay, webhook_body
from shieldwall.worker.outcome import MAX_RETRY_DELAY_S
from tests.integration.worker.webhook_receiver import Receiver

SECRET = "test-webhook-secret"


def signed(body: bytes, key: str, *, timestamp: int | None = None) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(SECRET, body, timestamp=timestamp),
        IDEMPOTENCY_HEADER: key,
        EVENT_HEADER: "decision.created",
    }


def test_the_receiver_refuses_forgeries_and_stale_requests_and_ignores_replays(
    receiver: Receiver,
) -> None:
    body = webhook_body({"event": "decision.created", "decision": {"id": "d1"}})
    with httpx.Client() as http:
        ok = http.post(receiver.url, content=body, headers=signed(body, "k1"))
        again = http.post(receiver.url, content=body, headers=signed(body, "k1"))
        # A captured request re-sent under a fresh idempotency key: same signature.
        headers = signed(body, "k1")
        http.post(receiver.url, content=body, headers=headers)
        replayed = http.post(
            receiver.url, content=body, headers={**headers, IDEMPOTENCY_HEADER: "k2"}
        )
        stale = http.post(
            receiver.url,
            content=body,
            headers=signed(body, "k3", timestamp=int(time.time()) - 3600),
        )
        forged = http.post(receiver.url, content=body + b" ", headers=signed(body, "k4"))
    assert ok.status_code == 200 and again.status_code == 200 and replayed.status_code == 200
    assert [d.key for d in receiver.deliveries] == ["k1"]
    assert receiver.duplicates == 3
    assert stale.status_code == 400 and forged.status_code == 400
    assert "old" in receiver.rejected[0] and "does not match" in receiver.rejected[1]


def test_verify_webhook_dedupes_and_forget_lets_a_retry_through() -> None:
    body = webhook_body({"event": "restore", "decision": {"id": "d2"}})
    headers = {k.lower(): v for k, v in signed(body, "k9").items()}  # any header case
    seen: set[str] = set()
    assert verify_webhook(SECRET, body, headers, seen_keys=seen) == {
        "event": "restore",
        "decision": {"id": "d2"},
    }
    assert verify_webhook(SECRET, body, headers, seen_keys=seen) is None
    forget_webhook(seen, headers)  # our handler failed: the retry must be processed
    assert verify_webhook(SECRET, body, headers, seen_keys=seen) is not None
    try:
        verify_webhook("another-secret", body, headers)
    except SignatureError as exc:
        assert "does not match" in str(exc)
    else:
        raise AssertionError("a wrong secret was accepted")


@given(st.integers(min_value=100, max_value=599))
def test_only_passing_trouble_is_retried(status: int) -> None:
    outcome = classify(status, "x" * 1000)
    if 200 <= status < 300:
        assert outcome.status == "delivered"
    elif status in (408, 429) or status >= 500:
        assert outcome.status == "retry"
    else:
        assert outcome.status == "dead"
    if outcome.status != "delivered":
        assert outcome.message is not None and len(outcome.message) < 400  # body truncated


@given(
    attempts=st.integers(min_value=1, max_value=200),
    base=st.floats(min_value=0.001, max_value=600),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_retry_delay_doubles_with_bounded_jitter_and_a_one_hour_cap(
    attempts: int, base: float, seed: int
) -> None:
    delay = retry_delay(attempts, base_s=base, rng=random.Random(seed))
    nominal = base * 2.0 ** min(attempts - 1, 62)
    assert 0 < delay <= MAX_RETRY_DELAY_S
    assert delay == MAX_RETRY_DELAY_S or 0.75 * nominal <= delay <= 1.25 * nominal
    if nominal * 0.75 >= MAX_RETRY_DELAY_S:
        assert delay == MAX_RETRY_DELAY_S

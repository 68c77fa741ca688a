"""Webhook signatures: HMAC-SHA256 over the timestamp and the body.

Shieldwall signs every webhook it delivers so the platform can check that a
request really came from its Shieldwall and was not replayed later:

    Shieldwall-Signature: t=1732550400,v1=5f2c…(hex HMAC-SHA256 of "1732550400." + body)

The timestamp is inside the signed text, so an attacker cannot move an old
delivery into the acceptance window; receivers reject signatures older than
``tolerance`` seconds and deduplicate on the ``Shieldwall-Idempotency-Key``
header (delivery is at-least-once). This module is pure so the Python client
can ship it unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Shieldwall-Signature"
IDEMPOTENCY_HEADER = "Shieldwall-Idempotency-Key"
EVENT_HEADER = "Shieldwall-Event"
DEFAULT_TOLERANCE_S = 300


class SignatureError(ValueError):
    """The signature header is missing, malformed, stale or does not match."""


def sign(secret: str | bytes, body: bytes, *, timestamp: int | None = None) -> str:
    """Return the value of the ``Shieldwall-Signature`` header for ``body``."""
    ts = int(time.time()) if timestamp is None else timestamp
    key = secret.encode() if isinstance(secret, str) else secret
    mac = hmac.new(key, f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def verify(
    secret: str | bytes,
    body: bytes,
    header: str | None,
    *,
    tolerance: int = DEFAULT_TOLERANCE_S,
    now: int | None = None,
) -> int:
    """Check a signature header; return its timestamp or raise :class:`SignatureError`.

    Several ``v1=`` values are accepted so a secret can be rotated without
    downtime (sign with both, verify with either).
    """
    return verified_signature(secret, body, header, tolerance=tolerance, now=now)[0]


def verified_signature(
    secret: str | bytes,
    body: bytes,
    header: str | None,
    *,
    tolerance: int = DEFAULT_TOLERANCE_S,
    now: int | None = None,
) -> tuple[int, str]:
    """:func:`verify`, returning ``(timestamp, the v1 value that matched)``.

    The pair identifies the signed request whatever else a forwarder did to the header
    (spaces, order, extra ``v1=`` values), so replay checks key on it, not on the raw text.
    """
    if not header:
        raise SignatureError("missing signature header")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        k, sep, v = item.strip().partition("=")
        if not sep:
            raise SignatureError("malformed signature header")
        parts.setdefault(k, []).append(v)
    try:
        ts = int(parts["t"][0])
    except (KeyError, ValueError) as exc:
        raise SignatureError("signature header has no valid timestamp") from exc
    current = int(time.time()) if now is None else now
    if abs(current - ts) > tolerance:
        raise SignatureError(f"signature timestamp is {current - ts}s old (limit {tolerance}s)")
    expected = sign(secret, body, timestamp=ts).split("v1=", 1)[1].encode()
    for value in parts.get("v1", []):
        # Bytes, not str: compare_digest raises TypeError on non-ASCII str (a forged header).
        if hmac.compare_digest(expected, value.encode("utf-8", "surrogatepass")):
            return ts, value
    raise SignatureError("signature does not match the body")

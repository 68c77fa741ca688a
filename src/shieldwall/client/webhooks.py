"""Checking a webhook from Shieldwall on the receiving side (the platform's server).

:func:`verify_webhook` does the three checks a receiver owes: the HMAC
signature over timestamp and body, the replay window (``tolerance`` seconds),
and deduplication. Delivery is at least once, so the same action can arrive
more than once; a duplicate is recognised by its ``Shieldwall-Idempotency-Key``
or by a signature already seen (a captured request re-sent by someone else),
and :func:`verify_webhook` returns ``None`` for it: answer 2xx and do nothing.

``seen_keys`` is any set-like store you keep (a ``set`` in one process, a
Redis or SQL-backed set across several). A verified request is added to it
before the function returns. If your handler then fails and you answer
non-2xx, call :func:`forget_webhook` so Shieldwall's retry is accepted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, MutableSet
from typing import Any

from shieldwall.signing import (
    DEFAULT_TOLERANCE_S,
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    SignatureError,
    verified_signature,
)

_SIGNATURE_PREFIX = "sig:"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, val in headers.items():
        if key.lower() == lowered:
            return val
    return None


def verify_webhook(
    secret: str | bytes,
    body: bytes,
    headers: Mapping[str, str],
    *,
    seen_keys: MutableSet[str] | None = None,
    tolerance: int = DEFAULT_TOLERANCE_S,
    now: int | None = None,
) -> dict[str, Any] | None:
    """Return the webhook's JSON payload, or ``None`` for a duplicate.

    Raises :class:`~shieldwall.signing.SignatureError` (answer 400) when the signature is
    missing, malformed, does not match the body, or is older than ``tolerance`` seconds, or
    when the idempotency key is missing. Header names are matched case-insensitively.
    """
    signature = _header(headers, SIGNATURE_HEADER)
    ts, mac = verified_signature(secret, body, signature, tolerance=tolerance, now=now)
    key = _header(headers, IDEMPOTENCY_HEADER)
    if not key:
        raise SignatureError(f"missing {IDEMPOTENCY_HEADER} header")
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise SignatureError("signed body is not JSON") from exc
    if not isinstance(payload, dict):
        raise SignatureError("signed body is not a JSON object")
    if seen_keys is not None:
        # The signed (timestamp, MAC), not the raw header: a re-sender who rewrites the
        # header (spaces, order, an extra v1=) or the unsigned idempotency key is still caught.
        sig_marker = f"{_SIGNATURE_PREFIX}{ts}.{mac}"
        duplicate = key in seen_keys or sig_marker in seen_keys
        # Both are remembered even for a duplicate, so its signature cannot be reused either.
        seen_keys.add(key)
        seen_keys.add(sig_marker)
        if duplicate:
            return None
    return payload


def forget_webhook(seen_keys: MutableSet[str], headers: Mapping[str, str]) -> None:
    """Undo :func:`verify_webhook`'s bookkeeping after a failed handler, so the retry counts."""
    key = _header(headers, IDEMPOTENCY_HEADER)
    if key:
        seen_keys.discard(key)
    fields: dict[str, list[str]] = {}
    for item in (_header(headers, SIGNATURE_HEADER) or "").split(","):
        k, _, v = item.strip().partition("=")
        fields.setdefault(k, []).append(v)
    for ts in fields.get("t", [])[:1]:
        for mac in fields.get("v1", []):
            seen_keys.discard(f"{_SIGNATURE_PREFIX}{ts.strip()}.{mac}")

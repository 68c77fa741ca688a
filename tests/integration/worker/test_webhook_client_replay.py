"""The receiving side's replay check keys on what was signed, not on the header's text.

Before, a captured request re-sent with its signature header rewritten (a space, the
fields reordered, an extra ``v1=``) and a new idempotency key passed as new; and a
non-ASCII signature value raised ``TypeError`` instead of a clean rejection.
"""

from __future__ import annotations

import json

import pytest

from shieldwall.client import SignatureError, verify_webhook
from shieldwall.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, sign

SECRET = "receiver-secret"
BODY = json.dumps({"event": "decision.created", "decision": {"id": "d1"}}).encode()


def test_a_rewritten_signature_header_is_still_a_replay() -> None:
    header = sign(SECRET, BODY)
    ts, mac = header.split(",")
    seen: set[str] = set()
    first = {SIGNATURE_HEADER: header, IDEMPOTENCY_HEADER: "k1"}
    assert verify_webhook(SECRET, BODY, first, seen_keys=seen) is not None
    for rewritten in (f"{ts}, {mac}", f"{mac},{ts}", f"{ts},{mac},v1=00", f"{ts},v1=00,{mac}"):
        again = {SIGNATURE_HEADER: rewritten, IDEMPOTENCY_HEADER: f"new-{rewritten}"}
        assert verify_webhook(SECRET, BODY, again, seen_keys=seen) is None, rewritten


@pytest.mark.parametrize("value", ["é" * 64, "v1=ü", "\u2603"])
def test_a_non_ascii_signature_is_a_clean_rejection(value: str) -> None:
    ts = sign(SECRET, BODY).split(",")[0]
    headers = {SIGNATURE_HEADER: f"{ts},v1={value}", IDEMPOTENCY_HEADER: "k2"}
    with pytest.raises(SignatureError, match="does not match"):
        verify_webhook(SECRET, BODY, headers)

"""The checks every sending of the victim portal passes before anything is stored.

A new request and an "add later" from the status page are both anonymous sends: each
must carry the page's proof-of-work (or, from a page with JavaScript off and no photos,
have been open :data:`NOJS_WAIT_S`), and pass the per-address and per-pattern limits of
``portal_attempts`` (see ``portal_guard.py``). :func:`guard` answers why not, in words
the page shows; :func:`wait_for_receipt` covers one page sent twice at the same moment.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from shieldwall.store.cases import ReceiptInfo
from shieldwall.web.portal_guard import (
    CHALLENGE_MAX_AGE_S,
    PORTAL_FLOODS,
    PORTAL_REFUSED,
    address_key,
    challenge_age,
    challenge_key,
    check_pow,
    client_address,
    limits_of,
)
from shieldwall.web.security import runtime_of
from shieldwall.web.staff import web

log = logging.getLogger(__name__)

NOJS_WAIT_S = 45
"""With JavaScript off a page cannot do the proof-of-work; a link-only request from it is
taken once its page has been open this long (a person filling the form takes longer)."""
REPEAT_WAIT_S = 5.0
"""How long a page sent twice at once waits for the first send to store its case."""

REFUSALS = {
    "address": "Too many requests have been sent from your connection in the last hour. "
    "Nothing was stored. If you need help now, try again later or from another connection.",
    "pattern": "Requests with these same files have already been sent several times today. "
    "Nothing new was stored: the earlier request is being handled. Use its case number and "
    "access code on the status page.",
    "replay": "This page was already used to send a request. Reload the page to send another.",
}
"""What the portal says when it refuses a request before storing it (by reason)."""


async def wait_for_receipt(request: Request, key: str) -> ReceiptInfo | None:
    """The same page sent twice at once: the first send is still storing its case (its
    solved check was already counted, so this one was refused as a repeat). Wait for it."""
    cases = web(request).cases
    for _ in range(int(REPEAT_WAIT_S / 0.1)):
        found = await run_in_threadpool(cases.receipt_for, key)
        if found is not None:
            return found
        await asyncio.sleep(0.1)
    return None


async def guard(
    request: Request,
    fields: dict[str, str],
    *,
    pattern: str | None,
    allow_wait: bool,
    pow_checked: bool = False,
) -> tuple[str, int, int] | None:
    """The checks every sending of the portal passes (proof-of-work, or for a page with
    JavaScript off, a wait; then the per-address and per-pattern limits): None when it may
    go on, else ``(message, status, retry_after_s)``. ``pow_checked``: the caller's own
    guard already checked and spent this page's challenge (the status forms)."""
    settings = runtime_of(request).settings
    challenge = fields.get("pow_challenge", "")
    problem = (
        None
        if pow_checked
        else check_pow(
            settings.secret_key,
            challenge,
            fields.get("pow_nonce", ""),
            bits=settings.portal_pow_bits,
        )
    )
    if problem is not None and allow_wait and fields.get("nojs") == "1":
        # No script, so no work done: a page open long enough stands in for it (link-only).
        age = challenge_age(settings.secret_key, challenge)
        if age is None or age > CHALLENGE_MAX_AGE_S:
            problem = "the page has been open too long"
        elif age < NOJS_WAIT_S:
            wait = int(NOJS_WAIT_S - age) + 1
            PORTAL_REFUSED.labels("nojs_wait").inc()
            return (
                f"Without JavaScript this page asks you to wait a little before sending, "
                f"instead of the short check it does on your device. Nothing was stored. "
                f"Wait {wait} seconds, then press send again.",
                429,
                wait,
            )
        else:
            problem = None
    if problem is not None:
        PORTAL_REFUSED.labels("pow").inc()
        return (
            f"We could not send this yet: {problem}. Nothing was stored. Press send again; "
            "the page does a short check on your device first.",
            400,
            0,
        )
    admission = await run_in_threadpool(
        web(request).attempts.admit,
        address_key=address_key(
            settings.secret_key, client_address(request, settings.trusted_proxies)
        ),
        pattern_key=pattern,
        challenge_key=(
            challenge_key(challenge) if settings.portal_pow_bits and not pow_checked else None
        ),
        limits=limits_of(settings),
    )
    if admission.flood_started:
        PORTAL_FLOODS.inc()
        log.warning("portal.flood_detected", extra={"level": settings.portal_flood_per_hour})
    if admission.admitted:
        return None
    PORTAL_REFUSED.labels(admission.reason or "limit").inc()
    return (
        REFUSALS.get(admission.reason or "", REFUSALS["address"]),
        400 if admission.reason == "replay" else 429,
        admission.retry_after_s,
    )

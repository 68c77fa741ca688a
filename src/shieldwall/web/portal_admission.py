"""The checks every sending of the victim portal passes before anything is stored.

A new request and an "add later" from the status page are both anonymous sends: each
must carry the page's proof-of-work (or, from a page with JavaScript off and no photos,
have been open :data:`NOJS_WAIT_S`), and pass the per-address and per-pattern limits of
``portal_attempts`` (see ``portal_guard.py``). :func:`guard` answers why not, in words
the page shows; :func:`wait_for_receipt` covers one page sent twice at the same moment.

The guard is two steps, so that a page's check is made and its challenge counted once
however a send arrives: :func:`check_page` (the proof-of-work, or the wait) gives a
:class:`CheckedPage`, and :func:`admit` applies the limits to it. A new request runs both
(:func:`guard`); an "add later" was checked by the status guard, which hands on the
:class:`CheckedPage` it made, so only the limits are left for it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from shieldwall.pipeline.records import ReceiptInfo
from shieldwall.web.deps import web
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


Refusal = tuple[str, int, int]
"""Why a send may not go on: (message the page shows, HTTP status, Retry-After seconds)."""


@dataclass(frozen=True, slots=True)
class CheckedPage:
    """A page whose check passed: the proof-of-work, or with JavaScript off, the wait.

    ``challenge_counted``: the challenge was already recorded as used (the status guard
    does that with its wrong-code limit), so :func:`admit` must not count it again."""

    challenge: str
    challenge_counted: bool = False


async def check_page(
    request: Request, fields: dict[str, str], *, allow_wait: bool
) -> CheckedPage | Refusal:
    """The page's proof-of-work or, for a page with JavaScript off, a wait (link-only
    sends: ``allow_wait``)."""
    settings = runtime_of(request).settings
    challenge = fields.get("pow_challenge", "")
    problem = check_pow(
        settings.secret_key, challenge, fields.get("pow_nonce", ""), bits=settings.portal_pow_bits
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
    return CheckedPage(challenge)


async def admit(request: Request, page: CheckedPage, *, pattern: str | None) -> Refusal | None:
    """The per-address and per-pattern limits of a checked page (and, unless already
    counted, its challenge spent: a page is sent once)."""
    settings = runtime_of(request).settings
    count_challenge = settings.portal_pow_bits and not page.challenge_counted
    admission = await run_in_threadpool(
        web(request).attempts.admit,
        address_key=address_key(
            settings.secret_key, client_address(request, settings.trusted_proxies)
        ),
        pattern_key=pattern,
        challenge_key=challenge_key(page.challenge) if count_challenge else None,
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


async def guard(
    request: Request, fields: dict[str, str], *, pattern: str | None, allow_wait: bool
) -> Refusal | None:
    """Every check of a new request: :func:`check_page`, then :func:`admit`. None when it
    may go on, else why not."""
    page = await check_page(request, fields, allow_wait=allow_wait)
    if not isinstance(page, CheckedPage):
        return page
    return await admit(request, page, pattern=pattern)

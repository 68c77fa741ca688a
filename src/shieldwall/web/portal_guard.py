"""Keeping floods off the victim portal without a third party: proof-of-work, limits, alerts.

An anonymous form can be sent by a script thousands of times, burying real requests
in the review queue. Three defences, none of which sends anything anywhere:

- **Proof-of-work.** Each page carries a challenge signed by the server
  (``issued.random.bits.mac``); the page's script (``static/js/portal.js``, with the
  in-browser SHA-256 the hasher already ships) finds a nonce such that
  ``SHA-256(challenge ":" nonce)`` starts with ``bits`` zero bits. The server checks
  the signature, the age, the bits, and that the challenge was never used before.
  A person sending one request waits a second; a script sending ten thousand pays for
  every one of them.
- **Limits** per client address per hour and per set of hashes per day
  (:class:`~shieldwall.pipeline.records.PortalAttemptStore`), answered with 429 and
  ``Retry-After``. Addresses are kept only as keyed hashes, for two days.
- **Flood alert**: more requests in an hour than ``portal_flood_per_hour`` counts a
  metric, chains ``portal.flood_detected`` into the audit trail, and puts a banner on
  the review UI's case list.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass

from prometheus_client import Counter

from shieldwall.api.client_address import client_address as client_address
from shieldwall.api.metrics import REGISTRY
from shieldwall.config import Settings
from shieldwall.pipeline.records import FLOOD_WINDOW, Limits, PortalAttemptStore, utcnow

CHALLENGE_MAX_AGE_S = 24 * 3600
"""A page left open this long must be reloaded before sending (its challenge expires)."""

PORTAL_REFUSED = Counter(
    "shieldwall_portal_refused_total",
    "Victim-portal requests refused before storing, by reason",
    ["reason"],
    registry=REGISTRY,
)
PORTAL_FLOODS = Counter(
    "shieldwall_portal_flood_alerts_total",
    "Times the victim portal's hourly request count crossed the flood alert level",
    registry=REGISTRY,
)


def _mac(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), f"pow:{text}".encode(), hashlib.sha256).hexdigest()[:32]


def issue_challenge(secret: str, bits: int, *, now: float | None = None) -> str:
    """A fresh signed challenge for one page."""
    body = f"{int(now if now is not None else time.time())}.{secrets.token_hex(8)}.{bits}"
    return f"{body}.{_mac(secret, body)}"


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def solve(challenge: str, bits: int) -> str:
    """The nonce the page would find (tests and the CLI use it; the page runs the same loop)."""
    nonce = 0
    while leading_zero_bits(hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()) < bits:
        nonce += 1
    return str(nonce)


def check_pow(
    secret: str, challenge: str, nonce: str, *, bits: int, now: float | None = None
) -> str | None:
    """Why the proof-of-work fails (a sentence), or None when it holds."""
    if bits <= 0:
        return None
    parts = challenge.split(".")
    if (
        len(parts) != 4
        or not all(p.isascii() and p.isalnum() for p in parts)
        or not nonce.isascii()
        or not nonce.isdigit()
        or len(nonce) > 20
    ):
        return "the page's check is missing or malformed"
    issued, _, asked, mac = parts
    if not hmac.compare_digest(mac, _mac(secret, ".".join(parts[:3]))):
        return "the page's check was not issued by this site"
    if not issued.isdigit() or not asked.isdigit() or int(asked) < bits:
        return "the page's check is too easy"
    age = (now if now is not None else time.time()) - int(issued)
    if not 0 <= age <= CHALLENGE_MAX_AGE_S:
        return "the page has been open too long"
    digest = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
    if leading_zero_bits(digest) < int(asked):
        return "the page's check was not completed"
    return None


def challenge_age(secret: str, challenge: str, *, now: float | None = None) -> float | None:
    """Seconds since this site issued ``challenge``; None when it is malformed or forged.
    (A page sent with JavaScript off cannot do the work; the portal makes it wait instead.)"""
    parts = challenge.split(".")
    if len(parts) != 4 or not all(p.isascii() and p.isalnum() for p in parts):
        return None
    if not parts[0].isdigit() or not hmac.compare_digest(
        parts[3], _mac(secret, ".".join(parts[:3]))
    ):
        return None
    return (now if now is not None else time.time()) - int(parts[0])


def challenge_key(challenge: str) -> str:
    return hashlib.sha256(challenge.encode()).hexdigest()


def address_key(secret: str, address: str) -> str:
    """A keyed hash of an address; IPv6 counted per /64 (one host usually has a whole /64)."""
    try:
        ip = ipaddress.ip_address(address)
        if ip.version == 6:
            address = str(ipaddress.ip_network(f"{ip}/64", strict=False))
    except ValueError:
        pass
    return hmac.new(secret.encode(), f"addr:{address}".encode(), hashlib.sha256).hexdigest()[:32]


def pattern_key(values: Iterable[str]) -> str | None:
    """The same set of hashes gives the same key, whatever their order or repeats."""
    unique = sorted({v.lower() for v in values})
    if not unique:
        return None
    return hashlib.sha256("\n".join(unique).encode()).hexdigest()[:32]


def limits_of(settings: Settings) -> Limits:
    return Limits(
        per_address_hour=settings.portal_requests_per_hour,
        repeats_per_day=settings.portal_repeats_per_day,
        flood_per_hour=settings.portal_flood_per_hour,
    )


@dataclass(frozen=True, slots=True)
class FloodAlert:
    count: int
    limit: int


def flood_alert(attempts: PortalAttemptStore, settings: Settings) -> FloodAlert | None:
    """The banner's content while the last hour's requests exceed the alert level."""
    count = attempts.recent(since=utcnow() - FLOOD_WINDOW)
    limit = settings.portal_flood_per_hour
    return FloodAlert(count, limit) if count > limit else None

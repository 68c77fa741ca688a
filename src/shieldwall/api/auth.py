"""API-key authentication, scopes and per-key rate limits.

Keys are argon2-hashed in the database, which is deliberately slow (tens of
milliseconds). Checking argon2 on every request would cap a replica at a few
dozen requests per second, so a key that verified once is remembered by its
SHA-256 for a short time; revocation takes effect when the entry expires.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shieldwall.api.key_throttle import FailedKeys, VerificationThrottle
from shieldwall.api.metrics import REDIS_FALLBACKS

if TYPE_CHECKING:
    from shieldwall.pipeline.records import ApiKeyInfo, KeyStore

SCOPES = ("scan", "lookup", "banks:read", "banks:write", "auditor", "admin")
"""Scopes a key can hold; ``admin`` implies all of them."""

_CACHE_TTL_S = 30.0
_log = logging.getLogger("shieldwall.api")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key's id, name and scopes."""

    key_id: int
    name: str
    scopes: frozenset[str]
    rate_limit_per_minute: int | None

    def allows(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


class KeyThrottledError(Exception):
    """Too many verifications for this key prefix or client address: retry after ``wait_s``."""

    def __init__(self, wait_s: float) -> None:
        super().__init__(f"retry after {wait_s:.1f}s")
        self.wait_s = wait_s


class VerifierBusyError(Exception):
    """Every verification slot stayed taken for the whole wait: the caller may retry."""


class KeyVerifier:
    """Verifies bearer keys against the store, cheaply first (see ``api.key_throttle``).

    Order: remembered success, remembered failure, throttle by prefix and address,
    then argon2 in one of ``concurrency`` slots. Only the last step is expensive.

    Concurrent checks of the *same* key share one verification (single flight): a client
    that opens 32 connections to a fresh replica used to start 32 argon2 checks for one
    key, 32 x 64 MiB, and each took a throttle token until it finished, so past the
    throttle's burst a legitimate client got 429s at every cold start (the soak's errors).

    A key this process has verified is re-checked every ``ttl_s`` (so a revocation takes
    effect within it) by reading its record, not by argon2 again: the same SHA-256 digest
    is the same key, and argon2 already proved it against the record's secret hash, which
    the re-check requires to be unchanged. The argon2 re-check took ~190 ms of CPU on the
    serving core every 30 s per key and set the single-lookup p99 (bench/RESULTS.md).
    """

    def __init__(
        self,
        keys: KeyStore,
        *,
        ttl_s: float = _CACHE_TTL_S,
        verifications_per_minute: int = 10,
        concurrency: int = 4,
        slot_wait_s: float = 10.0,
    ) -> None:
        self._keys = keys
        self._ttl = ttl_s
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()
        self._failed = FailedKeys(ttl_s)
        self._known: dict[str, tuple[int, str]] = {}
        """Keys verified by argon2 here: digest -> (key id, the secret hash it matched)."""
        self._throttle = VerificationThrottle(verifications_per_minute)
        self._slots = threading.BoundedSemaphore(concurrency)
        self._slot_wait_s = slot_wait_s
        self._in_flight: dict[str, Future[Principal | None]] = {}

    def remembered(self, key: str) -> Principal | None:
        """The principal of a key that verified in the last ``ttl_s``, else ``None``.

        No database, no argon2, no throttle: what the hot path may ask on the event loop
        (a ``None`` sends the caller to :meth:`verify`, in a thread)."""
        hit = self._cache.get(_digest(key))  # one dict read: atomic under the GIL
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def verify(self, key: str, *, address: str = "") -> Principal | None:
        """The key's principal, or None when it is not valid (or was revoked).

        Raises :class:`KeyThrottledError` or :class:`VerifierBusyError` *before* any
        argon2 work when this prefix or address verifies too often or all slots are busy.
        """
        digest = _digest(key)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
            if hit is not None and hit[0] > now:
                return hit[1]
            # A key that verified before skips the throttle (it is re-verified, so a
            # revocation still holds): a flood of wrong secrets for its prefix cannot
            # lock its holder out.
            known = self._known.get(digest)
            shared = self._in_flight.get(digest)
            if shared is None:
                mine: Future[Principal | None] = Future()
                self._in_flight[digest] = mine
        if shared is not None:
            return self._await_shared(shared)
        try:
            principal = self._verify_once(key, digest, known, address, now)
        except BaseException as exc:
            mine.set_exception(exc)
            raise
        else:
            mine.set_result(principal)
            return principal
        finally:
            with self._lock:
                del self._in_flight[digest]

    def _await_shared(self, shared: Future[Principal | None]) -> Principal | None:
        """The answer of the check of the same key already running (its error re-raised)."""
        try:
            return shared.result(timeout=self._slot_wait_s * 2)
        except FutureTimeout:
            raise VerifierBusyError from None

    def _verify_once(
        self, key: str, digest: str, known: tuple[int, str] | None, address: str, now: float
    ) -> Principal | None:
        prefix = _prefix(key)
        if prefix is None or digest in self._failed:
            return None
        if known is not None:
            record = self._keys.get_api_key(known[0])
            if (
                record is not None
                and record.revoked_at is None
                and record.prefix == prefix
                and record.secret_hash == known[1]
            ):
                return self._remember(digest, record, now)
            # Revoked, deleted or given a new secret: the full check decides (and a
            # revoked key is refused there before any argon2 work).
        if known is None:
            wait = self._throttle.acquire(prefix, address)
            if wait > 0:
                raise KeyThrottledError(wait)
        if not self._slots.acquire(timeout=self._slot_wait_s):
            raise VerifierBusyError
        try:
            info = self._keys.verify_api_key(key)
        finally:
            self._slots.release()
        if info is None:
            self._failed.add(digest)
            with self._lock:
                self._known.pop(digest, None)
            return None
        if known is None:
            self._throttle.refund(prefix, address)
        return self._remember(digest, info, now)

    def _remember(self, digest: str, info: ApiKeyInfo, now: float) -> Principal:
        """File a verified key's principal (its current scopes and limit) for ``ttl_s``."""
        principal = Principal(
            info.id, info.name, frozenset(info.scopes), info.rate_limit_per_minute
        )
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
                self._known.clear()
            self._cache[digest] = (now + self._ttl, principal)
            self._known[digest] = (info.id, info.secret_hash)
        return principal

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()
        self._failed.clear()


def bearer_key(authorization: str) -> str | None:
    """The key of an ``Authorization: Bearer <key>`` header value, else ``None``."""
    scheme, _, key = authorization.partition(" ")
    key = key.strip()
    return key if scheme.lower() == "bearer" and key else None


def _digest(key: str) -> str:
    """What remembered keys are filed under (never the key itself)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _prefix(key: str) -> str | None:
    """The ``<prefix>`` of ``sw_<prefix>_<secret>``; None for any other shape (never valid)."""
    parts = key.split("_")
    if len(parts) != 3 or parts[0] != "sw" or not parts[1] or not parts[2]:
        return None
    return parts[1]


class RateLimiter:
    """Token bucket per key: ``limit`` requests per minute, bursts up to ``limit``.

    In-process, which is exact for the embedded single-process default; with
    several replicas use :class:`RedisRateLimiter` so the limit is shared.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key_id: int, limit_per_minute: int, cost: int = 1) -> float:
        """0 when the request may go ahead (``cost`` tokens taken), else the seconds to wait.

        ``cost`` is how many lookups the request carries (a batch takes one per item).
        A refused request takes nothing; a cost above the limit can never be met (the
        caller refuses it before asking).
        """
        now = self._clock()
        rate = limit_per_minute / 60.0
        with self._lock:
            tokens, at = self._buckets.get(key_id, (float(limit_per_minute), now))
            tokens = min(float(limit_per_minute), tokens + (now - at) * rate)
            if tokens >= cost:
                self._buckets[key_id] = (tokens - cost, now)
                return 0.0
            self._buckets[key_id] = (tokens, now)
            return (cost - tokens) / rate


class RedisRateLimiter:
    """Fixed one-minute windows in Redis, shared by every replica.

    When Redis cannot be reached the limits fall back to this process's own
    :class:`RateLimiter` (each replica then enforces the limit alone), instead of
    failing every authenticated call with a 500. After a failure Redis is left alone
    for ``retry_s`` so an outage costs one failed attempt, not one per request.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "shieldwall:rl",
        retry_s: float = 5.0,
        timeout_s: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import redis

        self._redis = redis.Redis.from_url(
            url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s
        )
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._prefix = prefix
        self._fallback = RateLimiter(clock)
        self._retry_s = retry_s
        self._clock = clock
        self._down_until = 0.0

    @property
    def degraded(self) -> bool:
        """Whether limits are currently local because Redis failed."""
        return self._clock() < self._down_until

    def check(self, key_id: int, limit_per_minute: int, cost: int = 1) -> float:
        """As :meth:`RateLimiter.check`; a refused batch (``cost > 1``) gives its count back,
        so one oversized attempt does not use up the rest of the window."""
        if self.degraded:
            return self._fallback.check(key_id, limit_per_minute, cost)
        now = time.time()
        window = int(now // 60)
        name = f"{self._prefix}:{key_id}:{window}"
        try:
            pipe = self._redis.pipeline()
            pipe.incrby(name, cost)
            pipe.expire(name, 120)
            count = int(pipe.execute()[0])
            if count > limit_per_minute and cost > 1:
                self._redis.decrby(name, cost)
        except self._errors as exc:
            if not self.degraded:
                _log.warning(
                    "rate_limiter_degraded error=%s retry_in_s=%s",
                    type(exc).__name__,
                    self._retry_s,
                )
            REDIS_FALLBACKS.inc()
            self._down_until = self._clock() + self._retry_s
            return self._fallback.check(key_id, limit_per_minute, cost)
        if count <= limit_per_minute:
            return 0.0
        return max(0.001, (window + 1) * 60 - now)

    def ping(self) -> str | None:
        """``None`` when Redis answers, else why not (for ``/readyz``)."""
        try:
            self._redis.ping()
        except self._errors as exc:
            return type(exc).__name__
        return None


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))

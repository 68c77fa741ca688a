"""Guards in front of API-key verification: throttle by key prefix and by address, then bound.

argon2 is slow and memory-hard on purpose (argon2-cffi's default costs 64 MiB per
verification). Anyone who knows a key's prefix (it is printed, logged and shown
in the admin list) could make the server verify wrong secrets for it: before
these guards 40 such requests ran 40 verifications at once, which took the
process to ~3 GB. So, before any argon2 work:

1. a key that verified recently is answered from :class:`KeyVerifier`'s cache,
   and a key that *failed* recently is refused from a small negative cache;
2. :class:`VerificationThrottle` allows each key prefix and each client address
   only a few verifications a minute (a real client needs one per cache period);
3. a semaphore bounds how many verifications run at once in the process, and a
   caller that cannot get a slot soon is told to retry (503 ``busy``) instead
   of queueing without end.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

_MAX_TRACKED = 50_000
"""Buckets kept per kind; the least recently used are dropped past this (bounded memory)."""


class VerificationThrottle:
    """Token buckets of *verifications* per key prefix and per client address.

    Only requests that would run argon2 take a token (cache hits do not), and a
    successful verification gives its token back, so only wrong secrets use the
    budget: a busy legitimate key never meets this limit.
    """

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._per_minute = per_minute
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def acquire(self, prefix: str, address: str) -> float:
        """Take a token from both buckets: 0 when verification may run, else seconds to wait.

        Neither bucket is charged when one of them is empty, so a flood from one address
        cannot drain a legitimate client's prefix bucket beyond the flood's own share.
        """
        now = self._clock()
        names = (f"p:{prefix}", f"a:{address}")
        with self._lock:
            levels = [self._level(name, now) for name in names]
            if all(tokens >= 1.0 for tokens in levels):
                for name, tokens in zip(names, levels, strict=True):
                    self._store(name, tokens - 1.0, now)
                return 0.0
            for name, tokens in zip(names, levels, strict=True):
                self._store(name, tokens, now)
            rate = self._per_minute / 60.0
            return max((1.0 - tokens) / rate for tokens in levels if tokens < 1.0)

    def refund(self, prefix: str, address: str) -> None:
        """Give back the tokens of a verification that succeeded.

        Only failed verifications count against a prefix or an address, so a gateway
        that brings many valid keys from one address never meets the limit, while
        attempts still in flight count (40 at once cannot all pass before one fails).
        """
        now = self._clock()
        with self._lock:
            for name in (f"p:{prefix}", f"a:{address}"):
                self._store(name, min(float(self._per_minute), self._level(name, now) + 1.0), now)

    def _level(self, name: str, now: float) -> float:
        burst = float(self._per_minute)
        tokens, at = self._buckets.get(name, (burst, now))
        return min(burst, tokens + (now - at) * self._per_minute / 60.0)

    def _store(self, name: str, tokens: float, now: float) -> None:
        self._buckets[name] = (tokens, now)
        self._buckets.move_to_end(name)
        while len(self._buckets) > _MAX_TRACKED:
            self._buckets.popitem(last=False)


class FailedKeys:
    """Digests of keys that failed verification recently: refused again without argon2."""

    def __init__(self, ttl_s: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_s
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, digest: object) -> bool:
        with self._lock:
            until = self._seen.get(str(digest))
            if until is None:
                return False
            if until <= self._clock():
                del self._seen[str(digest)]
                return False
            return True

    def add(self, digest: str) -> None:
        with self._lock:
            self._seen[digest] = self._clock() + self._ttl
            self._seen.move_to_end(digest)
            while len(self._seen) > _MAX_TRACKED:
                self._seen.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()

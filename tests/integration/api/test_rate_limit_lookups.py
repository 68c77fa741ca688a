"""Rate limits count lookups, with Redis shared between replicas as without it.

The in-process limiter is covered through the batch endpoint
(``test_api_lookup_batch.py``); this checks the Redis windows charge a batch's size and
give a refused batch's count back, so one oversized attempt does not lock a key out.
"""

from __future__ import annotations

import uuid

from shieldwall.api.auth import RateLimiter, RedisRateLimiter
from tests.conftest import REDIS_URL


def test_redis_windows_charge_each_lookup_and_refund_a_refused_batch() -> None:
    limiter = RedisRateLimiter(REDIS_URL, prefix=f"test:rl:{uuid.uuid4().hex}")
    assert limiter.check(1, 10, cost=6) == 0
    assert limiter.check(1, 10, cost=6) > 0  # 12 in the window: refused
    assert limiter.check(1, 10, cost=4) == 0  # the refused six were given back
    assert limiter.check(1, 10) > 0
    assert limiter.check(2, 10, cost=10) == 0  # another key has its own window


def test_local_buckets_refuse_a_batch_without_taking_from_it() -> None:
    limiter = RateLimiter(clock=lambda: 0.0)
    assert limiter.check(1, 10, cost=8) == 0
    assert limiter.check(1, 10, cost=3) > 0
    assert limiter.check(1, 10, cost=2) == 0
    assert limiter.check(1, 10) > 0

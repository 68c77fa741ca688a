"""A flood of wrong secrets for a known key prefix cannot exhaust memory or lock the key out.

argon2 costs 64 MiB per verification. Before the guards in ``api.key_throttle``, 40
concurrent requests with a known prefix ran 40 verifications at once (~3 GB). Now wrong
secrets are throttled per prefix and per address before any argon2 work, and at most
``api_key_verify_concurrency`` verifications run at once.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.integration.api.conftest import Api


class Counting:
    """Wraps the real ``KeyStore.verify_api_key``: how many ran, and how many at once."""

    def __init__(self, real: Callable[[str], Any]) -> None:
        self.real = real
        self.calls = 0
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self, key: str) -> Any:
        with self.lock:
            self.calls += 1
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            return self.real(key)
        finally:
            with self.lock:
                self.running -= 1


def test_forty_wrong_secrets_for_a_known_prefix_are_throttled_before_argon2(api: Api) -> None:
    key, _ = api.runtime.keys.create_api_key(name="victim", scopes=["lookup"])
    prefix = key.split("_")[1]
    # The holder uses the key once, so this replica knows it.
    body = {"content_id": "flood-0", "md5": "0" * 32}
    auth = {"Authorization": f"Bearer {key}"}
    assert api.client.post("/v1/lookup", json=body, headers=auth).status_code == 200
    counting = Counting(api.runtime.keys.verify_api_key)
    api.runtime.keys.verify_api_key = counting  # type: ignore[method-assign]

    forged = [f"sw_{prefix}_{secrets.token_hex(24)}" for _ in range(40)]

    def attempt(key: str) -> int:
        return api.client.get("/v1/banks", headers={"Authorization": f"Bearer {key}"}).status_code

    with ThreadPoolExecutor(max_workers=40) as pool:
        codes = list(pool.map(attempt, forged))
    assert set(codes) <= {401, 429}, codes
    assert codes.count(429) >= 40 - api.runtime.settings.api_key_verifications_per_minute
    assert counting.calls <= api.runtime.settings.api_key_verifications_per_minute
    assert counting.most <= api.runtime.settings.api_key_verify_concurrency
    # The same wrong secret again costs no argon2 at all.
    before = counting.calls
    refused = forged[codes.index(401)]
    assert attempt(refused) == 401
    assert counting.calls == before
    # The holder is not locked out, even once its cached check expires.
    api.client.app.state.verifier.forget()  # type: ignore[attr-defined]
    again = api.client.post("/v1/lookup", json={**body, "content_id": "flood-1"}, headers=auth)
    assert again.status_code == 200, again.text


def test_a_429_for_key_checks_says_when_to_retry(api: Api) -> None:
    # The buckets refill with time (one verification per 6 s): when each argon2 check took
    # over a second (a loaded machine, parallel workers) the loop never ran them dry and got
    # 401s. Time stands still here, so the test checks the limit, not the machine's speed.
    throttle = api.client.app.state.verifier._throttle  # type: ignore[attr-defined]
    now = throttle._clock()
    throttle._clock = lambda: now
    prefix = api.key.split("_")[1]
    seen = []
    for _ in range(api.runtime.settings.api_key_verifications_per_minute + 2):
        forged = {"Authorization": f"Bearer sw_{prefix}_{secrets.token_hex(8)}"}
        seen.append(api.client.get("/v1/banks", headers=forged))
    last = seen[-1]
    assert last.status_code == 429
    assert last.headers["content-type"].startswith("application/problem+json")
    assert last.json()["code"] == "rate_limited"
    assert int(last.headers["retry-after"]) >= 1

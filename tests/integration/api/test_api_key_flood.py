"""A flood of wrong secrets for a known key prefix cannot exhaust memory or lock the key out.

argon2 costs 64 MiB per verification. Before the guards in ``api.key_throttle``, 40
concurrent requests with a known prefix ran 40 verifications at once (~3 GB). Now wrong
secrets are throttled per prefix and per address before any argon2 work, and at most
``api_key_verify_concurrency`` verifications run at once.
"""

from __future__ import annotations

import secrets
import threading
import time
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


def _forged(address_headers: dict[str, str]) -> dict[str, str]:
    """A wrong key under a fresh prefix each time: only the address bucket can stop it."""
    return {"Authorization": f"Bearer sw_{secrets.token_hex(4)}_{secrets.token_hex(8)}"} | (
        address_headers
    )


def _flood_until_throttled(api: Api, headers: Callable[[], dict[str, str]]) -> None:
    budget = api.runtime.settings.api_key_verifications_per_minute
    codes = [
        api.client.get("/v1/banks", headers=_forged(headers())).status_code
        for _ in range(budget + 1)
    ]
    assert codes[:budget] == [401] * budget, codes
    assert codes[-1] == 429, codes


def test_behind_a_trusted_proxy_one_flooding_client_does_not_lock_out_the_others(
    api: Api,
) -> None:
    """Every request comes from the proxy's address: the throttle must count the client the
    proxy names, or one attacker's wrong keys refuse every other client's first check."""
    api.runtime.settings.trusted_proxies = ["testclient"]  # the test client's peer
    _flood_until_throttled(api, lambda: {"X-Forwarded-For": "203.0.113.66"})
    key, _ = api.runtime.keys.create_api_key(name="other-client", scopes=["banks:read"])
    other = {"Authorization": f"Bearer {key}", "X-Forwarded-For": "198.51.100.7"}
    answer = api.client.get("/v1/banks", headers=other)
    assert answer.status_code == 200, answer.text
    # The attacker stays throttled under its own address.
    again = api.client.get("/v1/banks", headers=_forged({"X-Forwarded-For": "203.0.113.66"}))
    assert again.status_code == 429


def test_a_client_cannot_escape_the_throttle_by_forging_forwarded_for(api: Api) -> None:
    """Without a trusted proxy the header is the client's own word: ignored."""
    hops = iter(range(1000))
    _flood_until_throttled(api, lambda: {"X-Forwarded-For": f"192.0.2.{next(hops)}"})


def test_behind_a_proxy_a_client_cannot_escape_by_prepending_hops(api: Api) -> None:
    """A proxy appends the address it saw; hops the client wrote itself come first and are
    not believed."""
    api.runtime.settings.trusted_proxies = ["testclient"]
    hops = iter(range(1000))
    _flood_until_throttled(api, lambda: {"X-Forwarded-For": f"192.0.2.{next(hops)}, 203.0.113.67"})


def test_many_connections_of_one_new_key_share_one_check_and_are_never_throttled(
    api: Api,
) -> None:
    """A platform opening many connections to a fresh replica: before, each ran its own
    argon2 check and held a throttle token until it ended, so past the throttle's burst the
    legitimate key got 429s (the soak's cold-start errors)."""
    key, _ = api.runtime.keys.create_api_key(name="busy-platform", scopes=["banks:read"])
    real = api.runtime.keys.verify_api_key

    def slow(key: str) -> Any:
        time.sleep(0.5)  # holds the check open so that every request arrives during it
        return real(key)

    counting = Counting(slow)
    api.runtime.keys.verify_api_key = counting  # type: ignore[method-assign]
    many = 3 * api.runtime.settings.api_key_verifications_per_minute

    def call(_: int) -> int:
        auth = {"Authorization": f"Bearer {key}"}
        return api.client.get("/v1/banks", headers=auth).status_code

    with ThreadPoolExecutor(max_workers=many) as pool:
        codes = list(pool.map(call, range(many)))
    assert codes == [200] * many, codes
    assert counting.calls < many // 2  # shared, not one argon2 check per connection

"""A key's periodic re-check reads its record instead of running argon2 again.

The remembered check of a key expires every ``ttl_s`` so that a revocation takes effect. It
used to repeat the argon2 verification (~190 ms of CPU on the serving core, every 30 s per
key), which set the single-lookup p99. Now a key this process verified is re-checked by
reading its record; what must still hold: a revoked key is refused at its re-check, and a
key whose stored secret changed gets the full check again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from shieldwall.store.secret_hashes import hash_secret
from shieldwall.store.service_models import ApiKeyRow
from tests.integration.api.conftest import Api


class Counted:
    """Counts calls of a real ``KeyStore`` method while passing them through."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.real(*args, **kwargs)


def _lookup(api: Api, key: str, n: int) -> int:
    body = {"content_id": f"recheck-{n}", "md5": "0" * 32}
    return api.client.post(
        "/v1/lookup", json=body, headers={"Authorization": f"Bearer {key}"}
    ).status_code


def _count_argon2(api: Api) -> Counted:
    counted = Counted(api.runtime.keys.verify_api_key)
    api.runtime.keys.verify_api_key = counted  # type: ignore[method-assign]
    return counted


def test_an_expired_check_of_a_known_key_is_renewed_without_argon2(api: Api) -> None:
    key, _ = api.runtime.keys.create_api_key(name="platform", scopes=["lookup"])
    assert _lookup(api, key, 0) == 200
    argon2 = _count_argon2(api)
    for n in range(1, 4):
        api.client.app.state.verifier.forget()  # type: ignore[attr-defined]  # as if ttl_s passed
        assert _lookup(api, key, n) == 200
    assert argon2.calls == 0


def test_a_key_revoked_after_it_was_verified_is_refused_at_its_recheck(api: Api) -> None:
    key, info = api.runtime.keys.create_api_key(name="leaked", scopes=["lookup"])
    assert _lookup(api, key, 0) == 200
    api.runtime.keys.revoke_api_key(info.prefix)
    api.client.app.state.verifier.forget()  # type: ignore[attr-defined]
    assert _lookup(api, key, 1) == 401
    assert _lookup(api, key, 2) == 401


def test_a_key_whose_stored_secret_changed_gets_the_full_check(api: Api) -> None:
    key, info = api.runtime.keys.create_api_key(name="rotated", scopes=["lookup"])
    assert _lookup(api, key, 0) == 200
    with api.runtime.engine.begin() as conn:
        conn.execute(
            update(ApiKeyRow)
            .where(ApiKeyRow.id == info.id)
            .values(secret_hash=hash_secret(f"sw_{info.prefix}_another-secret"))
        )
    argon2 = _count_argon2(api)
    api.client.app.state.verifier.forget()  # type: ignore[attr-defined]
    assert _lookup(api, key, 1) == 401
    assert argon2.calls == 1

"""``POST /v1/lookup``'s fast lane answers exactly as the full app, and only the common case.

A key's first request is checked by the full app (nothing is remembered yet); later ones with
the same key take the fast lane. So each test sends the same request both ways and compares,
and counts which lane served it. The attacker's view: a body, a key or a scope the full app
would refuse must still be refused, in the full app's words, and nothing may be charged or
stored twice by a request that falls back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from shieldwall.api import fast_lookup
from tests.integration.api.conftest import Api

PDQ = "f" * 32 + "0" * 32
VOLATILE = {"decision_id", "content_id", "elapsed_ms", "created_at", "created"}


@pytest.fixture
def lanes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The content ids the fast lane served, in order."""
    served: list[str] = []
    original = fast_lookup.LookupFastLane._serve

    async def counting(self: Any, scope: Any, principal: Any, meta: Any, query: Any) -> Any:
        served.append(meta.content_id)
        return await original(self, scope, principal, meta, query)

    monkeypatch.setattr(fast_lookup.LookupFastLane, "_serve", counting)
    yield served


def _cid() -> str:
    return f"fast-{uuid.uuid4().hex}"


def _stable(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in VOLATILE}


def _bank(api: Api) -> None:
    r = api.client.post(
        "/v1/banks", json={"name": "victims", "purpose": "victim"}, headers=api.admin
    )
    assert r.status_code in (200, 201), r.text
    r = api.client.post(
        "/v1/banks/victims/entries",
        json={"entries": [{"signal_type": "pdq", "value": PDQ}]},
        headers=api.admin,
    )
    assert r.status_code in (200, 201), r.text


@pytest.mark.parametrize(
    "extra",
    [
        {"pdq": PDQ, "quality": 100},  # a match
        {"pdq": "0" * 64, "quality": 90},  # no match
        {"md5": "a" * 32, "surface": "message", "jurisdictions": ["GB"]},
        {"pdq": PDQ.upper(), "uploader_id": "u-1", "metadata": {"k": "v"}, "text": "hi"},
    ],
)
def test_the_fast_lane_answers_as_the_full_app(
    api: Api, lanes: list[str], extra: dict[str, Any]
) -> None:
    _bank(api)
    headers = api.headers_for("lookup")
    first = api.client.post("/v1/lookup", json={"content_id": _cid(), **extra}, headers=headers)
    assert lanes == []  # the key's first request: the full app checked the key
    cid = _cid()
    second = api.client.post("/v1/lookup", json={"content_id": cid, **extra}, headers=headers)
    assert lanes == [cid]
    assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
    assert second.headers["content-type"] == first.headers["content-type"]
    assert _stable(second.json()) == _stable(first.json())
    assert second.json()["content_id"] == cid and second.json()["created"] is True
    # What the lane answered is what was stored: the item reads back with that decision.
    stored = api.client.get(f"/v1/items/{cid}", headers=api.admin)
    assert stored.status_code == 200, stored.text
    assert second.json()["decision_id"] in stored.text


def test_a_repeat_gets_the_first_decision_whichever_lane_answered(
    api: Api, lanes: list[str]
) -> None:
    _bank(api)
    headers = api.headers_for("lookup")
    cid = _cid()
    body = {"content_id": cid, "pdq": PDQ}
    first = api.client.post("/v1/lookup", json=body, headers=headers).json()
    again = [api.client.post("/v1/lookup", json=body, headers=headers).json() for _ in range(3)]
    assert lanes == [cid, cid, cid]
    assert {a["decision_id"] for a in again} == {first["decision_id"]}
    assert [a["created"] for a in again] == [False, False, False]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"content_id": "x", "pdq": "zz"}, "invalid_input"),
        ({"content_id": "x", "pdq": PDQ, "unexpected": 1}, "invalid_input"),
        ({"content_id": "nul\x00id", "pdq": PDQ}, "invalid_input"),
        ({"content_id": "x"}, "invalid_input"),  # no hash at all: the use case refuses
        ([{"content_id": "x", "pdq": PDQ}], "invalid_input"),
    ],
)
def test_bad_bodies_get_the_full_apps_problem(
    api: Api, lanes: list[str], body: Any, code: str
) -> None:
    headers = api.headers_for("lookup")
    api.client.post("/v1/lookup", json={"content_id": _cid(), "md5": "a" * 32}, headers=headers)
    r = api.client.post("/v1/lookup", json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == code


def test_keys_and_scopes_are_checked_as_before(api: Api, lanes: list[str]) -> None:
    body = {"content_id": _cid(), "md5": "a" * 32}
    assert api.client.post("/v1/lookup", json=body).status_code == 401
    bad = {"Authorization": "Bearer sw_nope_nope"}
    assert api.client.post("/v1/lookup", json=body, headers=bad).status_code == 401
    scan_only = api.headers_for("scan")
    api.client.post("/v1/lookup", json=body, headers=scan_only)
    r = api.client.post("/v1/lookup", json=body, headers=scan_only)  # key now remembered
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert lanes == []


def test_the_rate_limit_holds_on_the_fast_lane(api: Api, lanes: list[str]) -> None:
    headers = api.headers_for("lookup", rate_limit=3)
    codes = [
        api.client.post(
            "/v1/lookup", json={"content_id": _cid(), "md5": "b" * 32}, headers=headers
        ).status_code
        for _ in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    assert len(lanes) == 4  # the first went the full way; the refusals were the lane's
    r = api.client.post("/v1/lookup", json={"content_id": _cid(), "md5": "b" * 32}, headers=headers)
    assert r.headers["content-type"] == "application/problem+json"
    assert int(r.headers["retry-after"]) >= 1
    # A refused lookup stored nothing.
    refused = lanes[-1]
    assert api.client.get(f"/v1/items/{refused}", headers=api.admin).status_code == 404


def test_other_content_types_and_methods_take_the_full_app(api: Api, lanes: list[str]) -> None:
    headers = api.headers_for("lookup")
    api.client.post("/v1/lookup", json={"content_id": _cid(), "md5": "a" * 32}, headers=headers)
    r = api.client.post(
        "/v1/lookup",
        content=b'{"content_id": "t", "md5": "' + b"a" * 32 + b'"}',
        headers={**headers, "Content-Type": "text/plain"},
    )
    assert r.status_code in (200, 415, 422)
    assert api.client.get("/v1/lookup", headers=headers).status_code == 405
    assert lanes == []


def test_the_lanes_lookups_are_counted_under_their_route(api: Api, lanes: list[str]) -> None:
    headers = api.headers_for("lookup")
    for _ in range(2):
        api.client.post("/v1/lookup", json={"content_id": _cid(), "md5": "c" * 32}, headers=headers)
    assert len(lanes) == 1
    metrics = api.client.get("/metrics", headers=api.admin).text
    assert 'route="/v1/lookup"' in metrics
    assert 'route="unmatched"' not in metrics.split("shieldwall_http_requests_total")[1][:2000]

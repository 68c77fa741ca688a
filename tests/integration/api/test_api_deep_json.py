"""Deeply nested JSON is a 4xx problem, never a 500 with a RecursionError traceback."""

from __future__ import annotations

import pytest

from tests.integration.api.conftest import Api

DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"prompt": "a cat", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.mark.parametrize(
    "path", ["/v1/guard/generation", "/v1/lookup", "/v1/banks", "/v1/banks/x/entries"]
)
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
def test_deep_json_is_422(api: Api, path: str, body: str) -> None:
    response = api.client.post(
        path, content=body, headers={**api.admin, "Content-Type": "application/json"}
    )
    # FastAPI's own body parser answers 400 bad_request; the guard endpoint, which parses
    # its body itself, answered 500 with a RecursionError traceback before.
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] in ("bad_request", "invalid_input")

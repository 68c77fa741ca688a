"""A client's mistake is a precise 4xx problem+json, never a 500; access is scoped."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tests.integration.api.conftest import Api

PROBLEM = "application/problem+json"


def _problem(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == code and body["status"] == status and body["detail"]
    return body


def test_no_key_is_401_and_a_bad_key_is_401(api: Api) -> None:
    _problem(api.client.get("/v1/banks"), 401, "unauthenticated")
    bad = {"Authorization": "Bearer sw_nope_nope"}
    _problem(api.client.get("/v1/banks", headers=bad), 401, "unauthenticated")


def test_each_scope_is_refused_what_it_does_not_hold(api: Api) -> None:
    lookup_only = api.headers_for("lookup")
    _problem(
        api.client.post("/v1/banks", json={"name": "x"}, headers=lookup_only), 403, "forbidden"
    )
    _problem(api.client.get("/v1/outbox", headers=lookup_only), 403, "forbidden")
    readers = api.headers_for("banks:read")
    assert api.client.get("/v1/banks", headers=readers).status_code == 200
    _problem(
        api.client.post("/v1/lookup", json={"content_id": "a", "md5": "0" * 32}, headers=readers),
        403,
        "forbidden",
    )


def test_rate_limit_answers_429_with_retry_after(api: Api) -> None:
    limited = api.headers_for("banks:read", rate_limit=3)
    codes = [api.client.get("/v1/banks", headers=limited).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200]
    response = api.client.get("/v1/banks", headers=limited)
    _problem(response, 429, "rate_limited")
    assert int(response.headers["retry-after"]) >= 1


@pytest.mark.parametrize(
    ("data", "code", "status"),
    [
        (b"", "empty_file", 422),
        (b"plain text, not a picture", "not_an_image", 415),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "corrupt_image", 422),
        (b"%PDF-1.7\n" + b"x" * 100, "unsupported_format", 415),
    ],
)
def test_bad_media_gets_its_own_code(api: Api, data: bytes, code: str, status: int) -> None:
    response = api.client.post(
        "/v1/scan",
        files={"file": ("f.bin", data, "application/octet-stream")},
        data={"content_id": f"bad-{code}"},
        headers=api.admin,
    )
    body = response.json()
    assert response.status_code in (status, 415, 422), response.text
    assert body["code"] in (code, "truncated_image", "corrupt_image", "not_an_image")
    # Nothing was stored for a refused item.
    _problem(api.client.get(f"/v1/items/bad-{code}", headers=api.admin), 404, "item_not_found")


def test_a_decompression_bomb_is_refused_before_decoding(api: Api) -> None:
    api.runtime.settings.max_image_pixels = 10_000  # type: ignore[misc]
    api.runtime.__dict__.pop("limits", None)
    api.runtime.__dict__.pop("scanner", None)
    out = io.BytesIO()
    Image.new("RGB", (2000, 2000), "white").save(out, "PNG")
    response = api.client.post(
        "/v1/scan",
        files={"file": ("bomb.png", out.getvalue(), "image/png")},
        data={"content_id": "bomb"},
        headers=api.admin,
    )
    _problem(response, 413, "decompression_bomb")


def test_an_oversized_upload_is_413(api: Api) -> None:
    limit = api.runtime.settings.max_upload_bytes
    response = api.client.post(
        "/v1/scan?content_id=huge",
        content=b"\xff" * (limit + 200_000),
        headers={**api.admin, "content-type": "application/octet-stream"},
    )
    assert response.status_code == 413


def test_oversized_json_is_413_and_malformed_json_is_422(api: Api) -> None:
    big = b'{"content_id": "' + b"a" * (9 * 1024 * 1024) + b'"}'
    response = api.client.post(
        "/v1/lookup", content=big, headers={**api.admin, "content-type": "application/json"}
    )
    _problem(response, 413, "payload_too_large")
    response = api.client.post(
        "/v1/lookup", content=b"{{{", headers={**api.admin, "content-type": "application/json"}
    )
    _problem(response, 422, "invalid_input")


def test_invalid_fields_name_the_field(api: Api) -> None:
    body = _problem(
        api.client.post("/v1/lookup", json={"content_id": "x", "pdq": "zz"}, headers=api.admin),
        422,
        "invalid_input",
    )
    assert "pdq" in body["detail"]
    body = _problem(
        api.client.post("/v1/lookup", json={"content_id": "x"}, headers=api.admin),
        422,
        "invalid_input",
    )
    assert "pdq" in body["detail"] or "md5" in body["detail"]


def test_unknown_things_are_404(api: Api) -> None:
    _problem(api.client.get("/v1/banks/nope", headers=api.admin), 404, "bank_not_found")
    _problem(api.client.get("/v1/items/nope", headers=api.admin), 404, "item_not_found")
    _problem(api.client.get("/v1/decisions/nope", headers=api.admin), 404, "decision_not_found")
    _problem(api.client.get("/v1/nope", headers=api.admin), 404, "not_found")


def test_a_duplicate_bank_is_409(api: Api) -> None:
    api.client.post("/v1/banks", json={"name": "dup"}, headers=api.admin)
    _problem(
        api.client.post("/v1/banks", json={"name": "dup"}, headers=api.admin), 409, "bank_exists"
    )


def test_export_streams_what_was_added(api: Api, photo_paths: list[Path]) -> None:
    api.client.post("/v1/banks", json={"name": "ex", "purpose": "partner"}, headers=api.admin)
    entries = [{"signal_type": "md5", "value": f"{i:032x}"} for i in range(7)]
    api.client.post("/v1/banks/ex/entries", json={"entries": entries}, headers=api.admin)
    csv_text = api.client.get("/v1/banks/ex/export?format=csv", headers=api.admin).text
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("signal_type,value") and len(lines) == 8
    jsonl = api.client.get("/v1/banks/ex/export", headers=api.admin).text.strip().splitlines()
    assert len(jsonl) == 7


def test_health_ready_metrics_and_openapi(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").json()["status"] == "ready"
    api.client.get("/v1/banks", headers=api.admin)
    metrics = api.client.get("/metrics").text
    assert "shieldwall_http_requests_total" in metrics
    spec = api.client.get("/openapi.json").json()
    assert "/v1/scan" in spec["paths"] and "/v1/lookup" in spec["paths"]

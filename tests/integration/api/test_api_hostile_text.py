"""NUL bytes and over-long values in any text field or path: 422 at the edge, on both databases.

PostgreSQL refuses NUL in text columns, so before these checks such a request answered 500
and stored nothing: on a platform that fails open, a known image passed. SQLite stored it.
Both now answer the same: a 422 problem+json naming the field, and nothing half-written.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.integration.api.conftest import Api

PROBLEM = "application/problem+json"


def _refused(response, field: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == "invalid_input"
    if field is not None:
        assert field in body["detail"], body
    return body


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 30, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("field", ["text", "url", "content_id", "uploader_id"])
def test_a_nul_byte_in_a_lookup_field_is_422(api: Api, field: str) -> None:
    body = {"content_id": "nul-lookup", "md5": "0" * 32, field: "before\x00after"}
    _refused(api.client.post("/v1/lookup", json=body, headers=api.admin), field)
    # Nothing was stored, and the same item with clean text goes through afterwards.
    clean = {**body, field: "clean"}
    ok = api.client.post("/v1/lookup", json=clean, headers=api.admin)
    assert ok.status_code == 200, ok.text


def test_a_nul_byte_in_lookup_metadata_is_422(api: Api) -> None:
    body = {"content_id": "nul-meta", "md5": "0" * 32, "metadata": {"k\x00": ["v\x00"]}}
    _refused(api.client.post("/v1/lookup", json=body, headers=api.admin), "metadata")


def test_an_uploader_id_over_255_characters_is_422_on_scan_and_lookup(api: Api) -> None:
    long = "u" * 256
    body = {"content_id": "long-up", "md5": "0" * 32, "uploader_id": long}
    _refused(api.client.post("/v1/lookup", json=body, headers=api.admin), "uploader_id")
    response = api.client.post(
        "/v1/scan",
        files={"file": ("a.png", _png(), "image/png")},
        data={"content_id": "long-up-scan", "uploader_id": long},
        headers=api.admin,
    )
    _refused(response, "uploader_id")
    assert api.client.get("/v1/items/long-up-scan", headers=api.admin).status_code == 404


@pytest.mark.parametrize("field", ["text", "url", "content_id", "uploader_id"])
def test_a_nul_byte_in_a_scan_field_is_422(api: Api, field: str) -> None:
    data = {"content_id": "nul-scan", field: "x\x00y"}
    response = api.client.post(
        "/v1/scan",
        files={"file": ("a.png", _png(), "image/png")},
        data=data,
        headers=api.admin,
    )
    _refused(response, field)
    raw = api.client.post(
        "/v1/scan",
        params=data,
        content=_png(),
        headers={**api.admin, "Content-Type": "image/png"},
    )
    _refused(raw, field)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/items/a%00b",
        "/v1/decisions/a%00b",
        "/v1/banks/a%00b",
        "/v1/banks/a%00b/entries/1",
        "/v1/indicator-lists/a%00b",
        "/v1/decisions?cursor=a%00b",
    ],
)
def test_a_nul_byte_in_a_path_or_query_is_422(api: Api, path: str) -> None:
    _refused(api.client.get(path, headers=api.admin))


def test_a_nul_byte_in_a_bank_write_is_422(api: Api) -> None:
    created = api.client.post("/v1/banks", json={"name": "nulbank"}, headers=api.admin)
    assert created.status_code == 201, created.text
    entry = {"signal_type": "md5", "value": "1" * 32, "category": "a\x00b"}
    _refused(
        api.client.post("/v1/banks/nulbank/entries", json={"entries": [entry]}, headers=api.admin),
        "category",
    )
    _refused(
        api.client.patch("/v1/banks/nulbank", json={"description": "x\x00"}, headers=api.admin),
        "description",
    )

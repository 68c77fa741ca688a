"""Bank-side variants over HTTP: submitted with a PDQ entry, shown when the entry is read,
refused with a precise 422 problem when malformed, and described in the OpenAPI document."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from shieldwall.hashing import decode_image, hash_image_bytes
from shieldwall.hashing.robust import bank_variants
from tests.integration.api.conftest import Api

PROBLEM = "application/problem+json"
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
CROP90 = "0f" * 32
CROP80 = "a5" * 32


def _bank(api: Api, name: str = "victims") -> None:
    response = api.client.post(
        "/v1/banks", json={"name": name, "purpose": "victim"}, headers=api.admin
    )
    assert response.status_code == 201, response.text


def _add(api: Api, *entries: dict[str, Any], bank: str = "victims") -> Any:
    return api.client.post(
        f"/v1/banks/{bank}/entries",
        json={"entries": list(entries), "retro_hunt": False},
        headers=api.admin,
    )


def test_variants_are_stored_with_the_entry_and_shown_when_it_is_read(api: Api) -> None:
    _bank(api)
    variants = [
        {"name": "crop(center,90%)", "pdq": CROP90.upper()},
        {"name": "crop(center,80%)", "pdq": CROP80},
    ]
    response = _add(
        api,
        {"signal_type": "pdq", "value": PDQ, "variants": variants},
        {"signal_type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e"},
    )
    assert response.status_code == 201, response.text
    pdq_id, md5_id = response.json()["entry_ids"]

    entry = api.client.get(f"/v1/banks/victims/entries/{pdq_id}", headers=api.admin).json()
    assert entry["value"] == PDQ
    assert entry["variants"] == [
        {"name": "crop(center,90%)", "pdq": CROP90},  # hex comes back in lowercase
        {"name": "crop(center,80%)", "pdq": CROP80},
    ]
    plain = api.client.get(f"/v1/banks/victims/entries/{md5_id}", headers=api.admin).json()
    assert plain["variants"] == []

    # Withdrawing shows what leaves matching with the entry.
    withdrawn = api.client.post(
        f"/v1/banks/victims/entries/{pdq_id}/withdraw", headers=api.admin
    ).json()
    assert withdrawn["status"] == "withdrawn" and len(withdrawn["variants"]) == 2


def test_resubmitting_an_entry_adds_only_the_variants_it_lacks(api: Api) -> None:
    _bank(api)
    first = _add(
        api,
        {
            "signal_type": "pdq",
            "value": PDQ,
            "variants": [{"name": "crop(center,90%)", "pdq": CROP90}],
        },
    )
    entry_id = first.json()["entry_ids"][0]
    again = _add(
        api,
        {
            "signal_type": "pdq",
            "value": PDQ,
            "variants": [
                {"name": "crop(center,90%)", "pdq": CROP80},  # same name: the stored one is kept
                {"name": "crop(center,80%)", "pdq": CROP80},
            ],
        },
    )
    assert again.status_code == 201 and again.json()["unchanged"] == 1
    entry = api.client.get(f"/v1/banks/victims/entries/{entry_id}", headers=api.admin).json()
    assert entry["variants"] == [
        {"name": "crop(center,90%)", "pdq": CROP90},
        {"name": "crop(center,80%)", "pdq": CROP80},
    ]


def _many(n: int) -> list[dict[str, str]]:
    return [{"name": f"region-{i}", "pdq": CROP90} for i in range(n)]


@pytest.mark.parametrize(
    ("entry", "detail"),
    [
        (
            {"signal_type": "pdq", "value": PDQ, "variants": _many(17)},
            "body.entries.0.variants: List should have at most 16 items after validation",
        ),
        (
            {
                "signal_type": "md5",
                "value": "d41d8cd98f00b204e9800998ecf8427e",
                "variants": _many(1),
            },
            "body.entries.0: Value error, variants are only for pdq entries, not md5",
        ),
        (
            {"signal_type": "pdq", "value": PDQ, "variants": [{"name": "x", "pdq": "abc"}]},
            "body.entries.0.variants.0.pdq: String should match pattern",
        ),
        (
            {
                "signal_type": "pdq",
                "value": PDQ,
                "variants": [{"name": "a", "pdq": CROP90}, {"name": "a", "pdq": CROP80}],
            },
            "body.entries.0: Value error, variants[1].name repeats 'a'",
        ),
        (
            {"signal_type": "pdq", "value": PDQ, "variants": [{"name": "a@b", "pdq": CROP90}]},
            "body.entries.0.variants.0.name: String should match pattern",
        ),
        (
            {"signal_type": "pdq", "value": PDQ, "variants": [{"name": "original", "pdq": CROP90}]},
            "body.entries.0: Value error, variants[0].name may not be 'original'",
        ),
        (
            {
                "signal_type": "pdq",
                "value": PDQ,
                "variants": [{"name": "zero\u200bwidth", "pdq": CROP90}],
            },
            "body.entries.0: Value error, variants[0].name contains control or other "
            "unprintable characters",
        ),
        (
            {
                "signal_type": "pdq",
                "value": PDQ,
                "variants": [{"name": "x", "pdq": CROP90, "quality": 90}],
            },
            "body.entries.0.variants.0.quality: Extra inputs are not permitted",
        ),
        (
            {"signal_type": "pdq", "value": PDQ, "variants": [{"name": "x" * 65, "pdq": CROP90}]},
            "body.entries.0.variants.0.name: String should have at most 64 characters",
        ),
        (
            {"signal_type": "pdq", "value": PDQ, "variants": "crop(center,90%)"},
            "body.entries.0.variants: Input should be a valid list",
        ),
    ],
)
def test_malformed_variants_are_a_precise_422_and_nothing_is_stored(
    api: Api, entry: dict[str, Any], detail: str
) -> None:
    _bank(api)
    response = _add(api, entry)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == "invalid_input"
    assert body["detail"].startswith(detail), body["detail"]
    bank = api.client.get("/v1/banks/victims", headers=api.admin).json()
    assert bank["active_entries"] == 0


def test_more_than_16_variants_in_all_is_a_422_not_a_500(api: Api) -> None:
    _bank(api)
    assert _add(api, {"signal_type": "pdq", "value": PDQ, "variants": _many(10)}).status_code == 201
    more = [{"name": f"other-{i}", "pdq": CROP80} for i in range(10)]
    response = _add(api, {"signal_type": "pdq", "value": PDQ, "variants": more})
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_record"
    assert "at most 16" in response.json()["detail"]


def test_openapi_describes_variants(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    field = schemas["EntryCreate"]["properties"]["variants"]
    array = next(s for s in field["anyOf"] if s.get("type") == "array")
    assert array["maxItems"] == 16
    assert array["items"]["$ref"].endswith("/VariantCreate")
    variant = schemas["VariantCreate"]
    assert set(variant["required"]) == {"name", "pdq"}
    assert variant["additionalProperties"] is False
    assert variant["properties"]["pdq"]["pattern"] == "^[0-9a-fA-F]{64}$"
    assert variant["properties"]["name"]["maxLength"] == 64
    public = schemas["EntryPublic"]["properties"]["variants"]
    assert public["items"]["$ref"].endswith("/VariantPublic")


def _border_cropped_jpeg(photo: Path, cut: float) -> bytes:
    image = Image.open(photo).convert("RGB")
    w, h = image.size
    dx, dy = round(w * cut / 2), round(h * cut / 2)
    out = io.BytesIO()
    image.crop((dx, dy, w - dx, h - dy)).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_a_platform_that_submits_variants_catches_a_border_cropped_upload(
    api: Api, photo_paths: list[Path]
) -> None:
    """The submitter hashes the original (plain PDQ + regions); a copy missing a fifth of
    each side, scanned later, matches the entry through a region and says so."""
    photo = photo_paths[0]
    data = photo.read_bytes()
    regions = [{"name": v.name, "pdq": v.pdq} for v in bank_variants(decode_image(data))]
    _bank(api)
    added = _add(
        api,
        {"signal_type": "pdq", "value": hash_image_bytes(data).pdq, "variants": regions},
    )
    entry_id = added.json()["entry_ids"][0]

    response = api.client.post(
        "/v1/scan",
        files={"file": ("upload.jpg", _border_cropped_jpeg(photo, 0.20), "image/jpeg")},
        data={"content_id": "cropped-1"},
        headers=api.admin,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verdict"] == "remove"
    (match,) = [m for m in body["matches"] if m["signal_type"] == "pdq"]
    assert match["entry_id"] == entry_id and match["bank"] == "victims"
    assert "@bank:crop(center," in match["variant"]


def test_jsonl_export_carries_the_variants(api: Api) -> None:
    _bank(api)
    variants = [{"name": "crop(center,80%)", "pdq": CROP80}]
    _add(api, {"signal_type": "pdq", "value": PDQ, "variants": variants})
    exported = api.client.get("/v1/banks/victims/export?format=jsonl", headers=api.admin).text
    (record,) = (json.loads(line) for line in exported.splitlines())
    assert record["variants"] == variants

"""Scan and lookup through the real app: decisions are stored, repeatable and explained."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageOps

from tests.integration.api.conftest import Api


def _jpeg(path: Path, quality: int = 70, mirror: bool = False) -> bytes:
    image = Image.open(path).convert("RGB")
    if mirror:
        image = ImageOps.mirror(image)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _scan(api: Api, content_id: str, data: bytes, **fields: str) -> dict:
    response = api.client.post(
        "/v1/scan",
        files={"file": ("upload.jpg", data, "image/jpeg")},
        data={"content_id": content_id, **fields},
        headers=api.admin,
    )
    assert response.status_code == 200, response.text
    return response.json()


def _bank_with(api: Api, photo: Path, name: str = "victims", purpose: str = "victim") -> dict:
    api.client.post("/v1/banks", json={"name": name, "purpose": purpose}, headers=api.admin)
    hashed = api.client.post(
        "/v1/scan",
        files={"file": ("x.png", photo.read_bytes(), "application/octet-stream")},
        data={"content_id": f"seed-{name}-{photo.name}"},
        headers=api.admin,
    ).json()["hashes"]
    response = api.client.post(
        f"/v1/banks/{name}/entries",
        json={"entries": [{"signal_type": "pdq", "value": hashed["pdq"], "case_id": "case-1"}]},
        headers=api.admin,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_a_reencoded_copy_of_a_banked_image_is_blocked_and_removed(
    api: Api, photo_paths: list[Path]
) -> None:
    photo = photo_paths[0]
    _bank_with(api, photo)
    body = _scan(api, "post-1", _jpeg(photo), surface="post", jurisdictions="GB,US")
    assert body["verdict"] == "remove"
    assert body["created"] is True
    assert body["matches"][0]["bank"] == "victims"
    assert body["matches"][0]["distance"] <= 20
    assert "ncii_known_match" in body["categories"]
    assert any("victims" in r for r in body["reasons"])


def test_an_unrelated_photo_is_allowed(api: Api, photo_paths: list[Path]) -> None:
    _bank_with(api, photo_paths[0])
    body = _scan(api, "post-2", _jpeg(photo_paths[1]))
    assert body["verdict"] == "allow"
    assert body["matches"] == []


def test_resending_a_content_id_returns_the_same_decision(
    api: Api, photo_paths: list[Path]
) -> None:
    first = _scan(api, "same", _jpeg(photo_paths[2]))
    again = _scan(api, "same", _jpeg(photo_paths[3]))  # even with other bytes
    assert again["decision_id"] == first["decision_id"]
    assert again["created"] is False
    assert again["hashes"] == first["hashes"]


def test_lookup_by_hash_matches_like_a_scan(api: Api, photo_paths: list[Path]) -> None:
    _bank_with(api, photo_paths[0])
    pdq = api.client.get("/v1/items/seed-victims-" + photo_paths[0].name, headers=api.admin)
    pdq_value = pdq.json()["pdq"]
    body = api.client.post(
        "/v1/lookup",
        json={"content_id": "lk-1", "pdq": pdq_value.upper(), "quality": 100, "surface": "message"},
        headers=api.admin,
    ).json()
    assert body["verdict"] == "remove"
    assert body["source"] == "lookup"
    item = api.client.get("/v1/items/lk-1", headers=api.admin).json()
    assert item["pdq"] == pdq_value and item["surface"] == "message"


def test_a_negative_bank_hit_suppresses_the_match(api: Api, photo_paths: list[Path]) -> None:
    photo = photo_paths[0]
    _bank_with(api, photo)
    _bank_with(api, photo, name="allow-list", purpose="negative")
    body = _scan(api, "neg-1", _jpeg(photo))
    assert body["verdict"] != "remove"
    victim = next(m for m in body["matches"] if m["bank"] == "victims")
    assert victim["suppressed_by"] is not None
    assert any("suppressed" in n for n in body["notes"])


def test_withdrawn_entries_stop_matching_at_once(api: Api, photo_paths: list[Path]) -> None:
    photo = photo_paths[0]
    added = _bank_with(api, photo)
    entry_id = added["entry_ids"][0]
    response = api.client.post(f"/v1/banks/victims/entries/{entry_id}/withdraw", headers=api.admin)
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert _scan(api, "after-withdraw", _jpeg(photo))["verdict"] == "allow"


def test_adding_a_hash_retro_hunts_items_already_seen(api: Api, photo_paths: list[Path]) -> None:
    photo = photo_paths[4]
    earlier = _scan(api, "old-post", _jpeg(photo, quality=60))
    assert earlier["verdict"] == "allow"
    api.client.post("/v1/banks", json={"name": "victims", "purpose": "victim"}, headers=api.admin)
    pdq = _scan(api, "victim-copy", photo.read_bytes())["hashes"]["pdq"]
    response = api.client.post(
        "/v1/banks/victims/entries",
        json={"entries": [{"signal_type": "pdq", "value": pdq}]},
        headers=api.admin,
    )
    hunt = response.json()["retro_hunt"]
    assert hunt["items_hit"] >= 2  # the old post and the victim's own scan
    item = api.client.get("/v1/items/old-post", headers=api.admin).json()
    latest = item["decisions"][-1]
    assert latest["source"] == "retro_hunt"
    assert latest["verdict"] == "remove"
    assert any("retro-hunt" in r for r in latest["reasons"])
    # Re-adding the same hash is idempotent: no second hunt, no second decision.
    again = api.client.post(
        "/v1/banks/victims/entries",
        json={"entries": [{"signal_type": "pdq", "value": pdq}]},
        headers=api.admin,
    ).json()
    assert again["added"] == 0 and again["retro_hunt"] is None
    assert len(api.client.get("/v1/items/old-post", headers=api.admin).json()["decisions"]) == 2


def test_a_blocking_decision_owes_a_webhook_in_the_outbox(
    api: Api, photo_paths: list[Path]
) -> None:
    _bank_with(api, photo_paths[0])
    body = _scan(api, "owed", _jpeg(photo_paths[0]))
    owed = [o for o in api.runtime.outbox.for_decision(body["decision_id"])]
    # The webhook, and the heavy detectors the worker still owes this upload (pipeline/detect).
    assert [o.kind for o in owed] == ["webhook", "detect"]
    assert owed[0].payload["decision"]["verdict"] == "remove"
    assert owed[0].status == "pending"
    assert owed[1].payload["decision_id"] == body["decision_id"]


def test_decisions_list_pages_with_a_cursor(api: Api, photo_paths: list[Path]) -> None:
    for i, photo in enumerate(photo_paths[:5]):
        _scan(api, f"page-{i}", photo.read_bytes())
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.client.get("/v1/decisions", params=params, headers=api.admin).json()
        seen += [d["content_id"] for d in page["decisions"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(f"page-{i}" for i in range(5))
    only_allow = api.client.get("/v1/decisions?verdict=remove", headers=api.admin).json()
    assert only_allow["decisions"] == []


def test_a_mirrored_copy_is_caught_and_the_evidence_says_how(
    api: Api, photo_paths: list[Path]
) -> None:
    photo = photo_paths[0]
    _bank_with(api, photo)
    body = _scan(api, "mirror-1", _jpeg(photo, mirror=True))
    assert body["verdict"] == "remove"
    match = next(m for m in body["matches"] if m["bank"] == "victims")
    assert match["variant"] == "flip_horizontal"
    assert any("horizontal flip" in note for note in body["notes"])

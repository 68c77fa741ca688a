"""The HMA-compatible API, driven with the requests HMA's own client code sends.

The shapes replayed here are those of HMA 1.1.7's test helpers (``create_bank``,
``add_hash_to_bank``, the raw-lookup test) and of its bank-management page
(``bank-management.js``: a multipart field named after the content type, a
``metadata`` form field holding JSON, ``{signal_type: value}`` bodies for hashes),
sent to ``/hma`` with a Shieldwall key as the bearer token. The answers must be
HMA's shapes, plus the fields Shieldwall adds (bank, signal type, content id).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shieldwall.api import create_app
from shieldwall.config import load_settings
from shieldwall.hashing import hash_image_bytes
from shieldwall.runtime import Runtime
from tests.integration.api.conftest import Api

BANK = "MY_TEST_BANK"


def _create_bank(api: Api, name: str = BANK) -> None:
    # HMA tests/utils.py create_bank(): POST /c/banks {"name": ...} -> 201, the config.
    response = api.client.post("/hma/c/banks", json={"name": name}, headers=api.admin)
    assert response.status_code == 201, response.text
    assert response.json() == {"matching_enabled_ratio": 1.0, "name": name}


def _photo_upload(path: Path, **fields: str) -> dict[str, Any]:
    # bank-management.js: formData.append(contentType, file) [+ "metadata", JSON string]
    return {"files": {"photo": (path.name, path.read_bytes(), "image/jpeg")}, "data": fields}


def test_an_hma_client_banks_a_photo_and_finds_it_by_hash_and_by_upload(
    api: Api, photo_paths: list[Path]
) -> None:
    photo = photo_paths[0]
    expected_pdq = hash_image_bytes(photo.read_bytes()).pdq
    _create_bank(api)
    assert api.client.get("/hma/c/banks", headers=api.admin).json() == [
        {"name": BANK, "matching_enabled_ratio": 1.0}
    ]

    # POST /h/hash with the file: HMA's default signal for a photo is pdq.
    hashed = api.client.post("/hma/h/hash", headers=api.admin, **_photo_upload(photo))
    assert hashed.status_code == 200, hashed.text
    assert hashed.json() == {"pdq": expected_pdq}

    added = api.client.post(
        f"/hma/c/bank/{BANK}/content",
        headers=api.admin,
        **_photo_upload(photo, metadata=json.dumps({"content_id": "upload-77"})),
    )
    assert added.status_code == 200, added.text
    content_id = added.json()["id"]
    assert added.json() == {"id": content_id, "signals": {"pdq": expected_pdq}}

    # The raw-lookup test: ids only, then with distance (query_string bools as Flask sends).
    raw = api.client.get(
        "/hma/m/raw_lookup",
        params={"signal": expected_pdq, "signal_type": "pdq"},
        headers=api.admin,
    )
    assert raw.json() == {"matches": [content_id]}
    with_distance = api.client.get(
        "/hma/m/raw_lookup",
        params={"signal": expected_pdq, "signal_type": "pdq", "include_distance": "True"},
        headers=api.admin,
    ).json()["matches"]
    assert with_distance == [
        {
            "bank_content_id": content_id,
            "distance": "0",
            "bank": BANK,
            "signal_type": "pdq",
            "content_id": "upload-77",
        }
    ]

    # GET /m/lookup with signal + signal_type: the signal-type level is elided.
    by_bank = api.client.get(
        "/hma/m/lookup",
        params={"signal": expected_pdq, "signal_type": "pdq"},
        headers=api.admin,
    ).json()
    assert list(by_bank) == [BANK]
    assert by_bank[BANK][0]["bank_content_id"] == content_id

    # POST /m/lookup with a file: keyed by signal type, then bank; the hash on request.
    posted = api.client.post(
        "/hma/m/lookup?include_hashes=true", headers=api.admin, **_photo_upload(photo)
    )
    assert posted.status_code == 200, posted.text
    body = posted.json()
    assert body["pdq"][BANK][0]["bank_content_id"] == content_id
    assert body["hashes"] == {"pdq": expected_pdq}

    # Another photo does not match.
    other = api.client.post("/hma/m/lookup", headers=api.admin, **_photo_upload(photo_paths[1]))
    assert other.json() == {"pdq": {}}

    status = api.client.get("/hma/m/index/status", headers=api.admin).json()
    assert status["pdq"]["present"] is True
    assert status["pdq"]["size"] == 1

    content = api.client.get(
        f"/hma/c/bank/{BANK}/content/{content_id}?include_signals=true", headers=api.admin
    ).json()
    assert content["id"] == content_id
    assert content["disable_until_ts"] == 1
    assert content["bank"] == {"name": BANK, "matching_enabled_ratio": 1.0}
    assert content["signals"] == {"pdq": expected_pdq}
    assert content["metadata"] == {"content_id": "upload-77"}


def test_banking_a_hash_then_disabling_and_deleting_it_stops_matching(api: Api) -> None:
    _create_bank(api)
    pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    near = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b2d"  # 4 bits off
    # bank-management.js handleAddContentByHash: {signal_type: value} to /signal.
    added = api.client.post(f"/hma/c/bank/{BANK}/signal", json={"pdq": pdq}, headers=api.admin)
    assert added.status_code == 200, added.text
    content_id = added.json()["id"]
    md5 = api.client.post(
        f"/hma/c/bank/{BANK}/signal",
        json={"video_md5": "D41D8CD98F00B204E9800998ECF8427E"},
        headers=api.admin,
    ).json()
    assert md5["signals"] == {"video_md5": "d41d8cd98f00b204e9800998ecf8427e"}

    def raw(signal: str, signal_type: str = "pdq") -> list[Any]:
        response = api.client.get(
            "/hma/m/raw_lookup",
            params={"signal": signal, "signal_type": signal_type, "include_distance": "true"},
            headers=api.admin,
        )
        assert response.status_code == 200, response.text
        return list(response.json()["matches"])

    assert [(m["bank_content_id"], m["distance"]) for m in raw(near)] == [(content_id, "4")]
    # video_md5 and md5 name the same hash.
    assert [m["bank_content_id"] for m in raw("d41d8cd98f00b204e9800998ecf8427e", "md5")] == [
        md5["id"]
    ]

    compared = api.client.post(
        "/hma/m/compare", json={"pdq": [pdq, near], "md5": ["a" * 32, "b" * 32]}, headers=api.admin
    ).json()
    assert compared == {"pdq": [True, {"distance": 4}], "md5": [False, {}]}

    # HMA's content update: disable_until_ts 0 disables (here: withdraws) at once.
    disabled = api.client.put(
        f"/hma/c/bank/{BANK}/content/{content_id}",
        json={"disable_until_ts": 0},
        headers=api.admin,
    )
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disable_until_ts"] == 0
    assert raw(pdq) == []

    deleted = api.client.delete(f"/hma/c/bank/{BANK}/content/{md5['id']}", headers=api.admin)
    assert deleted.json() == {"deleted": 1}
    assert raw("d41d8cd98f00b204e9800998ecf8427e", "video_md5") == []
    gone = api.client.get(f"/hma/c/bank/{BANK}/content/{md5['id']}", headers=api.admin)
    assert gone.status_code == 404
    assert "message" in gone.json()  # HMA clients read "message"

    assert api.client.delete(f"/hma/c/bank/{BANK}", headers=api.admin).json() == {"message": "Done"}


def test_bank_updates_take_hma_shapes_and_refuse_what_shieldwall_cannot_honour(api: Api) -> None:
    _create_bank(api)
    off = api.client.put(f"/hma/c/bank/{BANK}", json={"enabled": False}, headers=api.admin)
    assert off.json() == {"name": BANK, "matching_enabled_ratio": 0.0}
    half = api.client.put(f"/hma/c/bank/{BANK}", json={"enabled_ratio": 0.5}, headers=api.admin)
    assert half.status_code == 400
    assert half.json()["code"] == "unsupported_feature"
    renamed = api.client.put(f"/hma/c/bank/{BANK}", json={"name": "OTHER"}, headers=api.admin)
    assert renamed.status_code == 400
    two = api.client.post(
        f"/hma/c/bank/{BANK}/signal",
        json={"pdq": "f" * 64, "video_md5": "a" * 32},
        headers=api.admin,
    )
    assert two.status_code == 422
    assert "one signal per content" in two.json()["message"]
    bad = api.client.post(f"/hma/c/bank/{BANK}/signal", json={"pdq": "xyz"}, headers=api.admin)
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_hash"


def test_keys_and_scopes_guard_the_hma_surface(api: Api, photo_paths: list[Path]) -> None:
    """HMA has no authentication; here an anonymous caller sees nothing, and a lookup-only
    key (what an upload service holds) can neither withdraw a victim's hash nor upload media."""
    _create_bank(api)
    added = api.client.post(
        f"/hma/c/bank/{BANK}/signal", json={"pdq": "f8" * 32}, headers=api.admin
    ).json()
    assert api.client.get("/hma/c/banks").status_code == 401
    assert api.client.get("/hma/m/raw_lookup?signal=x&signal_type=pdq").status_code == 401
    lookup_only = api.headers_for("lookup")
    withdraw = api.client.put(
        f"/hma/c/bank/{BANK}/content/{added['id']}",
        json={"disable_until_ts": 0},
        headers=lookup_only,
    )
    assert withdraw.status_code == 403
    upload = api.client.post("/hma/m/lookup", headers=lookup_only, **_photo_upload(photo_paths[0]))
    assert upload.status_code == 403
    # Uploading media is the scan scope's work: a platform's scan key can look a file up.
    scan_only = api.headers_for("scan")
    by_scan = api.client.post("/hma/m/lookup", headers=scan_only, **_photo_upload(photo_paths[0]))
    assert by_scan.status_code == 200, by_scan.text
    found = api.client.get(
        "/hma/m/raw_lookup", params={"signal": "f8" * 32, "signal_type": "pdq"}, headers=lookup_only
    )
    assert found.json() == {"matches": [added["id"]]}


def test_url_fetching_is_refused_so_a_key_holder_cannot_make_the_server_fetch(api: Api) -> None:
    """HMA fetches any URL it is given (server-side request forgery towards internal
    services); Shieldwall refuses before any request is made."""
    _create_bank(api)
    for method, path in (
        ("GET", "/hma/h/hash?url=http://127.0.0.1:9/secret.jpg"),
        ("GET", "/hma/m/lookup?url=http://169.254.169.254/latest/meta-data"),
        ("POST", f"/hma/c/bank/{BANK}/content?url=http://127.0.0.1:9/a.jpg&content_type=photo"),
    ):
        response = api.client.request(method, path, headers=api.admin)
        assert response.status_code == 400, (path, response.text)
        assert response.json()["code"] == "unsupported_feature"
        assert "upload the file" in response.json()["message"]


def test_a_withdrawn_hash_cannot_be_brought_back_through_hma(api: Api) -> None:
    """A victim's withdrawal is final: HMA's 'enable' value must not revive the entry."""
    _create_bank(api)
    added = api.client.post(
        f"/hma/c/bank/{BANK}/signal", json={"pdq": "f8" * 32}, headers=api.admin
    ).json()
    api.client.post(f"/v1/banks/{BANK}/entries/{added['id']}/withdraw", headers=api.admin)
    revive = api.client.put(
        f"/hma/c/bank/{BANK}/content/{added['id']}",
        json={"disable_until_ts": 1},
        headers=api.admin,
    )
    assert revive.status_code == 422
    raw = api.client.get(
        "/hma/m/raw_lookup", params={"signal": "f8" * 32, "signal_type": "pdq"}, headers=api.admin
    )
    assert raw.json() == {"matches": []}


@pytest.mark.parametrize("enabled", [False])
def test_the_hma_api_can_be_turned_off(database_url: str, tmp_path: Path, enabled: bool) -> None:
    settings = load_settings(
        data_dir=tmp_path / "data", database_url=database_url, hma_api_enabled=enabled
    )
    runtime = Runtime.open(settings, migrate=True)
    key, _ = runtime.keys.create_api_key(name="admin", scopes=["admin"])
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            response = client.get("/hma/c/banks", headers={"Authorization": f"Bearer {key}"})
            assert response.status_code == 404
            assert client.get("/v1/banks", headers={"Authorization": f"Bearer {key}"}).is_success
    finally:
        runtime.close()

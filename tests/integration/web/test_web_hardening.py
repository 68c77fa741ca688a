"""The web smalls of issue 13, each as an attacker would try it: a sign-in form another site
can post (login CSRF), non-ASCII CSRF tokens (used to answer 500), a receipt with the
access code cached, cookies without Secure and no HSTS behind a TLS proxy, a forged
``add_to_bank`` naming an allow-list bank, and argon2 on the portal's event loop."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_support import PASSWORD, Site, csrf_of, login, portal_fields

from shieldwall.hashing import hash_image_file
from shieldwall.store.cases import CaseStore
from shieldwall.types import BankPurpose

VALID = {
    "jurisdiction": "GB",
    "declare_intimate": "on",
    "declare_nonconsensual": "on",
    "relationship": "self",
    "good_faith": "on",
    "signature": "Kim Example",
    "email": "kim@example.org",
}


def test_the_sign_in_form_has_a_csrf_token_and_a_forged_sign_in_is_refused(site: Site) -> None:
    client = TestClient(site.client.app, follow_redirects=False)
    page = client.get("/login")
    assert 'name="csrf_token"' in page.text
    # Another site posting the attacker's credentials into the victim's browser:
    forged = client.post("/login", data={"username": "moderator", "password": PASSWORD})
    assert forged.status_code == 403
    assert "sw_session" not in forged.headers.get("set-cookie", "")
    other = TestClient(site.client.app, follow_redirects=False)  # no cookie, a copied token
    copied = other.post(
        "/login",
        data={"csrf_token": csrf_of(page.text), "username": "moderator", "password": PASSWORD},
    )
    assert copied.status_code == 403
    assert login(client, "moderator", PASSWORD).status_code == 303


@pytest.mark.parametrize("token", ["é" * 64, "\u202e" + "0" * 63, "💥"])
def test_non_ascii_csrf_tokens_are_refused_with_403(site: Site, token: str) -> None:
    staff = site.client_for("moderator")
    assert staff.post("/review/settings", data={"csrf_token": token}).status_code == 403
    assert staff.post("/review/settings", headers={"X-CSRF-Token": "x"}, data={}).status_code == 403
    anon = TestClient(site.client.app, follow_redirects=False)
    anon.get("/report")
    assert anon.post("/report", data={**VALID, "csrf_token": token}).status_code == 403
    anon.get("/login")
    response = anon.post(
        "/login", data={"csrf_token": token, "username": "moderator", "password": PASSWORD}
    )
    assert response.status_code == 403


def test_the_receipt_with_the_access_code_is_never_cached(site: Site) -> None:
    client = TestClient(site.client.app, follow_redirects=False)
    page = client.get("/report")
    response = client.post(
        "/report",
        data={**portal_fields(page.text), **VALID, "locations": "https://example.test/p/1"},
    )
    assert response.status_code == 201 and 'id="access-code"' in response.text
    assert response.headers["cache-control"] == "no-store"


def test_behind_a_trusted_tls_proxy_cookies_are_secure_and_hsts_is_sent(site: Site) -> None:
    settings = site.runtime.settings
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    client = TestClient(site.client.app, follow_redirects=False)
    # Not trusted: a client's own X-Forwarded-Proto changes nothing.
    page = client.get("/login", headers=https)
    assert "strict-transport-security" not in page.headers
    response = client.post(
        "/login",
        headers=https,
        data={"csrf_token": csrf_of(page.text), "username": "moderator", "password": PASSWORD},
    )
    assert "secure" not in response.headers["set-cookie"].lower()
    settings.trusted_proxies = ["testclient"]  # the test client's peer address
    try:
        client = TestClient(site.client.app, follow_redirects=False)
        page = client.get("/login", headers=https)
        assert page.headers["strict-transport-security"].startswith("max-age=")
        assert "secure" in page.headers["set-cookie"].lower()
        # The browser talks https to the proxy, so it sends the Secure cookie back (httpx,
        # talking plain http to the test app, would not: the proxy's part is played here).
        nonce = page.headers["set-cookie"].split(";")[0]
        response = client.post(
            "/login",
            headers={**https, "Cookie": nonce},
            data={"csrf_token": csrf_of(page.text), "username": "moderator", "password": PASSWORD},
        )
        assert response.status_code == 303
        assert "secure" in response.headers["set-cookie"].lower()
        plain = client.get("/login", headers={"X-Forwarded-Proto": "http"})
        assert "strict-transport-security" not in plain.headers
        # A proxy that appends: the client's own "https" comes first and is not believed.
        fresh = TestClient(site.client.app, follow_redirects=False)
        claimed = fresh.get("/login", headers={"X-Forwarded-Proto": "https, http"})
        assert "strict-transport-security" not in claimed.headers
        assert "secure" not in claimed.headers["set-cookie"].lower()
    finally:
        settings.trusted_proxies = []


def test_a_forged_add_to_bank_naming_an_allow_list_or_unknown_bank_is_refused(
    site: Site, photo_paths: list[Path]
) -> None:
    site.runtime.banks.create_bank(name="memes-allowed", purpose=BankPurpose.NEGATIVE)
    key, _ = site.runtime.keys.create_api_key(name="hardening", scopes=["scan"])
    photo = photo_paths[13]
    response = site.client.post(
        "/v1/scan",
        headers={"Authorization": f"Bearer {key}"},
        data={"content_id": "hardening-1"},
        files={"file": (photo.name, photo.read_bytes(), "image/jpeg")},
    )
    item = site.runtime.items.get_item(response.json()["content_id"])
    mod = site.client_for("moderator")
    before = len(site.client.app.state.web.desk.approvals())
    for forged in ("memes-allowed", "-1", "no-such-bank"):
        page = mod.get(f"/review/items/{item.id}")
        sent = mod.post(
            f"/review/items/{item.id}/decide",
            data={
                "csrf_token": csrf_of(page.text),
                "verdict": "hold",
                "category": next(iter(site.runtime.policies.policy.categories)),
                "add_to_bank": forged,
            },
        )
        assert sent.status_code == 303 and "error=" in sent.headers["location"], forged
    assert len(site.client.app.state.web.desk.approvals()) == before


def test_argon2_in_the_portal_runs_off_the_event_loop(
    site: Site, monkeypatch: pytest.MonkeyPatch, photo_paths: list[Path]
) -> None:
    """Creating a case (argon2 hash of the access code) and checking an access code (argon2
    verify) must not block the loop that answers every other visitor."""
    cases: CaseStore = site.client.app.state.web.cases
    on_loop: list[bool] = []

    def watch(name: str) -> None:
        original = getattr(cases, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                asyncio.get_running_loop()
                on_loop.append(True)
            except RuntimeError:
                on_loop.append(False)
            return original(*args, **kwargs)

        monkeypatch.setattr(cases, name, wrapper)

    watch("create_case")
    watch("verify_access")
    client = TestClient(site.client.app, follow_redirects=False)
    page = client.get("/report")
    h = hash_image_file(photo_paths[14])
    hashes = json.dumps([{"pdq": h.pdq, "quality": h.quality, "md5": h.md5, "sha256": h.sha256}])
    assert (
        client.post(
            "/report", data={**portal_fields(page.text), **VALID, "hashes": hashes}
        ).status_code
        == 201
    )
    page = client.get("/status")
    client.post(
        "/status",
        data={
            **portal_fields(page.text),
            "case_number": "SW-AAAA-AAAA",
            "access_code": "AAAA-AAAA-AAAA-AAAA",
        },
    )
    assert on_loop == [False, False]


def test_out_of_range_ids_in_review_paths_are_a_client_error(site: Site) -> None:
    mod = site.client_for("moderator")
    huge = "99999999999999999999999"  # beyond a 64-bit integer: used to overflow SQLite (500)
    for path in (f"/review/cases/{huge}", f"/review/items/{huge}", "/review/cases/-1"):
        assert mod.get(path).status_code == 422, path
    page = mod.get("/review/cases")
    response = mod.post(
        f"/review/cases/{huge}", data={"csrf_token": csrf_of(page.text), "decision": "approve"}
    )
    assert response.status_code == 422
    assert mod.get("/review/cases?page=-5").status_code == 200

"""The review desk in-process: decisions write a decision and a webhook action, the cluster
option reaches every near copy, bank additions need a second person, appeals go to someone
else and a reversal sends a restore, reveals are recorded and media is kept encrypted."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from web_support import Site, csrf_of

from shieldwall.pipeline.casework import VICTIM_BANK
from shieldwall.store.web_models import ReviewMediaRow
from shieldwall.types import BankPurpose


def _scan(site: Site, key: str, path: Path, content_id: str, uploader: str = "u1") -> int:
    response = site.client.post(
        "/v1/scan",
        headers={"Authorization": f"Bearer {key}"},
        data={"content_id": content_id, "uploader_id": uploader, "jurisdictions": "GB"},
        files={"file": (path.name, path.read_bytes(), "image/jpeg")},
    )
    assert response.status_code == 200, response.text
    return site.runtime.items.get_item(content_id).id


@pytest.fixture(scope="module")
def api_key(site: Site) -> str:
    key, _ = site.runtime.keys.create_api_key(name="platform", scopes=["scan", "lookup"])
    return key


def _decide(client: TestClient, item_id: int, **fields: str) -> str:
    page = client.get(f"/review/items/{item_id}")
    assert page.status_code == 200
    response = client.post(
        f"/review/items/{item_id}/decide", data={"csrf_token": csrf_of(page.text), **fields}
    )
    assert response.status_code == 303
    return str(response.headers["location"])


def test_a_decision_writes_a_review_decision_and_a_webhook_with_a_statement(
    site: Site, api_key: str, photo_paths: list[Path]
) -> None:
    item_id = _scan(site, api_key, photo_paths[0], "post-decide")
    mod = site.client_for("moderator")
    where = _decide(mod, item_id, verdict="remove", category="ncii_possible", note="checked")
    assert "decided=1" in where
    item = site.runtime.items.get_item("post-decide")
    decision = site.runtime.items.get_decision(item.latest_decision_id or "")
    assert (decision.source, decision.verdict, decision.decided_by) == (
        "review",
        "remove",
        "moderator",
    )
    (action,) = site.runtime.outbox.for_decision(decision.id)
    assert action.kind == "webhook"
    assert action.payload["event"] == "decision.updated"
    statement = action.payload["decision"]["statement_of_reasons"]
    assert "post-decide was removed" in statement and "appeal" in statement
    assert "Statement of reasons" in mod.get(f"/review/items/{item_id}").text


def test_an_unknown_reason_code_is_refused_and_nothing_is_written(
    site: Site, api_key: str, photo_paths: list[Path]
) -> None:
    item_id = _scan(site, api_key, photo_paths[1], "post-bad-reason")
    before = site.runtime.items.decisions_for_item(item_id)
    where = _decide(site.client_for("moderator"), item_id, verdict="remove", category="made_up")
    assert "error=" in where
    assert site.runtime.items.decisions_for_item(item_id) == before


def test_apply_to_cluster_decides_every_near_copy(
    site: Site, api_key: str, photo_paths: list[Path], tmp_path: Path
) -> None:
    original = photo_paths[2]
    smaller = tmp_path / "smaller.jpg"
    with Image.open(original) as img:
        img.convert("RGB").resize((img.width // 2, img.height // 2)).save(smaller, quality=70)
    first = _scan(site, api_key, original, "cluster-a")
    second = _scan(site, api_key, smaller, "cluster-b", uploader="u2")
    mod = site.client_for("moderator")
    assert "cluster-b" in mod.get(f"/review/items/{first}").text  # shown as related
    where = _decide(mod, first, verdict="remove", category="ncii_possible", apply_to_cluster="on")
    assert "decided=2" in where
    latest = site.runtime.items.decisions_for_item(second)[-1]
    assert (latest.source, latest.verdict) == ("review", "remove")


def test_adding_to_a_bank_needs_a_second_different_moderator(
    site: Site, api_key: str, photo_paths: list[Path]
) -> None:
    site.runtime.banks.create_bank(name="internal-confirmed", purpose=BankPurpose.INTERNAL)
    item_id = _scan(site, api_key, photo_paths[3], "bank-me")
    mod = site.client_for("moderator")
    _decide(
        mod, item_id, verdict="remove", category="ncii_possible", add_to_bank="internal-confirmed"
    )
    assert site.runtime.banks.get_bank(name="internal-confirmed").active_entries == 0
    (approval,) = [a for a in _pending(site) if a.item_id == item_id]
    page = mod.get("/review/approvals")
    own = mod.post(
        f"/review/approvals/{approval.id}",
        data={"csrf_token": csrf_of(page.text), "decision": "approve"},
    )
    assert "error=" in own.headers["location"]
    assert site.runtime.banks.get_bank(name="internal-confirmed").active_entries == 0
    other = site.client_for("moderator2")
    page = other.get("/review/approvals")
    other.post(
        f"/review/approvals/{approval.id}",
        data={"csrf_token": csrf_of(page.text), "decision": "approve"},
    )
    assert site.runtime.banks.get_bank(name="internal-confirmed").active_entries == 3


def _pending(site: Site) -> list:  # type: ignore[type-arg]
    return site.runtime.reviews.approvals()


def test_reveal_is_recorded_and_the_clear_image_only_follows_a_reveal(
    site: Site, api_key: str, photo_paths: list[Path]
) -> None:
    item_id = _scan(site, api_key, photo_paths[4], "reveal-me")
    with site.runtime.engine.connect() as conn:
        row = conn.execute(
            ReviewMediaRow.__table__.select().where(ReviewMediaRow.item_id == item_id)
        ).one()
    assert photo_paths[4].read_bytes()[:64] not in row.ciphertext  # encrypted at rest
    mod = site.client_for("moderator")
    page = mod.get(f"/review/items/{item_id}")
    assert mod.get(f"/review/items/{item_id}/preview").headers["content-type"] == "image/jpeg"
    assert mod.get(f"/review/items/{item_id}/media").status_code == 403
    revealed = mod.post(
        f"/review/items/{item_id}/reveal",
        data={"csrf_token": csrf_of(page.text)},
        headers={"HX-Request": "true"},
    )
    assert "Your view was recorded" in revealed.text
    assert mod.get(f"/review/items/{item_id}/media").status_code == 200
    audit = site.client_for("auditor").get("/audit").text
    assert "moderator" in audit and str(item_id) in audit


def test_appeal_goes_to_someone_else_and_a_reversal_sends_restore(
    site: Site, api_key: str, photo_paths: list[Path]
) -> None:
    item_id = _scan(site, api_key, photo_paths[5], "appeal-me")
    senior = site.client_for("senior_moderator")
    _decide(senior, item_id, verdict="remove", category="ncii_possible")
    response = site.client.post(
        "/v1/appeals",
        headers={"Authorization": f"Bearer {api_key}"},
        json={"content_id": "appeal-me", "reason": "This is my own holiday photo."},
    )
    assert response.status_code == 201, response.text
    appeal_id = response.json()["appeal_id"]
    page = senior.get("/review/appeals")
    assert "someone else must decide" in page.text
    refused = senior.post(
        f"/review/appeals/{appeal_id}",
        data={"csrf_token": csrf_of(page.text), "outcome": "reverse"},
    )
    assert "error=" in refused.headers["location"]
    admin = site.client_for("admin")
    page = admin.get("/review/appeals")
    admin.post(
        f"/review/appeals/{appeal_id}",
        data={"csrf_token": csrf_of(page.text), "outcome": "reverse"},
    )
    latest = site.runtime.items.decisions_for_item(item_id)[-1]
    assert (latest.source, latest.verdict, latest.decided_by) == ("appeal", "allow", "admin")
    (restore,) = site.runtime.outbox.for_decision(latest.id)
    assert restore.payload["event"] == "restore"


def test_an_appeal_needs_a_scan_key_and_something_to_appeal(
    site: Site, api_key: str, photo_paths: list[Path]
) -> None:
    assert (
        site.client.post("/v1/appeals", json={"content_id": "x", "reason": "y"}).status_code == 401
    )
    _scan(site, api_key, photo_paths[6], "allowed-item")
    response = site.client.post(
        "/v1/appeals",
        headers={"Authorization": f"Bearer {api_key}"},
        json={"content_id": "allowed-item", "reason": "why"},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "nothing_to_appeal"


def test_victim_bank_name_is_stable() -> None:
    assert VICTIM_BANK == "victim-requests"


def _figures(site: Site) -> dict[str, int]:
    report = site.client_for("auditor").get("/compliance/report.json")
    assert report.status_code == 200
    body = report.json()
    return {k: int(body[k]) for k in ("appeals", "appeals_upheld", "appeals_reversed")}


def test_the_dashboard_counts_every_decided_appeal_upheld_and_reversed(
    site: Site, api_key: str, photo_paths: list[Path]
) -> None:
    before = _figures(site)
    senior = site.client_for("senior_moderator")
    admin = site.client_for("admin")
    for n, outcome in enumerate(("uphold", "reverse")):
        content_id = f"appeal-count-{n}"
        item_id = _scan(site, api_key, photo_paths[16 + n], content_id)
        _decide(senior, item_id, verdict="remove", category="ncii_possible")
        filed = site.client.post(
            "/v1/appeals",
            headers={"Authorization": f"Bearer {api_key}"},
            json={"content_id": content_id, "reason": "Mine, and not what you think."},
        )
        assert filed.status_code == 201, filed.text
        page = admin.get("/review/appeals")
        admin.post(
            f"/review/appeals/{filed.json()['appeal_id']}",
            data={"csrf_token": csrf_of(page.text), "outcome": outcome},
        )
    after = _figures(site)
    assert after["appeals"] - before["appeals"] == 2
    assert after["appeals_upheld"] - before["appeals_upheld"] == 1
    assert after["appeals_reversed"] - before["appeals_reversed"] == 1
    page = site.client_for("auditor").get("/compliance")
    assert 'data-figure="appeals-upheld"' in page.text

"""End to end on the real server: a moderator in Chromium closes a UK request as "not intimate
image content" (OSA s.10(3B)(a)) with a reason code, and the victim reads the notice with the
route to complain on their status page in Chromium, while the platform receives it as a signed
webhook; and every restricting decision's webhook, from /v1/scan and /v1/lookup too, carries
the uploader's DSA statement of reasons (legal ground, facts, redress), with SOURCE_ARTICLE_16
when the match is with a hash a victim reported."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Page
from web_e2e_support import LiveSite, sign_in

from shieldwall.hashing.files import hash_image_file
from shieldwall.pipeline.banking import add_to_bank
from shieldwall.pipeline.case_clocks import start_request_clocks
from shieldwall.store import session_factory
from shieldwall.store.cases import CaseStore
from shieldwall.types import BankPurpose, HashKind, NewEntry, Provenance

OpenPage = Callable[[], Page]


def test_a_uk_request_closed_with_a_reason_tells_the_victim_and_the_platform(
    live: LiveSite, new_page: OpenPage
) -> None:
    cases = CaseStore(session_factory(live.runtime.engine), audit=live.runtime.audit)
    case, code = cases.create_case(
        jurisdiction="GB",
        details={
            "declare_intimate": True,
            "declare_nonconsensual": True,
            "relationship": "self",
            "locations": ["https://pics.example.test/uk/42"],
            "email": "lee@example.org",
            "files": 0,
        },
        missing=["signature"],
        hashes=[],
        due_hours=48,
    )
    start_request_clocks(live.runtime.case_clocks, case, platform_jurisdictions=[])

    moderator = new_page()
    sign_in(moderator, live, "moderator", f"/review/cases/{case.id}")
    assert "Online Safety Act 2023 s.10(3A)" in moderator.inner_text("ul.clocks")
    moderator.click("#close-case")  # no reason chosen: the browser asks for one
    assert moderator.url.endswith(f"/review/cases/{case.id}")
    assert cases.get(case.id).status == "incomplete"
    moderator.select_option("#close-reason", "not_intimate_image")
    moderator.fill("#close-note", "a landscape, no person shown")
    moderator.click("#close-case")
    moderator.wait_for_url(f"{live.origin}/review/cases")
    assert cases.get(case.id).status == "closed"
    moderator.screenshot(path=live.shots / "legal-01-closed.png", full_page=True)

    victim = new_page()
    victim.goto(f"{live.origin}/status")
    victim.fill("#case_number", case.case_number)
    victim.fill("#access_code", code)
    victim.click("button[type=submit]")
    notice = victim.locator(".case-notice[data-reason=not_intimate_image]")
    notice.wait_for()
    text = notice.inner_text()
    assert "not intimate image content" in text
    assert "Online Safety Act 2023 s.10(3B)(a)" in text
    assert "complain" in text and case.case_number in text
    victim.screenshot(path=live.shots / "legal-02-notice.png", full_page=True)

    live.drain()
    (sent,) = [e for e in live.events("case.reporter_notice") if e["case"] == case.case_number]
    assert sent["reason_code"] == "not_intimate_image"
    assert sent["deliver_to"] == {"email": "lee@example.org"}


def test_every_restricting_webhook_carries_the_uploaders_statement(
    live: LiveSite, photo_paths: list[Path]
) -> None:
    rt = live.runtime
    rt.banks.create_bank(name="victim-e2e", purpose=BankPurpose.VICTIM, description="e2e")
    photo = photo_paths[3]
    h = hash_image_file(photo)
    add_to_bank(
        rt.banking,
        bank="victim-e2e",
        entries=[
            NewEntry(
                signal_type=HashKind.PDQ,
                value=h.pdq,
                provenance=Provenance(source="victim-portal", case_id="SW-E2E"),
            )
        ],
    )
    auth = {"Authorization": f"Bearer {live.api_key}"}
    with httpx.Client(base_url=live.origin, headers=auth, timeout=30) as api:
        scanned = api.post(
            "/v1/scan",
            data={"content_id": "sor-scan"},
            files={"file": (photo.name, photo.read_bytes(), "image/jpeg")},
        )
        looked = api.post(
            "/v1/lookup", json={"content_id": "sor-lookup", "pdq": h.pdq, "quality": 100}
        )
        allowed = api.post(
            "/v1/lookup", json={"content_id": "sor-allowed", "pdq": "0" * 64, "quality": 100}
        )
    assert scanned.json()["verdict"] in ("block", "remove")
    assert looked.json()["verdict"] in ("block", "remove")
    assert allowed.json()["verdict"] == "allow"
    live.drain()
    by_content = {
        e["decision"]["content_id"]: e
        for e in live.receiver.events
        if isinstance(e.get("decision"), dict)
    }
    for content_id in ("sor-scan", "sor-lookup"):
        event = by_content[content_id]
        statement = event["dsa_statement_of_reasons"]
        assert statement["puid"] == event["decision"]["decision_id"]
        assert statement["source_type"] == "SOURCE_ARTICLE_16"  # a victim's reported hash
        assert statement["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
        assert statement["illegal_content_legal_ground"]
        assert statement["decision_facts"]
        assert "out-of-court" in event["uploader_notice"]
        assert "go to court" in event["uploader_notice"]
    if "sor-allowed" in by_content:  # an allow restricts nothing and needs no statement
        assert "dsa_statement_of_reasons" not in by_content["sor-allowed"]

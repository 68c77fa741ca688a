"""End to end, in Chromium against the real server: a moderator signs in, reveals, decides
and the platform's webhook arrives; a victim hashes two photos in the page, a moderator
approves, copies seen earlier are found and the status page says they came down; a
missing element is reported; an appeal reverses a decision and the platform is told."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Page
from web_e2e_support import LiveSite, sign_in

from shieldwall.hashing import hash_image_file
from shieldwall.types import BankPurpose, HashKind, NewEntry

OpenPage = Callable[[], Page]


def _scan(live: LiveSite, path: Path, content_id: str) -> dict:  # type: ignore[type-arg]
    response = httpx.post(
        f"{live.origin}/v1/scan",
        headers={"Authorization": f"Bearer {live.api_key}"},
        data={"content_id": content_id, "uploader_id": "uploader-7", "jurisdictions": "GB"},
        files={"file": (path.name, path.read_bytes(), "image/jpeg")},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_moderator_reveals_decides_and_the_platform_is_told(
    live: LiveSite, new_page: OpenPage, photo_paths: list[Path]
) -> None:
    photo = photo_paths[0]
    live.runtime.banks.create_bank(name="internal-e2e", purpose=BankPurpose.INTERNAL)
    live.runtime.banks.add_entries(
        bank="internal-e2e",
        entries=[NewEntry(signal_type=HashKind.PDQ, value=hash_image_file(photo).pdq)],
    )
    assert _scan(live, photo, "e2e-review")["verdict"] == "review"
    live.drain()  # the worker opens the review task

    page = new_page()
    sign_in(page, live, "moderator")
    page.screenshot(path=live.shots / "01-queue.png", full_page=True)
    page.click("text=e2e-review")
    page.wait_for_selector("img.blurred")
    page.screenshot(path=live.shots / "02-item-blurred.png", full_page=True)
    page.click("#reveal")
    page.wait_for_selector("text=Your view was recorded")
    page.screenshot(path=live.shots / "03-item-revealed.png", full_page=True)
    page.check("input[name=verdict][value=remove]")
    page.select_option("#category", "ncii_possible")
    page.click("#decide")
    page.wait_for_selector("text=Decision saved")
    page.screenshot(path=live.shots / "04-decided.png", full_page=True)

    live.drain()
    (event,) = [
        e for e in live.events("decision.updated") if e["decision"]["content_id"] == "e2e-review"
    ]
    assert event["decision"]["verdict"] == "remove"
    assert "removed" in event["decision"]["statement_of_reasons"]


def test_victim_request_with_photos_hashed_in_the_page_takes_down_earlier_copies(
    live: LiveSite, new_page: OpenPage, photo_paths: list[Path]
) -> None:
    photos = photo_paths[1:3]
    for i, p in enumerate(photos):
        assert _scan(live, p, f"e2e-copy-{i}")["verdict"] == "allow"

    victim = new_page()
    victim.goto(f"{live.origin}/report")
    victim.screenshot(path=live.shots / "05-report-form.png", full_page=True)
    victim.set_input_files("#files", [str(p) for p in photos])
    victim.wait_for_selector("form[data-hash-state=done]")
    assert "Your files were not uploaded" in victim.inner_text("#hash-progress")
    victim.select_option("#jurisdiction", "GB")
    victim.check("#declare_intimate")
    victim.check("#declare_nonconsensual")
    victim.check("#rel-self")
    victim.fill("#email", "alex@example.org")
    victim.check("#good_faith")
    victim.fill("#signature", "Alex Example")
    victim.fill("#locations", "https://forum.example.test/t/123")
    victim.screenshot(path=live.shots / "06-report-filled.png", full_page=True)
    victim.click("#submit")
    victim.wait_for_selector("#case-number")
    victim.screenshot(path=live.shots / "07-receipt.png", full_page=True)
    number = victim.inner_text("#case-number")
    code = victim.inner_text("#access-code")

    mod = new_page()
    sign_in(mod, live, "moderator2", "/review/cases")
    mod.screenshot(path=live.shots / "08-cases.png", full_page=True)
    mod.click(f"tr:has-text('{number}') >> text=Review matches and approve")
    mod.wait_for_selector("#match-count")
    assert "2 stored item(s) match" in mod.inner_text("#match-count")
    mod.screenshot(path=live.shots / "08b-case-matches.png", full_page=True)
    mod.click("#approve")
    mod.wait_for_selector(f"tr:has-text('{number}') >> text=Removal awaits a second moderator")
    # Taking down what was already published needs a second moderator (issue 13).
    senior = new_page()
    sign_in(senior, live, "senior_moderator", "/review/cases")
    senior.click(f"tr:has-text('{number}') >> text=Removal awaits a second moderator")
    senior.click("#confirm-removal")
    senior.wait_for_selector(
        f"tr:has-text('{number}') >> text=2 copies found, 0 removals confirmed"
    )

    def show_status() -> None:
        victim.goto(f"{live.origin}/status")
        victim.fill("#case_number", number)
        victim.fill("#access_code", code)
        victim.click("button[type=submit]")
        victim.wait_for_selector("#copies")

    show_status()
    # Not "taken down" until the platform says so: each place waits for its answer.
    assert victim.inner_text("#copies") == (
        "2 copies found; waiting for the platform to confirm each removal"
    )
    rows = victim.locator("#targets tr.target")
    assert rows.count() == 3  # two copies and the reported link
    assert victim.locator("#targets tr[data-outcome=waiting]").count() == 3
    victim.screenshot(path=live.shots / "09-status.png", full_page=True)
    for i in range(2):
        item = live.runtime.items.get_item(f"e2e-copy-{i}")
        assert live.runtime.items.get_decision(item.latest_decision_id or "").verdict == "remove"

    # The platform receives one action per place and answers each through the API.
    live.drain()
    copies = [
        e["decision"]["decision_id"]
        for e in live.events("decision.updated")
        if e["decision"]["content_id"] in ("e2e-copy-0", "e2e-copy-1")
    ]
    (locate,) = [e for e in live.events("case.locate_and_remove") if e["case"] == number]
    assert locate["location"] == "https://forum.example.test/t/123"
    answers = [(copies[0], "removed", ""), (copies[1], "removed", "")]
    answers.append((locate["action_id"], "not_found", ""))
    for action_id, outcome, reason in answers:
        response = httpx.post(
            f"{live.origin}/v1/actions/{action_id}/outcome",
            headers={"Authorization": f"Bearer {live.api_key}"},
            json={"outcome": outcome, "reason": reason},
            timeout=30,
        )
        assert response.status_code == 200, response.text
    show_status()
    assert victim.inner_text("#case-status") == "Done: every place has an answer from the platform"
    assert victim.inner_text("#copies") == "2 copies found, 2 confirmed taken down"
    assert victim.locator("#targets tr[data-outcome=removed]").count() == 2
    assert "Not found there" in victim.inner_text("#targets tr:has-text('forum.example.test')")
    victim.screenshot(path=live.shots / "09b-status-done.png", full_page=True)


def test_a_missing_element_is_reported(live: LiveSite, new_page: OpenPage) -> None:
    page = new_page()
    page.goto(f"{live.origin}/report")
    page.select_option("#jurisdiction", "US")
    page.check("#declare_intimate")
    page.check("#declare_nonconsensual")
    page.check("#rel-authorised")
    page.fill("#email", "friend@example.org")
    page.fill("#locations", "@someone_example")
    page.click("#submit")  # the page reminds once ...
    page.wait_for_selector("text=Before sending, please check")
    page.click("#submit")  # ... and sends on the second press
    page.wait_for_selector("#missing-list")
    missing = page.inner_text("#missing-list")
    assert "good-faith statement" in missing and "full name as your signature" in missing
    assert "legal time limit" in page.inner_text("main")
    page.screenshot(path=live.shots / "10-missing.png", full_page=True)


def test_an_appeal_reverses_a_decision(
    live: LiveSite, new_page: OpenPage, photo_paths: list[Path]
) -> None:
    _scan(live, photo_paths[3], "e2e-appeal")
    item = live.runtime.items.get_item("e2e-appeal")
    mod = new_page()
    sign_in(mod, live, "moderator", f"/review/items/{item.id}")
    mod.check("input[name=verdict][value=remove]")
    mod.select_option("#category", "ncii_possible")
    mod.click("#decide")
    mod.wait_for_selector("text=Decision saved")
    response = httpx.post(
        f"{live.origin}/v1/appeals",
        headers={"Authorization": f"Bearer {live.api_key}"},
        json={"content_id": "e2e-appeal", "reason": "It is my cat."},
    )
    assert response.status_code == 201, response.text

    senior = new_page()
    sign_in(senior, live, "senior_moderator", "/review/appeals")
    senior.screenshot(path=live.shots / "11-appeals.png", full_page=True)
    senior.click("text=Reverse: restore the content")
    senior.wait_for_selector("text=No open appeals")
    live.drain()
    restores = [e for e in live.events("restore") if e["decision"]["content_id"] == "e2e-appeal"]
    assert len(restores) == 1
    latest = live.runtime.items.get_decision(
        live.runtime.items.get_item("e2e-appeal").latest_decision_id or ""
    )
    assert (latest.verdict, latest.decided_by) == ("allow", "senior_moderator")
    assert re.search(r"restored", restores[0]["decision"]["statement_of_reasons"])

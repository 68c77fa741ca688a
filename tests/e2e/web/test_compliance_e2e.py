"""End to end, in Chromium: a senior moderator opens the compliance dashboard; its charts load
from this server under the self-only CSP (no console error, no outside request), each next
to its table, and the audit trail shows as verified."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page
from web_e2e_support import LiveSite, sign_in

from shieldwall.store.service_records import NewDecision, NewItem

OpenPage = Callable[[], Page]


def _decide(live: LiveSite, content_id: str, verdict: str, jurisdiction: str) -> None:
    live.runtime.items.record(
        item=NewItem(
            content_id=content_id, source="upload", surface="feed", jurisdictions=(jurisdiction,)
        ),
        decision=NewDecision(
            id=str(uuid.uuid4()),
            source="upload",
            verdict=verdict,
            policy_version="e2e",
            fired=[{"rule_id": "r1", "category": "ncii"}],
            reasons=[],
            matches=[],
            signals=[],
            notes=[],
            actions=[],
        ),
    )


def test_the_compliance_dashboard_renders_with_its_charts(
    live: LiveSite, new_page: OpenPage
) -> None:
    _decide(live, "e2e-dash-1", "remove", "GB")
    _decide(live, "e2e-dash-2", "block", "US")
    page = new_page()
    sign_in(page, live, "senior_moderator", "/compliance")
    page.wait_for_selector("h1:has-text('Compliance')")
    assert page.inner_text("[data-figure=trail-status]") == "Verified"
    assert int(page.inner_text("[data-figure=restrictions]")) >= 2
    images = page.locator("figure img")
    assert images.count() >= 2
    for i in range(images.count()):
        img = images.nth(i)
        img.scroll_into_view_if_needed()
        loaded = img.evaluate("el => el.complete && el.naturalWidth > 0")
        assert loaded, img.get_attribute("src")
    page.screenshot(path=live.shots / "20-compliance.png", full_page=True)


def test_the_transparency_report_downloads_from_the_dashboard(
    live: LiveSite, new_page: OpenPage
) -> None:
    _decide(live, "e2e-dash-dl", "remove", "GB")
    page = new_page()
    sign_in(page, live, "senior_moderator", "/compliance")
    for fmt, magic in (("csv", b"section,key"), ("pdf", b"%PDF"), ("json", b"{")):
        with page.expect_download() as info:
            page.click(f"#report-downloads a[href='/compliance/report.{fmt}']")
        download = info.value
        assert download.suggested_filename.startswith("transparency-")
        assert download.suggested_filename.endswith(f".{fmt}")
        assert Path(download.path()).read_bytes().startswith(magic)
    # Moderators without the dashboard role get no report.
    mod = new_page()
    sign_in(mod, live, "moderator", "/review")
    assert mod.request.get(f"{live.origin}/compliance/report.csv").status == 403

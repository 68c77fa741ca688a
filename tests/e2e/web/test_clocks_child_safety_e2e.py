"""End to end in Chromium: a victim says the person shown was under 18 and is told about NCMEC's
Take It Down service; a senior moderator sees the case's TAKE IT DOWN Act clock with its start
event, records an eSafety removal notice, and files the prepared CyberTipline report, which
puts the case under a year-long legal hold."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page
from web_e2e_support import LiveSite, sign_in

OpenPage = Callable[[], Page]


def test_under_18_clocks_notice_and_filing(live: LiveSite, new_page: OpenPage) -> None:
    victim = new_page()
    victim.goto(f"{live.origin}/report")
    victim.fill("#locations", "https://board.example.test/t/555")
    victim.check("#under18-yes")
    victim.select_option("#jurisdiction", "US")
    victim.check("#declare_intimate")
    victim.check("#declare_nonconsensual")
    victim.check("#rel-self")
    victim.fill("#email", "kim@example.org")
    victim.check("#good_faith")
    victim.fill("#signature", "Kim Example")
    victim.click("#submit")
    victim.wait_for_selector("#case-number")
    number = victim.inner_text("#case-number")
    help_text = victim.inner_text("#child-help")
    assert "Take It Down" in help_text and "NCMEC" in help_text
    victim.screenshot(path=live.shots / "cs-01-receipt.png", full_page=True)

    senior = new_page()
    sign_in(senior, live, "senior_moderator", "/review/cases")
    row = senior.locator(f"tr:has-text('{number}')")
    clocks = row.locator("li.clock")
    assert clocks.count() == 1
    assert "TAKE IT DOWN Act" in clocks.inner_text()
    assert "valid request received" in clocks.inner_text()
    assert "Under 18: child-safety review" in row.inner_text()

    row.locator("summary:has-text('eSafety removal notice')").click()
    given = (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    row.locator("input[name=notice_id]").fill("ESC-RN-E2E-1")
    row.locator("input[name=given_at]").fill(given)
    row.locator("input[name=extension_hours]").fill("12")
    row.locator("button:has-text('Record notice')").click()
    senior.wait_for_selector(
        f"tr:has-text('{number}') >> li.clock[data-regime=au_osa_removal_notice]"
    )
    notice = senior.locator(f"tr:has-text('{number}') li.clock[data-regime=au_osa_removal_notice]")
    assert "notice ESC-RN-E2E-1, extended 12 h" in notice.inner_text()
    assert "eSafety removal notice given" in notice.inner_text()
    senior.screenshot(path=live.shots / "cs-02-clocks.png", full_page=True)

    senior.click("nav >> text=Child safety")
    report = senior.locator(f"tr.report:has-text('{number}')")
    assert report.get_attribute("data-status") == "queued"
    report.locator("input[name=report_id]").fill("CT-E2E-778899")
    report.locator("button:has-text('Record filing')").click()
    senior.wait_for_selector(f"tr.report[data-status=filed]:has-text('{number}')")
    filed = senior.locator(f"tr.report:has-text('{number}')").inner_text()
    assert "CT-E2E-778899" in filed and "hold until" in filed
    senior.screenshot(path=live.shots / "cs-03-filed.png", full_page=True)

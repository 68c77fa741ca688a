"""The victim's path through the portal, in Chromium against the real server (issue 14):
no page asks for something without a way to give it, nothing typed is lost, nothing is
stored twice, errors are found on any screen, and every time is the reader's own.

- A request without photo or link gets a receipt whose form adds them (photos hashed in
  the page, never uploaded); the status page adds more later.
- The "add what was missing" form comes back with every saved answer, the country too.
- The receipt is a page of its own (303 after the POST): a reload, or the same page sent
  twice at once, shows one case.
- Missing answers: a summary right under the heading, focused, each line focusing its
  field, on a phone and on a desktop.
- Chosen files are listed with their fingerprint state and a remove button; a file that
  is not a photo or video is refused in plain words.
- With JavaScript off the page says how to go on, and a link-only request goes through.
- The receipt shows what was sent (fingerprints, links, country) and every deadline in
  the browser's time zone.
- No other service's name as the brand, no staff sign-in on the victim's pages.

One server and one browser for the module; each test opens contexts of its own (phone
size, time zone, JavaScript off) and checks that no request left the site and no page
logged a script error."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page
from web_e2e_support import LiveSite

from shieldwall.store import session_factory
from shieldwall.store.cases import CaseInfo, CaseStore
from shieldwall.web import portal_admission

OpenPage = Callable[..., Page]
# A page answered 422 or 429 on purpose logs its status as a failed load; nothing else may.
_EXPECTED = re.compile(r"Failed to load resource: the server responded with a status of 4(22|29)")
_STAFF_LINKS = "a[href^='/login'], a[href^='/review'], a[href^='/admin'], form[action='/logout']"


@pytest.fixture(scope="module", autouse=True)
def _one_address_many_requests(live: LiveSite) -> Iterator[None]:
    """Every request of this module comes from 127.0.0.1: lift the per-address hour limit
    (its refusals are tested in tests/integration/web/test_portal_receipts.py)."""
    settings = live.runtime.settings
    before = settings.portal_requests_per_hour
    settings.portal_requests_per_hour = 10_000
    yield
    settings.portal_requests_per_hour = before


@pytest.fixture
def open_page(browser: Browser, live: LiveSite) -> Iterator[OpenPage]:
    opened: list[tuple[Any, list[str], list[str]]] = []

    def open_(**context: Any) -> Page:
        ctx = browser.new_context(**{"viewport": {"width": 1200, "height": 900}, **context})
        page = ctx.new_page()
        requests: list[str] = []
        problems: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on(
            "console",
            lambda m: (
                problems.append(m.text)
                if m.type == "error" and not _EXPECTED.search(m.text)
                else None
            ),
        )
        opened.append((ctx, requests, problems))
        return page

    yield open_
    for ctx, requests, problems in opened:
        ctx.close()
        assert [u for u in requests if not u.startswith(live.origin)] == []
        assert problems == []


def _cases(live: LiveSite) -> CaseStore:
    return CaseStore(session_factory(live.runtime.engine))


def _by_email(live: LiveSite, email: str) -> list[CaseInfo]:
    every = _cases(live).list_cases(
        statuses=["incomplete", "under_review", "actioning", "actioned"], limit=1000
    )
    return [c for c in every if c.details.get("email") == email]


def _answers(page: Page, email: str, *, country: str = "GB", sign: bool = True) -> None:
    page.select_option("#jurisdiction", country)
    page.check("#declare_intimate")
    page.check("#declare_nonconsensual")
    page.check("#rel-self")
    page.fill("#email", email)
    page.check("#good_faith")
    if sign:
        page.fill("#signature", "Sam Example")


def _send(page: Page) -> None:
    """Press send (twice when the page's one reminder about unticked boxes comes first) and
    wait for the answer: a receipt, or the form again with its summary."""
    # The page's short check runs in the background; on a loaded machine it can take a while.
    page.wait_for_selector("form#report-form[data-pow-state=done]", timeout=120_000)
    page.click("#submit")
    if page.locator("form#report-form[data-hinted]").count():
        page.click("#submit")
    page.wait_for_selector("#case-number, #error-summary, #refused", timeout=60_000)


def _show_status(page: Page, live: LiveSite, number: str, code: str) -> None:
    page.goto(f"{live.origin}/status")
    page.fill("#case_number", number)
    page.fill("#access_code", code)
    page.click("button[type=submit]")
    page.wait_for_selector("#case-status")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_request_without_photo_or_link_can_add_them_from_the_receipt_and_later(
    live: LiveSite, open_page: OpenPage, photo_paths: list[Path]
) -> None:
    first, second = [p for p in photo_paths if p.suffix == ".png"][:2]
    victim = open_page()
    posted: list[bytes] = []
    victim.on(
        "request",
        lambda r: posted.append(r.post_data_buffer or b"") if r.method == "POST" else None,
    )
    victim.goto(f"{live.origin}/report")
    _answers(victim, "nothing-yet@example.org")
    _send(victim)
    assert "/report/receipt/" in victim.url
    assert "Add at least one photo" in victim.inner_text("#missing-list")
    number = victim.inner_text("#case-number")
    code = victim.inner_text("#access-code")
    victim.screenshot(path=live.shots / "path-01-receipt-missing-content.png", full_page=True)

    # The receipt's own form takes the photo (hashed here) and a link: no dead end.
    victim.set_input_files("#files", [str(first)])
    victim.wait_for_selector("#add-form[data-hash-state=done]", timeout=60_000)
    victim.fill("#add_locations", "https://board.example.test/t/9")
    victim.click("#submit")
    victim.wait_for_selector("#added")
    assert victim.inner_text("#case-status") == "Complete: a person is reviewing it"
    assert _sha(first)[:16] in victim.inner_text("#sent-files")
    assert "https://board.example.test/t/9" in victim.inner_text("#sent-links")
    (case,) = _by_email(live, "nothing-yet@example.org")
    assert case.case_number == number and case.status == "under_review" and case.missing == []
    assert _sha(first) in {h.value for h in case.hashes}

    # Later, from the status page: another photo, to the same case.
    _show_status(victim, live, number, code)
    assert victim.inner_text("#add-h") == "Add more photos or links"
    victim.set_input_files("#files", [str(second)])
    victim.wait_for_selector("#add-form[data-hash-state=done]", timeout=60_000)
    victim.click("#submit")
    victim.wait_for_selector("#added")
    victim.screenshot(path=live.shots / "path-02-status-added.png", full_page=True)
    (case,) = _by_email(live, "nothing-yet@example.org")
    shas = {h.value for h in case.hashes if h.signal_type == "sha256"}
    assert shas == {_sha(first), _sha(second)}
    # Only fingerprints were sent: no POST carried a photo's bytes.
    photo_bytes = {first.read_bytes()[:64], second.read_bytes()[:64]}
    assert all(not any(b in body for b in photo_bytes) for body in posted)
    assert max(len(b) for b in posted) < 20_000


def test_the_add_form_keeps_every_saved_answer(live: LiveSite, open_page: OpenPage) -> None:
    victim = open_page()
    victim.goto(f"{live.origin}/report")
    victim.fill("#locations", "@keeps_answers")
    victim.check("#under18-no")
    _answers(victim, "keeps@example.org", country="US", sign=False)
    victim.check("#rel-authorised")
    victim.fill("#phone", "+1 555 0100")
    _send(victim)
    assert "full name as your signature" in victim.inner_text("#missing-list")
    number, code = victim.inner_text("#case-number"), victim.inner_text("#access-code")

    _show_status(victim, live, number, code)
    assert victim.input_value("#jurisdiction") == "US"
    assert victim.is_checked("#rel-authorised") and victim.is_checked("#good_faith")
    assert victim.input_value("#phone") == "+1 555 0100"
    victim.fill("#signature", "Sam Example")
    # The page's script may first finish its check, then send: wait for the new page, not
    # the status line of the page being left.
    with victim.expect_navigation(timeout=60_000):
        victim.click("#submit")
    victim.wait_for_selector("#case-status")
    assert victim.inner_text("#case-status") == "Complete: a person is reviewing it"
    (case,) = _by_email(live, "keeps@example.org")
    assert case.jurisdiction == "US" and case.missing == []
    assert case.details["relationship"] == "authorised"
    assert case.details["phone"] == "+1 555 0100"
    assert case.details["locations"] == ["@keeps_answers"]
    assert case.details["under_18"] == "no"
    assert victim.inner_text("#sent-country") == "United States"


def test_a_reload_or_the_same_page_sent_twice_at_once_makes_one_case(
    live: LiveSite, open_page: OpenPage
) -> None:
    victim = open_page()
    victim.goto(f"{live.origin}/report")
    victim.fill("#locations", "https://forum.example.test/t/reload")
    _answers(victim, "reload@example.org")
    _send(victim)
    assert "/report/receipt/" in victim.url
    number, code = victim.inner_text("#case-number"), victim.inner_text("#access-code")
    victim.reload()
    assert (victim.inner_text("#case-number"), victim.inner_text("#access-code")) == (number, code)
    assert len(_by_email(live, "reload@example.org")) == 1

    # The same page, its check solved, sent twice at the same moment (a double click).
    victim.goto(f"{live.origin}/report")
    victim.fill("#locations", "https://forum.example.test/t/twice")
    _answers(victim, "twice@example.org")
    victim.wait_for_selector("form[data-pow-state=done]")
    fields = victim.evaluate(
        "() => Object.fromEntries(new FormData(document.getElementById('report-form')))"
    )
    cookies = {c["name"]: c["value"] for c in victim.context.cookies()}
    answers: list[httpx.Response] = []
    start = threading.Barrier(2)

    def send() -> None:
        start.wait()
        with httpx.Client(cookies=cookies, timeout=30) as client:
            answers.append(client.post(f"{live.origin}/report", data=fields))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    (case,) = _by_email(live, "twice@example.org")
    victim.goto(f"{live.origin}{answers[0].headers['location']}")
    assert victim.inner_text("#case-number") == case.case_number


@pytest.mark.parametrize(
    "screen",
    [{"width": 390, "height": 844}, {"width": 1280, "height": 900}],
    ids=["phone", "desktop"],
)
def test_missing_answers_are_summed_up_at_the_top_focused_and_linked_to_their_fields(
    live: LiveSite, open_page: OpenPage, screen: dict[str, int]
) -> None:
    victim = open_page(viewport=screen, is_mobile=screen["width"] < 500)

    def check_summary(shot: str) -> list[str]:
        victim.wait_for_selector("#error-summary")
        assert victim.evaluate("document.activeElement.id") == "error-summary"
        assert (
            victim.evaluate("document.querySelector('main h1').nextElementSibling.id")
            == "error-summary"
        )
        box = victim.locator("#error-summary").bounding_box()
        assert box is not None and 0 <= box["y"] < screen["height"] / 2
        victim.screenshot(path=live.shots / f"path-03-{shot}-{screen['width']}.png")
        fields = victim.eval_on_selector_all(
            "#error-summary a[data-field]", "links => links.map(a => a.dataset.field)"
        )
        assert fields and all(victim.locator(f"#{f}").count() == 1 for f in fields)
        return list(fields)

    # Nothing to act on and no way to reach the person: nothing stored, the form again.
    victim.goto(f"{live.origin}/report")
    victim.select_option("#jurisdiction", "GB")
    _send(victim)
    fields = check_summary("form")
    assert {"files", "email", "signature"} <= set(fields)
    victim.click("#error-summary a[data-field=signature]")
    assert victim.evaluate("document.activeElement.id") == "signature"
    box = victim.locator("#signature").bounding_box()
    assert box is not None and 0 <= box["y"] < screen["height"]

    # Stored but incomplete: the receipt leads with the same kind of summary.
    victim.fill("#email", f"summary-{screen['width']}@example.org")
    victim.fill("#locations", "@summary_test")
    victim.fill("#signature", "Sam Example")
    _send(victim)
    victim.wait_for_url("**/report/receipt/**")
    fields = check_summary("receipt")
    assert "declare_intimate" in fields
    victim.click("#error-summary a[data-field=declare_intimate]")
    assert victim.evaluate("document.activeElement.id") == "declare_intimate"


def test_chosen_files_are_listed_with_their_state_and_can_be_removed(
    live: LiveSite, open_page: OpenPage, photo_paths: list[Path], tmp_path: Path
) -> None:
    keep, drop = [p for p in photo_paths if p.suffix == ".png"][2:4]
    text = tmp_path / "my-notes.txt"
    text.write_text("not a picture")
    victim = open_page()
    victim.goto(f"{live.origin}/report")
    assert victim.get_attribute("#hash-progress", "aria-live") == "polite"
    victim.set_input_files("#files", [str(drop), str(keep), str(text)])
    victim.wait_for_selector("form[data-hash-state=done]", timeout=60_000)
    rows = victim.locator("#hash-list li.file")
    assert rows.count() == 3
    refused = victim.locator("#hash-list li.file:has-text('my-notes.txt')")
    assert refused.get_attribute("data-state") == "refused"
    assert "not a photo or video" in refused.inner_text()
    assert "my-notes.txt" in victim.inner_text("#hash-progress")
    for name in (drop.name, keep.name):
        row = victim.locator(f"#hash-list li.file:has-text('{name}')")
        assert row.get_attribute("data-state") == "ready"
        assert "fingerprint ready" in row.inner_text()
    victim.screenshot(path=live.shots / "path-04-file-list.png", full_page=True)
    victim.click(f"#hash-list li.file:has-text('{drop.name}') button.remove")
    victim.click("#hash-list li.file:has-text('my-notes.txt') button.remove")
    assert rows.count() == 1
    sent = json.loads(victim.input_value("#hashes"))
    assert [h["sha256"] for h in sent] == [_sha(keep)]
    # Every control on the page has a label a screen reader reads out.
    controls = "main input:not([type=hidden]), main select, main textarea, main button"
    unlabelled = victim.eval_on_selector_all(
        controls,
        """els => els.filter(el => !(el.labels && el.labels.length)
             && !el.getAttribute('aria-label') && !el.textContent.trim()).map(el => el.id)""",
    )
    assert unlabelled == []
    _answers(victim, "file-list@example.org")
    _send(victim)
    (case,) = _by_email(live, "file-list@example.org")
    assert {h.value for h in case.hashes if h.signal_type == "sha256"} == {_sha(keep)}


def test_with_javascript_off_the_page_says_how_to_go_on_and_links_go_through(
    live: LiveSite, open_page: OpenPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = open_page(java_script_enabled=False)
    victim.goto(f"{live.origin}/report")
    help_text = victim.inner_text("#noscript-help")
    assert "JavaScript is off" in help_text
    assert "links or usernames" in help_text and "status page" in help_text
    assert "shieldwall hash" in help_text
    victim.screenshot(path=live.shots / "path-05-noscript.png", full_page=True)
    victim.fill("#locations", "https://forum.example.test/t/nojs")
    _answers(victim, "nojs@example.org")
    victim.click("#submit")
    victim.wait_for_selector("#refused")
    # Sent at once: asked to wait instead of the check, with every answer kept.
    assert "Wait" in victim.inner_text("#refused") and "Nothing was stored" in victim.inner_text(
        "#refused"
    )
    assert victim.input_value("#locations") == "https://forum.example.test/t/nojs"
    assert _by_email(live, "nojs@example.org") == []
    monkeypatch.setattr(portal_admission, "NOJS_WAIT_S", 0)  # as if the wait had passed
    victim.click("#submit")
    victim.wait_for_selector("#case-number")
    assert "/report/receipt/" in victim.url
    (case,) = _by_email(live, "nojs@example.org")
    assert case.case_number == victim.inner_text("#case-number")
    assert case.status == "under_review"


def test_the_receipt_shows_what_was_sent_and_each_deadline_in_local_time(
    live: LiveSite, open_page: OpenPage, photo_paths: list[Path]
) -> None:
    photo = [p for p in photo_paths if p.suffix == ".png"][4]
    victim = open_page(timezone_id="Australia/Sydney")
    victim.goto(f"{live.origin}/report")
    victim.set_input_files("#files", [str(photo)])
    victim.wait_for_selector("form[data-hash-state=done]", timeout=60_000)
    victim.fill("#locations", "https://forum.example.test/t/local")
    _answers(victim, "local-time@example.org")
    _send(victim)
    (case,) = _by_email(live, "local-time@example.org")
    assert victim.inner_text("#sent-country") == "United Kingdom"
    assert "https://forum.example.test/t/local" in victim.inner_text("#sent-links")
    assert _sha(photo)[:16] in victim.inner_text("#sent-files")
    assert "Australia/Sydney" in victim.inner_text("#tz-note")
    deadlines = victim.inner_text("#deadlines")
    assert case.due_at is not None and "UTC" not in deadlines
    local = case.due_at.astimezone(ZoneInfo("Australia/Sydney"))
    assert (
        f"{local.day} {local.strftime('%b')} {local.year}, {local.strftime('%H:%M')}" in deadlines
    )
    assert "Online Safety Act" in deadlines  # the UK clock, with its own due time
    victim.screenshot(path=live.shots / "path-06-receipt-local-time.png", full_page=True)


def test_victim_pages_carry_no_borrowed_brand_and_no_staff_sign_in(
    live: LiveSite, open_page: OpenPage
) -> None:
    victim = open_page()
    victim.goto(f"{live.origin}/report")
    victim.fill("#locations", "https://board.example.test/t/brand")
    victim.check("#under18-yes")
    _answers(victim, "brand@example.org", country="US")
    _send(victim)
    number, code = victim.inner_text("#case-number"), victim.inner_text("#access-code")
    receipt = victim.url
    for path in ("/", "/report", receipt, "/status", None):
        if path is None:
            _show_status(victim, live, number, code)
        else:
            victim.goto(path if path.startswith("http") else f"{live.origin}{path}")
        where = path or "status page"
        assert victim.locator(_STAFF_LINKS).count() == 0, where
        assert "Take It Down" not in victim.inner_text("header"), where
        assert "Take It Down" not in victim.title(), where
        outside = victim.evaluate(
            """() => { const m = document.querySelector('main').cloneNode(true);
                 m.querySelector('#child-help')?.remove(); return m.innerText; }"""
        )
        assert "Take It Down" not in outside, where
    victim.goto(receipt)
    help_text = victim.inner_text("#child-help")
    assert "NCMEC" in help_text and "separate organisation" in help_text

"""End to end, in Chromium against the real server: the victim's page hashes regions of each
photo (the windows of ``robust.BANK_WINDOWS``, read from the page) besides the whole photo,
says so in one plain line, and sends them; the stored request carries exactly Python's
``bank_variants`` of the same file, and approval puts them on the bank entry.

Both sides slice each region from the same grey copy at most ``robust.WORK_SIDE`` long (the
browser ports Pillow's "L" and BOX resize: workimage.js), which is what query hashes are made
from. Chromium's and Pillow's decoders gave identical pixels for the test photos; were they to
differ, a region could move a bit or two, and this test would say which photo."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page
from web_e2e_support import LiveSite, sign_in

from shieldwall.hashing.decode import decode_image
from shieldwall.hashing.robust import BANK_WINDOWS, bank_variants
from shieldwall.store import session_factory
from shieldwall.store.cases import CaseStore
from shieldwall.types import EntryId

OpenPage = Callable[[], Page]


def _fill_and_send(page: Page) -> str:
    page.select_option("#jurisdiction", "GB")
    page.check("#declare_intimate")
    page.check("#declare_nonconsensual")
    page.check("#rel-self")
    page.fill("#email", "sam@example.org")
    page.check("#good_faith")
    page.fill("#signature", "Sam Example")
    page.click("#submit")
    page.wait_for_selector("#case-number")
    return page.inner_text("#case-number")


def test_region_hashes_made_in_the_page_are_pythons_bank_variants_and_banked(
    live: LiveSite, new_page: OpenPage, photo_paths: list[Path]
) -> None:
    victim = new_page()
    victim.goto(f"{live.origin}/report")
    victim.set_input_files("#files", [str(p) for p in photo_paths])
    victim.wait_for_selector("form[data-hash-state=done]", timeout=120_000)
    # One row per file (name, state, remove button); the state says what was hashed.
    lines = victim.locator("#hash-list li.file .state").all_inner_texts()
    assert len(lines) == len(photo_paths)
    told = re.compile(
        r"fingerprint ready, plus (\d+) hash(es)? of parts of the picture "
        r"\(they help find cropped copies\)$"
    )
    assert sum(1 for line in lines if told.search(line)) >= len(photo_paths) // 2
    victim.screenshot(path=live.shots / "20-report-region-hashes.png", full_page=True)
    number = _fill_and_send(victim)

    cases = CaseStore(session_factory(live.runtime.engine))
    (case,) = [c for c in cases.list_cases(statuses=["under_review"]) if c.case_number == number]
    # Rows are kept in the order the page hashed the files: the order they were chosen in.
    pdq_rows = [h for h in case.hashes if h.signal_type == "pdq"]
    sha_rows = [h.value for h in case.hashes if h.signal_type == "sha256"]
    assert sha_rows == [hashlib.sha256(p.read_bytes()).hexdigest() for p in photo_paths]
    names = {w.name for w in BANK_WINDOWS}
    differ: list[tuple[str, dict[str, str], dict[str, str]]] = []
    compared = 0
    for path, row in zip(photo_paths, pdq_rows, strict=True):
        browser = dict(row.variants)
        assert set(browser) <= names
        python = {v.name: v.pdq for v in bank_variants(decode_image(path.read_bytes(), exact=True))}
        compared += len(python)
        if browser != python:
            differ.append((path.name, browser, python))
    assert differ == []
    assert compared >= len(photo_paths)

    mod = new_page()
    sign_in(mod, live, "moderator2", "/review/cases")
    mod.click(f"tr:has-text('{number}') >> text=Review matches and approve")
    mod.click("#approve")
    mod.wait_for_selector(f"tr:has-text('{number}') >> text=Removal awaits a second moderator")
    senior = new_page()
    sign_in(senior, live, "senior_moderator", "/review/cases")
    senior.click(f"tr:has-text('{number}') >> text=Removal awaits a second moderator")
    senior.click("#confirm-removal")
    senior.wait_for_selector(f"tr:has-text('{number}') >> text=copies found")
    (case,) = [c for c in cases.list_cases(statuses=["actioned"]) if c.case_number == number]
    with_regions = [h for h in case.hashes if h.signal_type == "pdq" and h.variants]
    assert with_regions
    stored = live.runtime.banks.variants_for(entry_ids=[h.entry_id or 0 for h in with_regions])
    for h in with_regions:
        assert [(n, v) for _, n, v in stored[EntryId(h.entry_id or 0)]] == list(h.variants)

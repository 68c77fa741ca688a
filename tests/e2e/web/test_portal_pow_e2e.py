"""The portal's proof-of-work in Chromium: the real page computes the challenge on the
device (no third-party request, no script error: the ``new_page`` fixture checks both),
the server verifies it and stores the request; the same solved page sent again is refused."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from urllib.parse import parse_qs

from playwright.sync_api import Page
from web_e2e_support import LiveSite

from shieldwall.store import session_factory
from shieldwall.store.cases import CaseStore
from shieldwall.web.portal_guard import leading_zero_bits

OpenPage = Callable[[], Page]


def _fill(victim: Page) -> None:
    victim.select_option("#jurisdiction", "GB")
    victim.check("#declare_intimate")
    victim.check("#declare_nonconsensual")
    victim.check("#rel-self")
    victim.fill("#email", "pow@example.org")
    victim.check("#good_faith")
    victim.fill("#signature", "Pat Example")
    victim.fill("#locations", "https://forum.example.test/t/pow")


def test_the_page_solves_the_challenge_and_the_server_accepts_it(
    live: LiveSite, new_page: OpenPage
) -> None:
    victim = new_page()
    posted: list[str] = []
    victim.on(
        "request",
        lambda r: (
            posted.append(r.post_data or "")
            if r.method == "POST" and r.url.endswith("/report")
            else None
        ),
    )
    victim.goto(f"{live.origin}/report")
    bits = int(victim.get_attribute("#pow_challenge", "data-bits") or "0")
    assert bits == live.runtime.settings.portal_pow_bits > 0
    _fill(victim)
    victim.click("#submit")
    victim.wait_for_selector("#case-number")
    number = victim.inner_text("#case-number")
    (form,) = [parse_qs(p) for p in posted]
    challenge, nonce = form["pow_challenge"][0], form["pow_nonce"][0]
    digest = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
    assert leading_zero_bits(digest) >= bits
    case = CaseStore(session_factory(live.runtime.engine)).find_by_number(number)
    assert case.details["locations"] == ["https://forum.example.test/t/pow"]

    # A script replaying the solved challenge with the browser's own cookie and token (a
    # plain request from the same context, so the refusal is not a page error), as another
    # request (without the page's submission token): refused.
    victim.goto(f"{live.origin}/report")
    sent = {k: v[0] for k, v in form.items() if k != "submission_token"}
    replay = victim.context.request.post(
        f"{live.origin}/report",
        form={**sent, "csrf_token": victim.input_value("input[name=csrf_token]")},
    )
    assert replay.status == 400 and "already used" in replay.text()
    # The same page sent again whole (its token too) only shows the first receipt.
    again = victim.context.request.post(
        f"{live.origin}/report",
        form={**sent, "submission_token": form["submission_token"][0]},
        max_redirects=0,
    )
    assert again.status == 303 and "/report/receipt/" in again.headers["location"]
    assert (
        CaseStore(session_factory(live.runtime.engine)).count_cases(statuses=["under_review"]) == 1
    )

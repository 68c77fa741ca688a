"""Floods on the victim portal (issue 13): an anonymous script sending thousands of requests
must neither bury real ones nor get them through cheaply.

Proof-of-work checked by the server (missing, wrong, forged, replayed), limits per
address and per set of hashes (429 with Retry-After, nothing stored), the case list
paging with the true total instead of stopping silently at 200 rows, and the flood alert
(metric, audit event, banner in the review UI)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from web_support import PASSWORD, Site, portal_fields

from shieldwall.api.metrics import REGISTRY
from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.store import session_factory
from shieldwall.store.audit_models import AuditEventRow
from shieldwall.store.cases import CaseStore
from shieldwall.store.models import utcnow
from shieldwall.store.reviews import ReviewStore
from shieldwall.store.users import UserStore
from shieldwall.store.web_models import CaseRow
from shieldwall.web import create_site
from shieldwall.web.portal_guard import check_pow, issue_challenge, solve

VALID = {
    "jurisdiction": "GB",
    "declare_intimate": "on",
    "declare_nonconsensual": "on",
    "relationship": "self",
    "good_faith": "on",
    "signature": "Jo Example",
    "email": "jo@example.org",
}
OPEN = ["incomplete", "under_review", "actioned"]


@pytest.fixture(scope="module")
def flood_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Low limits, and the test client's peer as a trusted proxy so that each test can
    speak from addresses of its own (X-Forwarded-For)."""
    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("floods") / "data",
        portal_requests_per_hour=2,
        portal_repeats_per_day=2,
        portal_flood_per_hour=6,
        trusted_proxies=["testclient"],
    )
    runtime = Runtime.open(settings)
    app = create_site(settings, runtime=runtime)
    UserStore(session_factory(runtime.engine)).create_user(
        username="moderator", role="moderator", password=PASSWORD
    )
    with TestClient(app, follow_redirects=False) as client:
        yield Site(runtime, client, UserStore(session_factory(runtime.engine)))
    runtime.close()


def _send(
    site: Site, address: str, *, hashes: list[dict[str, Any]] | None = None, **override: str
) -> Any:
    client = TestClient(site.client.app, follow_redirects=False)
    headers = {"X-Forwarded-For": address}
    page = client.get("/report", headers=headers)
    fields = {
        **portal_fields(page.text),
        **VALID,
        "locations": f"https://example.test/{address}",
        **({"hashes": json.dumps(hashes)} if hashes is not None else {}),
        **override,
    }
    return client.post("/report", headers=headers, data=fields)


def _count(site: Site) -> int:
    return CaseStore(session_factory(site.runtime.engine)).count_cases(statuses=OPEN)


def _files(n: int, seed: int) -> list[dict[str, Any]]:
    return [{"md5": f"{seed:08x}{i:024x}", "sha256": f"{seed:08x}{i:056x}"} for i in range(n)]


def test_a_request_without_the_proof_of_work_is_refused_and_nothing_stored(
    flood_site: Site,
) -> None:
    before = _count(flood_site)
    for override in (
        {"pow_nonce": ""},
        {"pow_nonce": "not-a-number"},
        {"pow_challenge": "", "pow_nonce": "0"},
        # A challenge of its own making, with fewer bits: the signature does not hold.
        {"pow_challenge": "1.aa.1.deadbeef", "pow_nonce": solve("1.aa.1.deadbeef", 1)},
    ):
        response = _send(flood_site, "198.51.100.1", **override)
        assert response.status_code == 400, override
        assert "Nothing was stored" in response.text
    assert _count(flood_site) == before


def test_wrong_easy_old_and_foreign_challenges_fail_the_check() -> None:
    secret, other = "s" * 32, "o" * 32
    challenge = issue_challenge(secret, 12)
    assert check_pow(secret, challenge, solve(challenge, 12), bits=12) is None
    # Nonces below the first solution all fail (solve returns the first that holds).
    first = int(solve(challenge, 12))
    assert all(check_pow(secret, challenge, str(n), bits=12) for n in range(min(first, 50)))
    easy = issue_challenge(secret, 4)  # a page asked for less than the site now requires
    assert "too easy" in (check_pow(secret, easy, solve(easy, 4), bits=12) or "")
    foreign = issue_challenge(other, 12)
    assert "not issued" in (check_pow(secret, foreign, solve(foreign, 12), bits=12) or "")
    old = issue_challenge(secret, 8, now=0)
    assert "open too long" in (check_pow(secret, old, solve(old, 8), bits=8) or "")
    assert check_pow(secret, "é.é.é.é", "1", bits=8) is not None  # non-ASCII: refused, no error


def test_one_solved_challenge_sends_one_request(flood_site: Site) -> None:
    client = TestClient(flood_site.client.app, follow_redirects=False)
    headers = {"X-Forwarded-For": "198.51.100.2"}
    page = client.get("/report", headers=headers)
    fields = {**portal_fields(page.text), **VALID, "locations": "https://example.test/replay"}
    assert client.post("/report", headers=headers, data=fields).status_code == 201
    before = _count(flood_site)
    again = client.post("/report", headers=headers, data=fields)
    assert again.status_code == 400 and "already used" in again.text
    assert _count(flood_site) == before


def test_one_address_is_limited_and_others_are_not(flood_site: Site) -> None:
    for _ in range(2):
        assert _send(flood_site, "198.51.100.3").status_code == 201
    before = _count(flood_site)
    refused = _send(flood_site, "198.51.100.3")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "Too many requests" in refused.text and "Nothing was stored" in refused.text
    assert _count(flood_site) == before
    # The form comes back filled in: the person loses nothing they typed.
    assert "https://example.test/198.51.100.3" in refused.text
    assert _send(flood_site, "198.51.100.4").status_code == 201


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(flood_site: Site) -> None:
    settings = flood_site.runtime.settings
    settings.trusted_proxies = []
    try:
        codes = [_send(flood_site, f"203.0.113.{i}").status_code for i in range(3)]
    finally:
        settings.trusted_proxies = ["testclient"]
    # All three came from the test client's own address, whatever the header claimed.
    assert codes[-1] == 429


def test_the_same_hashes_from_many_addresses_are_limited(flood_site: Site) -> None:
    same = _files(2, seed=7)
    for i in range(2):
        assert _send(flood_site, f"192.0.2.{i}", hashes=same).status_code == 201
    refused = _send(flood_site, "192.0.2.9", hashes=list(reversed(same)))  # order does not help
    assert refused.status_code == 429 and "same files" in refused.text
    assert _send(flood_site, "192.0.2.9", hashes=_files(2, seed=8)).status_code == 201


def _flood_events(site: Site) -> list[AuditEventRow]:
    with session_factory(site.runtime.engine)() as session:
        return list(
            session.scalars(
                select(AuditEventRow)
                .where(AuditEventRow.action == "portal.flood_detected")
                .order_by(AuditEventRow.seq)
            )
        )


def test_a_flood_raises_a_metric_an_audit_event_and_a_banner(flood_site: Site) -> None:
    def alerts() -> float:
        return REGISTRY.get_sample_value("shieldwall_portal_flood_alerts_total") or 0.0

    attempts = flood_site.client.app.state.web.attempts
    settings = flood_site.runtime.settings
    before = alerts()
    events_before = _flood_events(flood_site)
    # The alert level, set just above what this module's other tests already sent.
    settings.portal_flood_per_hour = attempts.recent(since=utcnow() - timedelta(hours=1)) + 3
    for i in range(3):
        assert _send(flood_site, f"100.64.0.{i}").status_code == 201
    assert alerts() == before  # at the level: no alert yet
    page = flood_site.client_for("moderator").get("/review/cases").text
    assert 'id="flood-banner"' not in page
    assert _send(flood_site, "100.64.0.9").status_code == 201  # over it
    assert alerts() == before + 1
    events = _flood_events(flood_site)[len(events_before) :]
    assert len(events) == 1
    assert json.loads(events[0].details)["alert_level"] == settings.portal_flood_per_hour
    mod = flood_site.client_for("moderator")
    page = mod.get("/review/cases").text
    banner = re.search(r'id="flood-banner">([^<]+)<', page)
    assert banner and "Flood alert" in banner.group(1)
    assert _send(flood_site, "100.64.1.1").status_code == 201
    assert alerts() == before + 1  # one alert per crossing, not one per request


def test_the_case_list_pages_with_the_true_total(flood_site: Site) -> None:
    store = CaseStore(session_factory(flood_site.runtime.engine))
    now = utcnow()
    rows = [
        {
            "case_number": f"SW-FL{i:03d}-X",
            "access_code_hash": "x",
            "status": "under_review",
            "jurisdiction": "GB",
            "details": {"files": 0, "locations": []},
            "missing": [],
            "received_at": now,
            "valid_at": now,
            "due_at": now + timedelta(hours=48, minutes=i),
            "copies_found": 0,
            "copies_removed": 0,
        }
        for i in range(230)
    ]
    with session_factory(flood_site.runtime.engine)() as session, session.begin():
        session.execute(insert(CaseRow), rows)
    total = store.count_cases(statuses=OPEN)
    assert total >= 230
    mod = flood_site.client_for("moderator")
    first = mod.get("/review/cases").text
    assert f"of <strong>{total}</strong> open request(s)" in first
    seen: set[str] = set()
    page, pages = 1, -(-total // 50)
    assert f"page 1 of {pages}" in first
    while True:
        html = mod.get(f"/review/cases?page={page}").text
        seen.update(re.findall(r'<td class="nowrap">(SW-[^<]+)</td>', html))
        if 'id="next-page"' not in html:
            break
        page += 1
    assert page == pages and len(seen) == total  # every open request is reachable
    assert all(f"SW-FL{i:03d}-X" in seen for i in range(230))


def test_the_review_queue_says_when_it_lists_only_part_of_the_open_tasks(
    flood_site: Site, photo_paths: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    key, _ = flood_site.runtime.keys.create_api_key(name="queue", scopes=["scan"])
    reviews = ReviewStore(session_factory(flood_site.runtime.engine))
    for i, photo in enumerate(photo_paths[:3]):
        body = flood_site.client.post(
            "/v1/scan",
            headers={"Authorization": f"Bearer {key}"},
            data={"content_id": f"queue-{i}"},
            files={"file": (photo.name, photo.read_bytes(), "image/jpeg")},
        ).json()
        item = flood_site.runtime.items.get_item(body["content_id"])
        reviews.open_task(
            item_id=item.id,
            decision_id=body["decision_id"],
            queue="ncii",
            idempotency_key=f"queue-test-{i}",
        )
    desk = flood_site.client.app.state.web.desk
    total = desk.counts()["tasks"]
    assert total >= 3
    page_size = total - 1  # the page's list is one short of all open tasks
    original = desk.open_queue
    monkeypatch.setattr(desk, "open_queue", lambda: original(limit=page_size))
    html = flood_site.client_for("moderator").get("/review").text
    notice = re.search(r'id="queue-truncated">(.*?)</p>', html)
    assert notice and f"{page_size} oldest of <strong>{total}</strong>" in notice.group(1)


# -- the status page ---------------------------------------------------------------------------


def _case_of(site: Site, address: str) -> tuple[str, str]:
    receipt = _send(site, address)
    assert receipt.status_code == 201, receipt.text
    number = re.search(r'id="case-number">([^<]+)<', receipt.text)
    code = re.search(r'id="access-code">([^<]+)<', receipt.text)
    assert number and code
    return number.group(1), code.group(1)


def _check(
    site: Site, address: str, number: str, code: str, *, path: str = "/status", **override: str
) -> Any:
    client = TestClient(site.client.app, follow_redirects=False)
    headers = {"X-Forwarded-For": address}
    page = client.get("/status", headers=headers)
    fields = {**portal_fields(page.text), "case_number": number, "access_code": code, **override}
    return client.post(path, headers=headers, data=fields)


class CountingChecks:
    """Wraps ``CaseStore.verify_access`` (argon2): how many code checks ran."""

    def __init__(self, site: Site) -> None:
        self.cases = site.client.app.state.web.cases  # type: ignore[attr-defined]
        self.real = self.cases.verify_access
        self.calls = 0

    def __enter__(self) -> CountingChecks:
        def counting(*args: Any) -> Any:
            self.calls += 1
            return self.real(*args)

        self.cases.verify_access = counting
        return self

    def __exit__(self, *_: object) -> None:
        self.cases.verify_access = self.real


def test_a_status_check_without_the_proof_of_work_is_refused_before_any_code_check(
    flood_site: Site,
) -> None:
    number, code = _case_of(flood_site, "198.51.100.20")
    with CountingChecks(flood_site) as checks:
        for path in ("/status", "/status/complete", "/status/withdraw"):
            for override in ({"pow_nonce": ""}, {"pow_challenge": "", "pow_nonce": "0"}):
                refused = _check(flood_site, "198.51.100.21", number, code, path=path, **override)
                assert refused.status_code == 400, (path, override)
                assert "short check on your device" in refused.text
                assert code not in refused.text
    assert checks.calls == 0
    # The same page, its check solved, opens the case.
    assert _check(flood_site, "198.51.100.21", number, code).status_code == 200


def test_wrong_codes_from_one_address_are_limited_right_ones_are_not_counted(
    flood_site: Site,
) -> None:
    settings = flood_site.runtime.settings
    number, code = _case_of(flood_site, "198.51.100.30")
    settings.portal_status_failures_per_hour = 2
    try:
        # A victim checking their own case often is never limited.
        for _ in range(3):
            assert _check(flood_site, "198.51.100.31", number, code).status_code == 200
        guesses = [
            _check(flood_site, "198.51.100.32", number, f"WRONG-{n}").status_code for n in range(2)
        ]
        assert guesses == [404, 404]
        with CountingChecks(flood_site) as checks:
            refused = _check(flood_site, "198.51.100.32", number, code)
            withdraw = _check(
                flood_site, "198.51.100.32", number, code, path="/status/withdraw", confirm="yes"
            )
        assert refused.status_code == 429 and withdraw.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        assert "Too many wrong case numbers" in refused.text and code not in refused.text
        assert checks.calls == 0  # refused before any argon2 work
        # Forging X-Forwarded-For does not help without a trusted proxy.
        settings.trusted_proxies = []
        try:
            codes = [
                _check(flood_site, f"203.0.113.{i}", number, "WRONG").status_code for i in range(3)
            ]
        finally:
            settings.trusted_proxies = ["testclient"]
        assert codes[-1] == 429
        # Another client is not affected, and the case was not withdrawn.
        other = _check(flood_site, "198.51.100.33", number, code)
        assert other.status_code == 200 and "Withdrawn by you" not in other.text
    finally:
        settings.portal_status_failures_per_hour = 10


def test_a_solved_status_check_cannot_be_sent_twice(flood_site: Site) -> None:
    number, code = _case_of(flood_site, "198.51.100.40")
    client = TestClient(flood_site.client.app, follow_redirects=False)
    headers = {"X-Forwarded-For": "198.51.100.41"}
    page = client.get("/status", headers=headers)
    fields = {**portal_fields(page.text), "case_number": number, "access_code": code}
    assert client.post("/status", headers=headers, data=fields).status_code == 200
    again = client.post("/status", headers=headers, data=fields)
    assert again.status_code == 400 and code not in again.text

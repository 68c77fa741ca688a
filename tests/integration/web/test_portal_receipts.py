"""The portal's receipt and "add later", in-process, from an abuser's side too.

A request page's submission token makes a reload or a double send show the first case
instead of storing a second; the token works only with the cookie it was issued for, so
it cannot read or change anyone else's case. Adding photos or links to a case needs its
number and access code, and a flood of additions is refused like a flood of requests
(same proof-of-work, same per-address limit, 429 with Retry-After, nothing stored)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from web_support import PASSWORD, Site, portal_fields

from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.store import session_factory
from shieldwall.store.audit_store import AuditStore
from shieldwall.store.cases import CaseInfo, CaseStore
from shieldwall.store.portal_models import PortalReceiptRow
from shieldwall.store.users import UserStore
from shieldwall.web import create_site
from shieldwall.worker.housekeeping import housekeep

VALID = {
    "jurisdiction": "GB",
    "declare_intimate": "on",
    "declare_nonconsensual": "on",
    "relationship": "self",
    "good_faith": "on",
    "signature": "Robin Example",
    "locations": "https://forum.example.test/t/1",
}
_TOKEN = re.compile(r'name="submission_token" value="([^"]+)"')
_NUMBER = re.compile(r'id="case-number">([^<]+)<')
_CODE = re.compile(r'id="access-code">([^<]+)<')


def _page(client: TestClient, path: str = "/report") -> tuple[dict[str, str], str]:
    page = client.get(path)
    token = _TOKEN.search(page.text)
    assert token, "the request page carries no submission token"
    return {**portal_fields(page.text), "submission_token": token.group(1)}, token.group(1)


def _receipt(client: TestClient, location: str) -> tuple[str, str]:
    page = client.get(location)
    assert page.status_code == 200, page.text
    number, code = _NUMBER.search(page.text), _CODE.search(page.text)
    assert number and code
    return number.group(1), code.group(1)


def _cases(site: Site, email: str) -> list[CaseInfo]:
    store = CaseStore(session_factory(site.runtime.engine))
    every = store.list_cases(statuses=["incomplete", "under_review"], limit=1000)
    return [c for c in every if c.details.get("email") == email]


def test_a_page_sent_again_shows_the_first_receipt_and_stores_nothing(site: Site) -> None:
    client = site.client_for(None)
    fields, token = _page(client)
    first = client.post("/report", data={**fields, **VALID, "email": "once@example.org"})
    assert first.status_code == 303
    location = first.headers["location"]
    assert location == f"/report/receipt/{token}"
    number, code = _receipt(client, location)
    assert _receipt(client, location) == (number, code)  # a reload stores nothing new
    # The same page sent again, even with other answers: the first case, unchanged.
    again = client.post("/report", data={**fields, **VALID, "email": "changed@example.org"})
    assert again.status_code == 303 and again.headers["location"] == location
    assert _receipt(client, location) == (number, code)
    (case,) = _cases(site, "once@example.org")
    assert case.case_number == number
    assert _cases(site, "changed@example.org") == []


def test_a_token_cannot_read_or_change_another_victims_case(site: Site) -> None:
    victim = site.client_for(None)
    fields, token = _page(victim)
    sent = victim.post("/report", data={**fields, **VALID, "email": "victim@example.org"})
    number, _ = _receipt(victim, sent.headers["location"])

    abuser = site.client_for(None)
    own, _ = _page(abuser)
    # The victim's token from another browser: not recognised, so it neither shows nor
    # touches the victim's case; the abuser only ever gets a case of their own.
    stolen = abuser.post(
        "/report",
        data={**own, "submission_token": token, **VALID, "email": "abuser@example.org"},
    )
    assert stolen.status_code in (200, 201)
    assert number not in stolen.text
    for path in (f"/report/receipt/{token}", f"/report/receipt/{'A' * 22}.{'0' * 32}"):
        page = abuser.get(path)
        assert page.status_code == 404 and number not in page.text
        assert 'id="access-code"' not in page.text
    assert TestClient(site.client.app).get(f"/report/receipt/{token}").status_code == 404
    (case,) = _cases(site, "victim@example.org")
    assert case.case_number == number and case.details["signature"] == "Robin Example"


def test_old_receipts_are_pruned_and_a_fresh_one_still_shows_its_case(site: Site) -> None:
    started = datetime.now(UTC)
    old_client, fresh_client = site.client_for(None), site.client_for(None)
    fields, _ = _page(old_client)
    old_sent = old_client.post("/report", data={**fields, **VALID, "email": "old@example.org"})
    old_number, old_code = _receipt(old_client, old_sent.headers["location"])
    fields, _ = _page(fresh_client)
    fresh_sent = fresh_client.post(
        "/report", data={**fields, **VALID, "email": "fresh@example.org"}
    )
    fresh = _receipt(fresh_client, fresh_sent.headers["location"])
    (old_case,) = _cases(site, "old@example.org")
    (fresh_case,) = _cases(site, "fresh@example.org")
    days = site.runtime.settings.portal_receipt_days
    with site.runtime.engine.begin() as conn:  # the first was sent longer ago than that
        conn.execute(
            sa.update(PortalReceiptRow)
            .where(PortalReceiptRow.case_id == old_case.id)
            .values(created_at=datetime.now(UTC) - timedelta(days=days, hours=1))
        )

    done = housekeep(site.runtime)

    assert done["purged_receipts"] == 1
    with site.runtime.engine.connect() as conn:
        left = set(conn.scalars(sa.select(PortalReceiptRow.case_id)))
    assert old_case.id not in left and fresh_case.id in left
    # Reloading the fresh receipt still shows the victim their case and code.
    assert _receipt(fresh_client, fresh_sent.headers["location"]) == fresh
    # The old receipt is gone, not the case: its number and code still open the status page.
    gone = old_client.get(old_sent.headers["location"])
    assert gone.status_code == 404 and old_code not in gone.text
    assert (
        'id="add-form"'
        in old_client.post(
            "/status",
            data={
                **portal_fields(old_client.get("/status").text),
                "case_number": old_number,
                "access_code": old_code,
            },
        ).text
    )
    trail = AuditStore(session_factory(site.runtime.engine)).events_between(since=started)
    assert [e.details["count"] for e in trail if e.action == "portal.receipts_purged"] == [1]


def _status_fields(client: TestClient, number: str, code: str) -> dict[str, str]:
    """The status page's "add" form, as its script sends it (proof-of-work solved)."""
    login = client.get("/status")
    page = client.post(
        "/status",
        data={**portal_fields(login.text), "case_number": number, "access_code": code},
    )
    assert page.status_code == 200, page.text
    assert 'id="add-form"' in page.text
    return {**portal_fields(page.text), "case_number": number, "access_code": code}


def _csrf(html: str) -> dict[str, str]:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return {"csrf_token": found.group(1)}


def _file(seed: int) -> str:
    return json.dumps([{"md5": f"{seed:032x}", "sha256": f"{seed:064x}"}])


def test_adding_photos_or_links_later_needs_the_cases_code(site: Site) -> None:
    client = site.client_for(None)
    fields, _ = _page(client)
    sent = client.post("/report", data={**fields, **VALID, "email": "later@example.org"})
    number, code = _receipt(client, sent.headers["location"])
    form = _status_fields(client, number, code)

    wrong = client.post(
        "/status/complete",
        data={**form, "access_code": "AAAA-AAAA-AAAA-AAAA", "hashes": _file(7)},
    )
    assert wrong.status_code == 404 and number not in wrong.text
    (case,) = _cases(site, "later@example.org")
    assert case.hashes == ()

    form = _status_fields(client, number, code)  # a fresh page: each check is spent once
    added = client.post(
        "/status/complete",
        data={**form, "hashes": _file(7), "add_locations": "@someone_else"},
    )
    assert added.status_code == 200, added.text
    (case,) = _cases(site, "later@example.org")
    assert {h.value for h in case.hashes} == {f"{7:032x}", f"{7:064x}"}
    assert case.details["locations"] == ["https://forum.example.test/t/1", "@someone_else"]
    # Every saved answer is still there: adding is never a way to erase one.
    assert (case.jurisdiction, case.details["signature"]) == ("GB", "Robin Example")


@pytest.fixture(scope="module")
def limited_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("addlimits") / "data",
        portal_requests_per_hour=2,
        portal_repeats_per_day=100,
    )
    runtime = Runtime.open(settings)
    app = create_site(settings, runtime=runtime)
    users = UserStore(session_factory(runtime.engine))
    users.create_user(username="moderator", role="moderator", password=PASSWORD)
    with TestClient(app, follow_redirects=False) as client:
        yield Site(runtime, client, users)
    runtime.close()


def test_a_flood_of_additions_is_limited_like_requests(limited_site: Site) -> None:
    client = limited_site.client_for(None)
    fields, _ = _page(client)
    sent = client.post("/report", data={**fields, **VALID, "email": "flood@example.org"})
    number, code = _receipt(client, sent.headers["location"])  # one of the hour's two

    form = _status_fields(client, number, code)
    unsolved = client.post("/status/complete", data={**form, "pow_nonce": "", "hashes": _file(1)})
    assert unsolved.status_code == 400  # no proof-of-work, no addition
    assert client.post("/status/complete", data={**form, "hashes": _file(1)}).status_code == 200
    replay = client.post("/status/complete", data={**form, "hashes": _file(2)})
    assert replay.status_code == 400  # one solved check adds once

    over = client.post(
        "/status/complete", data={**_status_fields(client, number, code), "hashes": _file(3)}
    )
    assert over.status_code == 429 and int(over.headers["retry-after"]) > 0
    (case,) = _cases(limited_site, "flood@example.org")
    assert {h.value for h in case.hashes} == {f"{1:032x}", f"{1:064x}"}

"""Legal clocks start at the moment each law says, and every clock with its start event is
stored, chained in the audit trail and shown in the review UI:

- TAKE IT DOWN Act §3: the 48 hours start when the four elements arrive, even if the form
  still lacks fields no law requires (and such a request can be acted on);
- UK OSA s.10(3A): applies when the platform operates in the UK, whatever the requester's
  country, from the report carrying the declaration;
- Australia: no clock from a victim's request; an eSafety removal notice starts 24 hours from
  when it was given, and an extension moves the deadline (API and review UI intake).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from web_support import PASSWORD, Site, csrf_of, portal_fields

from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.store import session_factory
from shieldwall.store.audit_store import AuditStore
from shieldwall.store.cases import CaseInfo, CaseStore
from shieldwall.store.users import UserStore
from shieldwall.web import create_site

TIDA_ONLY = {  # the four elements of §3(a)(1)(B), nothing else
    "signature": "Alex Example",
    "locations": "https://forum.example.test/p/1",
    "good_faith": "on",
    "email": "alex@example.org",
}
UK_DECLARATION = {
    "declare_intimate": "on",
    "declare_nonconsensual": "on",
    "relationship": "self",
}


@pytest.fixture(scope="module")
def uk_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A platform that operates in the United Kingdom."""
    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("uk") / "data",
        platform_jurisdictions=["GB"],
        portal_requests_per_hour=10_000,
    )
    runtime = Runtime.open(settings)
    app = create_site(settings, runtime=runtime, keep_review_media=False)
    users = UserStore(session_factory(runtime.engine))
    for role in ("moderator", "senior_moderator", "admin"):
        users.create_user(username=role, role=role, password=PASSWORD)
    with TestClient(app, follow_redirects=False) as client:
        yield Site(runtime, client, users)
    runtime.close()


def _submit(site: Site, fields: dict[str, str]) -> CaseInfo:
    client = TestClient(site.client.app, follow_redirects=False)
    page = client.get("/report")
    response = client.post("/report", data={**portal_fields(page.text), **fields})
    assert response.status_code in (200, 201), response.text
    number = response.text.split('id="case-number">', 1)[1].split("<", 1)[0]
    return CaseStore(session_factory(site.runtime.engine)).find_by_number(number)


def _trail(site: Site, case: CaseInfo) -> list[str]:
    store = AuditStore(session_factory(site.runtime.engine))
    return [e.action for e in store.events_for_subject("case", case.case_number)]


def test_the_take_it_down_clock_starts_with_its_four_elements(site: Site) -> None:
    case = _submit(site, {**TIDA_ONLY, "jurisdiction": "US"})
    assert case.status == "incomplete"  # the UK declaration is still asked for
    (clock,) = site.runtime.case_clocks.for_cases([case.id])[case.id]
    assert clock.regime == "us_take_it_down"
    assert "§3(a)(1)(B)" in clock.source
    assert clock.started_at == case.received_at
    assert clock.due_at == case.received_at + timedelta(hours=48)
    assert case.due_at == clock.due_at
    assert "case.clock_started" in _trail(site, case)
    # Without the good-faith statement there is no valid request, hence no clock.
    partial = _submit(site, {**TIDA_ONLY, "good_faith": "", "jurisdiction": "US"})
    assert site.runtime.case_clocks.for_cases([partial.id]).get(partial.id, []) == []
    assert partial.due_at is None
    # A request whose clock runs can be approved even though the form is not complete.
    mod = site.client_for("moderator")
    page = mod.get("/review/cases")
    assert "TAKE IT DOWN Act" in page.text and "valid request received" in page.text
    response = mod.post(
        f"/review/cases/{case.id}", data={"csrf_token": csrf_of(page.text), "decision": "approve"}
    )
    assert "error" not in response.headers["location"]
    approved = CaseStore(session_factory(site.runtime.engine)).get(case.id)
    assert approved.reviewed_by == "moderator" and approved.removal_held


def test_an_australian_request_waits_for_the_regulators_notice(site: Site) -> None:
    case = _submit(site, {**TIDA_ONLY, **UK_DECLARATION, "jurisdiction": "AU"})
    assert site.runtime.case_clocks.for_cases([case.id]).get(case.id, []) == []
    scan_key, _ = site.runtime.keys.create_api_key(name="notice-scan", scopes=["scan"])
    admin_key, _ = site.runtime.keys.create_api_key(name="notice-admin", scopes=["admin"])
    given = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    body = {
        "case_number": case.case_number,
        "notice_id": "ESC-RN-2026-0042",
        "given_at": given.isoformat(),
    }

    def post(key: str, payload: dict[str, object]) -> tuple[int, dict]:  # type: ignore[type-arg]
        r = site.client.post(
            "/v1/regulator-notices", headers={"Authorization": f"Bearer {key}"}, json=payload
        )
        return r.status_code, r.json()

    assert post(scan_key, body)[0] == 403  # a platform's scanning key cannot move clocks
    status, problem = post(admin_key, {**body, "case_number": "SW-NOPE-NOPE"})
    assert (status, problem["code"]) == (404, "case_not_found")
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert post(admin_key, {**body, "given_at": future})[0] == 422
    assert post(admin_key, {**body, "notice_id": "<script>"})[0] == 422

    status, clocks = post(admin_key, body)
    assert status == 201
    (au,) = clocks
    assert au["regime"] == "au_osa_removal_notice" and "s.77" in au["source"]
    assert datetime.fromisoformat(au["due_at"]) == given + timedelta(hours=24)
    status, clocks = post(admin_key, {**body, "extension_hours": 48})
    assert datetime.fromisoformat(clocks[0]["due_at"]) == given + timedelta(hours=72)
    stored = CaseStore(session_factory(site.runtime.engine)).get(case.id)
    assert stored.due_at == given + timedelta(hours=72)
    trail = _trail(site, case)
    assert trail.count("case.clock_started") == 1 and "case.clock_extended" in trail


def test_the_review_ui_takes_a_removal_notice_from_a_senior_moderator_only(site: Site) -> None:
    case = _submit(site, {**TIDA_ONLY, **UK_DECLARATION, "jurisdiction": "AU"})
    given = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    form = {"notice_id": "ESC-RN-7", "given_at": given, "extension_hours": "0"}
    mod = site.client_for("moderator")
    page = mod.get("/review/cases")
    refused = mod.post(
        f"/review/cases/{case.id}/notice", data={"csrf_token": csrf_of(page.text), **form}
    )
    assert refused.status_code == 403
    senior = site.client_for("senior_moderator")
    page = senior.get("/review/cases")
    done = senior.post(
        f"/review/cases/{case.id}/notice", data={"csrf_token": csrf_of(page.text), **form}
    )
    assert done.status_code == 303 and "error" not in done.headers["location"]
    page = senior.get("/review/cases")
    assert "notice ESC-RN-7" in page.text and "eSafety removal notice given" in page.text


def test_a_platform_in_the_uk_runs_the_uk_clock_for_any_requester(uk_site: Site) -> None:
    case = _submit(uk_site, {**TIDA_ONLY, **UK_DECLARATION, "jurisdiction": "US"})
    clocks = uk_site.runtime.case_clocks.for_cases([case.id])[case.id]
    assert sorted(c.regime for c in clocks) == ["uk_osa_s10_3a", "us_take_it_down"]
    assert all(c.started_at == case.received_at for c in clocks)
    # Another country's requester: still the UK clock (the platform operates there).
    other = _submit(uk_site, {**TIDA_ONLY, **UK_DECLARATION, "jurisdiction": "other"})
    (uk,) = uk_site.runtime.case_clocks.for_cases([other.id])[other.id]
    assert uk.regime == "uk_osa_s10_3a" and "s.10(3A)" in uk.source


def test_the_case_page_shows_every_clock_with_its_start_event_and_the_soonest_leads(
    uk_site: Site,
) -> None:
    """A US requester on a platform that operates in the UK: both countries' clocks, an
    eSafety notice's clock, and the child-safety reports' clocks (NCMEC for the requester's
    country, the NCA for the platform's) are stored and shown with their start events; the
    request list counts down to the soonest of them."""
    case = _submit(uk_site, {**TIDA_ONLY, **UK_DECLARATION, "jurisdiction": "US"})
    senior = uk_site.client_for("senior_moderator")
    page = senior.get(f"/review/cases/{case.id}")
    given = (datetime.now(UTC) - timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M")
    senior.post(
        f"/review/cases/{case.id}/notice",
        data={"csrf_token": csrf_of(page.text), "notice_id": "ESC-SOON-1", "given_at": given},
    )
    senior.post(
        f"/review/cases/{case.id}/child-safety",
        data={"csrf_token": csrf_of(page.text), "reason": "may be under 18"},
    )
    stored = uk_site.runtime.case_clocks.for_cases([case.id])[case.id]
    assert sorted(c.regime for c in stored) == [
        "au_osa_removal_notice",
        "uk_osa_s10_3a",
        "us_take_it_down",
    ]
    page = senior.get(f"/review/cases/{case.id}").text
    for regime in (
        "us_take_it_down",
        "uk_osa_s10_3a",
        "au_osa_removal_notice",
        "child_safety_ncmec",
        "child_safety_nca",
    ):
        assert f'data-regime="{regime}"' in page, regime
    assert page.count('class="start-event"') == 5
    assert "valid request received" in page and "eSafety removal notice given" in page
    assert "escalation to child safety" in page
    listing = senior.get("/review/cases").text
    row = listing.split(case.case_number, 1)[1].split("</tr>", 1)[0]
    assert re.search(r"\b[34] h \d\d min left", row), row  # the notice's 24 h, not 48 h
    (notice,) = [c for c in stored if c.regime == "au_osa_removal_notice"]
    assert f'data-due="{notice.due_at.isoformat()}"' in row  # the page's live countdown too

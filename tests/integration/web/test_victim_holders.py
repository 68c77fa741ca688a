"""A second case cannot cancel a victim's protection (issue 13).

Two anonymous portal requests carry the same hashes (an abuser replaying a victim's
request, or a second victim); both are approved. Withdrawing the second must take back
only the second case's claim: the first victim's entries stay active and keep matching
new uploads, and the audit trail says which case let go of what. Run on SQLite and
PostgreSQL through the real pages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from web_support import PASSWORD, Site, csrf_of, portal_fields

from shieldwall.config import load_settings
from shieldwall.hashing import hash_image_file
from shieldwall.runtime import Runtime
from shieldwall.store import session_factory
from shieldwall.store.audit_models import AuditEventRow
from shieldwall.store.cases import CaseStore
from shieldwall.store.users import UserStore
from shieldwall.types import EntryStatus, HashKind, NewEntry, Provenance
from shieldwall.web import create_site

VALID = {
    "jurisdiction": "GB",
    "declare_intimate": "on",
    "declare_nonconsensual": "on",
    "relationship": "self",
    "good_faith": "on",
    "signature": "Alex Example",
    "email": "alex@example.org",
}


@pytest.fixture
def db_site(database_url: str, tmp_path: Path) -> Iterator[Site]:
    settings = load_settings(data_dir=tmp_path / "data", database_url=database_url)
    runtime = Runtime.open(settings)
    app = create_site(settings, runtime=runtime, keep_review_media=False)
    users = UserStore(session_factory(runtime.engine))
    for name in ("moderator", "moderator2"):
        users.create_user(username=name, role="moderator", password=PASSWORD)
    with TestClient(app, follow_redirects=False) as client:
        yield Site(runtime, client, users)
    runtime.close()


def _hashes(paths: list[Path]) -> str:
    return json.dumps(
        [
            {"pdq": h.pdq, "quality": h.quality, "md5": h.md5, "sha256": h.sha256}
            for h in map(hash_image_file, paths)
        ]
    )


def submit(site: Site, hashes: str) -> tuple[str, str]:
    """One anonymous request through the portal page; returns (case number, access code)."""
    client = TestClient(site.client.app, follow_redirects=False)
    page = client.get("/report")
    response = client.post("/report", data={**portal_fields(page.text), **VALID, "hashes": hashes})
    assert response.status_code == 201, response.text
    number = re.search(r'id="case-number">([^<]+)<', response.text)
    code = re.search(r'id="access-code">([^<]+)<', response.text)
    assert number and code
    return number.group(1), code.group(1)


def case_id(site: Site, number: str) -> int:
    return CaseStore(session_factory(site.runtime.engine)).find_by_number(number).id


def approve(site: Site, number: str) -> None:
    """Approve on the request's page, then a second moderator confirms the removal."""
    for who, decision in (("moderator", "approve"), ("moderator2", "confirm_removal")):
        mod = site.client_for(who)
        page = mod.get(f"/review/cases/{case_id(site, number)}")
        assert number in page.text
        response = mod.post(
            f"/review/cases/{case_id(site, number)}",
            data={"csrf_token": csrf_of(page.text), "decision": decision},
        )
        assert response.status_code == 303 and "error" not in response.headers["location"]


def withdraw(site: Site, number: str, code: str) -> str:
    client = TestClient(site.client.app, follow_redirects=False)
    page = client.get("/status")
    response = client.post(
        "/status/withdraw",
        data={
            **portal_fields(page.text),
            "case_number": number,
            "access_code": code,
            "confirm": "yes",
        },
    )
    assert response.status_code == 200
    return response.text


def scan_verdict(site: Site, key: str, content_id: str, photo: Path) -> dict:  # type: ignore[type-arg]
    response = site.client.post(
        "/v1/scan",
        headers={"Authorization": f"Bearer {key}"},
        data={"content_id": content_id, "jurisdictions": "GB"},
        files={"file": (photo.name, photo.read_bytes(), "image/jpeg")},
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_withdrawing_a_second_case_leaves_the_first_victims_entries_matching(
    db_site: Site, photo_paths: list[Path]
) -> None:
    site = db_site
    photo = photo_paths[3]
    key, _ = site.runtime.keys.create_api_key(name="platform", scopes=["scan"])
    first, _first_code = submit(site, _hashes([photo]))
    approve(site, first)
    # The abuser (or a second victim) sends the same hashes; a moderator approves them too.
    second, second_code = submit(site, _hashes([photo]))
    approve(site, second)
    cases = CaseStore(session_factory(site.runtime.engine))
    first_case, second_case = cases.find_by_number(first), cases.find_by_number(second)
    shared = {h.entry_id for h in first_case.hashes}
    assert shared == {h.entry_id for h in second_case.hashes} and None not in shared

    assert "Withdrawn by you" in withdraw(site, second, second_code)

    for entry_id in shared:
        assert entry_id is not None
        assert site.runtime.banks.get_entry(entry_id=entry_id).status is EntryStatus.ACTIVE
    assert cases.find_by_number(first).status == "actioned"
    holders = site.runtime.banks.entry_holders(entry_ids=[e for e in shared if e])
    assert all(h == [f"case:{first}"] for h in holders.values())
    # A new upload of the photo still matches the first victim's entries.
    verdict = scan_verdict(site, key, "new-upload-after-withdrawal", photo)
    assert {m["entry_id"] for m in verdict["matches"]} & shared
    assert verdict["verdict"] != "allow"
    # The trail names who let go of what, and that the first case kept the entries.
    with session_factory(site.runtime.engine)() as session:
        event = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "bank.claim_released")
        ).one()
    assert event.actor == f"requester:{second}" and event.subject_id == f"case:{second}"
    details = json.loads(event.details)
    assert sorted(details["kept_by_other_holders"]) == sorted(shared)
    assert details["withdrawn"] == []


def test_the_last_holder_withdrawing_stops_matching_and_a_partner_claim_survives(
    db_site: Site, photo_paths: list[Path]
) -> None:
    site = db_site
    lone, partner_held = photo_paths[4], photo_paths[5]
    number, code = submit(site, _hashes([lone, partner_held]))
    approve(site, number)
    # A partner's list carries one of the two photos' MD5s as well.
    h = hash_image_file(partner_held)
    site.runtime.banks.add_entries(
        bank="victim-requests",
        entries=[
            NewEntry(
                signal_type=HashKind.MD5,
                value=h.md5,
                provenance=Provenance(source="partner.example"),
            )
        ],
    )
    withdraw(site, number, code)
    case = CaseStore(session_factory(site.runtime.engine)).find_by_number(number)
    status = {
        (x.value): site.runtime.banks.get_entry(entry_id=x.entry_id or 0).status
        for x in case.hashes
    }
    assert status.pop(h.md5) is EntryStatus.ACTIVE  # the partner still holds it
    assert set(status.values()) == {EntryStatus.WITHDRAWN}


def test_a_new_case_brings_back_hashes_an_earlier_case_withdrew(
    db_site: Site, photo_paths: list[Path]
) -> None:
    """The other order: the first case withdraws, then a new victim's request with the
    same hashes is approved: the new claim makes the entries match again."""
    site = db_site
    photo = photo_paths[6]
    first, code = submit(site, _hashes([photo]))
    approve(site, first)
    withdraw(site, first, code)
    second, _ = submit(site, _hashes([photo]))
    approve(site, second)
    case = CaseStore(session_factory(site.runtime.engine)).find_by_number(second)
    for x in case.hashes:
        assert site.runtime.banks.get_entry(entry_id=x.entry_id or 0).status is EntryStatus.ACTIVE

"""No blind approval (issue 13): before approving a victim's request the reviewer sees what
its hashes would match among items already seen, removing already-published items waits
for a second moderator (or a setting), and one request carries a capped number of files.

The attack: an anonymous request carrying the hashes of an ordinary picture that several
users posted. Approved by one moderator who saw only "1 file as 3 hashes", it used to take
all of those posts down."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient
from web_support import Site, csrf_of, portal_fields

from shieldwall.hashing import hash_image_file
from shieldwall.store import session_factory
from shieldwall.store.cases import CaseStore

VALID = {
    "jurisdiction": "GB",
    "declare_intimate": "on",
    "declare_nonconsensual": "on",
    "relationship": "self",
    "good_faith": "on",
    "signature": "Sam Example",
    "email": "sam@example.org",
}


def _file(p: Path) -> dict[str, object]:
    h = hash_image_file(p)
    return {"pdq": h.pdq, "quality": h.quality, "md5": h.md5, "sha256": h.sha256}


def _submit(site: Site, files: list[dict[str, object]]) -> tuple[int, str]:
    client = TestClient(site.client.app, follow_redirects=False)
    page = client.get("/report")
    response = client.post(
        "/report", data={**portal_fields(page.text), **VALID, "hashes": json.dumps(files)}
    )
    return response.status_code, response.text


def _case(site: Site, html: str):  # type: ignore[no-untyped-def]
    number = re.search(r'id="case-number">([^<]+)<', html)
    assert number
    return CaseStore(session_factory(site.runtime.engine)).find_by_number(number.group(1))


def _scan(site: Site, key: str, content_id: str, photo: Path, uploader: str) -> dict:  # type: ignore[type-arg]
    response = site.client.post(
        "/v1/scan",
        headers={"Authorization": f"Bearer {key}"},
        data={"content_id": content_id, "uploader_id": uploader, "jurisdictions": "GB"},
        files={"file": (photo.name, photo.read_bytes(), "image/jpeg")},
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _decide(client: TestClient, case_id: int, decision: str) -> str:
    page = client.get(f"/review/cases/{case_id}")
    response = client.post(
        f"/review/cases/{case_id}", data={"csrf_token": csrf_of(page.text), "decision": decision}
    )
    assert response.status_code == 303
    return response.headers["location"]


def _verdict(site: Site, content_id: str) -> str | None:
    item = site.runtime.items.get_item(content_id)
    if item.latest_decision_id is None:
        return None
    return site.runtime.items.get_decision(item.latest_decision_id).verdict


def test_the_reviewer_sees_matches_and_removal_waits_for_a_second_moderator(
    site: Site, photo_paths: list[Path]
) -> None:
    key, _ = site.runtime.keys.create_api_key(name="review-platform", scopes=["scan"])
    popular = photo_paths[10]
    posted = [f"popular-{i}" for i in range(3)]
    for i, content_id in enumerate(posted):
        _scan(site, key, content_id, popular, f"user-{i}@forum.example")
    before = {c: _verdict(site, c) for c in posted}
    status, html = _submit(site, [_file(popular)])
    assert status == 201
    case = _case(site, html)

    mod = site.client_for("moderator")
    page = mod.get(f"/review/cases/{case.id}")
    assert page.status_code == 200
    count = re.search(r'id="match-count">(.*?)</p>', page.text, re.S)
    assert count and "<strong>3</strong> stored item(s) match" in count.group(1)
    assert "from <strong>3</strong> uploader(s)" in count.group(1)
    for i in range(3):
        assert f"user-{i}@forum.example" in page.text
    previews = re.findall(r'<img class="blurred" src="/review/items/(\d+)/preview"', page.text)
    assert len(previews) == 3  # media is kept on this site: blurred previews, never clear
    assert mod.get(f"/review/items/{previews[0]}/preview").headers["content-type"] == "image/jpeg"

    assert "error" not in _decide(mod, case.id, "approve")
    # One click removed nothing that was already published ...
    assert {c: _verdict(site, c) for c in posted} == before
    # ... but a new upload of the same picture is caught at once.
    fresh = _scan(site, key, "popular-new", popular, "user-9@forum.example")
    assert fresh["matches"] and fresh["verdict"] != "allow"
    # The approver cannot be the second pair of eyes.
    where = _decide(mod, case.id, "confirm_removal")
    assert "error" in where and "second" in mod.get(where).text
    assert {c: _verdict(site, c) for c in posted} == before
    listing = mod.get("/review/cases").text
    assert "Removal awaits a second moderator" in listing

    second = site.client_for("moderator2")
    page = second.get(f"/review/cases/{case.id}")
    assert "Confirm removal of 4 published copies" in page.text
    assert "error" not in _decide(second, case.id, "confirm_removal")
    assert {_verdict(site, c) for c in posted} == {"remove"}
    done = CaseStore(session_factory(site.runtime.engine)).get(case.id)
    # Actioned only once the platform confirms each removal (test_case_targets.py).
    assert done.status == "actioning" and done.hunt_approved_by == "moderator2"
    assert len(site.runtime.case_targets.for_case(case.id)) == 4
    assert done.reviewed_by == "moderator"


def test_a_request_over_the_file_cap_is_refused_and_nothing_is_kept(
    site: Site, photo_paths: list[Path]
) -> None:
    cap = site.runtime.settings.portal_max_files
    one = _file(photo_paths[11])
    files = [{**one, "md5": f"{i:032x}", "sha256": f"{i:064x}"} for i in range(cap + 1)]
    before = CaseStore(session_factory(site.runtime.engine)).count_cases(
        statuses=["incomplete", "under_review"]
    )
    status, html = _submit(site, files)
    assert status == 422
    assert "limited number of files" in html
    after = CaseStore(session_factory(site.runtime.engine)).count_cases(
        statuses=["incomplete", "under_review"]
    )
    assert after == before
    status, _ = _submit(site, files[:cap])
    assert status == 201


def test_automatic_removal_is_a_setting(site: Site, photo_paths: list[Path]) -> None:
    """A platform may choose one approval (``victim_removal_approval=automatic``)."""
    key, _ = site.runtime.keys.create_api_key(name="auto-platform", scopes=["scan"])
    photo = photo_paths[12]
    _scan(site, key, "auto-seen", photo, "someone@forum.example")
    settings = site.runtime.settings
    settings.victim_removal_approval = "automatic"
    try:
        status, html = _submit(site, [_file(photo)])
        assert status == 201
        case = _case(site, html)
        page = site.client_for("moderator").get(f"/review/cases/{case.id}").text
        assert "taken down at once (automatic removal is on)" in page
        _decide(site.client_for("moderator"), case.id, "approve")
    finally:
        settings.victim_removal_approval = "second_moderator"
    assert _verdict(site, "auto-seen") == "remove"
    done = CaseStore(session_factory(site.runtime.engine)).get(case.id)
    assert done.hunt_approved_by == "policy:automatic"

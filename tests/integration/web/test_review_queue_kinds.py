"""One deadline-ordered review queue: near-copies a victim's case finds inherit the case's
legal deadline, victim requests sit in the same queue as matches, and the reasons offered fit
the kind of item (a photo match is not offered a text reason, nor a text post an image one;
a forged form naming the wrong kind is refused)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from web_support import Site, csrf_of

from shieldwall.pipeline.case_clocks import start_request_clocks
from shieldwall.store import session_factory
from shieldwall.store.cases import CaseStore
from shieldwall.store.models import utcnow
from shieldwall.store.reviews import ReviewStore
from shieldwall.worker import build_deliverer

BANKED = "f" * 16 + "0" * 48
NEAR = "0" * 6 + "f" * 10 + "0" * 48  # 24 bits away: a possible match, sent to people
DETAILS = {
    "declare_intimate": True,
    "declare_nonconsensual": True,
    "relationship": "self",
    "good_faith": True,
    "signature": "Ash Example",
    "email": "ash@example.org",
    "files": 1,
}


@pytest.fixture(scope="module")
def key(site: Site) -> str:
    made, _ = site.runtime.keys.create_api_key(name="queue-platform", scopes=["scan", "lookup"])
    return made


def _lookup(site: Site, key: str, **body: object) -> int:
    response = site.client.post("/v1/lookup", headers={"Authorization": f"Bearer {key}"}, json=body)
    assert response.status_code == 200, response.text
    return site.runtime.items.get_item(str(body["content_id"])).id


def _post(site: Site, who: str, path: str, **form: str) -> str:
    client = site.client_for(who)
    token = csrf_of(client.get(path).text)
    response = client.post(path, data={"csrf_token": token, **form})
    assert "error=" not in response.headers.get("location", ""), response.headers
    return response.headers.get("location", "")


def test_near_copies_inherit_the_case_deadline_in_one_queue_with_requests(
    site: Site, key: str
) -> None:
    near = _lookup(site, key, content_id="q-near-copy", pdq=NEAR, quality=100)
    received = utcnow() - timedelta(hours=40)  # the UK clock has 8 hours left
    cases = CaseStore(session_factory(site.runtime.engine), audit=site.runtime.audit)
    case, _ = cases.create_case(
        jurisdiction="GB",
        details=dict(DETAILS),
        missing=[],
        hashes=[("pdq", BANKED, 100)],
        due_hours=48,
        now=received,
    )
    (clock,) = start_request_clocks(
        site.runtime.case_clocks, case, platform_jurisdictions=[], received_at=received
    )

    # Before approval the request waits in the review queue itself, due at its clock.
    queue = site.client_for("moderator").get("/review").text
    assert f"Request {case.case_number}" in queue
    assert 'data-kind="request"' in queue

    _post(site, "moderator", f"/review/cases/{case.id}", decision="approve")
    _post(site, "moderator2", f"/review/cases/{case.id}", decision="confirm_removal")
    deliverer = build_deliverer(site.runtime)
    try:
        deliverer.drain(workers=1)
    finally:
        deliverer.close()

    reviews = ReviewStore(session_factory(site.runtime.engine))
    (task,) = [t for t in reviews.open_tasks("ncii") if t.item_id == near]
    # The policy's SLA is 24 hours from now; the case's clock ends in 8.
    assert task.due_at is not None
    assert abs((task.due_at - clock.due_at).total_seconds()) < 1

    queue = site.client_for("moderator").get("/review").text
    kinds = re.findall(r'data-kind="(\w+)"', queue)
    assert "match" in kinds
    assert "q-near-copy" in queue
    due = re.findall(r'data-due="([^"]+)"', queue)
    assert due == sorted(due)  # one list, the nearest deadline first


def test_the_reasons_offered_fit_the_kind_of_item(site: Site, key: str) -> None:
    photo = _lookup(site, key, content_id="q-photo", pdq="0f" * 32, quality=100)
    post = _lookup(
        site, key, content_id="q-text", sha256="ab" * 32, text="dm me for a nudify bot link"
    )
    moderator = site.client_for("moderator")
    photo_page = moderator.get(f"/review/items/{photo}").text
    text_page = moderator.get(f"/review/items/{post}").text
    assert 'value="ncii_possible"' in photo_page
    assert 'value="nudify_promotion"' not in photo_page
    assert 'value="nudify_promotion"' in text_page
    assert 'value="ncii_known_match"' not in text_page
    # A forged form naming a text reason for a photo changes nothing.
    response = moderator.post(
        f"/review/items/{photo}/decide",
        data={
            "csrf_token": csrf_of(photo_page),
            "verdict": "remove",
            "category": "nudify_promotion",
        },
    )
    assert "error=" in response.headers["location"]
    assert site.runtime.items.decisions_for_item(photo)[-1].source != "review"

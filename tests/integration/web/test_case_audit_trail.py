"""One case walked from receipt to closing: every step is in the hash-chained audit trail,
in order, each with an actor (and a reason where a person chose): received, validity decided,
clock started, approved, removal approved, targets found, action owed and confirmed,
actioned, escalated, report filed, hold placed, closed with its reason code, notice sent."""

from __future__ import annotations

from web_support import Site, csrf_of

from shieldwall.pipeline.case_clocks import start_request_clocks
from shieldwall.store import session_factory
from shieldwall.store.audit_store import AuditStore
from shieldwall.store.cases import CaseStore

DETAILS = {
    "declare_intimate": True,
    "declare_nonconsensual": True,
    "relationship": "self",
    "good_faith": True,
    "signature": "Jo Example",
    "email": "jo@example.org",
    "locations": ["https://walk.example.test/p/1"],
    "files": 0,
}


def _post(site: Site, who: str, path: str, page: str, **form: str) -> str:
    client = site.client_for(who)
    token = csrf_of(client.get(page).text)
    response = client.post(path, data={"csrf_token": token, **form})
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert "error=" not in location, location
    return location


def test_a_case_walk_leaves_every_event_in_the_chain(site: Site) -> None:
    rt = site.runtime
    cases = CaseStore(session_factory(rt.engine), audit=rt.audit)
    first = {k: v for k, v in DETAILS.items() if k != "signature"}
    case, _ = cases.create_case(
        jurisdiction="US", details=first, missing=["signature"], hashes=[], due_hours=48
    )
    case = cases.complete_case(
        case.id, details=dict(DETAILS), missing=[], due_hours=48, jurisdiction="US"
    )
    start_request_clocks(rt.case_clocks, case, platform_jurisdictions=[])
    page = f"/review/cases/{case.id}"
    _post(site, "moderator", page, page, decision="approve")
    _post(site, "moderator2", page, page, decision="confirm_removal")
    (target,) = rt.case_targets.for_case(case.id)
    key, _ = rt.keys.create_api_key(name="walk-platform", scopes=["scan"])
    answered = site.client.post(
        f"/v1/actions/{target.action_id}/outcome",
        headers={"Authorization": f"Bearer {key}"},
        json={"outcome": "removed"},
    )
    assert answered.status_code == 200
    _post(site, "moderator", f"{page}/child-safety", page, reason="the person looks under 18")
    (report,) = [r for r in rt.child_safety.reports() if r.case_id == case.id]
    _post(
        site,
        "senior_moderator",
        f"/review/child-safety/{report.id}/filed",
        "/review/child-safety",
        report_id="CT-WALK-1",
    )
    _post(site, "moderator", page, page, decision="close", reason_code="duplicate")

    trail = AuditStore(session_factory(rt.engine)).events_for_subject("case", case.case_number)
    assert [e.action for e in trail] == [
        "case.received",
        "case.validity_decided",
        "case.received",
        "case.validity_decided",
        "case.clock_started",
        "case.approved",
        "case.removal_held",
        "case.removal_approved",
        "case.targets_found",
        "case.action_owed",
        "case.action_confirmed",
        "case.actioned",
        "case.child_safety_escalated",
        "case.child_safety_report_filed",
        "case.legal_hold_placed",
        "case.closed",
        "case.notice_sent",
    ]
    assert all(e.actor for e in trail)
    by_action = {e.action: e for e in trail}
    assert trail[1].details["complete"] is False and list(trail[1].details["missing"]) == [
        "signature"
    ]
    assert trail[3].details["complete"] is True
    assert by_action["case.approved"].actor != by_action["case.removal_approved"].actor
    assert by_action["case.targets_found"].details["by_kind"] == {"url.locate_and_remove": 1}
    assert by_action["case.action_confirmed"].details["outcome"] == "removed"
    assert by_action["case.child_safety_escalated"].details["reason"] == (
        "the person looks under 18"
    )
    assert by_action["case.closed"].details["reason_code"] == "duplicate"
    assert by_action["case.closed"].actor.startswith("staff:")
    # No victim's personal data in the trail.
    assert "jo@example.org" not in repr([e.details for e in trail])
    assert "walk.example.test" not in repr([e.details for e in trail])

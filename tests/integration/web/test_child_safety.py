"""Child safety: a requester who says the person shown was under 18 is told about NCMEC's
service and the case is routed to child-safety review with a prepared CyberTipline report;
a moderator escalates any case, or any item from its page (in a case or not); a senior files
the report (never sent by Shieldwall), which records NCMEC's id, places a one-year legal hold
that cannot be released early, and tells the platform to preserve the content. Attackers: a
plain moderator cannot record a filing, an auditor or a forged form cannot escalate, a second
escalation prepares nothing new, and the prepared report carries none of the requester's
contact details."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient
from web_support import Site, csrf_of, portal_fields

from shieldwall.pipeline import child_safety
from shieldwall.reports.uploader_statement import attach_statement
from shieldwall.store import session_factory
from shieldwall.store.audit_store import AuditStore
from shieldwall.store.cases import CaseInfo, CaseStore
from shieldwall.store.child_safety import ChildSafetyReportInfo
from shieldwall.store.service_models import ItemRow

VALID = {
    "jurisdiction": "US",
    "declare_intimate": "on",
    "declare_nonconsensual": "on",
    "relationship": "self",
    "good_faith": "on",
    "signature": "Sam Example",
    "email": "sam@example.org",
}


def _submit(site: Site, fields: dict[str, str]) -> tuple[CaseInfo, str]:
    client = TestClient(site.client.app, follow_redirects=False)
    page = client.get("/report")
    response = client.post("/report", data={**portal_fields(page.text), **fields})
    assert response.status_code in (200, 201), response.text
    number = response.text.split('id="case-number">', 1)[1].split("<", 1)[0]
    return CaseStore(session_factory(site.runtime.engine)).find_by_number(number), response.text


def test_an_under_18_answer_explains_ncmec_and_routes_to_child_safety(site: Site) -> None:
    case, receipt = _submit(
        site, {**VALID, "under_18": "yes", "locations": "https://a.example.test/cs/1"}
    )
    assert "Take It Down" in receipt and "NCMEC" in receipt
    (report,) = [r for r in site.runtime.child_safety.reports() if r.case_id == case.id]
    assert report.status == "queued" and "under 18" in report.reason
    assert report.due_at - report.prepared_at == timedelta(hours=24)
    assert report.fields["incident_summary"]["depicted_person_under_18_per_requester"] is True
    assert "sam@example.org" not in json.dumps(report.fields)  # no contact details
    page = site.client_for("moderator").get("/review/cases")
    assert "Under 18: child-safety review" in page.text
    # An "unsure" or "no" answer does not route it.
    other, receipt = _submit(site, {**VALID, "under_18": "no"})
    assert "Take It Down" not in receipt
    assert not [r for r in site.runtime.child_safety.reports() if r.case_id == other.id]


def test_escalation_filing_hold_and_preserve(site: Site, photo_paths: list[Path]) -> None:
    key, _ = site.runtime.keys.create_api_key(name="cs-platform", scopes=["scan"])
    photo = photo_paths[14]
    response = site.client.post(
        "/v1/scan",
        headers={"Authorization": f"Bearer {key}"},
        data={
            "content_id": "cs-item",
            "uploader_id": "cs-uploader",
            "url": "https://a.example.test/cs/9",
        },
        files={"file": (photo.name, photo.read_bytes(), "image/jpeg")},
    )
    assert response.status_code == 200
    case, _ = _submit(site, {**VALID, "locations": "https://a.example.test/cs/9"})
    mod = site.client_for("moderator")
    page = mod.get("/review/cases")
    csrf = csrf_of(page.text)
    mod.post(f"/review/cases/{case.id}", data={"csrf_token": csrf, "decision": "approve"})
    second = site.client_for("moderator2")
    page = second.get(f"/review/cases/{case.id}")
    second.post(
        f"/review/cases/{case.id}",
        data={"csrf_token": csrf_of(page.text), "decision": "confirm_removal"},
    )
    escalated = mod.post(
        f"/review/cases/{case.id}/child-safety", data={"csrf_token": csrf, "reason": "minor"}
    )
    assert escalated.headers["location"] == "/review/child-safety"
    (report,) = [r for r in site.runtime.child_safety.reports() if r.case_id == case.id]
    (content,) = report.fields["content"]
    assert content["content_id"] == "cs-item" and content["uploader_id"] == "cs-uploader"
    assert report.fields["files_attached"] is False

    # The item is restricted while the report is prepared, and its webhook carries the
    # uploader's statement of reasons (protection of minors, after a notice).
    item = site.runtime.items.get_item("cs-item")
    escalation = site.runtime.items.get_decision(item.latest_decision_id or "")
    assert escalation.verdict == "escalate_child_safety"
    (hook,) = [o.payload for o in site.runtime.outbox.for_decision(escalation.id)]
    sent = attach_statement(site.runtime.items, hook)
    statement = sent["dsa_statement_of_reasons"]
    assert statement["category"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    assert statement["source_type"] == "SOURCE_ARTICLE_16"
    assert "out-of-court" in sent["uploader_notice"]
    mod.post(f"/review/cases/{case.id}/child-safety", data={"csrf_token": csrf, "reason": "x"})
    assert site.runtime.items.decisions_for_item(item.id)[-1].id == escalation.id  # once

    queue = mod.get("/review/child-safety")
    assert case.case_number in queue.text and "Record filing" not in queue.text
    refused = mod.post(
        f"/review/child-safety/{report.id}/filed",
        data={"csrf_token": csrf_of(queue.text), "report_id": "123456"},
    )
    assert refused.status_code == 403
    senior = site.client_for("senior_moderator")
    queue = senior.get("/review/child-safety")
    bad = senior.post(
        f"/review/child-safety/{report.id}/filed",
        data={"csrf_token": csrf_of(queue.text), "report_id": "<b>"},
    )
    assert "error=" in bad.headers["location"]
    filed = senior.post(
        f"/review/child-safety/{report.id}/filed",
        data={"csrf_token": csrf_of(queue.text), "report_id": "CT-2026-123456"},
    )
    assert "error" not in filed.headers["location"]
    report = site.runtime.child_safety.get(report.id)
    assert report.status == "filed" and report.report_id == "CT-2026-123456"
    assert report.filed_at is not None and report.hold_until is not None
    assert report.hold_until - report.filed_at >= timedelta(days=365)
    again = senior.post(
        f"/review/child-safety/{report.id}/filed",
        data={"csrf_token": csrf_of(queue.text), "report_id": "CT-2026-999"},
    )
    assert "error=" in again.headers["location"]
    assert site.runtime.child_safety.get(report.id).report_id == "CT-2026-123456"

    (hold,) = [h for h in site.runtime.legal_holds.holds(active_only=True) if h.case_id == case.id]
    assert "2258A(h)" in hold.reason
    preserve = [
        o.payload
        for o in site.runtime.outbox.list_entries(limit=1000)
        if o.payload.get("event") == "preserve" and o.payload.get("case") == case.case_number
    ]
    assert preserve and preserve[0]["content_ids"] == ["cs-item"]

    # The year-long hold cannot be released early, even by an admin.
    admin = site.client_for("admin")
    dash = admin.get("/compliance")
    released = admin.post(
        f"/compliance/holds/{case.id}/release",
        data={"csrf_token": csrf_of(dash.text), "reason": "done"},
    )
    assert "hold_error=" in released.headers["location"]
    assert [h for h in site.runtime.legal_holds.holds(active_only=True) if h.case_id == case.id]

    trail = AuditStore(session_factory(site.runtime.engine)).events_for_subject(
        "case", case.case_number
    )
    actions = [e.action for e in trail]
    for expected in (
        "case.child_safety_escalated",
        "case.child_safety_report_filed",
        "case.legal_hold_placed",
    ):
        assert expected in actions


def test_a_uk_case_prepares_a_national_crime_agency_report_the_same_way(site: Site) -> None:
    cases = CaseStore(session_factory(site.runtime.engine), audit=site.runtime.audit)
    case, _ = cases.create_case(
        jurisdiction="GB",
        details={**VALID, "jurisdiction": "GB", "locations": ["https://a.example.test/uk/7"]},
        missing=[],
        hashes=[],
        due_hours=48,
    )
    mod = site.client_for("moderator")
    page = mod.get(f"/review/cases/{case.id}")
    mod.post(
        f"/review/cases/{case.id}/child-safety",
        data={"csrf_token": csrf_of(page.text), "reason": "looks under 18"},
    )
    (report,) = [r for r in site.runtime.child_safety.reports() if r.case_id == case.id]
    assert report.agency == "nca" and report.status == "queued"
    assert report.due_at - report.prepared_at == timedelta(hours=24)
    assert "s.66" in report.fields["legal_basis"]
    assert report.fields["reported_locations"] == ["https://a.example.test/uk/7"]
    assert report.fields["files_attached"] is False
    assert "sam@example.org" not in json.dumps(report.fields)
    queue = mod.get("/review/child-safety")
    assert "UK National Crime Agency" in queue.text
    # A plain moderator cannot record the filing; a senior records the NCA's reference.
    refused = mod.post(
        f"/review/child-safety/{report.id}/filed",
        data={"csrf_token": csrf_of(queue.text), "report_id": "NCA-1"},
    )
    assert refused.status_code == 403
    senior = site.client_for("senior_moderator")
    queue = senior.get("/review/child-safety")
    assert "NCA reference" in queue.text
    senior.post(
        f"/review/child-safety/{report.id}/filed",
        data={"csrf_token": csrf_of(queue.text), "report_id": "NCA-2026-77"},
    )
    filed = site.runtime.child_safety.get(report.id)
    assert filed.status == "filed" and filed.report_id == "NCA-2026-77"
    assert filed.filed_at is not None and filed.hold_until is not None
    assert filed.hold_until - filed.filed_at >= timedelta(days=365)
    (hold,) = [h for h in site.runtime.legal_holds.holds(active_only=True) if h.case_id == case.id]
    assert "s.67(3)" in hold.reason and "NCA-2026-77" in hold.reason
    preserve = [
        o.payload
        for o in site.runtime.outbox.list_entries(limit=1000)
        if o.payload.get("event") == "preserve" and o.payload.get("case") == case.case_number
    ]
    assert [p["agency"] for p in preserve] == ["nca"]
    trail = AuditStore(session_factory(site.runtime.engine)).events_for_subject(
        "case", case.case_number
    )
    filings = [e for e in trail if e.action == "case.child_safety_report_filed"]
    assert [(e.details["agency"], e.details["report_id"]) for e in filings] == [
        ("nca", "NCA-2026-77")
    ]


def _scan_item(site: Site, photo: Path, content_id: str, jurisdictions: str) -> int:
    """An item the platform showed Shieldwall, found by no victim's case."""
    key, _ = site.runtime.keys.create_api_key(name=f"cs-{content_id}", scopes=["scan"])
    response = site.client.post(
        "/v1/scan",
        headers={"Authorization": f"Bearer {key}"},
        data={
            "content_id": content_id,
            "uploader_id": f"{content_id}-uploader",
            "url": f"https://a.example.test/{content_id}",
            "jurisdictions": jurisdictions,
        },
        files={"file": (photo.name, photo.read_bytes(), "image/jpeg")},
    )
    assert response.status_code == 200, response.text
    return site.runtime.items.get_item(content_id).id


def _item_reports(site: Site, item_id: int) -> list[ChildSafetyReportInfo]:
    return [r for r in site.runtime.child_safety.reports() if r.item_id == item_id]


def test_a_moderator_escalates_an_item_in_no_case_from_the_item_page(
    site: Site, photo_paths: list[Path]
) -> None:
    item_id = _scan_item(site, photo_paths[15], "cs-lone", "GB,US")
    item = site.runtime.items.get_item("cs-lone")
    task, _ = site.runtime.reviews.open_task(
        item_id=item_id,
        decision_id=item.latest_decision_id or "",
        queue="cs-check",
        idempotency_key="cs-lone-task",
    )
    mod = site.client_for("moderator")
    page = mod.get(f"/review/items/{item_id}")
    assert 'id="escalate-child-safety"' in page.text
    action = f"/review/items/{item_id}/child-safety"

    # Attackers first: a narrow role, a forged form (no token, another session's token),
    # someone signed out. None of them prepares a report or decides anything.
    auditor = site.client_for("auditor")
    assert auditor.post(action, data={"csrf_token": csrf_of(page.text)}).status_code == 403
    assert mod.post(action, data={"reason": "x"}).status_code == 403
    other = site.client_for("moderator2")
    forged = csrf_of(other.get("/review").text)
    assert mod.post(action, data={"csrf_token": forged}).status_code == 403
    assert site.client_for(None).post(action, data={"reason": "x"}).status_code in (303, 401)
    assert _item_reports(site, item_id) == []
    assert site.runtime.items.get_item("cs-lone").latest_decision_id == item.latest_decision_id

    escalated = mod.post(
        action, data={"csrf_token": csrf_of(page.text), "reason": "looks under 18"}
    )
    assert escalated.status_code == 303
    assert escalated.headers["location"] == "/review/child-safety"
    # Where UK and US law apply to the item, a report for each agency, with its clock.
    reports = _item_reports(site, item_id)
    assert sorted(r.agency for r in reports) == ["nca", "ncmec"]
    for report in reports:
        assert report.status == "queued" and report.case_id is None
        assert report.reason == "looks under 18" and report.prepared_by == "moderator"
        assert report.due_at - report.prepared_at == timedelta(hours=24)
        assert report.subject == "item cs-lone"
        (content,) = report.fields["content"]
        assert content["content_id"] == "cs-lone"
        assert content["uploader_id"] == "cs-lone-uploader"
        assert report.fields["reported_locations"] == ["https://a.example.test/cs-lone"]
        assert report.fields["files_attached"] is False
    queue = mod.get("/review/child-safety")
    assert "item cs-lone" in queue.text
    assert "reg. 18 sets the time frames (not read here)" in queue.text  # the NCA clock

    # The item is restricted, and the uploader's statement is about protecting minors; the
    # review task is decided.
    decision = site.runtime.items.get_decision(
        site.runtime.items.get_item("cs-lone").latest_decision_id or ""
    )
    assert (decision.verdict, decision.source, decision.decided_by) == (
        "escalate_child_safety",
        "review",
        "moderator",
    )
    (hook,) = [o.payload for o in site.runtime.outbox.for_decision(decision.id)]
    statement = attach_statement(site.runtime.items, hook)["dsa_statement_of_reasons"]
    assert statement["category"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    assert site.runtime.reviews.get(task.id).status == "closed"

    # Escalating again (the same moderator, another one) prepares and decides nothing new.
    again = site.client_for("moderator2")
    page = again.get(f"/review/items/{item_id}")
    assert 'id="child-safety-reports"' in page.text
    again.post(action, data={"csrf_token": csrf_of(page.text), "reason": "again"})
    mod.post(action, data={"csrf_token": csrf_of(mod.get("/review").text), "reason": "again"})
    assert sorted(r.id for r in _item_reports(site, item_id)) == sorted(r.id for r in reports)
    assert [d.id for d in site.runtime.items.decisions_for_item(item_id)][-1] == decision.id

    trail = AuditStore(session_factory(site.runtime.engine)).events_for_subject("item", "cs-lone")
    escalations = [e for e in trail if e.action == "item.child_safety_escalated"]
    assert len(escalations) == 2  # one per agency, none for the repeats
    assert {e.details["reason"] for e in escalations} == {"looks under 18"}
    assert {e.actor for e in escalations} == {f"staff:{site.users.get_user('moderator').id}"}


def test_filing_an_item_report_holds_the_item_past_retention_for_a_year(
    site: Site, photo_paths: list[Path]
) -> None:
    item_id = _scan_item(site, photo_paths[16], "cs-held", "US")
    mod = site.client_for("moderator")
    page = mod.get(f"/review/items/{item_id}")
    mod.post(
        f"/review/items/{item_id}/child-safety",
        data={"csrf_token": csrf_of(page.text), "reason": "minor"},
    )
    (report,) = _item_reports(site, item_id)
    assert report.agency == "ncmec"

    def expire_now() -> None:  # the item's retention runs out
        with site.runtime.engine.begin() as conn:
            conn.execute(
                sa.update(ItemRow)
                .where(ItemRow.id == item_id)
                .values(expires_at=datetime.now(UTC) - timedelta(days=1))
            )

    # While the report waits for filing, retention does not take the evidence away.
    expire_now()
    assert item_id not in site.runtime.items.purge_expired()

    senior = site.client_for("senior_moderator")
    queue = senior.get("/review/child-safety")
    filed = senior.post(
        f"/review/child-safety/{report.id}/filed",
        data={"csrf_token": csrf_of(queue.text), "report_id": "CT-2026-4242"},
    )
    assert "error" not in filed.headers["location"]
    report = site.runtime.child_safety.get(report.id)
    assert report.status == "filed" and report.hold_until and report.filed_at
    assert report.hold_until - report.filed_at >= timedelta(days=365)
    (hold,) = [h for h in site.runtime.legal_holds.holds(active_only=True) if h.item_id == item_id]
    assert hold.case_id is None and hold.subject == "item cs-held"
    assert "2258A(h)" in hold.reason and "CT-2026-4242" in hold.reason
    preserve = [
        o.payload
        for o in site.runtime.outbox.list_entries(limit=1000)
        if o.payload.get("event") == "preserve" and o.payload.get("content_ids") == ["cs-held"]
    ]
    assert len(preserve) == 1 and "case" not in preserve[0]
    expire_now()
    assert item_id not in site.runtime.items.purge_expired()

    # The dashboard shows the hold; even an admin cannot release it within the year.
    admin = site.client_for("admin")
    dash = admin.get("/compliance")
    assert 'data-hold="item cs-held"' in dash.text
    released = admin.post(
        f"/compliance/holds/items/{item_id}/release",
        data={"csrf_token": csrf_of(dash.text), "reason": "done"},
    )
    assert "hold_error=" in released.headers["location"]
    assert [h for h in site.runtime.legal_holds.holds(active_only=True) if h.item_id == item_id]

    trail = AuditStore(session_factory(site.runtime.engine)).events_for_subject("item", "cs-held")
    filings = [e for e in trail if e.action == "item.child_safety_report_filed"]
    assert [(e.details["agency"], e.details["report_id"]) for e in filings] == [
        ("ncmec", "CT-2026-4242")
    ]
    assert "item.legal_hold_placed" in [e.action for e in trail]

    # A year on, the hold may be released; the item then follows its retention again.
    later = report.hold_until + timedelta(days=1)
    child_safety.check_release(site.runtime.child_safety, item_id=item_id, now=later)
    site.runtime.child_safety.release_item_hold(
        item_id, reason="year passed", released_by="admin", actor="staff:1"
    )
    assert item_id in site.runtime.items.purge_expired()

    # The purged item's report and hold stay readable; an item stored after it (on SQLite it
    # may take the freed row id) is escalated afresh, not mistaken for the one reported.
    assert site.runtime.child_safety.get(report.id).subject == "item cs-held"
    after_id = _scan_item(site, photo_paths[16], "cs-after", "US")
    page = mod.get(f"/review/items/{after_id}")
    mod.post(
        f"/review/items/{after_id}/child-safety",
        data={"csrf_token": csrf_of(page.text), "reason": "minor"},
    )
    (fresh,) = _item_reports(site, after_id)
    assert fresh.status == "queued" and fresh.id != report.id
    latest = site.runtime.items.get_item("cs-after").latest_decision_id or ""
    assert site.runtime.items.get_decision(latest).verdict == "escalate_child_safety"

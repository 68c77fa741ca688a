"""Closing a UK request without removal needs one of the s.10(3B) exceptions (or another
listed reason) as a reason code, and tells the reporter why and how to complain: on their
status page and through a ``case.reporter_notice`` webhook the platform delivers. Attackers:
a forged close without a reason or with an unknown one changes nothing; an auditor cannot
close; a second close sends no second notice."""

from __future__ import annotations

from web_support import Site, csrf_of, portal_fields

from shieldwall.pipeline.case_clocks import start_request_clocks
from shieldwall.store import session_factory
from shieldwall.store.audit_store import AuditStore
from shieldwall.store.cases import CaseInfo, CaseStore

UK_REPORT = {
    "declare_intimate": True,
    "declare_nonconsensual": True,
    "relationship": "self",
    "locations": ["https://forum.example.test/uk/1"],
    "email": "robin@example.org",
    "files": 0,
}


def uk_case(site: Site) -> tuple[CaseInfo, str]:
    """A UK report carrying the s.20A declaration elements, its clock running."""
    cases = CaseStore(session_factory(site.runtime.engine), audit=site.runtime.audit)
    case, code = cases.create_case(
        jurisdiction="GB", details=dict(UK_REPORT), missing=["signature"], hashes=[], due_hours=48
    )
    start_request_clocks(site.runtime.case_clocks, case, platform_jurisdictions=[])
    return cases.get(case.id), code


def _close(site: Site, who: str, case: CaseInfo, **form: str) -> str:
    client = site.client_for(who)
    page = client.get(f"/review/cases/{case.id}")
    response = client.post(
        f"/review/cases/{case.id}",
        data={"csrf_token": csrf_of(page.text), "decision": "close", **form},
    )
    return str(response.status_code) + " " + response.headers.get("location", "")


def test_a_uk_exception_closes_with_a_reason_code_and_tells_the_reporter(site: Site) -> None:
    case, code = uk_case(site)
    assert [c.regime for c in site.runtime.case_clocks.for_cases([case.id])[case.id]] == [
        "uk_osa_s10_3a"
    ]
    page = site.client_for("moderator").get(f"/review/cases/{case.id}")
    assert "s.10(3B)(a)" in page.text and "s.10(3B)(b)" in page.text

    # Attackers and slips: no reason, an invented reason, an auditor.
    assert "error=" in _close(site, "moderator", case)
    assert "error=" in _close(site, "moderator", case, reason_code="<script>")
    assert _close(site, "auditor", case, reason_code="not_intimate_image").startswith("403")
    cases = CaseStore(session_factory(site.runtime.engine))
    assert cases.get(case.id).status == "incomplete" and not cases.get(case.id).notices

    done = _close(
        site, "moderator", case, reason_code="not_intimate_image", note="a landscape photo"
    )
    assert "error" not in done
    closed = cases.get(case.id)
    assert closed.status == "closed"
    (notice,) = closed.notices
    assert notice.reason_code == "not_intimate_image"
    assert "s.10(3B)(a)" in notice.text and "complain" in notice.text
    assert case.case_number in notice.complaint_route

    # A second close is refused: one closing, one notice.
    assert "error=" in _close(site, "moderator2", case, reason_code="reporter_not_subject")
    assert len(cases.get(case.id).notices) == 1

    sent = [
        o.payload
        for o in site.runtime.outbox.list_entries(limit=1000)
        if o.payload.get("event") == "case.reporter_notice"
        and o.payload.get("case") == case.case_number
    ]
    assert len(sent) == 1
    assert sent[0]["reason_code"] == "not_intimate_image"
    assert sent[0]["legal_basis"] == "Online Safety Act 2023 s.10(3B)(a)"
    assert sent[0]["deliver_to"] == {"email": "robin@example.org"}
    assert sent[0]["notice"] == notice.text

    # The reporter reads it on their status page.
    visitor = site.client_for(None)
    login = visitor.get("/status")
    status = visitor.post(
        "/status",
        data={
            **portal_fields(login.text),  # the status page's proof-of-work, as its script sends
            "case_number": case.case_number,
            "access_code": code,
        },
    )
    assert status.status_code == 200
    assert "not intimate image content" in status.text
    assert "s.10(3B)(a)" in status.text and "complain" in status.text

    trail = AuditStore(session_factory(site.runtime.engine)).events_for_subject(
        "case", case.case_number
    )
    closes = [e for e in trail if e.action == "case.closed"]
    assert len(closes) == 1 and closes[0].details["reason_code"] == "not_intimate_image"
    assert closes[0].actor.startswith("staff:")
    assert [e.action for e in trail].count("case.notice_sent") == 1

"""Legal hold: an admin or auditor puts a case under hold (audited); items linked to it, by
its hashes or by the copies its retro-hunt found, survive housekeeping past retention, and
are purged by the first pass after the hold is released."""

from __future__ import annotations

from datetime import timedelta

import pytest
from proof_gaps_support import ProofSite, csrf_of, seed_decision
from sqlalchemy import update

from shieldwall.errors import LegalHoldError
from shieldwall.store import session_factory
from shieldwall.store.audit_store import AuditStore
from shieldwall.store.cases import CaseStore
from shieldwall.store.items import ItemNotFoundError
from shieldwall.store.models import utcnow
from shieldwall.store.web_models import CaseHashRow
from shieldwall.worker.housekeeping import housekeep

MD5 = "0123456789abcdef0123456789abcdef"


def _case(site: ProofSite, md5: str) -> int:
    cases = site.client.app.state.web.cases
    case, _ = cases.create_case(
        jurisdiction="GB",
        details={"relationship": "self"},
        missing=[],
        hashes=[("md5", md5, None)],
        due_hours=48,
    )
    return int(case.id)


def _gone(site: ProofSite, content_id: str) -> bool:
    try:
        site.runtime.items.get_item(content_id)
    except ItemNotFoundError:
        return True
    return False


def test_items_of_a_held_case_survive_retention_until_release(proof_site: ProofSite) -> None:
    rt = proof_site.runtime
    past = utcnow() - timedelta(days=1)
    case_id = _case(proof_site, MD5)
    holds = rt.legal_holds
    cases: CaseStore = proof_site.client.app.state.web.cases
    # Same bytes as the case's file; a near copy the retro-hunt matched to the case's entry
    # (entry 4242 stands for the bank entry the case hash became); and an unrelated item.
    seed_decision(
        rt, content_id="held-exact", source="upload", verdict="remove", md5=MD5, expires_at=past
    )
    with session_factory(rt.engine)() as session, session.begin():
        session.execute(
            update(CaseHashRow).where(CaseHashRow.case_id == case_id).values(entry_id=4242)
        )
    seed_decision(
        rt,
        content_id="held-copy",
        source="retro_hunt",
        verdict="remove",
        matches=[{"bank": "victim-requests", "entry_id": 4242, "distance": 12}],
        expires_at=past,
    )
    seed_decision(rt, content_id="not-held", source="upload", verdict="allow", expires_at=past)

    hold = holds.place_hold(case_id, reason="litigation", placed_by="auditor", actor="staff:1")
    with pytest.raises(LegalHoldError):
        holds.place_hold(case_id, reason="again", placed_by="auditor", actor="staff:1")
    result = housekeep(rt)
    assert result["purged_items"] == 1
    assert _gone(proof_site, "not-held")
    assert not _gone(proof_site, "held-exact") and not _gone(proof_site, "held-copy")
    # Decisions stay with the held items (they are the evidence).
    held = rt.items.get_item("held-copy")
    assert [d.source for d in rt.items.decisions_for_item(held.id)] == ["retro_hunt"]

    holds.release_hold(case_id, reason="case settled", released_by="admin", actor="staff:2")
    assert housekeep(rt)["purged_items"] == 2
    assert _gone(proof_site, "held-exact") and _gone(proof_site, "held-copy")

    trail = AuditStore(session_factory(rt.engine))
    number = cases.get(case_id).case_number
    # Only the hold's own events: the case's other events (received, validity...) are
    # recorded too, since every case event enters the chain.
    actions = [
        (e.action, e.actor)
        for e in trail.events_for_subject("case", number)
        if e.action.startswith("case.legal_hold")
    ]
    assert actions == [
        ("case.legal_hold_placed", "staff:1"),
        ("case.legal_hold_released", "staff:2"),
    ]
    assert hold.active and not proof_site.runtime.legal_holds.holds(active_only=True)


@pytest.mark.parametrize("role", ["moderator", "senior_moderator"])
def test_only_admins_and_auditors_may_place_a_hold(proof_site: ProofSite, role: str) -> None:
    case_id = _case(proof_site, "f" * 32)
    number = proof_site.client.app.state.web.cases.get(case_id).case_number
    client = proof_site.client_for(role)
    response = client.post(
        "/compliance/holds", data={"case_number": number, "reason": "x", "csrf_token": "x"}
    )
    assert response.status_code == 403
    assert not proof_site.runtime.legal_holds.holds(active_only=True)


def test_an_auditor_places_and_releases_a_hold_from_the_dashboard(proof_site: ProofSite) -> None:
    case_id = _case(proof_site, "e" * 32)
    cases: CaseStore = proof_site.client.app.state.web.cases
    number = cases.get(case_id).case_number
    client = proof_site.client_for("auditor")
    token = csrf_of(client.get("/compliance").text)
    placed = client.post(
        "/compliance/holds",
        data={"case_number": number.lower(), "reason": "regulator inquiry", "csrf_token": token},
    )
    assert placed.status_code == 303
    page = client.get("/compliance")
    assert f'data-hold="{number}"' in page.text and "regulator inquiry" in page.text
    unknown = client.post(
        "/compliance/holds",
        data={"case_number": "SW-NONE-NONE", "reason": "r", "csrf_token": token},
    )
    assert "hold_error=" in unknown.headers["location"]
    released = client.post(
        f"/compliance/holds/{case_id}/release", data={"reason": "closed", "csrf_token": token}
    )
    assert released.status_code == 303
    assert not proof_site.runtime.legal_holds.holds(active_only=True)
    (hold,) = [h for h in proof_site.runtime.legal_holds.holds() if h.case_id == case_id]
    assert (hold.placed_by, hold.released_by, hold.release_reason) == (
        "auditor",
        "auditor",
        "closed",
    )

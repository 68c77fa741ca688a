"""The compliance dashboard shows the transparency report's figures for the last 30 days,
the victims' 48-hour share, review tasks near or past their deadline, appeals, dead letters
and the audit trail's state, exactly as seeded; roles without access get 403."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from proof_gaps_support import ProofSite, seed_decision
from sqlalchemy import select, update

from shieldwall.store import session_factory
from shieldwall.store.audit_models import AuditEventRow
from shieldwall.store.audit_store import AuditStore
from shieldwall.store.models import utcnow
from shieldwall.store.service_models import OutboxRow, ReviewTaskRow

H = timedelta(hours=1)


def _figure(html: str, name: str) -> str:
    found = re.search(rf'data-figure="{re.escape(name)}">([^<]*)<', html)
    assert found, f"no figure {name}"
    return found.group(1).strip()


@pytest.fixture(scope="module")
def seeded(proof_site: ProofSite) -> ProofSite:
    rt, now = proof_site.runtime, utcnow()
    a, _ = seed_decision(
        rt,
        content_id="a",
        source="upload",
        verdict="remove",
        seen_at=now - 3 * H,
        decided_at=now - 1 * H,
    )  # 2 h to action
    b, _ = seed_decision(
        rt,
        content_id="b",
        source="retro_hunt",
        verdict="block",
        seen_at=now - 12 * H,
        decided_at=now - 2 * H,
        matches=[{"bank": "victim-requests", "entry_id": 1, "distance": 4}],
    )
    c, _ = seed_decision(
        rt,
        content_id="c",
        source="upload",
        verdict="remove",
        seen_at=now - 5 * H,
        decided_at=now - 4 * H,
    )
    seed_decision(rt, content_id="c", source="review", verdict="allow", decided_at=now - 3 * H)
    _, d1 = seed_decision(
        rt,
        content_id="d",
        source="upload",
        verdict="remove",
        seen_at=now - 6 * H,
        decided_at=now - 5 * H,
    )
    seed_decision(rt, content_id="d", source="appeal", verdict="allow", decided_at=now - 1 * H)
    # Outside the 30 days: counted nowhere.
    seed_decision(
        rt,
        content_id="old",
        source="upload",
        verdict="remove",
        seen_at=now - timedelta(days=41),
        decided_at=now - timedelta(days=40),
    )

    web = proof_site.client.app.state.web
    on_time, _ = web.cases.create_case(
        jurisdiction="GB", details={}, missing=[], hashes=[], due_hours=48, now=now - 60 * H
    )
    web.cases.record_actioned(on_time.id, found=1, removed=1, now=now - 50 * H)
    late, _ = web.cases.create_case(
        jurisdiction="US", details={}, missing=[], hashes=[], due_hours=48, now=now - 100 * H
    )
    web.cases.record_actioned(late.id, found=0, removed=0, now=now - 20 * H)
    web.cases.create_case(
        jurisdiction="GB",
        details={},
        missing=["signature"],
        hashes=[],
        due_hours=48,
        now=now - 10 * H,
    )
    web.desk.create_appeal(
        item_id=a, decision_id="x-open", original_decider="automated", reason="not me"
    )
    # The appeal behind the reversal of "d": decided appeals are counted from the appeals
    # (an upheld one writes no decision), so the reversal has its appeal row too.
    d_item = rt.items.get_item("d").id
    reversed_appeal = web.desk.create_appeal(
        item_id=d_item, decision_id=d1, original_decider="automated", reason="mine"
    )
    web.desk.close_appeal(
        reversed_appeal.id, outcome="reversed", decided_by="senior", new_decision_id=None
    )

    with session_factory(rt.engine)() as session, session.begin():
        for item_id, due, key in (
            (a, now + 2 * H, "t-a"),
            (c, now - 1 * H, "t-c"),
            (b, now + 30 * H, "t-b"),
        ):
            session.add(
                ReviewTaskRow(
                    item_id=item_id,
                    decision_id=d1,
                    queue="default",
                    due_at=due,
                    idempotency_key=key,
                )
            )
        for n in range(2):
            session.add(
                OutboxRow(
                    decision_id=d1,
                    kind="webhook",
                    payload={},
                    idempotency_key=f"dead-{n}",
                    status="dead",
                )
            )
        session.add(
            OutboxRow(
                decision_id=d1,
                kind="webhook",
                payload={},
                idempotency_key="pending-1",
                status="pending",
            )
        )
    return proof_site


def test_the_page_shows_the_seeded_figures(seeded: ProofSite) -> None:
    client = seeded.client_for("auditor")  # signs in (an audit event) before the checkpoint
    code, output = seeded.audit_cli("checkpoint")
    assert code == 0, output
    head = AuditStore(session_factory(seeded.runtime.engine)).head().seq

    page = client.get("/compliance")
    assert page.status_code == 200
    html = page.text
    expected = {
        "decisions": "6",
        "restrictions": "4",
        "hash-matches": "1",
        "retro-hunt-hits": "1",
        "reviews": "1",
        "appeals": "1",
        "open-appeals": "1",
        "reversals": "2",
        "dead-letters": "2",
        # time to action: 1 h, 1 h, 2 h, 10 h (nearest rank)
        "tta-p50": "1.0 h",
        "tta-p90": "10.0 h",
        "tta-p99": "10.0 h",
        "requests-received": "3",
        "requests-valid": "2",
        "requests-on-time": "1",
        "share-48h": "50.0%",
        "deadline-count": "2",
        "trail-status": "Verified",
        "trail-events": str(head),
        "trail-unsigned": "0",
    }
    assert {k: _figure(html, k) for k in expected} == expected
    assert _figure(html, "trail-checkpoint").startswith(f"seq {head} at ")
    assert "(1 overdue)" in html
    # Each chart has an accessible table beside it and is served from this server.
    assert 'src="/compliance/charts/category.svg"' in html
    assert "<caption" in html and 'scope="row">ncii</th><td>4<' in html
    assert "http://" not in html and "https://" not in html
    chart = client.get("/compliance/charts/category.svg")
    assert chart.status_code == 200 and chart.text.startswith("<svg")
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert client.get("/compliance/charts/nope.svg").status_code == 404


def test_a_tampered_trail_shows_as_failed(seeded: ProofSite) -> None:
    engine = seeded.runtime.engine
    with session_factory(engine)() as session, session.begin():
        first = session.scalar(select(AuditEventRow).order_by(AuditEventRow.seq).limit(1))
        assert first is not None
        seq, actor = first.seq, first.actor
        session.execute(update(AuditEventRow).where(AuditEventRow.seq == seq).values(actor="x"))
    try:
        html = seeded.client_for("admin").get("/compliance").text
        assert _figure(html, "trail-status") == "FAILED"
        assert "hash_mismatch" in html
    finally:
        with session_factory(engine)() as session, session.begin():
            session.execute(
                update(AuditEventRow).where(AuditEventRow.seq == seq).values(actor=actor)
            )


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("auditor", 200), ("senior_moderator", 200), ("moderator", 403)],
)
def test_who_may_open_the_dashboard(seeded: ProofSite, role: str, status: int) -> None:
    client = seeded.client_for(role)
    assert client.get("/compliance").status_code == status
    assert client.get("/compliance/charts/action.svg").status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(seeded: ProofSite) -> None:
    response = seeded.client_for(None).get("/compliance")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/compliance"

"""Media reveals, sign-ins, failed sign-ins and sign-outs enter the tamper-evident trail in the
transaction of their own row, under a pseudonymous staff handle; ``shieldwall audit verify``
accepts them, and editing one of them is detected."""

from __future__ import annotations

from proof_gaps_support import ProofSite, csrf_of, seed_decision
from sqlalchemy import select, update

from shieldwall.audit import AuditEvent
from shieldwall.store import session_factory
from shieldwall.store.audit_models import AuditEventRow
from shieldwall.store.audit_store import AuditStore


def _events(site: ProofSite, action: str) -> list[AuditEvent]:
    store = AuditStore(session_factory(site.runtime.engine))
    return [e for e in store.iter_events() if e.action == action]


def test_sign_in_and_sign_out_are_chained_under_a_staff_handle(proof_site: ProofSite) -> None:
    user = proof_site.users.get_user("moderator")
    before = len(_events(proof_site, "auth.login"))
    client = proof_site.client_for("moderator")
    logins = _events(proof_site, "auth.login")
    assert len(logins) == before + 1
    assert logins[-1].actor == f"staff:{user.id}"
    assert logins[-1].details["role"] == "moderator"

    page = client.get("/review/settings")
    out = client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert out.status_code == 303
    (logout,) = [e for e in _events(proof_site, "auth.logout") if e.seq > logins[-1].seq]
    assert logout.actor == f"staff:{user.id}"
    # The session is gone: the same cookie no longer opens a staff page.
    assert client.get("/review").status_code == 303


def test_a_failed_sign_in_keeps_the_typed_name_only_as_a_digest(proof_site: ProofSite) -> None:
    typed = "someone@example.test"
    client = proof_site.client_for(None)
    page = client.get("/login")  # the sign-in form's CSRF token, as a browser sends it
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_of(page.text),
            "username": typed,
            "password": "wrong password here",
        },
    )
    assert response.status_code == 401
    failed = _events(proof_site, "auth.login_failed")[-1]
    assert failed.actor == "anonymous"
    assert failed.details["reason"] == "bad_credentials"
    with session_factory(proof_site.runtime.engine)() as session:
        stored = session.scalar(
            select(AuditEventRow.details).where(AuditEventRow.seq == failed.seq)
        )
    assert stored is not None and typed not in stored and "testclient" not in stored
    # The clear value sits only in the redactable side record.
    personal = AuditStore(session_factory(proof_site.runtime.engine)).personal_data(failed.event_id)
    assert personal is not None and typed in str(personal.to_dict())


def test_a_reveal_is_chained_with_the_item_and_no_media(proof_site: ProofSite) -> None:
    item_id, _ = seed_decision(
        proof_site.runtime, content_id="reveal-me", source="upload", verdict="hold"
    )
    user = proof_site.users.get_user("senior_moderator")
    client = proof_site.client_for("senior_moderator")
    page = client.get(f"/review/items/{item_id}")
    assert page.status_code == 200
    response = client.post(
        f"/review/items/{item_id}/reveal", data={"csrf_token": csrf_of(page.text)}
    )
    assert response.status_code == 303
    reveal = _events(proof_site, "media.revealed")[-1]
    assert reveal.actor == f"staff:{user.id}"
    assert (reveal.subject_type, reveal.subject_id) == ("content", "reveal-me")
    assert reveal.details["item_id"] == item_id
    assert set(reveal.details) == {"item_id", "reveal_id"}
    # One event per reveal row: they are written in one transaction.
    rows = proof_site.client.app.state.web.desk.reveals()
    assert len(_events(proof_site, "media.revealed")) == len(rows)
    assert rows[0].revealed_at == reveal.at


def test_shieldwall_audit_verify_accepts_the_trail_and_detects_an_edited_login(
    proof_site: ProofSite,
) -> None:
    proof_site.client_for("auditor")  # at least one login event
    code, output = proof_site.audit_cli("verify")
    assert code == 0, output
    assert output.startswith("OK")

    login = _events(proof_site, "auth.login")[-1]
    engine = proof_site.runtime.engine
    with session_factory(engine)() as session, session.begin():
        original = session.scalar(select(AuditEventRow.actor).where(AuditEventRow.seq == login.seq))
        session.execute(
            update(AuditEventRow).where(AuditEventRow.seq == login.seq).values(actor="staff:999")
        )
    try:
        code, output = proof_site.audit_cli("verify")
        assert code == 1
        assert "hash_mismatch" in output and f"seq {login.seq}" in output
    finally:
        with session_factory(engine)() as session, session.begin():
            session.execute(
                update(AuditEventRow).where(AuditEventRow.seq == login.seq).values(actor=original)
            )
    assert proof_site.audit_cli("verify")[0] == 0

"""The audit trail in the database: every decision, bank change, delivery, key and policy
change is chained in its own transaction, and direct tampering with the table is caught."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from shieldwall.audit import CheckpointSigner, ProblemKind, reveal
from shieldwall.pipeline.audit_log import AuditLog
from shieldwall.store import BankStore, ItemStore, KeyStore, OutboxStore
from shieldwall.store.audit_store import AuditWriter, acting_as
from shieldwall.types import BankPurpose, HashKind, NewEntry, Provenance
from tests.integration.audit.conftest import new_decision, new_item


def _actions(log: AuditLog) -> list[str]:
    return [e.action for e in log.store.iter_events()]


def test_a_decision_is_chained_with_the_uploader_only_as_a_digest(
    sessions: sessionmaker[Session],
) -> None:
    items, log = ItemStore(sessions), AuditLog(sessions)
    _item, decision, created = items.record(item=new_item("c-1"), decision=new_decision())
    assert created
    (event,) = list(log.store.iter_events())
    assert (event.action, event.subject_type, event.subject_id) == (
        "decision.made",
        "content",
        "c-1",
    )
    assert event.details["decision_id"] == decision.id
    assert event.details["verdict"] == "block"
    assert event.actor_kind == "automated"
    assert "user-81723" not in str(event.details)  # only the salted digest is chained
    side = log.store.personal_data(event.event_id)
    assert side is not None
    assert reveal(event, side)["uploader_id"] == "user-81723"
    assert log.verify().ok


def test_a_repeated_content_id_writes_no_second_event(sessions: sessionmaker[Session]) -> None:
    items, log = ItemStore(sessions), AuditLog(sessions)
    items.record(item=new_item("c-1"), decision=new_decision())
    items.record(item=new_item("c-1"), decision=new_decision())
    assert _actions(log) == ["decision.made"]


def test_a_decision_whose_audit_event_fails_is_not_stored(sessions: sessionmaker[Session]) -> None:
    class BrokenWriter(AuditWriter):
        def append(self, session: Session, **kwargs: object) -> object:  # type: ignore[override]
            raise RuntimeError("audit storage unavailable")

        def append_many(self, session: Session, events: object) -> object:  # type: ignore[override]
            raise RuntimeError("audit storage unavailable")

    items = ItemStore(sessions, audit=BrokenWriter())
    with pytest.raises(RuntimeError):
        items.record(item=new_item("c-9"), decision=new_decision())
    assert ItemStore(sessions).find_item_with_decision("c-9") is None
    # A group commit's batch: none of its items is stored without its event.
    batch = [(new_item(f"g-{n}"), new_decision()) for n in range(3)]
    with pytest.raises(RuntimeError):
        items.record_many(batch)
    assert all(ItemStore(sessions).find_item_with_decision(f"g-{n}") is None for n in range(3))
    assert AuditLog(sessions).store.count() == 0


def test_bank_changes_keys_policies_and_deliveries_are_chained(
    sessions: sessionmaker[Session],
) -> None:
    banks, keys, outbox = (
        BankStore(sessions, add_chunk=1000),
        KeyStore(sessions),
        OutboxStore(sessions),
    )
    log = AuditLog(sessions)
    with acting_as("cli:ops", "human"):
        banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)
        entries = [
            NewEntry(HashKind.MD5, f"{i:032x}", Provenance(source="test")) for i in range(2500)
        ]
        result = banks.add_entries(bank="victims", entries=entries)
        banks.withdraw_entry(entry_id=result.ids[0])
        banks.withdraw_entry(entry_id=result.ids[0])  # no change: no event
        banks.update_bank(name="victims", threshold=20)
        _key, info = keys.create_api_key(name="platform", scopes=["scan"])
        keys.revoke_api_key(info.prefix)
        keys.activate_policy(version="1", fingerprint="f1", text="x")
        keys.activate_policy(version="1", fingerprint="f1", text="x")  # already active
    ItemStore(sessions).record(item=new_item("c-2"), decision=new_decision())
    (row,) = outbox.list_entries()
    outbox.mark_delivered(row.id)
    events = list(log.store.iter_events())
    assert [e.action for e in events] == [
        "bank.created",
        "bank.entries_added",  # 2500 entries in chunks of 1000: three events, not 2500
        "bank.entries_added",
        "bank.entries_added",
        "bank.entry_withdrawn",
        "bank.updated",
        "api_key.created",
        "api_key.revoked",
        "policy.activated",
        "decision.made",
        "action.delivered",
    ]
    assert sum(e.details["added"] for e in events if e.action == "bank.entries_added") == 2500
    assert events[0].actor == "cli:ops" and events[0].actor_kind == "human"
    assert events[-1].actor == "shieldwall" and events[-1].details["kind"] == "webhook"
    assert log.verify().ok


def test_concurrent_writers_keep_the_chain_gapless(sessions: sessionmaker[Session]) -> None:
    items = ItemStore(sessions)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(10):
                items.record(item=new_item(f"c-{worker}-{i}"), decision=new_decision())
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    log = AuditLog(sessions)
    report = log.verify()
    assert report.ok, report.summary()
    assert [e.seq for e in log.store.iter_events()] == list(range(1, 41))


def _seed(sessions: sessionmaker[Session], n: int = 6) -> AuditLog:
    items = ItemStore(sessions)
    for i in range(n):
        items.record(item=new_item(f"c-{i}"), decision=new_decision())
    return AuditLog(sessions)


def _sql(engine: sa.Engine, statement: str, **params: object) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def test_an_edited_detail_is_named(sessions: sessionmaker[Session], engine: sa.Engine) -> None:
    log = _seed(sessions)
    _sql(
        engine,
        "UPDATE audit_events SET details = REPLACE(details, '\"block\"', '\"allow\"') "
        "WHERE seq = 3",
    )
    report = log.verify()
    assert not report.ok
    assert report.first_problem is not None
    assert (report.first_problem.kind, report.first_problem.seq) == (ProblemKind.HASH_MISMATCH, 3)


def test_a_deleted_row_is_named(sessions: sessionmaker[Session], engine: sa.Engine) -> None:
    log = _seed(sessions)
    _sql(engine, "DELETE FROM audit_events WHERE seq = 4")
    first = log.verify().first_problem
    assert first is not None and (first.kind, first.seq) == (ProblemKind.SEQ_GAP, 5)


def test_a_forged_row_is_named(sessions: sessionmaker[Session], engine: sa.Engine) -> None:
    log = _seed(sessions)
    # A forger appends a plausible event but cannot know how to link it without rewriting.
    _sql(
        engine,
        "INSERT INTO audit_events (seq, event_id, at, actor, actor_kind, action, subject_type, "
        "subject_id, details, prev_hash, hash) VALUES (7, :eid, :at, 'reviewer:x', 'human', "
        "'decision.made', 'content', 'c-0', '{}', :prev, :hash)",
        eid="00000000-0000-4000-8000-000000000000",
        at=datetime(2025, 1, 1, tzinfo=UTC).replace(tzinfo=None),
        prev="0" * 64,
        hash="1" * 64,
    )
    first = log.verify().first_problem
    assert first is not None and (first.kind, first.seq) == (ProblemKind.HASH_MISMATCH, 7)


def test_two_rows_with_swapped_seq_are_named(
    sessions: sessionmaker[Session], engine: sa.Engine
) -> None:
    log = _seed(sessions)
    _sql(engine, "UPDATE audit_events SET seq = 1000 WHERE seq = 2")
    _sql(engine, "UPDATE audit_events SET seq = 2 WHERE seq = 5")
    _sql(engine, "UPDATE audit_events SET seq = 5 WHERE seq = 1000")
    first = log.verify().first_problem
    assert first is not None and (first.kind, first.seq) == (ProblemKind.HASH_MISMATCH, 2)


def test_unreadable_details_are_reported_not_crashed_on(
    sessions: sessionmaker[Session], engine: sa.Engine
) -> None:
    log = _seed(sessions)
    _sql(engine, "UPDATE audit_events SET details = 'not json' WHERE seq = 2")
    first = log.verify().first_problem
    assert first is not None and (first.kind, first.seq) == (ProblemKind.MALFORMED, 2)


def test_checkpoints_catch_a_cut_tail_and_a_rewrite(
    sessions: sessionmaker[Session], engine: sa.Engine
) -> None:
    signer = CheckpointSigner.generate()
    items = ItemStore(sessions, audit=AuditWriter(signer=signer, checkpoint_every=3))
    for i in range(7):
        items.record(item=new_item(f"c-{i}"), decision=new_decision())
    log = AuditLog(sessions, signer=signer)
    assert [c.seq for c in log.store.checkpoints()] == [3, 6]
    assert log.verify().ok
    _sql(engine, "DELETE FROM audit_events WHERE seq >= 5")
    report = log.verify()
    assert report.counts.get(ProblemKind.TRUNCATED) == 1
    # A checkpoint signed by another key is not trusted.
    assert not log.verify([CheckpointSigner.generate().export_public_key()]).ok


def test_checkpoint_on_demand_and_when_due(sessions: sessionmaker[Session]) -> None:
    signer = CheckpointSigner.generate()
    log = AuditLog(sessions, signer=signer, checkpoint_every=4)
    _seed(sessions, 5)  # stores without a signer: no checkpoints yet
    assert log.store.checkpoints() == []
    due = log.checkpoint_if_due()
    assert due is not None and due.seq == 5
    assert log.checkpoint_if_due() is None
    assert log.checkpoint().seq == 5  # idempotent for the same head
    assert len(log.store.checkpoints()) == 1


def test_redaction_deletes_side_records_and_the_chain_still_verifies(
    sessions: sessionmaker[Session],
) -> None:
    log = _seed(sessions, 3)
    events = list(log.store.iter_events())
    assert all(log.store.personal_data(e.event_id) is not None for e in events)
    assert log.redact_before(datetime.now(UTC) - timedelta(days=1)) == 0
    assert log.redact_before(datetime.now(UTC) + timedelta(seconds=1)) == 3
    assert all(log.store.personal_data(e.event_id) is None for e in events)
    assert log.verify().ok


def test_record_appends_in_the_callers_transaction_or_its_own(
    sessions: sessionmaker[Session],
) -> None:
    log = AuditLog(sessions)
    log.record(
        None,
        actor="reviewer:amira",
        actor_kind="human",
        action="auth.login",
        subject_type="user",
        subject_id="amira",
        details={"ip": "192.0.2.1"},
        personal_fields=["ip"],
    )
    with sessions() as session, session.begin():
        log.record(
            session,
            actor="reviewer:amira",
            actor_kind="human",
            action="media.revealed",
            subject_type="content",
            subject_id="c-1",
            details={"reason": "appeal"},
        )
        session.rollback()  # the caller's work failed: its event goes with it
    assert _actions(log) == ["auth.login"]

"""ItemStore's write path: item, decision, outbox rows and audit event land together or not at all.

The path runs Core inserts instead of ORM flushes (for speed); these tests pin what
a user relies on: what comes back equals what a later read returns, the chain
still verifies, and a failure half-way leaves nothing behind.
"""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shieldwall.audit.verify import verify_chain
from shieldwall.store import session_factory
from shieldwall.store.audit_store import AuditStore
from shieldwall.store.items import ItemStore
from shieldwall.store.service_records import NewAction, NewDecision, NewItem


def _item(content_id: str, **kw: object) -> NewItem:
    return NewItem(
        content_id=content_id,
        source="lookup",
        pdq="ab" * 32,
        pdq_quality=90,
        uploader_id="uploader-1",
        jurisdictions=("GB",),
        metadata={"k": "v"},
        **kw,  # type: ignore[arg-type]
    )


def _decision(key: str, actions: int = 2) -> NewDecision:
    return NewDecision(
        id=str(uuid.uuid4()),
        source="lookup",
        verdict="block",
        policy_version="v1",
        fired=[{"rule_id": "r1", "category": "ncii"}],
        reasons=["matched"],
        matches=[{"bank": "b", "entry_id": 1, "signal_type": "pdq", "distance": 3}],
        signals=[],
        notes=[],
        actions=[
            NewAction(
                kind="webhook", payload={"item_id": None, "n": n}, idempotency_key=f"{key}:{n}"
            )
            for n in range(actions)
        ],
    )


def _count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_record_returns_what_is_stored_and_chains_it(engine: sa.Engine) -> None:
    sessions = session_factory(engine)
    items = ItemStore(sessions)
    info, decision, created = items.record(item=_item("c-1"), decision=_decision("c-1"))
    assert created
    found = items.find_item_with_decision("c-1")
    assert found is not None
    item_again, decision_again = found
    assert item_again.id == info.id and decision_again.id == decision.id
    assert item_again.latest_decision_id == decision.id == info.latest_decision_id
    assert item_again.metadata == info.metadata and item_again.jurisdictions == ("GB",)
    assert decision_again.matches == decision.matches and decision_again.item_id == info.id
    with engine.connect() as conn:
        payloads = conn.execute(sa.text("SELECT payload FROM outbox ORDER BY id")).scalars().all()
    assert len(payloads) == 2
    # The item id is filled into action payloads inside the transaction.
    assert all(str(info.id) in str(p) for p in payloads)
    # A repeat of the same content id writes nothing and answers the same.
    again = items.record(item=_item("c-1"), decision=_decision("c-1-bis"))
    assert again[2] is False and again[1].id == decision.id
    later = items.add_decision(item_id=info.id, decision=_decision("c-1-later", actions=0))
    assert items.find_item_with_decision("c-1")[1].id == later.id  # type: ignore[index]
    audit = AuditStore(sessions)
    assert audit.count() == 2
    assert verify_chain(audit.iter_events()).ok


def test_a_failing_action_insert_leaves_no_item_decision_or_event(engine: sa.Engine) -> None:
    items = ItemStore(session_factory(engine))
    items.record(item=_item("c-1"), decision=_decision("shared"))
    # The second item's outbox row collides on idempotency_key after its item and
    # decision rows were inserted: the whole transaction must roll back.
    with pytest.raises(IntegrityError):
        items.record(item=_item("c-2"), decision=_decision("shared"), checked=True)
    assert items.find_item_with_decision("c-2") is None
    assert (_count(engine, "items"), _count(engine, "decisions")) == (1, 1)
    assert (_count(engine, "outbox"), _count(engine, "audit_events")) == (2, 1)
    # The chain continues cleanly after the rollback.
    items.record(item=_item("c-3"), decision=_decision("c-3"))
    assert verify_chain(AuditStore(session_factory(engine)).iter_events()).ok


def test_concurrent_records_keep_a_gapless_verifiable_chain(engine: sa.Engine) -> None:
    items = ItemStore(session_factory(engine))
    errors: list[BaseException] = []

    def worker(w: int) -> None:
        try:
            for i in range(15):
                cid = f"w{w}-{i}"
                items.record(item=_item(cid), decision=_decision(cid, actions=1), checked=True)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    events = list(AuditStore(session_factory(engine)).iter_events())
    assert [e.seq for e in events] == list(range(1, 61))
    assert verify_chain(events).ok
    assert _count(engine, "items") == _count(engine, "outbox") == 60

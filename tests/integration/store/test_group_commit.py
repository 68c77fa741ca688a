"""Group commit: many requests' items, decisions, outbox rows and audit events in one transaction.

What a platform relies on: every pair it was told is stored is stored, in a strict
audit chain linked in batch order; a repeated ``content_id`` gets the decision stored
first even inside one batch; one bad item fails alone; and when too much waits the
caller is told to come back instead of queueing without bound. Runs on SQLite and on
PostgreSQL (the ``engine`` fixture).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shieldwall.audit.verify import verify_chain
from shieldwall.errors import OverloadedError
from shieldwall.pipeline.group_commit import GroupCommitter
from shieldwall.store import session_factory
from shieldwall.store.audit_store import AuditStore
from shieldwall.store.items import ItemStore
from shieldwall.store.service_records import NewAction, NewDecision, NewItem, Recorded


def _item(content_id: str) -> NewItem:
    return NewItem(content_id=content_id, source="lookup", pdq="cd" * 32, uploader_id="u-1")


def _decision(key: str, actions: int = 1) -> NewDecision:
    return NewDecision(
        id=str(uuid.uuid4()),
        source="lookup",
        verdict="allow",
        policy_version="v1",
        fired=[],
        reasons=[],
        matches=[],
        signals=[],
        notes=[],
        actions=[
            NewAction(kind="webhook", payload={"item_id": None}, idempotency_key=f"{key}:{n}")
            for n in range(actions)
        ],
    )


def _count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


class Gate:
    """Wraps the real batch write so a test can hold the writer inside its first batch."""

    def __init__(self, items: ItemStore) -> None:
        self.items = items
        self.entered = threading.Event()
        self.release = threading.Event()
        self.sizes: list[int] = []

    def __call__(self, pairs: Sequence[tuple[NewItem, NewDecision]]) -> list[Recorded]:
        self.sizes.append(len(pairs))
        self.entered.set()
        assert self.release.wait(30), "the test never released the writer"
        return self.items.record_many(pairs)


def test_one_batch_is_chained_in_order_and_a_repeat_inside_it_gets_the_first_decision(
    engine: sa.Engine,
) -> None:
    sessions = session_factory(engine)
    items = ItemStore(sessions)
    pairs = [(_item(c), _decision(f"k{n}")) for n, c in enumerate(["a", "b", "c", "b", "d"])]
    done = items.record_many(pairs)
    assert [r.item.content_id for r in done] == ["a", "b", "c", "b", "d"]
    assert [r.created for r in done] == [True, True, True, False, True]
    # The repeat gets the decision the first "b" stored, not its own.
    assert done[3].decision.id == done[1].decision.id == pairs[1][1].id
    assert done[3].item.id == done[1].item.id
    assert all(len(r.outbox_ids) == 1 for r in done if r.created) and done[3].outbox_ids == ()
    events = list(AuditStore(sessions).iter_events())
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert [e.subject_id for e in events] == ["a", "b", "c", "d"]  # linked in batch order
    assert verify_chain(events).ok
    assert (_count(engine, "items"), _count(engine, "decisions"), _count(engine, "outbox")) == (
        4,
        4,
        4,
    )
    # Sent again later, alone: the same stored decision, nothing written.
    again = items.record_many([(_item("b"), _decision("later"))])[0]
    assert not again.created and again.decision.id == done[1].decision.id
    assert _count(engine, "audit_events") == 4


def test_the_writer_takes_everything_waiting_as_one_batch(engine: sa.Engine) -> None:
    gate = Gate(ItemStore(session_factory(engine)))
    committer = GroupCommitter(gate, max_batch=100)
    first = committer.submit(_item("first"), _decision("first"))
    assert gate.entered.wait(30)
    rest = [committer.submit(_item(f"r{n}"), _decision(f"r{n}")) for n in range(10)]
    gate.release.set()
    assert first.result(30).created
    assert all(f.result(30).created for f in rest)
    assert gate.sizes == [1, 10]  # the ten that queued meanwhile: one transaction
    assert committer.batches == 2
    committer.close()
    assert verify_chain(list(AuditStore(session_factory(engine)).iter_events())).ok


def test_a_bad_item_fails_alone_and_its_batch_mates_are_stored(engine: sa.Engine) -> None:
    items = ItemStore(session_factory(engine))
    items.record(item=_item("earlier"), decision=_decision("taken"))
    gate = Gate(items)
    committer = GroupCommitter(gate, max_batch=100)
    hold = committer.submit(_item("hold"), _decision("hold"))
    assert gate.entered.wait(30)
    good1 = committer.submit(_item("good-1"), _decision("good-1"))
    # Its outbox row collides on the idempotency key: this pair cannot be stored.
    bad = committer.submit(_item("bad"), _decision("taken"))
    good2 = committer.submit(_item("good-2"), _decision("good-2"))
    gate.release.set()
    assert hold.result(30).created
    assert good1.result(30).created and good2.result(30).created
    with pytest.raises(IntegrityError):
        bad.result(30)
    committer.close()
    assert items.find_item_with_decision("bad") is None
    assert items.find_item_with_decision("good-2") is not None
    assert _count(engine, "items") == 4
    assert verify_chain(list(AuditStore(session_factory(engine)).iter_events())).ok


def test_when_too_much_waits_the_caller_is_refused_not_queued(engine: sa.Engine) -> None:
    gate = Gate(ItemStore(session_factory(engine)))
    committer = GroupCommitter(gate, max_pending=3)
    held = committer.submit(_item("held"), _decision("held"))
    assert gate.entered.wait(30)
    queued = committer.submit_many([(_item(f"q{n}"), _decision(f"q{n}")) for n in range(3)])
    with pytest.raises(OverloadedError) as refused:
        committer.submit(_item("one-too-many"), _decision("one-too-many"))
    assert refused.value.code == "overloaded" and refused.value.http_status == 503
    gate.release.set()
    assert held.result(30).created and all(f.result(30).created for f in queued)
    committer.close()
    assert ItemStore(session_factory(engine)).find_item_with_decision("one-too-many") is None
    assert _count(engine, "items") == 4


def test_concurrent_writers_are_all_stored_in_a_gapless_chain(engine: sa.Engine) -> None:
    items = ItemStore(session_factory(engine))
    committer = GroupCommitter(items.record_many, max_batch=16)
    errors: list[BaseException] = []
    results: list[Recorded] = []

    def client(w: int) -> None:
        try:
            for i in range(15):
                cid = f"w{w}-{i}"
                results.append(committer.submit(_item(cid), _decision(cid)).result(60))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    committer.close()
    assert errors == []
    assert len(results) == 90 and all(r.created for r in results)
    events = list(AuditStore(session_factory(engine)).iter_events())
    assert [e.seq for e in events] == list(range(1, 91))
    assert verify_chain(events).ok
    assert _count(engine, "items") == _count(engine, "outbox") == 90


def test_close_stores_what_was_queued_and_then_refuses(engine: sa.Engine) -> None:
    items = ItemStore(session_factory(engine))
    committer = GroupCommitter(items.record_many)
    futures = [committer.submit(_item(f"c{n}"), _decision(f"c{n}")) for n in range(20)]
    committer.close()
    assert all(f.result(30).created for f in futures)
    with pytest.raises(OverloadedError):
        committer.submit(_item("late"), _decision("late"))
    assert _count(engine, "items") == 20

"""The non-webhook kinds (review, add_to_bank, child_safety_report, unknown) and redelivery.

Every kind must be idempotent, because delivery is at least once: these tests
deliver each row, replay it, deliver it again, and check nothing was doubled.
"""

from __future__ import annotations

import json
import stat
import uuid
from datetime import timedelta

import pytest

from shieldwall.config import Settings
from shieldwall.runtime import Runtime
from shieldwall.store import BankStore, ItemStore, make_engine, session_factory
from shieldwall.store.outbox import DEAD, DELIVERED
from shieldwall.store.reviews import ReviewStore
from shieldwall.store.service_records import NewAction
from shieldwall.types import BankPurpose, HashKind
from shieldwall.worker import build_deliverer
from shieldwall.worker.actions import REPORTS_FOLDER, report_file_stem
from tests.integration.worker.conftest import SettingsFactory, outbox_for, record_actions
from tests.integration.worker.webhook_receiver import Receiver

PDQ = "f" * 64


def drain(settings: Settings) -> list[str]:
    rt = Runtime.open(settings)
    deliverer = build_deliverer(rt)
    try:
        return [r.outcome.status for r in deliverer.drain(workers=2) if r.outcome]
    finally:
        deliverer.close()
        rt.close()


def deliver_twice(settings: Settings, decision_id: str) -> None:
    """Deliver, replay every row, deliver again (what a lost acknowledgement looks like)."""
    assert set(drain(settings)) == {"delivered"}
    outbox = outbox_for(settings.effective_database_url)
    for row in outbox.for_decision(decision_id):
        outbox.replay(row.id)
    assert set(drain(settings)) == {"delivered"}
    assert all(r.status == DELIVERED for r in outbox.for_decision(decision_id))


def test_review_actions_open_one_task_per_action_in_deadline_order(
    make_settings: SettingsFactory,
) -> None:
    settings = make_settings()
    url = settings.effective_database_url
    content_id = f"post-{uuid.uuid4().hex[:8]}"
    actions = [
        NewAction(
            kind="review",
            payload={"queue": "ncii", "priority": p, "sla_hours": h},
            idempotency_key=f"rv-{uuid.uuid4().hex}",
        )
        for p, h in (("normal", 24), ("urgent", 1))
    ]
    decision_id = record_actions(url, [], content_id=content_id)
    engine = make_engine(url)
    item = ItemStore(session_factory(engine)).get_item(content_id)
    # The pipeline writes item_id/decision_id into the payload; do the same here.
    actions = [
        NewAction(
            kind=a.kind,
            payload={**a.payload, "item_id": item.id, "decision_id": decision_id},
            idempotency_key=a.idempotency_key,
        )
        for a in actions
    ]
    outbox = outbox_for(url)
    for a in actions:
        outbox.enqueue(
            kind=a.kind,
            payload=a.payload,
            idempotency_key=a.idempotency_key,
            decision_id=decision_id,
        )

    deliver_twice(settings, decision_id)

    reviews = ReviewStore(session_factory(engine))
    tasks = reviews.open_tasks("ncii")
    assert [t.priority for t in tasks] == ["urgent", "normal"]  # earliest deadline first
    assert all(t.item_id == item.id and t.decision_id == decision_id for t in tasks)
    urgent, normal = tasks
    assert urgent.due_at is not None and normal.due_at is not None
    assert normal.due_at - urgent.due_at == pytest.approx(
        timedelta(hours=23), abs=timedelta(minutes=1)
    )
    assert reviews.close(urgent.id).status == "closed"
    assert [t.id for t in reviews.open_tasks("ncii")] == [normal.id]
    engine.dispose()


def test_add_to_bank_actions_add_once_with_provenance(make_settings: SettingsFactory) -> None:
    settings = make_settings()
    url = settings.effective_database_url
    engine = make_engine(url)
    banks = BankStore(session_factory(engine))
    banks.create_bank(name="confirmed_ncii", purpose=BankPurpose.INTERNAL)
    action = NewAction(
        kind="add_to_bank",
        payload={
            "bank": "confirmed_ncii",
            "entries": [
                {"signal_type": "pdq", "value": PDQ},
                {"signal_type": "md5", "value": "0" * 32},
            ],
            "source": "review",
            "case_id": "case-42",
        },
        idempotency_key=f"ab-{uuid.uuid4().hex}",
    )
    decision_id = record_actions(url, [action])

    deliver_twice(settings, decision_id)

    entries = list(banks.iter_bank_entries(bank="confirmed_ncii"))
    assert sorted((e.signal_type, e.value) for e in entries) == [
        (HashKind.MD5, "0" * 32),
        (HashKind.PDQ, PDQ),
    ]
    assert {e.provenance.case_id for e in entries} == {"case-42"}
    engine.dispose()


def test_child_safety_reports_are_prepared_privately_and_never_sent(
    make_settings: SettingsFactory, receiver: Receiver
) -> None:
    settings = make_settings()
    key = f"csr/{uuid.uuid4().hex}"  # a slash must not escape the reports folder
    payload = {"content_id": "post-1", "reason": "test", "matches": [{"bank": "b", "entry_id": 1}]}
    decision_id = record_actions(
        settings.effective_database_url,
        [NewAction(kind="child_safety_report", payload=payload, idempotency_key=key)],
    )

    deliver_twice(settings, decision_id)

    folder = settings.data_dir / REPORTS_FOLDER
    files = [p for p in folder.iterdir()]
    assert [p.name for p in files] == [f"{report_file_stem(key)}.json"]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    document = json.loads(files[0].read_text())
    assert document["payload"] == payload
    assert document["idempotency_key"] == key
    assert document["status"].startswith("prepared, not filed")
    assert receiver.request_times == []


def test_unknown_kinds_and_bad_payloads_go_to_the_dead_letters_with_a_reason(
    make_settings: SettingsFactory,
) -> None:
    settings = make_settings()
    decision_id = record_actions(
        settings.effective_database_url,
        [
            NewAction(kind="carrier_pigeon", payload={}, idempotency_key=f"u-{uuid.uuid4().hex}"),
            NewAction(
                kind="add_to_bank",
                payload={"bank": "no_such_bank", "entries": [{"signal_type": "pdq", "value": PDQ}]},
                idempotency_key=f"nb-{uuid.uuid4().hex}",
            ),
            NewAction(
                kind="review", payload={"queue": "x"}, idempotency_key=f"r-{uuid.uuid4().hex}"
            ),
        ],
    )
    assert drain(settings) == ["dead", "dead", "dead"]
    rows = outbox_for(settings.effective_database_url).for_decision(decision_id)
    assert all(r.status == DEAD and r.attempts == 1 for r in rows)
    errors = [r.last_error or "" for r in rows]
    assert "unknown action kind 'carrier_pigeon'" in errors[0]
    assert "bank_not_found" in errors[1]
    assert "malformed review payload" in errors[2]

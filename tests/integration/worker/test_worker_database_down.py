"""With the database away, the worker waits and says so in one line; it does not crash.

Before, every queued delivery that met a database outage was logged by Huey as an
"Unhandled exception in task" with a traceback (57 of them in one second of a PostgreSQL
kill in ``tests/security/test_postgres_kill.py``), and the sweeper and housekeeping logged a
traceback every pass. Nothing was lost (the rows stay in the outbox), but an operator saw a
crash. The outage here is a SQLite write lock held by another connection past the busy
timeout: ``database is locked``, the same temporary fault the API answers with 503.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from shieldwall.config import Settings
from shieldwall.runtime import Runtime
from shieldwall.store import engine as engine_module
from shieldwall.store.outbox import DELIVERED
from shieldwall.worker import WorkerService, enqueue_delivery, make_huey
from shieldwall.worker.queue import bind_deliverer
from shieldwall.worker.service import Sweeper, build_deliverer
from tests.integration.worker.conftest import (
    SettingsFactory,
    outbox_for,
    record_actions,
    wait_until,
    webhook_action,
)
from tests.integration.worker.webhook_receiver import Receiver


@pytest.fixture(autouse=True)
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 200)


def _lock(settings: Settings) -> sqlite3.Connection:
    """A second connection to the test's database, to take its write lock with."""
    path = make_url(settings.effective_database_url).database
    assert path
    return sqlite3.connect(path, isolation_level=None)


def _crashes(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def _messages(caplog: pytest.LogCaptureFixture, event: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(event)]


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
def test_a_queued_delivery_that_meets_a_locked_database_is_deferred_not_crashed(
    make_settings: SettingsFactory, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings()
    actions = [webhook_action(n) for n in range(3)]
    decision_id = record_actions(settings.effective_database_url, actions)
    outbox = outbox_for(settings.effective_database_url)
    ids = [row.id for row in outbox.for_decision(decision_id)]
    runtime = Runtime.open(settings)
    huey = make_huey(settings)
    bind_deliverer(huey, build_deliverer(runtime))
    lock = _lock(settings)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        assert enqueue_delivery(huey, ids) == len(ids)
        with caplog.at_level(logging.INFO):
            _run_queued(huey)
        lock.execute("ROLLBACK")
        assert _crashes(caplog) == []
        assert len(_messages(caplog, "outbox.deliver_deferred")) == len(ids)
        assert receiver.keys == set()  # nothing was sent: the claim came first
        assert {r.status for r in outbox.for_decision(decision_id)} == {"pending"}

        enqueue_delivery(huey, ids)  # the database is back: the same tasks deliver
        _run_queued(huey)
        assert {r.status for r in outbox.for_decision(decision_id)} == {DELIVERED}
        assert receiver.keys == {a.idempotency_key for a in actions}
    finally:
        lock.close()
        huey.flush()
        runtime.close()


def _run_queued(huey: Any) -> None:
    """Run every queued task here (a decision's rows are one ``deliver_many`` task)."""
    while (task := huey.dequeue()) is not None:
        huey.execute(task)


@pytest.fixture
def running() -> Iterator[list[WorkerService]]:
    started: list[WorkerService] = []
    yield started
    for service in started:
        service.stop()


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
def test_the_sweeper_logs_an_outage_once_and_delivers_when_the_database_is_back(
    make_settings: SettingsFactory,
    receiver: Receiver,
    running: list[WorkerService],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    failed: list[str] = []
    sweep = Sweeper.sweep

    def counted(self: Sweeper) -> int:
        try:
            return sweep(self)
        except Exception as exc:
            failed.append(type(exc).__name__)
            raise

    monkeypatch.setattr(Sweeper, "sweep", counted)
    settings = make_settings()
    caplog.set_level(logging.INFO)
    service = WorkerService(settings, workers=1)
    service.start()
    running.append(service)
    lock = _lock(settings)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        wait_until(lambda: len(failed) >= 3)  # three passes met the lock
        lock.execute("ROLLBACK")
    finally:
        lock.close()
    wait_until(lambda: bool(_messages(caplog, "worker.database_back loop=sweeper")))
    actions = [webhook_action(n) for n in range(3)]
    decision_id = record_actions(settings.effective_database_url, actions)
    outbox = outbox_for(settings.effective_database_url)
    wait_until(lambda: all(r.status == DELIVERED for r in outbox.for_decision(decision_id)))
    assert receiver.keys == {a.idempotency_key for a in actions}
    assert len(_messages(caplog, "worker.database_unavailable loop=sweeper")) == 1
    assert _crashes(caplog) == []

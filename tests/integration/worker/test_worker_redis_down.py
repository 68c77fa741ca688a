"""With Redis (the queue) down, the worker still delivers: the outbox is in the database.

Before, the sweeper failed on every pass (``pending_count`` raised) and nothing was sent
until Redis came back. Redis here is a closed loopback port.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shieldwall.store.outbox import DELIVERED
from shieldwall.worker import WorkerService
from tests.integration.worker.conftest import (
    SettingsFactory,
    outbox_for,
    record_actions,
    wait_until,
    webhook_action,
)
from tests.integration.worker.webhook_receiver import Receiver

CLOSED_PORT = 18396


@pytest.fixture
def running() -> Iterator[list[WorkerService]]:
    started: list[WorkerService] = []
    yield started
    for service in started:
        service.stop()


def test_the_worker_delivers_from_the_outbox_while_redis_is_down(
    make_settings: SettingsFactory, receiver: Receiver, running: list[WorkerService]
) -> None:
    settings = make_settings(redis_url=f"redis://127.0.0.1:{CLOSED_PORT}/3")
    actions = [webhook_action(n) for n in range(5)]
    decision_id = record_actions(settings.effective_database_url, actions)
    service = WorkerService(settings, workers=1)
    service.start()
    running.append(service)
    outbox = outbox_for(settings.effective_database_url)
    wait_until(lambda: all(r.status == DELIVERED for r in outbox.for_decision(decision_id)))
    assert receiver.keys == {a.idempotency_key for a in actions}
    assert receiver.rejected == []

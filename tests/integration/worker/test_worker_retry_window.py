"""Delivery retries span hours, and an alert is logged before anything goes dead.

Before: 8 attempts from 2 s doubling = about 4 minutes in all, so a receiver down for 5
minutes sent everything owed to the dead letters, with no warning.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from shieldwall.config import load_settings
from shieldwall.store.outbox import DEAD
from shieldwall.worker import WorkerService
from shieldwall.worker.outcome import retry_delay, retry_window_s
from tests.integration.worker.conftest import (
    SettingsFactory,
    outbox_for,
    record_actions,
    wait_until,
    webhook_action,
)
from tests.integration.worker.webhook_receiver import Receiver


def test_the_default_schedule_outlasts_an_afternoon_outage() -> None:
    settings = load_settings()
    shortest = retry_window_s(
        settings.outbox_max_attempts,
        base_s=settings.outbox_backoff_s,
        cap_s=settings.outbox_max_backoff_s,
        jitter=0.75,
    )
    assert shortest >= 4 * 3600
    # Each wait respects the configured cap, whatever the jitter.
    assert retry_delay(30, base_s=2.0, cap_s=settings.outbox_max_backoff_s) <= 3600


@pytest.fixture
def running() -> Iterator[list[WorkerService]]:
    started: list[WorkerService] = []
    yield started
    for service in started:
        service.stop()


def test_a_failing_receiver_raises_an_alert_before_the_row_goes_dead(
    make_settings: SettingsFactory,
    receiver: Receiver,
    running: list[WorkerService],
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = make_settings(
        outbox_max_attempts=4, outbox_backoff_s=0.05, outbox_alert_attempts_left=2
    )
    receiver.always = 503
    decision_id = record_actions(settings.effective_database_url, [webhook_action()])
    outbox = outbox_for(settings.effective_database_url)
    with caplog.at_level(logging.INFO, logger="shieldwall"):
        service = WorkerService(settings, workers=1)
        service.start()
        running.append(service)
        wait_until(lambda: outbox.for_decision(decision_id)[0].status == DEAD)
    events = [r.getMessage().split(" ")[0] for r in caplog.records]
    at_risk = [i for i, e in enumerate(events) if e == "outbox.delivery_at_risk"]
    dead = events.index("outbox.dead")
    # Attempts 2 and 3 (2 and 1 left) warned, both before the row died at attempt 4.
    assert len(at_risk) == 2 and max(at_risk) < dead
    assert all(
        r.levelno == logging.ERROR
        for r in caplog.records
        if r.getMessage().startswith("outbox.delivery_at_risk")
    )

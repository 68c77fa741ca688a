"""Webhook delivery through the real queue: retries with backoff, refusals, dead letters, replay.

Each test runs on the embedded stack (SQLite + SqliteHuey) and on the production
stack (PostgreSQL + RedisHuey), with a real HTTP receiver that checks signatures.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

import pytest
from typer.testing import CliRunner

from shieldwall.cli.worker_cmd import outbox_app
from shieldwall.config import Settings
from shieldwall.store.outbox import DEAD, DELIVERED
from shieldwall.worker import NO_WEBHOOK_URL, WorkerService, enqueue_delivery, make_huey
from tests.integration.worker.conftest import (
    SettingsFactory,
    outbox_for,
    record_actions,
    wait_until,
    webhook_action,
)
from tests.integration.worker.webhook_receiver import Receiver


@pytest.fixture
def running() -> Iterator[list[WorkerService]]:
    """Worker services started by a test, stopped (gracefully) at its end."""
    started: list[WorkerService] = []
    yield started
    for service in started:
        service.stop()


def start_worker(settings: Settings, running: list[WorkerService], workers: int = 2) -> None:
    service = WorkerService(settings, workers=workers)
    service.start()
    running.append(service)


def test_failures_are_retried_with_backoff_until_delivered(
    make_settings: SettingsFactory, receiver: Receiver, running: list[WorkerService]
) -> None:
    settings = make_settings(outbox_backoff_s=0.2, outbox_max_attempts=5)
    receiver.fail_next(500, "timeout", 503)
    action = webhook_action(event="decision.updated")
    decision_id = record_actions(settings.effective_database_url, [action])

    start_worker(settings, running)
    outbox = outbox_for(settings.effective_database_url)
    wait_until(lambda: outbox.for_decision(decision_id)[0].status == DELIVERED)

    [row] = outbox.for_decision(decision_id)
    assert row.attempts == 4 and row.last_error is None
    assert [d.key for d in receiver.deliveries] == [action.idempotency_key]
    delivered = receiver.deliveries[0]
    assert delivered.event == "decision.updated"
    assert delivered.payload == action.payload
    # Each retry waited at least its backoff (base * 2**(n-1), jitter never below 0.75).
    gaps = [b - a for a, b in pairwise(receiver.request_times)]
    assert len(gaps) == 3
    for n, gap in enumerate(gaps, start=1):
        assert gap >= 0.2 * 2 ** (n - 1) * 0.75


def test_a_refusal_goes_to_the_dead_letters_at_once_and_replay_delivers_it(
    make_settings: SettingsFactory, receiver: Receiver, running: list[WorkerService]
) -> None:
    settings = make_settings()
    receiver.always = 403
    action = webhook_action()
    decision_id = record_actions(settings.effective_database_url, [action])
    outbox = outbox_for(settings.effective_database_url)

    start_worker(settings, running)
    wait_until(lambda: outbox.for_decision(decision_id)[0].status == DEAD)
    [row] = outbox.for_decision(decision_id)
    assert row.attempts == 1
    assert row.last_error is not None
    assert "HTTP 403" in row.last_error and "refused by the test receiver" in row.last_error
    assert receiver.deliveries == []

    # The platform fixes its end; an operator replays the dead letter from the CLI.
    receiver.always = None
    env = {
        "SHIELDWALL_DATA_DIR": str(settings.data_dir),
        "SHIELDWALL_DATABASE_URL": settings.effective_database_url,
        "SHIELDWALL_REDIS_URL": settings.redis_url or "",
    }
    listed = CliRunner().invoke(outbox_app, ["list", "--status", "dead", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert f'"id":{row.id}' in listed.output
    replayed = CliRunner().invoke(outbox_app, ["replay", str(row.id), "--json"], env=env)
    assert replayed.exit_code == 0, replayed.output

    wait_until(lambda: outbox.get(row.id).status == DELIVERED)
    assert [d.key for d in receiver.deliveries] == [action.idempotency_key]
    assert outbox.get(row.id).attempts == 1


@pytest.mark.parametrize("status", [429, 503])
def test_passing_trouble_is_retried_then_buried_after_max_attempts(
    make_settings: SettingsFactory, receiver: Receiver, running: list[WorkerService], status: int
) -> None:
    settings = make_settings(outbox_max_attempts=3, outbox_backoff_s=0.05)
    receiver.always = status
    decision_id = record_actions(settings.effective_database_url, [webhook_action()])
    outbox = outbox_for(settings.effective_database_url)

    start_worker(settings, running)
    wait_until(lambda: outbox.for_decision(decision_id)[0].status == DEAD)
    [row] = outbox.for_decision(decision_id)
    assert row.attempts == 3
    assert row.last_error is not None
    assert row.last_error.startswith("gave up after 3 attempts")
    assert f"HTTP {status}" in row.last_error
    assert len(receiver.request_times) == 3


def test_enqueue_after_commit_delivers_without_waiting_for_the_sweeper(
    make_settings: SettingsFactory, receiver: Receiver, running: list[WorkerService]
) -> None:
    # The sweeper runs once at start and then sleeps for a minute: only the queue can deliver.
    settings = make_settings(worker_poll_s=60)
    start_worker(settings, running)
    actions = [webhook_action(n) for n in range(5)]
    decision_id = record_actions(settings.effective_database_url, actions)
    outbox = outbox_for(settings.effective_database_url)
    ids = [r.id for r in outbox.for_decision(decision_id)]

    assert enqueue_delivery(make_huey(settings), ids) == 5
    wait_until(lambda: all(r.status == DELIVERED for r in outbox.for_decision(decision_id)))
    assert receiver.keys == {a.idempotency_key for a in actions}


def test_rows_that_were_never_queued_are_found_by_the_sweeper(
    make_settings: SettingsFactory, receiver: Receiver, running: list[WorkerService]
) -> None:
    settings = make_settings()
    start_worker(settings, running)
    actions = [webhook_action(n) for n in range(12)]
    decision_id = record_actions(settings.effective_database_url, actions)  # no enqueue
    outbox = outbox_for(settings.effective_database_url)
    wait_until(lambda: all(r.status == DELIVERED for r in outbox.for_decision(decision_id)))
    assert receiver.keys == {a.idempotency_key for a in actions}
    assert receiver.rejected == []


def test_without_a_webhook_url_the_row_is_held_not_called_delivered_and_goes_out_later(
    make_settings: SettingsFactory, receiver: Receiver
) -> None:
    """Nothing can be sent without a URL: the row used to be marked delivered (untrue, and
    never sent afterwards). Now it is held, visibly, uses no attempt, and goes out, with its
    idempotency key, as soon as a worker with a URL runs."""
    from shieldwall.runtime import Runtime
    from shieldwall.worker import build_deliverer

    settings = make_settings(webhook_url=None)
    action = webhook_action()
    decision_id = record_actions(settings.effective_database_url, [action])
    rt = Runtime.open(settings)
    try:
        results = build_deliverer(rt).drain()
        again = build_deliverer(rt).drain()  # a held row is not claimed over and over
    finally:
        rt.close()
    assert [r.outcome.status for r in results if r.outcome] == ["held"]
    assert again == []
    outbox = outbox_for(settings.effective_database_url)
    [row] = outbox.for_decision(decision_id)
    assert (row.status, row.last_error, row.attempts) == ("held", NO_WEBHOOK_URL, 0)
    assert row.delivered_at is None
    assert outbox.counts().get("delivered", 0) == 0 and outbox.counts()["held"] == 1
    assert receiver.request_times == []  # nothing was sent anywhere
    # The operator sees it: the CLI lists it as held, with the reason.
    listed = CliRunner().invoke(
        outbox_app, ["list", "--status", "held", "--json"], env=_cli_env(settings)
    )
    assert listed.exit_code == 0, listed.output
    assert NO_WEBHOOK_URL in listed.output and action.idempotency_key in listed.output

    with_url = settings.model_copy(update={"webhook_url": receiver.url})
    rt = Runtime.open(with_url)
    try:
        sent = build_deliverer(rt).drain()
    finally:
        rt.close()
    assert [r.outcome.status for r in sent if r.outcome] == ["delivered"]
    [row] = outbox.for_decision(decision_id)
    assert row.status == DELIVERED and row.attempts == 1
    assert [d.key for d in receiver.deliveries] == [action.idempotency_key]


def _cli_env(settings: Settings) -> dict[str, str]:
    return {
        "SHIELDWALL_DATA_DIR": str(settings.data_dir),
        "SHIELDWALL_DATABASE_URL": settings.effective_database_url,
        "SHIELDWALL_REDIS_URL": settings.redis_url or "",
    }

"""Fixtures for the worker tests: a real webhook receiver, and a database + queue per test.

``backend`` runs a test twice: embedded (SQLite file + SqliteHuey in ``tmp_path``)
and production (a fresh schema in the session's PostgreSQL database + RedisHuey
on the local Redis, its queue name unique to that schema).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from shieldwall.config import Settings, load_settings
from shieldwall.store import ItemStore, OutboxStore, make_engine, session_factory, upgrade
from shieldwall.store.service_records import NewAction, NewDecision, NewItem
from tests.integration.worker.webhook_receiver import Receiver

REDIS_URL = os.environ.get("SHIELDWALL_TEST_REDIS", "redis://127.0.0.1:6379/0")
SECRET = "test-webhook-secret"
_BACKENDS = [
    "embedded",
    pytest.param("production", marks=[pytest.mark.postgres, pytest.mark.redis]),
]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(SECRET, timeout_sleep_s=1.0).start()
    try:
        yield r
    finally:
        r.stop()


@pytest.fixture(params=_BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """``{"database_url": …, "redis_url": … or None}`` for a migrated, empty database."""
    if request.param == "embedded":
        url = f"sqlite:///{tmp_path / 'shieldwall.db'}"
        upgrade(url)
        yield {"database_url": url, "redis_url": None}
        return
    base: str = request.getfixturevalue("postgres_url")
    schema = f"w_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = (
        make_url(base)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    upgrade(url)
    try:
        yield {"database_url": url, "redis_url": REDIS_URL}
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


SettingsFactory = Callable[..., Settings]


@pytest.fixture
def make_settings(
    backend: dict[str, Any], tmp_path: Path, receiver: Receiver
) -> Iterator[SettingsFactory]:
    """Settings for this test's database and queue with short retry timings; the Redis
    queue is flushed afterwards."""
    made: list[Settings] = []

    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "database_url": backend["database_url"],
            "redis_url": backend["redis_url"],
            "webhook_url": receiver.url,
            "webhook_secret": SECRET,
            "webhook_timeout_s": 0.5,
            "outbox_backoff_s": 0.05,
            "outbox_max_attempts": 4,
            "outbox_lease_s": 2.0,
            "worker_poll_s": 0.1,
        }
        values.update(overrides)
        settings = load_settings(**values)
        made.append(settings)
        return settings

    yield factory
    if backend["redis_url"]:
        from shieldwall.worker import make_huey

        for settings in made:
            if settings.redis_url == backend["redis_url"]:  # not a test's deliberately dead Redis
                make_huey(settings).flush()


def record_actions(database_url: str, actions: list[NewAction], *, content_id: str = "") -> str:
    """Store one item with a decision carrying ``actions``; returns the decision id."""
    engine = make_engine(database_url)
    try:
        items = ItemStore(session_factory(engine))
        decision_id = str(uuid.uuid4())
        items.record(
            item=NewItem(content_id=content_id or f"post-{uuid.uuid4().hex[:10]}", source="scan"),
            decision=NewDecision(
                id=decision_id,
                source="scan",
                verdict="block",
                policy_version="test-1",
                fired=[],
                reasons=["matched a test bank"],
                matches=[],
                signals=[],
                notes=[],
                actions=actions,
            ),
        )
        return decision_id
    finally:
        engine.dispose()


def webhook_action(n: int = 0, *, event: str = "decision.created") -> NewAction:
    return NewAction(
        kind="webhook",
        payload={"event": event, "decision": {"n": n, "verdict": "block"}},
        idempotency_key=f"wh-{uuid.uuid4().hex}",
    )


def outbox_for(database_url: str) -> OutboxStore:
    return OutboxStore(session_factory(make_engine(database_url)))


def wait_until(check: Callable[[], bool], *, limit_s: float = 30.0) -> None:
    """Poll ``check`` until true; the limit only stops a broken test from hanging."""
    deadline = time.monotonic() + limit_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)

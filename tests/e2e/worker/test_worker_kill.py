"""The kill test: SIGKILL the real ``shieldwall worker`` mid-delivery; nothing is lost.

200 webhook actions sit in the outbox. The worker CLI runs as a subprocess
against a slow receiver, is killed with SIGKILL while deliveries are in flight,
and is started again. Every action must reach the receiver at least once (it
deduplicates by idempotency key: exactly 200 distinct keys), and the outbox must
end with all 200 delivered and none dead. Runs on SQLite + SqliteHuey and on
PostgreSQL + RedisHuey.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from tests.integration.worker.webhook_receiver import Receiver

from shieldwall.config import load_settings
from shieldwall.store import ItemStore, OutboxStore, make_engine, session_factory, upgrade
from shieldwall.store.service_records import NewAction, NewDecision, NewItem

SECRET = "kill-test-secret"
ACTIONS = 200
PER_DECISION = 10
REDIS_URL = os.environ.get("SHIELDWALL_TEST_REDIS", "redis://127.0.0.1:6379/0")

# Runs the project's root CLI. Until cli/app.py registers `worker` itself, the same
# command is added to the same root app here, so the test exercises the real entry point.
LAUNCH = """
from shieldwall.cli.app import app
from shieldwall.cli.worker_cmd import worker_command
if not any(c.name == "worker" for c in app.registered_commands):
    app.command("worker")(worker_command)
app(prog_name="shieldwall")
"""


@pytest.fixture(
    params=["embedded", pytest.param("production", marks=[pytest.mark.postgres, pytest.mark.redis])]
)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    if request.param == "embedded":
        yield f"sqlite:///{tmp_path / 'shieldwall.db'}", None
        return
    base: str = request.getfixturevalue("postgres_url")
    schema = f"k_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False), REDIS_URL
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def fill_outbox(url: str) -> set[str]:
    """20 decisions with 10 webhook actions each, written as the pipeline writes them."""
    upgrade(url)
    engine = make_engine(url)
    items = ItemStore(session_factory(engine))
    keys: set[str] = set()
    for d in range(ACTIONS // PER_DECISION):
        actions = [
            NewAction(
                kind="webhook",
                payload={"event": "decision.created", "decision": {"n": d, "action": a}},
                idempotency_key=f"kill-{d}-{a}-{uuid.uuid4().hex[:8]}",
            )
            for a in range(PER_DECISION)
        ]
        keys.update(a.idempotency_key for a in actions)
        items.record(
            item=NewItem(content_id=f"post-{d}", source="scan"),
            decision=NewDecision(
                id=str(uuid.uuid4()),
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
    engine.dispose()
    return keys


def wait_until(check: Callable[[], bool], *, limit_s: float = 40.0) -> None:
    deadline = time.monotonic() + limit_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


@pytest.mark.slow
def test_a_killed_worker_loses_no_action(database: tuple[str, str | None], tmp_path: Path) -> None:
    url, redis_url = database
    keys = fill_outbox(url)
    receiver = Receiver(SECRET, delay_s=0.05).start()
    env = {
        **os.environ,
        "SHIELDWALL_DATA_DIR": str(tmp_path / "data"),
        "SHIELDWALL_DATABASE_URL": url,
        "SHIELDWALL_REDIS_URL": redis_url or "",
        "SHIELDWALL_WEBHOOK_URL": receiver.url,
        "SHIELDWALL_WEBHOOK_SECRET": SECRET,
        "SHIELDWALL_OUTBOX_LEASE_S": "1",
        "SHIELDWALL_OUTBOX_BACKOFF_S": "0.1",
        "SHIELDWALL_WORKER_POLL_S": "0.2",
    }
    if not redis_url:
        del env["SHIELDWALL_REDIS_URL"]
    log = (tmp_path / "worker.log").open("w")

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-c", LAUNCH, "worker", "--workers", "4"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    engine = make_engine(url)
    outbox = OutboxStore(session_factory(engine))
    try:
        first = start()
        wait_until(lambda: len(receiver.keys) >= 40)
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
        at_kill = outbox.counts()
        assert at_kill.get("pending", 0) > 0  # killed in the middle, work left
        assert at_kill.get("dead", 0) == 0

        second = start()
        wait_until(lambda: outbox.counts() == {"delivered": ACTIONS})
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0  # graceful stop
    finally:
        for proc in [p for p in locals().values() if isinstance(p, subprocess.Popen)]:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        receiver.stop()
        log.close()
        if redis_url:
            from shieldwall.worker import make_huey

            make_huey(
                load_settings(database_url=url, redis_url=redis_url, data_dir=tmp_path)
            ).flush()

    assert receiver.keys == keys  # every action arrived, each counted once
    assert receiver.rejected == []
    assert all(r.status == "delivered" for r in outbox.list_entries(limit=ACTIONS + 1))
    engine.dispose()

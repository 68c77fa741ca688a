"""kill -9 of PostgreSQL itself while scans, lookups, a bank import and webhook deliveries run.

A cluster of the test's own (:mod:`tests.security.private_postgres`; the shared server is
never touched) carries a real ``shieldwall serve``, a real ``shieldwall worker`` delivering
to a webhook receiver that deduplicates by idempotency key (as a careful platform does),
clients sending lookups and scans, and ``shieldwall bank import`` hunting items seen
before. The postmaster and every backend are killed with SIGKILL in the middle of it all;
the clients go on sending; then PostgreSQL is started again (crash recovery). Afterwards:

* while it was down the API answered ``503`` ``database_unavailable`` with ``Retry-After``,
  never a bare 500, and ``/readyz`` said not ready;
* the server and the worker recovered without a restart, and logged the outage as warning
  lines, never a traceback;
* every acknowledged scan and lookup is stored with the decision it was answered with, and
  after the clients re-send what was never acknowledged, every content id has one decision;
* the import, run again as an operator would, leaves every line once and hunts every item
  seen before exactly once;
* every webhook owed was delivered at least once and applied once (one distinct idempotency
  key per outbox row, none dead), and ``shieldwall audit verify`` passes.
"""

from __future__ import annotations

import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose, HashKind, NewEntry, Provenance
from tests.conftest import free_port
from tests.integration.worker.webhook_receiver import Receiver
from tests.security.fault_load import (
    BANKED,
    CLI,
    Load,
    assert_all_stored,
    audit_verifies,
    count,
    env_for,
    serve,
    stop,
    wait_until,
    worker,
)
from tests.security.private_postgres import PrivateCluster

SECRET = "postgres-kill-test-secret"
LINES = 15_000
"""Three of the import's 5,000-line chunks: the kill lands after the first has committed."""
PLANTED = 12
"""Items looked up before the import whose PDQ is one of its lines."""


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[PrivateCluster]:
    cluster = PrivateCluster(tmp_path / "pg")
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(900)
def test_postgresql_killed_mid_stream_loses_nothing_acknowledged_and_owes_nothing(
    cluster: PrivateCluster, tmp_path: Path
) -> None:
    database = cluster.url()
    data_dir = tmp_path / "data"
    settings = load_settings(data_dir=data_dir, database_url=database)
    rt = Runtime.open(settings, migrate=True)
    try:
        rt.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM, enabled=True)
        rt.banks.add_entries(
            bank="victims", entries=[NewEntry(HashKind.PDQ, BANKED, Provenance(source="test"))]
        )
        key, _ = rt.keys.create_api_key(
            name="pg-kill", scopes=["lookup", "scan"], rate_limit_per_minute=10**6
        )
    finally:
        rt.close()
    values = [secrets.token_hex(32) for _ in range(LINES)]
    planted = values[:: LINES // PLANTED][:PLANTED]
    feed = tmp_path / "feed.txt"
    feed.write_text("".join(f"pdq {v}\n" for v in values))
    import_command = [CLI, "bank", "import", "victims", str(feed), "--format", "threatexchange"]

    receiver = Receiver(SECRET, delay_s=0.02).start()
    env = env_for(database, data_dir)
    worker_env = env_for(
        database,
        data_dir,
        webhook_url=receiver.url,
        webhook_secret=SECRET,
        outbox_lease_s="2",
        outbox_backoff_s="0.2",
        outbox_max_backoff_s="1",
        worker_poll_s="0.2",
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = delivering = importing = None
    load = Load(base, key, prefix="pk-")
    try:
        delivering = worker(worker_env, tmp_path / "worker.log")  # starts while serve does
        server = serve(env, port, tmp_path / "serve.log")
        with httpx.Client(base_url=base, timeout=60) as http:
            for n, value in enumerate(planted):  # seen before the feed arrives
                seen = http.post(
                    "/v1/lookup",
                    json={"content_id": f"seen-{n}", "pdq": value},
                    headers={"Authorization": f"Bearer {key}"},
                )
                assert seen.status_code == 200, seen.text
        load.start()
        wait_until(
            "lookups acknowledged and webhooks delivered before the kill",
            lambda: len(load.acked) >= 40 and len(receiver.keys) >= 4,
        )
        importing = subprocess.Popen(
            import_command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "import.log").open("wb"),
        )

        def first_chunk_in() -> bool:
            assert importing is not None and importing.poll() is None, "the import ended first"
            return count(database, "SELECT count(*) FROM bank_entries") > 1

        wait_until("the import's first chunk committed", first_chunk_in)
        delivered_at_kill = len(receiver.keys)
        cluster.kill()
        killed_at = time.monotonic()

        wait_until(
            "the API refused requests while the database was down",
            lambda: len(load.refusals_since(killed_at)) >= 20,
        )
        ready = httpx.get(f"{base}/readyz", timeout=30)
        assert ready.status_code == 503, ready.text
        assert ready.headers.get("retry-after")
        down_s = time.monotonic() - killed_at
        recovery_s = cluster.start()
        restarted_at = time.monotonic()
        first_ack_s = wait_until(
            "a lookup acknowledged after the restart", lambda: load.acked_since(restarted_at) >= 1
        )
        wait_until(
            "the load going on after the restart", lambda: load.acked_since(restarted_at) >= 40
        )
        load.stop()
        resent = load.resend_unacknowledged()

        # The import died with the database (or finished just before it): run it again.
        first_import_rc = importing.wait(timeout=600)
        again = subprocess.run(import_command, env=env, capture_output=True, text=True, timeout=600)
        assert again.returncode == 0, again.stderr[-3000:]

        def all_delivered() -> bool:
            return _outbox_statuses(database) == {"delivered"} and receiver.keys == _webhook_keys(
                database
            )

        wait_until("every webhook owed delivered", all_delivered)
        assert (server.poll(), delivering.poll()) == (None, None)  # neither was restarted
        stop(delivering)
        stop(server)
    finally:
        load.stop()
        for proc in (importing, delivering, server):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        receiver.stop()

    refused = load.refusals_since(killed_at)
    assert load.others == [], load.others[:5]  # never a bare 500 (nor anything else)
    assert {r.code for r in refused} == {"database_unavailable"}
    assert all(r.retry_after and int(r.retry_after) >= 1 for r in load.refusals)
    assert sum(load.transport_errors.values()) == 0, load.transport_errors
    for log in ("serve.log", "worker.log"):  # an outage is a warning line, not a crash
        assert "Traceback" not in (tmp_path / log).read_text(errors="replace"), log
    rt = Runtime.open(settings, migrate=False)
    try:
        assert_all_stored(rt, load)
        assert any(verdict != "allow" for _, verdict, _ in load.acked.values())
        for n in range(PLANTED):
            found = rt.items.find_item_with_decision(f"seen-{n}")
            assert found is not None
            hunts = [d for d in rt.items.decisions_for_item(found[0].id) if d.source != "lookup"]
            assert len(hunts) == 1, (n, [d.source for d in hunts])
    finally:
        rt.close()
    assert count(database, "SELECT count(*) FROM bank_entries") == LINES + 1
    keys = _webhook_keys(database)
    assert len(receiver.deliveries) == len(keys)  # each owed action applied once
    assert receiver.rejected == []
    audit_verifies(env)
    print(
        f"\npostgres kill: {len(load.acked)} acknowledged, 0 lost, {resent} re-sent, "
        f"{len(refused)} x 503 in {down_s:.1f} s down, crash recovery {recovery_s:.2f} s, "
        f"first 2xx {first_ack_s:.2f} s after it; import killed with it: exit {first_import_rc}; "
        f"{len(keys)} webhooks owed "
        f"({delivered_at_kill} delivered before the kill), {receiver.duplicates} re-deliveries "
        "deduplicated"
    )


def _rows(database: str, sql: str) -> set[str]:
    engine = sa.create_engine(database)
    try:
        with engine.connect() as conn:
            return {str(value) for (value,) in conn.execute(sa.text(sql))}
    finally:
        engine.dispose()


def _outbox_statuses(database: str) -> set[str]:
    return _rows(database, "SELECT DISTINCT status FROM outbox")


def _webhook_keys(database: str) -> set[str]:
    return _rows(database, "SELECT idempotency_key FROM outbox WHERE kind = 'webhook'")

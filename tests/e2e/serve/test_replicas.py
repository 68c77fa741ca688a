"""Three real ``shieldwall serve`` replicas on PostgreSQL and Redis behave as one system.

The production topology in small: three processes on loopback, each with its own data
folder (as if on its own machine), one PostgreSQL database of the test's own and a private
``redis-server`` this test starts (the shared Redis is never restarted). What an operator
relies on, in order:

1. a bank entry added through one replica matches on the other two, *pushed*: the replicas
   run with a 30 s fallback poll, so only ``NOTIFY`` can bring the change in time, and no
   lookup is needed to make a replica look (``/readyz`` shows the position moving);
2. a listener whose connection is cut reconnects and reads what it missed;
3. a replica killed with SIGKILL in the middle of requests, restarted while changes were
   made without it, catches up from the log on its own; every lookup it acknowledged is
   stored with the decision it answered;
4. Redis restarted under them: lookups and bank changes carry on (limits go local, the
   change feed never needed Redis);
5. nothing is decided twice (a repeated ``content_id`` on another replica gets the stored
   decision) and ``shieldwall audit verify`` passes.

No timing thresholds: each wait has a generous deadline, and how long propagation took is
printed for the curious (``bench/bench_propagation.py`` measures it properly).
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose
from tests.conftest import POSTGRES_ADMIN_URL

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

EXE = str(Path(sys.executable).parent / "shieldwall")
PORTS = range(24000, 25000)
"""Where this test's servers listen (a range kept free for it on the shared dev machine)."""
DEADLINE_S = 20.0
"""Longest wait for a change to show up: well under the replicas' 30 s fallback poll, so
a change that arrives was pushed (or read at a reconnect), never polled."""


def _free_port() -> int:
    for port in random.sample(PORTS, len(PORTS)):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in the test range")


def _wait(what: str, check: Callable[[], bool], timeout: float = DEADLINE_S) -> float:
    """Poll ``check`` until it holds; returns how long it took."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout, f"timed out waiting for {what}"
        time.sleep(0.01)
    return time.monotonic() - start


def _pdq() -> str:
    return secrets.token_hex(32)


@dataclass
class Replica:
    name: str
    port: int
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("a") as log:
            self.proc = subprocess.Popen(
                [EXE, "serve", "--port", str(self.port), "--workers", "1"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def ready(self) -> dict[str, object] | None:
        assert self.proc is not None and self.proc.poll() is None, self.log.read_text()
        try:
            r = httpx.get(f"{self.base}/readyz", timeout=5)
        except httpx.HTTPError:
            return None
        return r.json() if r.status_code == 200 else None

    def position(self) -> int:
        state = self.ready()
        return -1 if state is None else int(state["change_seq"])  # type: ignore[call-overload]

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class Cluster:
    replicas: list[Replica]
    key: str
    redis: subprocess.Popen[bytes]
    redis_port: int
    db_url: str
    acked: dict[str, str] = field(default_factory=dict)
    """content_id -> verdict of every lookup answered 200."""

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def lookup(self, replica: Replica, pdq: str, content_id: str | None = None) -> dict[str, str]:
        content_id = content_id or f"c-{uuid.uuid4().hex}"
        r = httpx.post(
            f"{replica.base}/v1/lookup",
            json={"content_id": content_id, "pdq": pdq},
            headers=self.auth,
            timeout=30,
        )
        assert r.status_code == 200, r.text
        body: dict[str, str] = r.json()
        self.acked[content_id] = body["verdict"]
        return body

    def add(self, replica: Replica, values: list[str]) -> None:
        r = httpx.post(
            f"{replica.base}/v1/banks/victims/entries",
            json={"entries": [{"signal_type": "pdq", "value": v} for v in values]},
            headers=self.auth,
            timeout=60,
        )
        assert r.status_code == 201, r.text

    def latest_seq(self) -> int:
        engine = sa.create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return int(conn.scalar(sa.text("SELECT max(seq) FROM entry_changes")) or 0)
        finally:
            engine.dispose()

    def start_redis(self, tmp: Path) -> None:
        self.redis = _redis(self.redis_port, tmp)


def _redis(port: int, tmp: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def up() -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    _wait("the private redis-server", up)
    return proc


@pytest.fixture
def database() -> Iterator[str]:
    """A PostgreSQL database of this test's own: NOTIFY channels are per database."""
    name = f"sw_replicas_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ),
                {"n": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def cluster(database: str, tmp_path: Path) -> Iterator[Cluster]:
    settings = load_settings(data_dir=tmp_path / "setup", database_url=database)
    rt = Runtime.open(settings, migrate=True)
    key, _ = rt.keys.create_api_key(name="ops", scopes=["admin"], rate_limit_per_minute=10**6)
    rt.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM, enabled=True)
    rt.close()
    redis_port = _free_port()
    redis = _redis(redis_port, tmp_path)
    replicas = []
    for name in ("a", "b", "c"):
        env = {
            **os.environ,
            "SHIELDWALL_DATA_DIR": str(tmp_path / name),
            "SHIELDWALL_DATABASE_URL": database,
            "SHIELDWALL_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            # One checkpoint key for the whole system, as a deployment mounts it.
            "SHIELDWALL_AUDIT_SIGNING_KEY_PATH": str(settings.audit_key_path),
            "SHIELDWALL_CHANGE_FEED_FALLBACK_S": "30",
            "SHIELDWALL_SCAN_SIGNALS": "[]",
        }
        replicas.append(Replica(name, _free_port(), env, tmp_path / f"serve-{name}.log"))
    found = Cluster(replicas, key, redis, redis_port, database)
    try:
        for r in replicas:
            r.start()
        for r in replicas:
            _wait(f"replica {r.name} to start", lambda r=r: r.ready() is not None, timeout=600)
        yield found
    finally:
        for r in replicas:
            r.stop()
        if found.redis.poll() is None:
            found.redis.terminate()
            found.redis.wait(timeout=10)


@pytest.mark.timeout(900)  # three server starts and a restart; minutes on a busy shared machine
def test_three_replicas_agree_through_a_kill_and_a_redis_restart(
    cluster: Cluster, tmp_path: Path
) -> None:
    a, b, c = cluster.replicas
    # Pushed, not polled: every replica says its NOTIFY listener is up.
    for r in cluster.replicas:
        state = r.ready()
        assert state is not None and state["checks"]["change_feed"] == "ok", state  # type: ignore[index]

    # 1. Added on one, live on the other two (no lookup needed to make them look).
    for writer in (a, b):
        value = _pdq()
        cluster.add(writer, [value])
        seq = cluster.latest_seq()
        for reader in cluster.replicas:
            took = _wait(f"{reader.name} to apply {seq}", lambda r=reader, s=seq: r.position() >= s)
            print(f"change {seq} from {writer.name} live on {reader.name} after {took:.3f} s")
            assert cluster.lookup(reader, value)["verdict"] == "remove"

    # 2. The listeners' connections are cut: they reconnect and read what they missed.
    engine = sa.create_engine(cluster.db_url)
    with engine.connect() as conn:
        cut = conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'shieldwall-change-listener' "
                "AND datname = current_database()"
            )
        ).all()
    engine.dispose()
    assert len(cut) == 3
    missed = _pdq()
    cluster.add(a, [missed])
    seq = cluster.latest_seq()
    for r in (b, c):
        _wait(f"{r.name} to catch up after its reconnect", lambda r=r: r.position() >= seq)
        assert cluster.lookup(r, missed)["verdict"] == "remove"

    # 3. SIGKILL c while it answers lookups; bank changes go on without it; restart it.
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            content_id = f"kill-{uuid.uuid4().hex}"
            try:
                cluster.lookup(c, _pdq(), content_id)
            except (httpx.HTTPError, AssertionError):
                return

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    _wait("lookups on c", lambda: sum(k.startswith("kill-") for k in cluster.acked) >= 20)
    assert c.proc is not None
    c.proc.send_signal(signal.SIGKILL)
    c.proc.wait()
    stop.set()
    for t in threads:
        t.join(timeout=60)
    while_down = [_pdq() for _ in range(50)]
    cluster.add(a, while_down[:25])
    cluster.add(b, while_down[25:])
    seq = cluster.latest_seq()
    c.start()
    _wait("c to restart", lambda: c.ready() is not None, timeout=600)
    assert c.position() >= seq  # caught up from the log before it said ready
    for value in while_down[::10]:
        assert cluster.lookup(c, value)["verdict"] == "remove"

    # 4. Restart the private Redis under the running replicas.
    cluster.redis.terminate()
    cluster.redis.wait(timeout=10)
    during = _pdq()
    cluster.add(b, [during])
    seq = cluster.latest_seq()
    for r in cluster.replicas:
        _wait(f"{r.name} to apply {seq} with Redis down", lambda r=r: r.position() >= seq)
        assert cluster.lookup(r, during)["verdict"] == "remove"
        assert cluster.lookup(r, _pdq())["verdict"] != "remove"
    cluster.start_redis(tmp_path)
    after = _pdq()
    cluster.add(c, [after])
    seq = cluster.latest_seq()
    for r in cluster.replicas:
        _wait(f"{r.name} to apply {seq}", lambda r=r: r.position() >= seq)
        assert cluster.lookup(r, after)["verdict"] == "remove"

    # 5. A content id sent again, to another replica, gets the decision it was answered.
    for i, (content_id, verdict) in enumerate(list(cluster.acked.items())[::7]):
        again = cluster.replicas[i % 3]
        r = httpx.post(
            f"{again.base}/v1/lookup",
            json={"content_id": content_id, "pdq": _pdq()},
            headers=cluster.auth,
            timeout=30,
        )
        assert r.status_code == 200, r.text
        assert (r.json()["verdict"], r.json()["created"]) == (verdict, False)

    engine = sa.create_engine(cluster.db_url)
    with engine.connect() as conn:
        stored = dict(
            conn.execute(
                sa.text("SELECT content_id, verdict FROM decisions WHERE source = 'lookup'")
            ).all()
        )
        twice = conn.execute(
            sa.text(
                "SELECT content_id FROM decisions WHERE source = 'lookup' "
                "GROUP BY content_id HAVING count(*) > 1"
            )
        ).all()
    engine.dispose()
    assert twice == []
    # Nothing acknowledged is lost, and each is stored with the verdict it was answered.
    assert {k: stored.get(k) for k in cluster.acked} == cluster.acked
    verify = subprocess.run(
        [EXE, "audit", "verify", "--json"],
        env=a.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr

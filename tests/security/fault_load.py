"""Load for the outage tests: real ``shieldwall serve`` and ``worker`` processes, and clients
that keep sending lookups and scans through a fault and write down every answer.

A platform's upload handler is the model: it sends, keeps what was acknowledged (2xx), and
after an outage sends again what was never acknowledged. :class:`Load` counts what came
back: acknowledged decisions, ``503`` answers (with their problem code and ``Retry-After``),
and anything else (which the tests require to be nothing: never a bare 500).
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

from shieldwall.runtime import Runtime

CLI = str(Path(sys.executable).parent / "shieldwall")
LIMIT_S = 240.0
"""How long any awaited condition may take on a loaded shared machine: only a hang reaches it."""
BANKED = "5a" * 32
"""The PDQ in the victim bank: every fifth lookup matches it (block + remove + webhook)."""


def wait_until(what: str, check: Callable[[], bool], *, limit_s: float = LIMIT_S) -> float:
    """Poll ``check`` until it holds; the seconds that took. Fails after ``limit_s``."""
    began = time.monotonic()
    while not check():
        assert time.monotonic() - began < limit_s, f"not reached in {limit_s:.0f} s: {what}"
        time.sleep(0.02)
    return time.monotonic() - began


def env_for(database: str, data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a CLI subprocess: this database and data folder, no Redis (the
    queue is a SQLite file in the data folder), and ``SHIELDWALL_<NAME>`` settings."""
    env = {**os.environ, "SHIELDWALL_DATA_DIR": str(data_dir), "SHIELDWALL_DATABASE_URL": database}
    env.pop("SHIELDWALL_REDIS_URL", None)
    env.update({f"SHIELDWALL_{k.upper()}": v for k, v in settings.items()})
    return env


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """``shieldwall serve`` in one process on ``port``, returned once ``/readyz`` answers.

    Its output reaches ``log`` through a pipe, so a write limit on the server (the disk-full
    fallback) never silences it."""
    command = [CLI, "serve", "--port", str(port), "--workers", "1"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    threading.Thread(target=_copy, args=(proc, log), daemon=True).start()

    def ready() -> bool:
        assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until("the server is ready", ready)
    return proc


def _copy(proc: subprocess.Popen[bytes], log: Path) -> None:
    assert proc.stdout is not None
    with log.open("ab", buffering=0) as out:
        for line in proc.stdout:
            out.write(line)


def worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``shieldwall worker`` delivering the outbox (the webhook URL comes with ``env``)."""
    return subprocess.Popen(
        [CLI, "worker", "--workers", "2"], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM and wait (SIGKILL if that hangs); a process already gone is left alone."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def audit_verifies(env: dict[str, str]) -> None:
    """``shieldwall audit verify`` (what an auditor runs) exits 0."""
    done = subprocess.run(
        [CLI, "audit", "verify", "--json"], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def count(database: str, sql: str) -> int:
    engine = sa.create_engine(database)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(sql)).scalar_one())
    finally:
        engine.dispose()


def png(seed: int) -> bytes:
    """A small benign synthetic image (coloured squares), different for each seed."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(small).resize((64, 64), Image.Resampling.NEAREST).save(out, "PNG")
    return out.getvalue()


@dataclass(frozen=True)
class Refusal:
    """A 503: its problem code, ``Retry-After`` (None when missing) and when it came."""

    code: str
    retry_after: str | None
    at: float


@dataclass
class Load:
    """Clients sending lookups (and scans from client 0) to ``base`` until :meth:`stop`."""

    base: str
    key: str
    prefix: str
    clients: int = 4
    acked: dict[str, tuple[str, str, float]] = field(default_factory=dict)
    """content_id -> (decision id, verdict, when) of every 2xx answer."""
    begun: set[str] = field(default_factory=set)
    refusals: list[Refusal] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    """Anything but 2xx and 503: status and body (goal: empty)."""
    transport_errors: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _images: list[bytes] = field(default_factory=list)

    def start(self) -> Load:
        self._images = [png(n) for n in range(4)]
        self._threads = [
            threading.Thread(target=self._client, args=(c,), daemon=True)
            for c in range(self.clients)
        ]
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(120)
            assert not t.is_alive(), "a client hung"

    def send(self, http: httpx.Client, cid: str) -> httpx.Response:
        """One request for ``cid``; the same request every time it is sent."""
        auth = {"Authorization": f"Bearer {self.key}"}
        if cid.startswith(f"{self.prefix}s"):  # a scan
            image = self._images[int(cid.rsplit("-", 1)[1]) % len(self._images)]
            headers = {**auth, "Content-Type": "image/png"}
            return http.post(f"/v1/scan?content_id={cid}", content=image, headers=headers)
        n = int(cid.rsplit("-", 1)[1])
        pdq = BANKED if n % 5 == 0 else hashlib.sha256(cid.encode()).hexdigest()
        return http.post("/v1/lookup", json={"content_id": cid, "pdq": pdq}, headers=auth)

    def record(self, cid: str, response: httpx.Response) -> None:
        with self._lock:
            if 200 <= response.status_code < 300:
                body = response.json()
                self.acked[cid] = (body["decision_id"], body["verdict"], time.monotonic())
            elif response.status_code == 503:
                code = str(response.json().get("code", "")) if response.content else ""
                retry = response.headers.get("retry-after")
                self.refusals.append(Refusal(code, retry, time.monotonic()))
            else:
                self.others.append(f"{response.status_code} {response.text[:300]}")

    def _client(self, c: int) -> None:
        kind = "s" if c == 0 else "l"
        with httpx.Client(base_url=self.base, timeout=60) as http:
            n = 0
            while not self._stop.is_set():
                n += 1
                cid = f"{self.prefix}{kind}{c}-{n}"
                with self._lock:
                    self.begun.add(cid)
                try:
                    response = self.send(http, cid)
                except httpx.HTTPError as exc:
                    with self._lock:
                        self.transport_errors[type(exc).__name__] += 1
                    self._stop.wait(0.05)
                    continue
                self.record(cid, response)
                if response.status_code == 503:
                    # A real client would wait Retry-After; a short pause keeps this one from
                    # spinning and still samples the outage densely.
                    self._stop.wait(0.05)

    def resend_unacknowledged(self) -> int:
        """After the fault: send again everything begun and never acknowledged, until each is
        acknowledged (503s on the way are recorded); how many there were."""
        with self._lock:
            todo = sorted(self.begun - set(self.acked))
        with httpx.Client(base_url=self.base, timeout=60) as http:
            for cid in todo:
                deadline = time.monotonic() + LIMIT_S
                while True:
                    response = self.send(http, cid)
                    self.record(cid, response)
                    if response.status_code != 503:
                        break
                    assert time.monotonic() < deadline, f"{cid} still refused"
                    time.sleep(0.05)
                assert 200 <= response.status_code < 300, response.text
        return len(todo)

    def acked_since(self, moment: float) -> int:
        with self._lock:
            return sum(1 for _, _, at in self.acked.values() if at > moment)

    def refusals_since(self, moment: float) -> list[Refusal]:
        with self._lock:
            return [r for r in self.refusals if r.at > moment]


def assert_all_stored(rt: Runtime, load: Load) -> None:
    """Every acknowledged request is stored with the decision it was answered with, every
    content id sent is stored once, and none has two decisions."""
    for cid, (decision_id, verdict, _) in load.acked.items():
        found = rt.items.find_item_with_decision(cid)
        assert found is not None, f"{cid} was acknowledged but is not stored"
        assert (found[1].id, found[1].verdict) == (decision_id, verdict), cid
        assert len(rt.items.decisions_for_item(found[0].id)) == 1, cid
    assert set(load.acked) == load.begun
    assert any(cid.startswith(f"{load.prefix}s") for cid in load.acked)  # scans among them

"""Group commit killed between batches, again and again: SIGKILL, restart, resend.

A platform's upload handler retries a lookup whose connection broke. So this test runs the
real ``shieldwall serve`` through several rounds: clients send lookups (single and batched,
a fifth matching a victim bank), the server is killed with SIGKILL at a moment drawn at
random (after a random number of answers, plus a random few milliseconds, so the kill lands
between batches or inside one), then started again on the same database_url, and every client
first resends what was never answered before going on. At the end:

* every lookup answered 2xx is stored with the decision (id and verdict) it was answered
  with, also when it was resent after a restart (the resend gets the stored decision);
* no ``content_id`` has two items, two decisions or two ``decision.made`` events, however
  often it was sent;
* ``shieldwall audit verify`` (the command an auditor runs) passes.

Runs on SQLite and on PostgreSQL. The single-kill case is ``test_serve_kill.py``.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from shieldwall.runtime import Runtime
from shieldwall.store import session_factory
from shieldwall.store.audit_store import AuditStore
from tests.conftest import free_port
from tests.e2e.serve.serve_support import (
    EXE,
    seed_site,
    site_env,
    start_serve,
    wait_ready,
)

BANKED = "3c" * 32
CLIENTS = 6
ROUNDS = 3


class Ledger:
    """What the clients were told, and what they still have to resend."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acked: dict[str, tuple[str, str]] = {}  # content_id -> (decision_id, verdict)
        self.unanswered: dict[str, str] = {}  # content_id -> pdq, sent but never answered
        self.resent_acked = 0
        self.sent = Counter[str]()

    def answered(self, cid: str, body: dict[str, object]) -> None:
        got = (str(body["decision_id"]), str(body["verdict"]))
        with self.lock:
            first = self.acked.setdefault(cid, got)
            # A resend is answered with the decision stored for it the first time.
            assert first == got, f"{cid} was decided twice: {first} then {got}"
            if self.unanswered.pop(cid, None) is not None:
                self.resent_acked += 1

    def lost_answer(self, cid: str, pdq: str) -> None:
        with self.lock:
            if cid not in self.acked:
                self.unanswered[cid] = pdq

    def take_unanswered(self) -> list[tuple[str, str]]:
        with self.lock:
            return list(self.unanswered.items())


def _client(c: int, rnd: int, base: str, key: str, ledger: Ledger, stop: threading.Event) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    todo = [p for i, p in enumerate(ledger.take_unanswered()) if i % CLIENTS == c]
    n = 0
    with httpx.Client(base_url=base, timeout=30) as http:
        while not stop.is_set():
            if todo:
                batch = [todo.pop()]
            else:
                n += 1
                size = 4 if n % 7 == 0 else 1  # now and then a small batch
                batch = [
                    (
                        f"r{rnd}c{c}n{n}i{i}",
                        BANKED if (n + i) % 5 == 0 else uuid.uuid4().hex * 2,
                    )
                    for i in range(size)
                ]
            with ledger.lock:
                ledger.sent.update(cid for cid, _ in batch)
            try:
                if len(batch) == 1:
                    cid, pdq = batch[0]
                    r = http.post(
                        "/v1/lookup", json={"content_id": cid, "pdq": pdq}, headers=headers
                    )
                    answers = [r.json()] if r.status_code == 200 else []
                else:
                    items = [{"content_id": cid, "pdq": pdq} for cid, pdq in batch]
                    r = http.post("/v1/lookup/batch", json={"items": items}, headers=headers)
                    answers = (
                        [x["decision"] for x in r.json()["results"]] if r.status_code == 200 else []
                    )
            except httpx.HTTPError:
                for cid, pdq in batch:
                    ledger.lost_answer(cid, pdq)
                return  # the server is gone
            if not answers:  # 503 overloaded: nothing stored, send again later
                for cid, pdq in batch:
                    ledger.lost_answer(cid, pdq)
                continue
            for (cid, _), body in zip(batch, answers, strict=True):
                ledger.answered(cid, body)


@pytest.mark.slow
@pytest.mark.timeout(1200)  # several server starts under load
def test_kills_at_random_moments_lose_nothing_and_decide_nothing_twice(
    database_url: str, tmp_path: Path
) -> None:
    settings, key = seed_site(database_url, tmp_path / "data", BANKED)
    env = site_env(database_url, tmp_path / "data")
    seed = int(os.environ.get("SHIELDWALL_KILL_SEED", time.time_ns() % 10**6))
    chance = random.Random(seed)
    ledger = Ledger()
    for rnd in range(ROUNDS):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = tmp_path / f"serve-{rnd}.log"
        stop = threading.Event()
        acked_before = len(ledger.acked)
        kill_after = chance.randint(20, 120)  # answers this round before the kill
        with log_path.open("w") as log:
            proc = start_serve(port, env, log)
            threads = [
                threading.Thread(target=_client, args=(c, rnd, base, key, ledger, stop))
                for c in range(CLIENTS)
            ]
            try:
                wait_ready(proc, base, log_path)
                for t in threads:
                    t.start()
                deadline = time.monotonic() + 300
                while len(ledger.acked) - acked_before < kill_after:
                    assert proc.poll() is None, log_path.read_text()
                    assert time.monotonic() < deadline, f"too few answers (seed {seed})"
                    time.sleep(0.005)
                time.sleep(chance.uniform(0, 0.05))  # land anywhere in the batch cycle
                proc.send_signal(signal.SIGKILL)
                assert proc.wait(timeout=10) == -signal.SIGKILL
            finally:
                stop.set()
                for t in threads:
                    t.join(60)
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()

    rt = Runtime.open(settings, migrate=False)
    try:
        for cid, (decision_id, verdict) in ledger.acked.items():
            found = rt.items.find_item_with_decision(cid)
            assert found is not None, f"{cid} was acknowledged but is not stored (seed {seed})"
            assert (found[1].id, found[1].verdict) == (decision_id, verdict), cid
        assert any(v == "remove" for _, v in ledger.acked.values())
        with rt.engine.connect() as conn:
            twice = conn.execute(
                sa.text("SELECT item_id FROM decisions GROUP BY item_id HAVING count(*) > 1")
            ).all()
            items = int(conn.execute(sa.text("SELECT count(*) FROM items")).scalar_one())
        assert twice == [], f"items decided twice: {twice} (seed {seed})"
        events = list(AuditStore(session_factory(rt.engine)).iter_events())
        made = Counter(e.subject_id for e in events if e.action == "decision.made")
        assert sum(made.values()) == items >= len(ledger.acked)
        assert max(made.values()) == 1
    finally:
        rt.close()
    # Nothing stored that no client sent; some lookups cut off by a kill were sent again.
    assert items <= len(ledger.sent)
    assert ledger.resent_acked > 0

    verified = subprocess.run(
        [EXE, "audit", "verify", "--json"], env=env, capture_output=True, text=True, timeout=300
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr

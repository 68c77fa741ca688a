"""``shieldwall serve`` writes no line per request unless asked (``--access-log``).

Every decision is stored and audited and ``/metrics`` counts requests, so a log line per
request was paid twice; it cost a stored lookup 5-15% of its time (bench/RESULTS.md). An
operator who wants the lines still gets them, with the method, path and status.
"""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.e2e.serve.serve_support import seed_site, site_env, start_serve, wait_ready

BANKED = "c3" * 32


@pytest.mark.slow
@pytest.mark.parametrize("asked", [False, True], ids=["default", "access-log"])
def test_request_lines_only_when_asked(asked: bool, tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'shieldwall.db'}"
    _, key = seed_site(database, tmp_path / "data", BANKED)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        extra = ("--access-log",) if asked else ()
        proc = start_serve(port, site_env(database, tmp_path / "data"), log, extra=extra)
        try:
            wait_ready(proc, base, log_path)
            answer = httpx.post(
                f"{base}/v1/lookup",
                headers={"Authorization": f"Bearer {key}"},
                json={"content_id": "access-log-1", "pdq": BANKED},
                timeout=30,
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["verdict"] == "remove"
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
    printed = log_path.read_text()
    assert "Application startup complete" in printed  # the server's own lines stay
    assert ('"POST /v1/lookup HTTP/1.1" 200' in printed) is asked, printed

"""Faults under the API: degrade or answer 503 with Retry-After, never a bare 500.

- Redis down (a closed loopback port): rate limits fall back to per-process limits,
  authenticated calls still work, and ``/readyz`` says ``degraded`` naming Redis.
- A SQLite write lock held past the busy timeout: 503 ``database_unavailable`` with
  ``Retry-After``; nothing was stored, and the retry after the lock goes succeeds.
- A client that disconnects mid-upload is logged as one info line, not a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shieldwall.api import create_app
from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.store import engine as engine_module

CLOSED_PORT = 18397
"""Nothing listens here (the test range 18300-18399): a Redis that is down."""


def _open(tmp_path: Path, **settings: object) -> Runtime:
    return Runtime.open(load_settings(data_dir=tmp_path / "data", **settings), migrate=True)


@pytest.fixture
def redis_down(tmp_path: Path) -> Iterator[tuple[TestClient, Runtime]]:
    rt = _open(tmp_path, redis_url=f"redis://127.0.0.1:{CLOSED_PORT}/3")
    with TestClient(create_app(runtime=rt, warm_signals=False)) as client:
        yield client, rt
    rt.close()


def test_redis_down_rate_limits_fall_back_to_local_limits(
    redis_down: tuple[TestClient, Runtime],
) -> None:
    client, rt = redis_down
    key, _ = rt.keys.create_api_key(name="limited", scopes=["lookup"], rate_limit_per_minute=3)
    auth = {"Authorization": f"Bearer {key}"}
    codes = [
        client.post(
            "/v1/lookup", json={"content_id": f"r-{n}", "md5": "0" * 32}, headers=auth
        ).status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    assert client.get("/v1/items/r-0", headers=auth).status_code in (200, 429)


def test_readyz_names_each_dependency(redis_down: tuple[TestClient, Runtime]) -> None:
    client, _ = redis_down
    body = client.get("/readyz")
    assert body.status_code == 200
    assert body.json()["status"] == "degraded"
    checks = body.json()["checks"]
    assert checks["database"] == "ok" and checks["index"] == "ok"
    assert checks["redis"].startswith("unavailable")


def test_readyz_is_ready_when_redis_answers(tmp_path: Path) -> None:
    from tests.conftest import REDIS_URL

    rt = _open(tmp_path, redis_url=REDIS_URL)
    with TestClient(create_app(runtime=rt, warm_signals=False)) as client:
        body = client.get("/readyz").json()
    rt.close()
    assert body["status"] == "ready" and body["checks"]["redis"] == "ok"


def test_a_sqlite_lock_past_its_timeout_is_503_with_retry_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 300)
    rt = _open(tmp_path)
    key, _ = rt.keys.create_api_key(name="k", scopes=["lookup"])
    auth = {"Authorization": f"Bearer {key}"}
    body = {"content_id": "locked-1", "md5": "1" * 32}
    with TestClient(create_app(runtime=rt, warm_signals=False)) as client:
        assert client.get("/v1/banks", headers=auth).status_code in (200, 403)  # key cached
        other = sqlite3.connect(rt.settings.sqlite_path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            response = client.post("/v1/lookup", json=body, headers=auth)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "database_unavailable"
        assert int(response.headers["retry-after"]) >= 1
        retried = client.post("/v1/lookup", json=body, headers=auth)
        assert retried.status_code == 200 and retried.json()["created"] is True
    rt.close()


def test_a_client_disconnecting_mid_upload_is_not_a_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rt = _open(tmp_path)
    key, _ = rt.keys.create_api_key(name="k", scopes=["scan"])
    app = create_app(runtime=rt, warm_signals=False)
    sent: list[dict[str, object]] = []

    async def run() -> None:
        messages = iter(
            [
                {
                    "type": "http.request",
                    "body": b"\x89PNG\r\n\x1a\n" + b"\0" * 1000,
                    "more_body": True,
                },
                {"type": "http.disconnect"},
            ]
        )

        async def receive() -> dict[str, object]:
            return next(messages, {"type": "http.disconnect"})

        async def send(message: dict[str, object]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/v1/scan",
            "raw_path": b"/v1/scan",
            "query_string": b"content_id=gone-1",
            "root_path": "",
            "headers": [
                (b"authorization", f"Bearer {key}".encode()),
                (b"content-type", b"image/png"),
                (b"content-length", b"100000"),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 18300),
        }
        await app(scope, receive, send)  # type: ignore[arg-type]

    with TestClient(app), caplog.at_level(logging.INFO, logger="shieldwall.api"):
        asyncio.run(run())
    rt.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert any("client_disconnected" in r.getMessage() for r in caplog.records)


def test_real_database_faults_are_classified_as_temporary(tmp_path: Path) -> None:
    import errno

    import sqlalchemy as sa

    from shieldwall.pipeline.faults import temporary_fault

    # PostgreSQL down: a real connection attempt to a closed loopback port.
    down = sa.create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{CLOSED_PORT}/x")
    with pytest.raises(sa.exc.OperationalError) as refused:
        down.connect()
    down.dispose()
    fault = temporary_fault(refused.value)
    assert fault is not None and fault.code == "database_unavailable"
    # A full disk, as SQLite reports it and as the OS does.
    full = sa.exc.OperationalError(
        "INSERT", {}, sqlite3.OperationalError("database or disk is full")
    )
    assert (temporary_fault(full) or fault).code == "storage_full"
    no_space = OSError(errno.ENOSPC, "No space left on device")
    assert (temporary_fault(no_space) or fault).code == "storage_full"
    # A bug is not a fault: it stays a 500.
    assert temporary_fault(ValueError("bug")) is None
    assert temporary_fault(sa.exc.IntegrityError("INSERT", {}, Exception("dup"))) is None

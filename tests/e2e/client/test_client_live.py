"""The Python clients against the real server on a loopback port, and their retries against a
flaky fake on loopback: what a platform's code sees."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from shieldwall.api import create_app
from shieldwall.client import (
    NO_RETRY,
    AsyncShieldwallClient,
    RetryPolicy,
    ShieldwallAPIError,
    ShieldwallClient,
)
from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from tests.conftest import loopback_socket

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    runtime = Runtime.open(load_settings(data_dir=tmp_path_factory.mktemp("sw")), migrate=True)
    key, _ = runtime.keys.create_api_key(name="admin", scopes=["admin"])
    sock = loopback_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(runtime=runtime), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # a start-up guard, not a measurement
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", key
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()
    runtime.close()


def test_sync_client_banks_matches_withdraws_and_exports(
    live: tuple[str, str], photo_paths: list[Path]
) -> None:
    url, key = live
    with ShieldwallClient(url, key) as sw:
        sw.create_bank("victims", purpose="victim")
        added = sw.add_to_bank("victims", [{"signal_type": "pdq", "value": PDQ}])
        entry_id = added["entry_ids"][0]
        hit = sw.lookup(content_id="up-1", pdq=PDQ)
        assert [m["entry_id"] for m in hit["matches"]] == [entry_id]
        scanned = sw.scan(photo_paths[0], content_id="up-2", surface="post")
        assert scanned["matches"] == []
        assert sw.withdraw_entry("victims", entry_id)["status"] == "withdrawn"
        assert sw.lookup(content_id="up-3", pdq=PDQ)["matches"] == []
        (tombstone,) = (json.loads(line) for line in sw.export_bank("victims").splitlines())
        assert tombstone["status"] == "withdrawn"
        with pytest.raises(ShieldwallAPIError) as err:
            sw.get_entry("nope", 1)
        assert err.value.status == 404
    with (
        ShieldwallClient(url, "wrong-key", retry=NO_RETRY) as bad,
        pytest.raises(ShieldwallAPIError) as denied,
    ):
        bad.list_banks()
    assert denied.value.code == "unauthenticated"


def test_async_client_sees_the_same_answers(live: tuple[str, str]) -> None:
    url, key = live

    async def run() -> tuple[list[Any], list[Any]]:
        async with AsyncShieldwallClient(url, key) as sw:
            await sw.create_bank("async-bank", purpose="partner")
            added = await sw.add_to_bank("async-bank", [{"signal_type": "md5", "value": "ab" * 16}])
            hit = await sw.lookup(content_id="a-1", md5="ab" * 16)
            await sw.withdraw_entry("async-bank", added["entry_ids"][0])
            miss = await sw.lookup(content_id="a-2", md5="ab" * 16)
            return hit["matches"], miss["matches"]

    hit, miss = asyncio.run(run())
    assert [m["bank"] for m in hit] == ["async-bank"] and miss == []


class _Flaky:
    """Answers 503 (Retry-After: 0) ``failures`` times, then 200; or always ``status``."""

    def __init__(self, failures: int, status: int = 200) -> None:
        self.failures = failures
        self.status = status
        self.keys: list[str | None] = []
        flaky = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                flaky.keys.append(self.headers.get("Idempotency-Key"))
                if len(flaky.keys) <= flaky.failures:
                    code, body = 503, {"code": "unavailable", "detail": "busy"}
                else:
                    code, body = flaky.status, {"ok": True, "code": "invalid_input"}
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Retry-After", "0")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_temporary_faults_are_retried_with_one_idempotency_key() -> None:
    flaky = _Flaky(failures=2)
    waits: list[float] = []
    try:
        with ShieldwallClient(flaky.url, "k", sleep=waits.append) as sw:
            assert sw.lookup(content_id="x", md5="ab" * 16) == {"ok": True, "code": "invalid_input"}
    finally:
        flaky.close()
    assert len(flaky.keys) == 3 and len(set(flaky.keys)) == 1 and flaky.keys[0]
    assert waits == [0.0, 0.0]  # the server's Retry-After


def test_client_mistakes_are_not_retried_and_retries_give_up() -> None:
    refused = _Flaky(failures=0, status=422)
    down = _Flaky(failures=100)
    try:
        with ShieldwallClient(refused.url, "k", sleep=lambda s: None) as sw:
            with pytest.raises(ShieldwallAPIError) as err:
                sw.lookup(content_id="x")
            assert err.value.status == 422
        assert len(refused.keys) == 1
        policy = RetryPolicy(attempts=3, rand=lambda: 1.0)
        with ShieldwallClient(down.url, "k", retry=policy, sleep=lambda s: None) as sw:
            with pytest.raises(ShieldwallAPIError) as gave_up:
                sw.lookup(content_id="x")
            assert gave_up.value.status == 503
        assert len(down.keys) == 3
    finally:
        refused.close()
        down.close()


def _example(name: str) -> Any:
    import importlib.util

    path = Path(__file__).resolve().parents[3] / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_upload_handler_example_blocks_a_banked_photo(
    live: tuple[str, str], photo_paths: list[Path]
) -> None:
    from shieldwall.hashing import hash_image_bytes

    url, key = live
    example = _example("upload_handler")
    photo, other = photo_paths[2], photo_paths[3]
    with ShieldwallClient(url, key) as sw:
        sw.create_bank("example-victims", purpose="victim")
        pdq = hash_image_bytes(photo.read_bytes()).pdq
        sw.add_to_bank("example-victims", [{"signal_type": "pdq", "value": pdq}])
        assert example.accept_upload(sw, other, content_id="ex-ok", uploader="u") is True
        assert example.accept_upload(sw, photo, content_id="ex-bad", uploader="u") is False


def test_the_webhook_receiver_example_removes_confirms_and_refuses_forgeries() -> None:
    import httpx

    from shieldwall.signing import sign

    example = _example("webhook_receiver")
    example.SECRET = "example-secret"
    server = ThreadingHTTPServer(("127.0.0.1", 0), example.Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    body = json.dumps({"decision": {"content_id": "post-9", "verdict": "block"}}).encode()
    headers = {
        "Shieldwall-Signature": sign("example-secret", body),
        "Shieldwall-Idempotency-Key": "k-1",
    }
    try:
        first = httpx.post(url, content=body, headers=headers)
        assert (first.status_code, first.text) == (200, "removed")
        again = httpx.post(url, content=body, headers=headers)
        assert again.text == "duplicate"
        forged = {**headers, "Shieldwall-Signature": sign("wrong", body)}
        assert httpx.post(url, content=body, headers=forged).status_code == 400
    finally:
        server.shutdown()
        server.server_close()

"""The real site on a loopback port (uvicorn in a thread), a webhook receiver, and Debian's
Chromium driven by Playwright. Screenshots of every page go to a temporary folder
(``SHIELDWALL_SCREENSHOTS`` keeps them somewhere of your choosing) so a person can look."""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.store import session_factory
from shieldwall.store.users import UserStore
from shieldwall.web import create_site
from shieldwall.worker import build_deliverer

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"


@dataclass
class Receiver:
    """Collects the webhooks the worker delivers."""

    url: str
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class LiveSite:
    origin: str
    runtime: Runtime
    receiver: Receiver
    shots: Path
    api_key: str

    def drain(self) -> None:
        """Deliver the outbox now, as ``shieldwall worker --once`` does."""
        deliverer = build_deliverer(self.runtime)
        try:
            deliverer.drain(workers=1)
        finally:
            deliverer.close()

    def events(self, event: str) -> list[dict[str, Any]]:
        return [e for e in self.receiver.events if e.get("event") == event]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            state.events.append(json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield state
    httpd.shutdown()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, receiver: Receiver) -> Iterator[LiveSite]:
    """A fresh site (data, banks, users) per test module: modules bank the same photos
    (the portal test banks all of them) and must not see each other's banks."""
    data = tmp_path_factory.mktemp("site")
    settings = load_settings(data_dir=data, webhook_url=receiver.url)
    runtime = Runtime.open(settings)
    users = UserStore(session_factory(runtime.engine))
    for name in ("moderator", "moderator2", "senior_moderator"):
        users.create_user(username=name, role=name.rstrip("2"), password=PASSWORD)
    key, _ = runtime.keys.create_api_key(name="platform", scopes=["scan", "lookup"])
    port = _free_port()
    app = create_site(settings, runtime=runtime, keep_review_media=True)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    shots = Path(os.environ.get("SHIELDWALL_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    shots.mkdir(parents=True, exist_ok=True)
    try:
        yield LiveSite(f"http://127.0.0.1:{port}", runtime, receiver, shots, key)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        runtime.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one module. Another suite may hold a session-wide sync Playwright in
    this thread, whose idle event loop still counts as running and would make a second
    ``sync_playwright()`` refuse to start; it is set aside while ours runs and put back
    after (the two are never used at the same time)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: `apt-get install -y chromium` (make test does this)")
    other = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        asyncio._set_running_loop(other)


@pytest.fixture
def new_page(browser: Browser, live: LiveSite) -> Iterator[Any]:
    """Opens pages in fresh contexts; after the test, every request must have stayed on the
    site and no page may have logged a script error or a CSP violation."""
    opened: list[tuple[Any, list[str], list[str]]] = []

    def open_page() -> Page:
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        requests: list[str] = []
        problems: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        opened.append((context, requests, problems))
        return page

    yield open_page
    for context, requests, problems in opened:
        context.close()
        assert [u for u in requests if not u.startswith(live.origin)] == []
        assert problems == []


def sign_in(page: Page, live: LiveSite, username: str, path: str = "/review") -> None:
    page.goto(f"{live.origin}{path}")
    assert "/login" in page.url  # anonymous: sent to sign in first
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.origin}{path}*")

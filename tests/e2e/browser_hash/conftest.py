"""Fixtures for the in-browser hashing tests: a loopback static server and headless Chromium.

The server serves the real static modules (src/shieldwall/web/static) under /static/,
the test page under /page/, and raw pixel buffers that tests register under /pixels/.
Chromium is Debian's (/usr/bin/chromium) driven by Playwright's Python package;
Playwright's own browser download is never used. Every request the page makes is
recorded, and a test fails if one went anywhere but the loopback server.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from browser_hash_support import HashPage, StaticServer
from playwright.sync_api import Browser, Playwright, sync_playwright

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
STATIC_DIR = REPO / "src" / "shieldwall" / "web" / "static"
PAGE_DIR = HERE / "page"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Maps /static/ and /page/ onto two folders and /pixels/ onto in-memory blobs."""

    extensions_map = {  # noqa: RUF012 - the base class declares it as a plain dict
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".html": "text/html",
        ".bin": "application/octet-stream",
    }

    def __init__(self, *args: Any, server_state: StaticServer, **kwargs: Any) -> None:
        self.state = server_state
        super().__init__(*args, directory=str(PAGE_DIR), **kwargs)

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path.startswith("/pixels/"):
            data = self.state.blobs.get(path.removeprefix("/pixels/"))
            if data is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        super().do_GET()

    def translate_path(self, path: str) -> str:
        clean = unquote(urlsplit(path).path)
        for prefix, root in (("/static/", STATIC_DIR), ("/page/", PAGE_DIR)):
            if clean.startswith(prefix):
                target = (root / clean.removeprefix(prefix)).resolve()
                # Refuse anything that escapes the two served folders.
                return str(target) if target.is_relative_to(root) else str(root / "missing")
        return str(PAGE_DIR / "missing")

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output quiet


@pytest.fixture(scope="session")
def static_server() -> Iterator[StaticServer]:
    state = StaticServer(origin="")
    handler = functools.partial(_Handler, server_state=state)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    state.origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Per module, not per session: a live sync Playwright keeps an event loop marked running
    in the main thread, and every later test that calls ``asyncio.run`` (the async client,
    the ASGI disconnect test) then failed in the full suite while passing alone."""
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: `apt-get install -y chromium` (make test does this)")
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield chromium
    finally:
        chromium.close()


@contextlib.contextmanager
def _open_hash_page(browser: Browser, origin: str) -> Iterator[HashPage]:
    context = browser.new_context()
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{origin}/page/index.html")
        page.wait_for_function("window.swReady === true", timeout=10_000)
        assert not errors, errors
        yield HashPage(page=page, origin=origin, requests=requests)
    finally:
        context.close()


@pytest.fixture(scope="module")
def hash_page(browser: Browser, static_server: StaticServer) -> Iterator[HashPage]:
    """The test page, shared by a module's tests (loading it once keeps them fast)."""
    with _open_hash_page(browser, static_server.origin) as page:
        yield page


@pytest.fixture
def fresh_hash_page(browser: Browser, static_server: StaticServer) -> Iterator[HashPage]:
    """A page of one's own, for a test that leaves it dirty on purpose."""
    with _open_hash_page(browser, static_server.origin) as page:
        yield page


@pytest.fixture(autouse=True)
def _no_foreign_requests(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test using the page: nothing may have left the loopback server."""
    yield
    if "hash_page" in request.fixturenames:
        page: HashPage = request.getfixturevalue("hash_page")
        assert page.foreign_requests() == []

"""Support for the site tests: a site on a temporary SQLite data_dir, users of each role,
and helpers to sign in and to read CSRF tokens from pages (in-process, no browser)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.store import session_factory
from shieldwall.store.users import UserStore
from shieldwall.web import create_site

PASSWORD = "correct horse battery"
ROLES = ("admin", "senior_moderator", "moderator", "auditor")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Site:
    runtime: Runtime
    client: TestClient
    users: UserStore

    def client_for(self, username: str | None) -> TestClient:
        """A fresh client (own cookie jar), signed in as ``username`` when given."""
        client = TestClient(self.client.app, follow_redirects=False)
        if username:
            response = login(client, username, PASSWORD)
            assert response.status_code == 303, response.text
        return client


def login(client: TestClient, username: str, password: str, **extra: str) -> Response:
    """Sign in through the form as a browser does: read the page's CSRF token, then post."""
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "csrf_token": csrf_of(page.text),
            "username": username,
            "password": password,
            **extra,
        },
    )


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "page has no CSRF token"
    return found.group(1)


_POW = re.compile(r'name="pow_challenge"(?: id="pow_challenge")? value="([^"]*)" data-bits="(\d+)"')


def portal_fields(html: str) -> dict[str, str]:
    """What a portal page's script adds before sending (the report form, the status forms):
    its CSRF token and the solved proof-of-work (the same search the page runs, in Python)."""
    from shieldwall.web.portal_guard import solve

    found = _POW.search(html)
    assert found, "the portal page has no proof-of-work challenge"
    challenge, bits = found.group(1), int(found.group(2))
    return {
        "csrf_token": csrf_of(html),
        "pow_challenge": challenge,
        "pow_nonce": solve(challenge, bits) if bits else "",
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One site per test module (building one costs seconds: migrations, argon2 hashes);
    tests that change shared state use names of their own."""
    # One module's tests all come from one test client address: limits for floods are
    # tested on sites of their own (test_portal_floods.py).
    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("site") / "data",
        portal_requests_per_hour=10_000,
        portal_repeats_per_day=10_000,
    )
    runtime = Runtime.open(settings)
    app = create_site(settings, runtime=runtime, keep_review_media=True)
    users = UserStore(session_factory(runtime.engine))
    for role in ROLES:
        users.create_user(username=role, role=role, password=PASSWORD)
    for extra in ("moderator2", "locked"):
        users.create_user(username=extra, role="moderator", password=PASSWORD)
    with TestClient(app, follow_redirects=False) as client:
        yield Site(runtime, client, users)
    runtime.close()

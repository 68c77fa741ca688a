"""Support for the standing security suite: one whole site (API + pages + portal) over a real
database, with an API key of every scope and a signed-in person of every role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient

from shieldwall.api.auth import SCOPES
from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.store import session_factory
from shieldwall.store.users import UserStore
from shieldwall.web import create_site

PASSWORD = "correct horse battery staple"
ROLES = ("admin", "senior_moderator", "moderator", "auditor")
KEY_SCOPES = (*SCOPES, "none")
"""Every scope a key can hold, and ``none``: a valid key that holds no scope at all."""

_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_in(html: str) -> str | None:
    """The CSRF token a page's form carries, if any."""
    found = _CSRF_FIELD.search(html)
    return found.group(1) if found else None


@dataclass
class Site:
    """A running site, its runtime, the staff store and one bearer key per scope."""

    runtime: Runtime
    client: TestClient
    users: UserStore
    keys: dict[str, str] = field(default_factory=dict)
    sessions: dict[str, tuple[str, str]] = field(default_factory=dict)

    def fresh_client(self) -> TestClient:
        """A client with its own (empty) cookie jar."""
        return TestClient(self.client.app, follow_redirects=False, raise_server_exceptions=False)

    def session_of(self, role: str) -> tuple[str, str]:
        """A session of the user named after ``role``: (cookie token, CSRF token); one per
        role, opened on first use and again after :meth:`forget_session`."""
        if role not in self.sessions:
            self.sessions[role] = self.users.open_session(self.users.get_user(role).id)
        return self.sessions[role]

    def forget_session(self, role: str) -> None:
        """After a sign-out: the next :meth:`session_of` opens a new session."""
        self.sessions.pop(role, None)

    def bearer(self, scope: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[scope]}"}


def open_site(database_url: str, data_dir: Path) -> Iterator[Site]:
    """Build a site on ``database_url`` with users of every role and keys of every scope."""
    settings = load_settings(data_dir=data_dir, database_url=database_url)
    runtime = Runtime.open(settings, migrate=True)
    app = create_site(settings, runtime=runtime, keep_review_media=True)
    users = UserStore(session_factory(runtime.engine))
    for role in ROLES:
        users.create_user(username=role, role=role, password=PASSWORD)
    keys: dict[str, str] = {}
    for scope in KEY_SCOPES:
        key, _ = runtime.keys.create_api_key(
            name=f"matrix-{scope}",
            scopes=[] if scope == "none" else [scope],
            rate_limit_per_minute=1_000_000,
        )
        keys[scope] = key
    with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as client:
        yield Site(runtime, client, users, keys)
    runtime.close()

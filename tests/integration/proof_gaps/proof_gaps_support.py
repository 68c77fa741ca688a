"""Support for the proof-gap tests: a site on a temporary SQLite data_dir with one user per
role, helpers to seed items and decisions at chosen times, and to run ``shieldwall audit``."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from shieldwall.cli.app import app as cli_app
from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.store import session_factory
from shieldwall.store.service_models import DecisionRow, ItemRow
from shieldwall.store.service_records import NewDecision, NewItem
from shieldwall.store.users import UserStore
from shieldwall.web import create_site

PASSWORD = "correct horse battery"
ROLES = ("admin", "senior_moderator", "moderator", "auditor")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class ProofSite:
    runtime: Runtime
    client: TestClient
    users: UserStore
    data_dir: Path

    def client_for(self, username: str | None) -> TestClient:
        """A fresh client (own cookie jar), signed in as ``username`` when given."""
        client = TestClient(self.client.app, follow_redirects=False)
        if username:
            page = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token, "the sign-in page has no CSRF token"
            response = client.post(
                "/login",
                data={"csrf_token": token.group(1), "username": username, "password": PASSWORD},
            )
            assert response.status_code == 303, response.text
        return client

    def audit_cli(self, *args: str) -> tuple[int, str]:
        """Run ``shieldwall --data-dir D audit ARGS`` in-process: (exit code, output)."""
        result = CliRunner().invoke(cli_app, ["--data-dir", str(self.data_dir), "audit", *args])
        return result.exit_code, result.output


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "page has no CSRF token"
    return found.group(1)


def seed_decision(
    rt: Runtime,
    *,
    content_id: str,
    source: str,
    verdict: str,
    seen_at: datetime | None = None,
    decided_at: datetime | None = None,
    md5: str | None = None,
    matches: list[dict[str, object]] | None = None,
    expires_at: datetime | None = None,
) -> tuple[int, str]:
    """Store a decision (a new item, or a further decision on an existing one), then move its
    timestamps to ``seen_at``/``decided_at`` so report figures are known exactly."""
    decision = NewDecision(
        id=str(uuid.uuid4()),
        source=source,
        verdict=verdict,
        policy_version="test",
        fired=[{"rule_id": "r1", "category": "ncii"}] if verdict != "allow" else [],
        reasons=[],
        matches=list(matches or []),
        signals=[],
        notes=[],
        actions=[],
        decided_by="automated" if source not in ("review", "appeal") else "moderator",
    )
    found = rt.items.find_item_with_decision(content_id)
    if found is None:
        item, _, _ = rt.items.record(
            item=NewItem(
                content_id=content_id,
                source="upload",
                surface="feed",
                md5=md5,
                jurisdictions=("GB",),
                expires_at=expires_at,
            ),
            decision=decision,
        )
        item_id = item.id
    else:
        item_id = found[0].id
        rt.items.add_decision(item_id=item_id, decision=decision)
    with session_factory(rt.engine)() as session, session.begin():
        if seen_at is not None:
            session.execute(update(ItemRow).where(ItemRow.id == item_id).values(created_at=seen_at))
        if decided_at is not None:
            session.execute(
                update(DecisionRow)
                .where(DecisionRow.id == decision.id)
                .values(created_at=decided_at)
            )
    return item_id, decision.id


@pytest.fixture(scope="module")
def proof_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProofSite]:
    """One site per test module, so each module's figures are its own."""
    data_dir = tmp_path_factory.mktemp("proof") / "data"
    settings = load_settings(data_dir=data_dir)
    runtime = Runtime.open(settings)
    app = create_site(settings, runtime=runtime, keep_review_media=True)
    users = UserStore(session_factory(runtime.engine))
    for role in ROLES:
        users.create_user(username=role, role=role, password=PASSWORD)
    with TestClient(app, follow_redirects=False) as client:
        yield ProofSite(runtime, client, users, data_dir)
    runtime.close()

"""Statements of reasons are accepted by a fake EU Transparency Database that applies the
database's own validation (written here from digital-services-act/transparency-database:
StatementStoreRequest, Statement, StatementMultipleAPIController), independently of the
package's schema; the submitter sends at most 100 per request, reports a bad statement on its
own and goes on, and keeps what a temporary fault left unsent as pending.

Before this work the statements failed it: a ``puid`` may carry ``.`` or ``:``, content of
type OTHER had no ``content_type_other``, a child-safety escalation had no statement and
could not be categorised as PROTECTION_OF_MINORS, and a decision on a victim's notice was
labelled voluntary."""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from shieldwall.reports.sor import statement_of_reasons
from shieldwall.reports.tdb_submit import submit_statements
from shieldwall.store.service_records import DecisionInfo, ItemInfo

CATEGORIES = {
    "STATEMENT_CATEGORY_ANIMAL_WELFARE", "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE", "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
    "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE", "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "STATEMENT_CATEGORY_SELF_HARM",
    "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS", "STATEMENT_CATEGORY_VIOLENCE",
}  # fmt: skip
CONTENT_TYPES = {
    "CONTENT_TYPE_APP", "CONTENT_TYPE_AUDIO", "CONTENT_TYPE_IMAGE", "CONTENT_TYPE_PRODUCT",
    "CONTENT_TYPE_SYNTHETIC_MEDIA", "CONTENT_TYPE_TEXT", "CONTENT_TYPE_VIDEO", "CONTENT_TYPE_OTHER",
}  # fmt: skip
SOURCES = {
    "SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION",
    "SOURCE_VOLUNTARY",
}  # fmt: skip
GROUNDS = {"DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PUID = re.compile(r"^[a-zA-Z0-9-_]+$")


def official_errors(s: dict[str, Any]) -> dict[str, list[str]]:
    """The rules of StatementStoreRequest::rules() that Shieldwall's statements exercise."""
    errors: dict[str, list[str]] = {}

    def bad(key: str, why: str) -> None:
        errors.setdefault(key, []).append(why)

    for key in ("decision_ground", "content_type", "category", "content_date",
                "application_date", "decision_facts", "source_type", "automated_detection",
                "automated_decision", "puid"):  # fmt: skip
        if s.get(key) in (None, "", []):
            bad(key, "required")
    if not s.get("decision_visibility") and not any(
        s.get(k) for k in ("decision_monetary", "decision_provision", "decision_account")
    ):
        bad("decision_visibility", "required_without_all")
    if s.get("decision_ground") not in GROUNDS:
        bad("decision_ground", "in")
    if s.get("decision_ground") == "DECISION_GROUND_ILLEGAL_CONTENT":
        for key in ("illegal_content_legal_ground", "illegal_content_explanation"):
            if not s.get(key):
                bad(key, "required_if")
    types = s.get("content_type") or []
    if not isinstance(types, list) or not set(types) <= CONTENT_TYPES:
        bad("content_type", "in")
    if "CONTENT_TYPE_OTHER" in types and not s.get("content_type_other"):
        bad("content_type_other", "required")
    if s.get("category") not in CATEGORIES:
        bad("category", "in")
    if not set(s.get("category_addition") or []) <= CATEGORIES:
        bad("category_addition", "in")
    if s.get("source_type") not in SOURCES:
        bad("source_type", "in")
    for key in ("content_date", "application_date"):
        if not DATE.match(str(s.get(key, ""))):
            bad(key, "date_format")
    if len(str(s.get("decision_facts", ""))) > 5000:
        bad("decision_facts", "max")
    if s.get("automated_detection") not in ("Yes", "No"):
        bad("automated_detection", "in")
    puid = str(s.get("puid", ""))
    if len(puid) > 500 or not PUID.match(puid):
        bad("puid", "regex")
    return errors


class FakeDatabase:
    """POST /api/v1/statements as the real controller answers it."""

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.stored: dict[str, dict[str, Any]] = {}
        self.fail_next: int | None = None
        self.url = ""

    def handle(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.fail_next is not None:
            status, self.fail_next = self.fail_next, None
            return status, {"message": "try later"}
        statements = body.get("statements")
        if not isinstance(statements, list) or not 1 <= len(statements) <= 100:
            return 422, {"errors": {"statements": ["between:1,100"]}}
        self.batches.append(len(statements))
        errors = {
            f"statement_{i}": e for i, s in enumerate(statements) if (e := official_errors(s))
        }
        if errors:
            return 422, {"errors": errors}
        puids = [s["puid"] for s in statements]
        taken = [p for p in puids if p in self.stored or puids.count(p) > 1]
        if taken:
            message = "The platform identifier(s) are not all unique within this call."
            return 422, {"message": message, "errors": {"puid": [message], "existing_puids": taken}}
        for s in statements:
            self.stored[s["puid"]] = s
        return 201, {"statements": statements}


@pytest.fixture
def database() -> Iterator[FakeDatabase]:
    db = FakeDatabase()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            assert self.path == "/api/v1/statements"
            assert self.headers["Authorization"] == "Bearer tdb-token"
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            status, answer = db.handle(body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    db.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield db
    httpd.shutdown()


AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ITEM = ItemInfo(
    id=1, content_id="c-1", source="upload", surface="feed", uploader_id="u-1",
    media_type=None, pdq=None, pdq_quality=None, md5=None, sha256=None, width=None,
    height=None, text=None, url=None, jurisdictions=("DE",), metadata={}, created_at=AT,
    expires_at=None, latest_decision_id=None,
)  # fmt: skip
DECISION = DecisionInfo(
    id="00000000-0000-4000-8000-000000000000", item_id=1, content_id="c-1", source="upload",
    verdict="remove", policy_version="1",
    fired=[{"rule_id": "victim-bank", "category": "ncii_known_match"}], reasons=[],
    matches=[{"signal_type": "pdq", "distance": 3}], signals=[], notes=[],
    decided_by="automated", created_at=AT,
)  # fmt: skip


def _statements(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        kind = i % 3
        decision = replace(DECISION, id=f"00000000-0000-4000-8000-{i:012d}")
        if kind == 1:  # the moderator escalated it to child safety
            decision = replace(decision, verdict="escalate_child_safety", decided_by="mod")
        if kind == 2:  # removed at a place the victim's notice named
            decision = replace(decision, source="case", decided_by="mod", matches=[])
        out.append(statement_of_reasons(decision, ITEM))
    return out


def test_every_kind_of_statement_passes_the_official_rules(database: FakeDatabase) -> None:
    statements = _statements(250)
    child = statements[1]
    assert child["category"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    assert child["category_specification"] == ["KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"]
    assert statements[2]["source_type"] == "SOURCE_ARTICLE_16"
    assert statements[0]["content_type"] == ["CONTENT_TYPE_OTHER"]
    assert statements[0]["content_type_other"]
    with httpx.Client(timeout=10) as client:
        report = submit_statements(
            statements, client=client, base_url=database.url, token="tdb-token"
        )
    assert report.errors == {} and report.pending == []
    assert len(report.accepted) == 250 == len(database.stored)
    assert database.batches == [100, 100, 50]


def test_a_bad_statement_is_reported_alone_and_the_batch_goes_on(database: FakeDatabase) -> None:
    statements = _statements(5)
    statements[1] = {**statements[1], "puid": "has.dot:colon"}  # refused by our own check
    database.stored[statements[3]["puid"]] = statements[3]  # already in the database
    with httpx.Client(timeout=10) as client:
        report = submit_statements(
            statements, client=client, base_url=database.url, token="tdb-token"
        )
    assert set(report.errors) == {"has.dot:colon", statements[3]["puid"]}
    assert sorted(report.accepted) == sorted(statements[i]["puid"] for i in (0, 2, 4))


def test_a_temporary_fault_keeps_the_rest_pending(database: FakeDatabase) -> None:
    statements = _statements(150)
    database.fail_next = 503
    with httpx.Client(timeout=10) as client:
        report = submit_statements(
            statements, client=client, base_url=database.url, token="tdb-token"
        )
        assert report.accepted == [] and len(report.pending) == 150
        again = submit_statements(
            [s for s in statements if s["puid"] in report.pending],
            client=client,
            base_url=database.url,
            token="tdb-token",
        )
    assert len(again.accepted) == 150 and database.batches == [100, 50]

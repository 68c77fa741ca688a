"""Send statements of reasons to the EU DSA Transparency Database, at most 100 per request.

The database's bulk endpoint (``POST {base}/api/v1/statements``, ``{"statements": [...]}``)
takes 1 to 100 statements and refuses the whole batch with 422 when one of them fails its
validation, naming it ``statement_<index>``. So each statement is first checked here against
the same rules (``sor.validate``: the package's schema, written from the database's own
``StatementStoreRequest``); one that fails is reported on its own and never sent, and a batch
the database still refuses is sent again without the statements it named, once. A temporary
fault (429, 5xx, no connection) stops the run: what was not accepted is returned as pending,
to be sent again later (statements are idempotent by ``puid``; a ``puid`` the database already
holds comes back as an error for that statement, not as a loss).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from shieldwall.reports.sor import StatementInvalidError, validate

MAX_BATCH = 100
"""The database's limit per bulk request (``statements: between:1,100``)."""


@dataclass
class SubmissionReport:
    accepted: list[str] = field(default_factory=list)
    """puids the database accepted."""
    errors: dict[str, str] = field(default_factory=dict)
    """puid -> why it was refused (here or by the database)."""
    pending: list[str] = field(default_factory=list)
    """puids not sent because of a temporary fault: send them again later."""
    requests: int = 0


def submit_statements(
    statements: Sequence[Mapping[str, Any]],
    *,
    client: httpx.Client,
    base_url: str,
    token: str,
    batch_size: int = MAX_BATCH,
) -> SubmissionReport:
    """Send ``statements`` in batches of at most ``batch_size`` (never above 100)."""
    size = max(1, min(batch_size, MAX_BATCH))
    report = SubmissionReport()
    valid: list[Mapping[str, Any]] = []
    for s in statements:
        puid = str(s.get("puid", ""))
        try:
            validate(s)
        except StatementInvalidError as exc:
            report.errors[puid] = exc.message
            continue
        valid.append(s)
    url = base_url.rstrip("/") + "/api/v1/statements"
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    for start in range(0, len(valid), size):
        batch = list(valid[start : start + size])
        for attempt in range(2):
            if not batch:
                break
            report.requests += 1
            try:
                response = client.post(url, json={"statements": batch}, headers=headers)
            except httpx.TransportError:
                report.pending += [str(s["puid"]) for s in valid[start:] if _open(report, s)]
                return report
            if response.status_code in (200, 201):
                report.accepted += [str(s["puid"]) for s in batch]
                break
            if response.status_code == 422 and attempt == 0:
                named = _refused(response, batch)
                if named:
                    for index, why in named.items():
                        report.errors[str(batch[index]["puid"])] = why
                    batch = [s for i, s in enumerate(batch) if i not in named]
                    continue
            if response.status_code == 429 or response.status_code >= 500:
                report.pending += [str(s["puid"]) for s in valid[start:] if _open(report, s)]
                return report
            for s in batch:
                report.errors[str(s["puid"])] = f"refused by the database ({response.status_code})"
            break
    return report


def _open(report: SubmissionReport, statement: Mapping[str, Any]) -> bool:
    puid = str(statement["puid"])
    return puid not in report.accepted and puid not in report.errors


def _refused(response: httpx.Response, batch: Sequence[Mapping[str, Any]]) -> dict[int, str]:
    """``{index: reason}`` for the statements a 422 names (``statement_<index>`` keys), or the
    duplicate puids it lists (``errors.existing_puids``)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    errors = body.get("errors") if isinstance(body, dict) else None
    named: dict[int, str] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(key, str) and key.startswith("statement_") and key[10:].isdigit():
                index = int(key[10:])
                if 0 <= index < len(batch):
                    named[index] = f"refused by the database: {str(value)[:300]}"
    existing = errors.get("existing_puids") if isinstance(errors, dict) else None
    if isinstance(existing, list):
        for i, s in enumerate(batch):
            if s.get("puid") in existing:
                named[i] = "the database already holds this puid"
    return named

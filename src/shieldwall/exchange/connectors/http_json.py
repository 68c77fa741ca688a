"""A generic HTTP JSON connector: any hash list served as paged JSON, described by its
configuration instead of code.

Configuration (all but ``url`` optional)::

    url            the list's address (GET)
    records        dotted path to the list of records in a response (default ``items``)
    next           dotted path to the cursor for the next page (default ``next_cursor``);
                   a missing or empty cursor ends the fetch
    cursor_param   query parameter that carries the cursor (default ``cursor``)
    fields         our field name -> the record's field (defaults: ``value``,
                   ``signal_type``, ``status``, ``category``, ``external_id``)
    feedback_url   where verdicts go (POST, JSON); without it the exchange takes none
    auth_header    header carrying the credential ``token`` (default ``Authorization``,
                   sent as ``Bearer <token>``); without a token no header is sent

Records go through the same field checks as a file import, so a ``status`` of
``withdrawn`` or ``deleted`` is a tombstone here too. The checkpoint is the cursor of
the next page: a fetch killed half-way resumes at the page it had not stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

import httpx

from shieldwall.errors import ExchangeFetchError, InputError, InvalidRecordError
from shieldwall.exchange.connectors.base import ExchangeContext, Feedback, FetchedPage, get_json
from shieldwall.exchange.fields import entry_from_fields, status_from_fields
from shieldwall.exchange.records import LineError, ParsedEntry, ParsedLine

OUR_FIELDS = ("value", "signal_type", "status", "category", "external_id")
MAX_PAGES = 100_000
"""A runaway server (a cursor that never ends) stops here."""


def dig(body: Any, path: str) -> Any:
    """The value at a dotted ``path`` of nested objects (``None`` where it stops)."""
    for part in path.split(".") if path else []:
        if not isinstance(body, Mapping):
            return None
        body = body.get(part)
    return body


class HttpJsonExchange:
    """Paged JSON hash lists over HTTP, mapped by configuration."""

    kind: ClassVar[str] = "http_json"
    description: ClassVar[str] = "any paged JSON hash list over HTTP (fields mapped in config)"
    takes_feedback: ClassVar[bool] = True

    @staticmethod
    def accepts_feedback(config: Mapping[str, Any]) -> bool:
        """Feedback is queued only for a list configured with a ``feedback_url``."""
        return bool(config.get("feedback_url"))

    def __init__(self, context: ExchangeContext) -> None:
        self._ctx = context
        url = str(context.require("url"))
        if not url.startswith(("http://", "https://")):
            raise InputError("url must be an http(s) address", value=url)
        self._url = url
        self._records = str(context.config.get("records", "items"))
        self._next = str(context.config.get("next", "next_cursor"))
        self._cursor_param = str(context.config.get("cursor_param", "cursor"))
        mapping = context.config.get("fields") or {}
        if not isinstance(mapping, Mapping) or not set(mapping) <= set(OUR_FIELDS):
            raise InputError(f"fields maps some of {', '.join(OUR_FIELDS)} to record fields")
        self._fields = {name: str(mapping.get(name, name)) for name in OUR_FIELDS}
        self._feedback_url = context.config.get("feedback_url")
        self._auth_header = str(context.config.get("auth_header", "Authorization"))

    def _client(self) -> httpx.Client:
        token = self._ctx.credentials.get("token")
        headers = {}
        if token:
            bearer = self._auth_header.lower() == "authorization"
            headers[self._auth_header] = f"Bearer {token}" if bearer else token
        return self._ctx.client(headers=headers)

    def record_to_line(self, n: int, record: object) -> ParsedLine:
        if not isinstance(record, Mapping):
            return LineError(n, InvalidRecordError("a record must be an object", value=record))
        present = {name: record.get(theirs) for name, theirs in self._fields.items()}
        if isinstance(present["external_id"], int):  # numeric ids are common; other types not
            present["external_id"] = str(present["external_id"])
        try:
            entry = entry_from_fields({**present, "source": "http_json"})
            status = status_from_fields(present)
        except InputError as exc:
            return LineError(n, exc)
        return ParsedEntry(n, entry, status)

    def fetch(self, checkpoint: str | None) -> Iterator[FetchedPage]:
        cursor = checkpoint or None
        with self._client() as client:
            for _ in range(MAX_PAGES):
                params = {self._cursor_param: cursor} if cursor else {}
                body = get_json(client, self._url, params)
                records = dig(body, self._records)
                if records is None:
                    records = []
                if not isinstance(records, list):
                    raise ExchangeFetchError(f"{self._records} is not a list")
                nxt = dig(body, self._next)
                if nxt is not None and not isinstance(nxt, str | int):
                    raise ExchangeFetchError(f"{self._next} is not a cursor", value=nxt)
                nxt_text = None if nxt in (None, "") else str(nxt)
                if nxt_text is not None and nxt_text == cursor:
                    raise ExchangeFetchError("the next cursor repeats the current one", value=nxt)
                lines = [self.record_to_line(i + 1, r) for i, r in enumerate(records)]
                # With no next cursor, stay on this page's cursor: the next fetch asks for it
                # again and sees what was appended to it (imports are idempotent).
                yield FetchedPage(lines, nxt_text or cursor or "")
                if nxt_text is None:
                    return
                cursor = nxt_text

    def submit_feedback(self, items: Sequence[Feedback]) -> None:
        if not self._feedback_url:
            raise InputError("this exchange has no feedback_url configured")
        payload = {
            "feedback": [
                {
                    "value": f.value,
                    "signal_type": f.signal_type,
                    "verdict": f.verdict,
                    "external_id": f.external_id,
                }
                for f in items
            ]
        }
        with self._client() as client:
            try:
                response = client.post(
                    str(self._feedback_url),
                    content=json.dumps(payload),
                    headers={"Content-Type": "application/json"},
                )
            except httpx.HTTPError as exc:
                raise ExchangeFetchError(f"feedback not delivered: {exc}") from exc
            if response.status_code >= 300:
                raise ExchangeFetchError(f"feedback refused with HTTP {response.status_code}")

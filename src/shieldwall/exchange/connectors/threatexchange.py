"""A ThreatExchange-style connector, written from the public Graph API description.

It tails a privacy group's ``/{privacy_group}/threat_updates`` (the endpoint Meta's own
best-practice guide names as the only one that reports deletions): records carry
``id`` (the descriptor), ``indicator`` (the hash), ``type`` (``HASH_PDQ``, ``HASH_MD5``),
``last_updated``, ``should_delete`` and ``status``. Pages follow the Graph API's
``paging.cursors.after`` within one ``start_time`` window; the next window starts at the
highest ``last_updated`` seen, so a record changed while we page is seen again (imports
are idempotent) and never missed.

- ``should_delete`` becomes a *deleted* tombstone and ``status: NON_MALICIOUS`` a
  *withdrawn* one, applied in that page's transaction.
- Feedback is a reaction on the descriptor (``POST /{descriptor_id}/reactions``):
  ``SAW_THIS_TOO`` when a moderator confirmed the match, ``DISAGREE_WITH_TAGS`` when it
  was a false positive (ThreatExchange's way to record a false-positive opinion).

The checkpoint is a small JSON object (``since``, ``after``, ``high``) so a fetch killed
half-way resumes inside its window.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

import httpx

from shieldwall.errors import ExchangeFetchError, InputError, InvalidRecordError
from shieldwall.exchange.connectors.base import ExchangeContext, Feedback, FetchedPage, get_json
from shieldwall.exchange.fields import entry_from_fields
from shieldwall.exchange.records import LineError, ParsedEntry, ParsedLine
from shieldwall.types import EntryStatus

TYPES = {"HASH_PDQ": "pdq", "HASH_MD5": "video_md5"}
"""ThreatExchange indicator types Shieldwall banks (``HASH_MD5`` is how video MD5s travel)."""
REACTIONS = {"confirmed": "SAW_THIS_TOO", "rejected": "DISAGREE_WITH_TAGS"}
FIELDS = "id,indicator,type,last_updated,should_delete,status,tags"
DEFAULT_BASE_URL = "https://graph.facebook.com/v19.0"
MAX_PAGES = 10_000
"""A runaway server (a cursor that never ends) stops here."""


def record_to_line(n: int, record: object) -> ParsedLine:
    """One threat update as an entry or tombstone (or a per-record error)."""
    if not isinstance(record, Mapping):
        return LineError(n, InvalidRecordError("a threat update must be an object", value=record))
    kind = TYPES.get(str(record.get("type", "")).upper())
    if kind is None:
        return LineError(
            n,
            InvalidRecordError(
                "indicator type is not one Shieldwall banks", value=record.get("type")
            ),
        )
    status = EntryStatus.ACTIVE
    if record.get("should_delete") is True:
        status = EntryStatus.DELETED
    elif str(record.get("status", "")).upper() == "NON_MALICIOUS":
        status = EntryStatus.WITHDRAWN
    descriptor = record.get("id")
    try:
        entry = entry_from_fields(
            {
                "signal_type": kind,
                "value": record.get("indicator"),
                "source": "threatexchange",
                "external_id": None if descriptor is None else str(descriptor),
            }
        )
    except InputError as exc:
        return LineError(n, exc)
    return ParsedEntry(n, entry, status)


def _checkpoint(text: str | None) -> tuple[int, str | None, int]:
    if not text:
        return 0, None, 0
    try:
        data = json.loads(text)
        return int(data["since"]), data.get("after"), int(data.get("high", data["since"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ExchangeFetchError("stored checkpoint is not a ThreatExchange checkpoint") from exc


class ThreatExchangeExchange:
    """Tails one privacy group (``privacy_group``; credential ``access_token``)."""

    kind: ClassVar[str] = "threatexchange"
    description: ClassVar[str] = "ThreatExchange-style threat_updates (privacy group, reactions)"
    takes_feedback: ClassVar[bool] = True

    def __init__(self, context: ExchangeContext) -> None:
        self._ctx = context
        group = str(context.require("privacy_group"))
        if not group.isdigit():
            raise InputError("privacy_group must be the group's numeric id", value=group)
        self._group = group
        self._base = str(context.config.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
        self._page_size = int(context.config.get("page_size", 500))

    def _client(self) -> httpx.Client:
        return self._ctx.client(
            base_url=self._base,
            headers={"Authorization": f"OAuth {self._ctx.secret('access_token')}"},
        )

    def fetch(self, checkpoint: str | None) -> Iterator[FetchedPage]:
        since, after, high = _checkpoint(checkpoint)
        with self._client() as client:
            for _ in range(MAX_PAGES):
                params: dict[str, Any] = {
                    "start_time": since,
                    "types": ",".join(TYPES),
                    "fields": FIELDS,
                    "limit": self._page_size,
                }
                if after:
                    params["after"] = after
                body = get_json(client, f"/{self._group}/threat_updates", params)
                records = body.get("data") or []
                if not isinstance(records, list):
                    raise ExchangeFetchError("data is not a list")
                for r in records:
                    stamp = r.get("last_updated") if isinstance(r, Mapping) else None
                    if isinstance(stamp, int) and stamp > high:
                        high = stamp
                paging = body.get("paging") if isinstance(body.get("paging"), Mapping) else {}
                cursor = (paging.get("cursors") or {}).get("after") if paging else None
                more = bool(paging.get("next")) if paging else False
                lines = [record_to_line(i + 1, r) for i, r in enumerate(records)]
                if more and cursor:
                    state = {"since": since, "after": cursor, "high": high}
                else:  # window done: the next one starts at the newest change seen
                    state = {"since": high, "after": None, "high": high}
                if lines or state["since"] != since:
                    yield FetchedPage(lines, json.dumps(state, sort_keys=True))
                if not (more and cursor):
                    return
                after = cursor

    def submit_feedback(self, items: Sequence[Feedback]) -> None:
        with self._client() as client:
            for f in items:
                if not f.external_id or not f.external_id.isdigit():
                    raise InputError(
                        "ThreatExchange feedback needs the descriptor id the hash came with",
                        value=f.external_id,
                    )
                reaction = REACTIONS.get(f.verdict)
                if reaction is None:
                    raise InputError(
                        "feedback verdict must be confirmed or rejected", value=f.verdict
                    )
                try:
                    response = client.post(
                        f"/{f.external_id}/reactions", data={"reactions": reaction}
                    )
                except httpx.HTTPError as exc:
                    raise ExchangeFetchError(f"feedback not delivered: {exc}") from exc
                if response.status_code >= 300:
                    raise ExchangeFetchError(f"feedback refused with HTTP {response.status_code}")

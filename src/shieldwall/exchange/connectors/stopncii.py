"""A StopNCII-style connector, written from StopNCII's public API description.

Records carry ``hashValue``, ``signalType`` (``ImagePDQ``, ``VideoMD5``),
``hashStatus`` (``Active``, ``Withdrawn``, ``Deleted``) and ``caseNumbers``; pages
are fetched with ``startTimestamp`` and the response's ``nextSetTimestamp`` (the
checkpoint). A ``Withdrawn`` or ``Deleted`` status becomes a tombstone, applied at
once: Meta's connector compares the *hash value* with the status string, so it
never recognises a withdrawal and the victim's hash keeps matching. Here the
status decides, case-insensitively, and a record whose every case is withdrawn is
withdrawn too.

Feedback (``blocked`` / ``not blocked``) goes to ``SubmitFeedback``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import ClassVar

import httpx

from shieldwall.errors import ExchangeFetchError, InputError, InvalidRecordError
from shieldwall.exchange.connectors.base import ExchangeContext, Feedback, FetchedPage, get_json
from shieldwall.exchange.fields import entry_from_fields
from shieldwall.exchange.records import LineError, ParsedEntry, ParsedLine
from shieldwall.types import EntryStatus

SIGNAL_TYPES = {"imagepdq": "pdq", "videomd5": "md5", "pdq": "pdq", "md5": "md5"}
STATUSES = {
    "active": EntryStatus.ACTIVE,
    "withdrawn": EntryStatus.WITHDRAWN,
    "deleted": EntryStatus.DELETED,
}
OUR_NAMES = {"pdq": "ImagePDQ", "md5": "VideoMD5"}
MAX_PAGES = 10_000
"""A runaway server (a ``nextSetTimestamp`` that never ends) stops here."""


def record_to_line(n: int, record: object) -> ParsedLine:
    """One StopNCII hash record as an entry or tombstone (or a per-record error)."""
    if not isinstance(record, Mapping):
        return LineError(n, InvalidRecordError("a hash record must be an object", value=record))
    kind = SIGNAL_TYPES.get(str(record.get("signalType", "")).replace("_", "").lower())
    if kind is None:
        return LineError(
            n, InvalidRecordError("unknown signalType", value=record.get("signalType"))
        )
    status = STATUSES.get(str(record.get("hashStatus", "Active")).strip().lower())
    if status is None:
        return LineError(
            n, InvalidRecordError("unknown hashStatus", value=record.get("hashStatus"))
        )
    cases = record.get("caseNumbers") or {}
    case_ids: list[str] = []
    if isinstance(cases, Mapping):
        case_ids = sorted(str(c) for c in cases)
        case_states = {str(v).strip().lower() for v in cases.values()}
        if status is EntryStatus.ACTIVE and case_states and case_states <= {"withdrawn"}:
            status = EntryStatus.WITHDRAWN
    elif isinstance(cases, list):
        case_ids = sorted(str(c) for c in cases)
    try:
        entry = entry_from_fields(
            {
                "signal_type": kind,
                "value": record.get("hashValue"),
                "source": "stopncii",
                "case_id": ",".join(case_ids)[:255] or None,
            }
        )
    except InputError as exc:
        return LineError(n, exc)
    return ParsedEntry(n, entry, status)


class StopNCIIExchange:
    """Fetches hashes from a StopNCII-style API (``base_url``; credential ``api_key``)."""

    kind: ClassVar[str] = "stopncii"
    description: ClassVar[str] = "StopNCII-style hash API (nextSetTimestamp paging, feedback)"
    takes_feedback: ClassVar[bool] = True

    def __init__(self, context: ExchangeContext) -> None:
        self._ctx = context
        self._base = str(context.require("base_url")).rstrip("/")
        self._page_size = int(context.config.get("page_size", 1000))

    def _client(self) -> httpx.Client:
        return self._ctx.client(
            base_url=self._base,
            headers={"Ocp-Apim-Subscription-Key": self._ctx.secret("api_key")},
        )

    def fetch(self, checkpoint: str | None) -> Iterator[FetchedPage]:
        start = int(checkpoint) if checkpoint else 0
        with self._client() as client:
            for _ in range(MAX_PAGES):
                body = get_json(
                    client,
                    "/v1/FetchHashes",
                    {"startTimestamp": start, "pageSize": self._page_size},
                )
                records = body.get("hashRecords") or []
                if not isinstance(records, list):
                    raise ExchangeFetchError("hashRecords is not a list")
                nxt = body.get("nextSetTimestamp")
                if not isinstance(nxt, int) or nxt < start:
                    raise ExchangeFetchError("nextSetTimestamp missing or going back", value=nxt)
                lines = [record_to_line(i + 1, r) for i, r in enumerate(records)]
                if not lines and nxt == start:
                    return
                yield FetchedPage(lines, str(nxt))
                if nxt == start or not body.get("hasMoreRecords", bool(lines)):
                    return
                start = nxt

    def submit_feedback(self, items: Sequence[Feedback]) -> None:
        payload = {
            "hashFeedbacks": [
                {
                    "hashValue": f.value,
                    "signalType": OUR_NAMES.get(f.signal_type, f.signal_type),
                    "feedback": "Blocked" if f.verdict == "confirmed" else "NotBlocked",
                    "caseNumbers": [c for c in (f.case_id or "").split(",") if c],
                }
                for f in items
            ]
        }
        with self._client() as client:
            try:
                response = client.post("/v1/SubmitFeedback", json=payload)
            except httpx.HTTPError as exc:
                raise ExchangeFetchError(f"feedback not delivered: {exc}") from exc
            if response.status_code >= 300:
                raise ExchangeFetchError(f"feedback refused with HTTP {response.status_code}")

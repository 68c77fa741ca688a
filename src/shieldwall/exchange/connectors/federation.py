"""Subscribing to another Shieldwall instance's bank feed (``/v1/feeds/{bank}``).

Every page must carry a valid Ed25519 signature by the public key pinned in this
exchange's configuration (``public_key``, PEM), over the exact bytes received, and
must answer the page asked for (its ``bank`` and ``after``), so a replayed older
page, a page of another bank or a tampered one is refused before anything is
applied. Tombstones withdraw or delete the hash in the subscribing bank at once:
a victim who withdraws on one platform is withdrawn here at the next fetch.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import httpx

from shieldwall.audit.checkpoints import load_public_key, verify_tagged
from shieldwall.errors import ExchangeFetchError, InputError
from shieldwall.exchange.connectors.base import ExchangeContext, FetchedPage, NoFeedback
from shieldwall.exchange.fields import entry_from_fields, status_from_fields
from shieldwall.exchange.records import LineError, ParsedEntry, ParsedLine
from shieldwall.exchange.variants import parse_variants

FEED_TAG = "shieldwall-feed-v1"
"""Signature tag of feed pages (domain separation from audit checkpoints)."""
MAX_PAGES = 10_000


def _signature(header: str | None) -> str | None:
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "ed25519":
            return value
    return None


def record_to_line(n: int, record: Any) -> ParsedLine:
    if not isinstance(record, dict):
        return LineError(n, InputError("a feed record must be an object"))
    try:
        entry = entry_from_fields(
            {
                "signal_type": record.get("signal_type"),
                "value": record.get("value"),
                "category": record.get("category"),
            }
        )
        status = status_from_fields(record)
        variants = parse_variants(record.get("variants"), signal_type=entry.signal_type)
    except InputError as exc:
        return LineError(n, exc)
    if variants:
        entry = dataclasses.replace(entry, variants=variants)
    return ParsedEntry(n, entry, status)


class ShieldwallFeedExchange(NoFeedback):
    """Another Shieldwall's bank feed (``base_url``, ``bank``, pinned ``public_key``;
    credential ``api_key``: a key with ``banks:read`` on the publishing instance)."""

    kind: ClassVar[str] = "shieldwall"
    description: ClassVar[str] = "another Shieldwall instance's signed bank feed (federation)"

    def __init__(self, context: ExchangeContext) -> None:
        self._ctx = context
        self._base = str(context.require("base_url")).rstrip("/")
        self._bank = str(context.require("bank"))
        try:
            self._key = load_public_key(str(context.require("public_key")))
        except Exception as exc:
            raise InputError("public_key must be the publisher's Ed25519 public key (PEM)") from exc
        self._limit = int(context.config.get("page_size", 500))

    def fetch(self, checkpoint: str | None) -> Iterator[FetchedPage]:
        after = int(checkpoint) if checkpoint else 0
        headers = {"Authorization": f"Bearer {self._ctx.secret('api_key')}"}
        with self._ctx.client(base_url=self._base, headers=headers) as client:
            for _ in range(MAX_PAGES):
                try:
                    response = client.get(
                        f"/v1/feeds/{self._bank}", params={"after": after, "limit": self._limit}
                    )
                except httpx.HTTPError as exc:
                    raise ExchangeFetchError(f"publisher unreachable: {exc}") from exc
                if response.status_code != 200:
                    raise ExchangeFetchError(f"publisher answered HTTP {response.status_code}")
                body = response.content
                signature = _signature(response.headers.get("Shieldwall-Signature"))
                if not signature or not verify_tagged(self._key, FEED_TAG, body, signature):
                    raise ExchangeFetchError(
                        "feed page signature does not verify with the pinned key; nothing applied"
                    )
                page = json.loads(body)
                if page.get("bank") != self._bank or page.get("after") != after:
                    raise ExchangeFetchError("feed page is not the one asked for (replayed?)")
                nxt = page.get("next")
                if not isinstance(nxt, int) or nxt < after:
                    raise ExchangeFetchError("feed page goes backwards", value=nxt)
                records: Sequence[Any] = page.get("records") or []
                lines = [record_to_line(i + 1, r) for i, r in enumerate(records)]
                if nxt == after:
                    return
                yield FetchedPage(lines, str(nxt))
                if not page.get("has_more"):
                    return
                after = nxt

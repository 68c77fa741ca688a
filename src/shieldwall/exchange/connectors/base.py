"""The Exchange plug-in interface: fetch from a checkpoint; optionally submit feedback.

A connector turns whatever an exchange speaks into the same :data:`ParsedLine`
records a file import yields (entries and tombstones), one page at a time, each
page with the checkpoint to resume *after* it. The fetch use case applies a page,
then stores its checkpoint, so a crash between the two re-applies one page
(imports are idempotent) and never skips one.

Connectors hold no state between fetches and never see the database; credentials
reach them in :class:`ExchangeContext`, read from settings or the secrets file at
fetch time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import httpx

from shieldwall.errors import ExchangeFetchError, InputError, UnsupportedFeatureError
from shieldwall.exchange.records import ParsedLine


@dataclass(frozen=True, slots=True)
class ExchangeContext:
    """What a connector is built from: its stored configuration, its credentials and the
    HTTP transport to use (tests pass one bound to a loopback server)."""

    config: Mapping[str, Any]
    credentials: Mapping[str, str] = field(default_factory=dict)
    transport: httpx.BaseTransport | None = None
    timeout_s: float = 30.0

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(transport=self.transport, timeout=self.timeout_s, **kwargs)

    def require(self, key: str) -> Any:
        value = self.config.get(key)
        if value in (None, ""):
            raise InputError(f"this exchange needs '{key}' in its configuration")
        return value

    def secret(self, key: str) -> str:
        value = self.credentials.get(key)
        if not value:
            raise InputError(
                f"no credential '{key}' for this exchange: set it in the exchange secrets file "
                "or SHIELDWALL_EXCHANGE_CREDENTIALS"
            )
        return value


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """Records of one page, and the checkpoint to resume after it."""

    records: Sequence[ParsedLine]
    checkpoint: str


@dataclass(frozen=True, slots=True)
class Feedback:
    """A moderator's verdict on a match of an exchanged hash: ``confirmed`` (the platform
    blocked the content) or ``rejected`` (a false positive; not blocked)."""

    signal_type: str
    value: str
    verdict: str
    external_id: str | None = None
    case_id: str | None = None


class ExchangeConnector(Protocol):
    """One kind of exchange. ``kind`` names it in configuration (``stopncii``, ...);
    ``takes_feedback`` says whether moderators' verdicts are queued for it at all."""

    kind: ClassVar[str]
    description: ClassVar[str]
    takes_feedback: ClassVar[bool]

    def fetch(self, checkpoint: str | None) -> Iterator[FetchedPage]:
        """Pages after ``checkpoint`` (from the start when ``None``), oldest first."""
        ...

    def submit_feedback(self, items: Sequence[Feedback]) -> None:
        """Send verdicts back; connectors without feedback raise UnsupportedFeatureError."""
        ...


class NoFeedback:
    """Mix-in for connectors whose exchange takes no feedback."""

    takes_feedback: ClassVar[bool] = False

    def submit_feedback(self, items: Sequence[Feedback]) -> None:
        raise UnsupportedFeatureError("this exchange takes no feedback")


ConnectorFactory = type[ExchangeConnector]


class ExchangeRegistry:
    """Connector classes by kind; built from every plug-in's ``shieldwall_register_exchanges``."""

    def __init__(self) -> None:
        self._kinds: dict[str, Any] = {}

    def register(self, connector: Any) -> None:
        kind = connector.kind
        if kind in self._kinds:
            raise ValueError(f"two exchange connectors are named {kind!r}")
        self._kinds[kind] = connector

    def takes_feedback(self, kind: str, config: Mapping[str, Any]) -> bool:
        """Whether an exchange of ``kind`` configured so accepts feedback (unknown kinds do
        not): verdicts are queued only for exchanges that will take them, so the outbox
        never holds feedback that can only fail."""
        connector = self._kinds.get(kind)
        if not getattr(connector, "takes_feedback", False):
            return False
        accepts = getattr(connector, "accepts_feedback", None)
        return bool(accepts(config)) if callable(accepts) else True

    def kinds(self) -> dict[str, str]:
        return {k: str(c.description) for k, c in sorted(self._kinds.items())}

    def build(self, kind: str, context: ExchangeContext) -> ExchangeConnector:
        connector = self._kinds.get(kind)
        if connector is None:
            raise InputError(
                f"no exchange connector of this kind; installed: {', '.join(sorted(self._kinds))}",
                value=kind,
            )
        built: ExchangeConnector = connector(context)
        return built


def get_json(client: httpx.Client, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """GET ``path`` and answer its JSON object; every way an exchange can fail (unreachable,
    an HTTP error, not JSON, not an object) is an :class:`ExchangeFetchError`, which the
    fetch use case records on the exchange and retries at its next interval."""
    try:
        response = client.get(path, params=dict(params))
    except httpx.HTTPError as exc:
        raise ExchangeFetchError(f"exchange unreachable: {exc}") from exc
    if response.status_code != 200:
        raise ExchangeFetchError(f"exchange answered HTTP {response.status_code}")
    try:
        body = response.json()
    except json.JSONDecodeError as exc:
        raise ExchangeFetchError("exchange answered something that is not JSON") from exc
    if not isinstance(body, dict):
        raise ExchangeFetchError("exchange answered JSON that is not an object")
    return body

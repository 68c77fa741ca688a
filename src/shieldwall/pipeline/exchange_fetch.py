"""Fetching an exchange: take its lease, apply each page, store the checkpoint, release.

One fetcher per exchange at a time (the database lease in
:class:`~shieldwall.store.ExchangeStore`), resumable after a crash from the last
stored checkpoint: a page is applied, then its checkpoint stored, so at worst one
page is applied twice (imports are idempotent) and none is skipped. Withdrawals
and deletions in a page take effect in that page's transaction, i.e. within the
fetch cycle that brought them.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shieldwall.errors import ExchangeFetchError, InputError, ShieldwallError
from shieldwall.exchange.connectors import ExchangeContext, ExchangeRegistry
from shieldwall.pipeline.bank_import import import_lines
from shieldwall.pipeline.banking import Banking, DecisionsSink
from shieldwall.store import BankStore, ExchangeInfo, ExchangeStore

log = logging.getLogger("shieldwall.exchange")

TRUST_LEVELS = ("auto", "review")
"""``auto``: matches on this exchange's hashes may act automatically; ``review``: they go to
a moderator first."""


@dataclass(slots=True)
class FetchReport:
    """What one fetch did."""

    exchange: str
    pages: int = 0
    added: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    deleted: int = 0
    unknown: int = 0
    kept: int = 0
    errors: int = 0
    checkpoint: str | None = None
    error_samples: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "exchange": self.exchange,
            "pages": self.pages,
            "added": self.added,
            "unchanged": self.unchanged,
            "withdrawn": self.withdrawn,
            "deleted": self.deleted,
            "unknown": self.unknown,
            "kept": self.kept,
            "errors": self.errors,
            "checkpoint": self.checkpoint,
        }


def exchange_holder(name: str) -> str:
    """The holder an exchange's entries are claimed by: its tombstones release only its own
    claims, never a victim case's or another exchange's on the same hash."""
    return f"exchange:{name}"


def fetcher_id() -> str:
    """Who holds a lease: host, process and thread (a crashed one's lease simply expires)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{threading.get_ident() % 100000}"


def load_credentials(
    name: str, *, secrets_file: Path | None, inline: Mapping[str, Mapping[str, str]]
) -> dict[str, str]:
    """An exchange's credentials: the secrets file's entry, else the inline setting's."""
    if secrets_file is not None and secrets_file.is_file():
        try:
            data = json.loads(secrets_file.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise InputError("the exchange secrets file is not valid JSON") from exc
        found = data.get(name) if isinstance(data, dict) else None
        if isinstance(found, dict):
            return {str(k): str(v) for k, v in found.items()}
    return dict(inline.get(name, {}))


def fetch_exchange(
    exchanges: ExchangeStore,
    banking: Banking,
    registry: ExchangeRegistry,
    name: str,
    *,
    credentials: Mapping[str, str],
    owner: str | None = None,
    lease_s: float = 300.0,
    notify: DecisionsSink | None = None,
) -> FetchReport:
    """Fetch ``name`` from its checkpoint to the end; raises :class:`ExchangeBusyError` when
    another fetcher holds it and :class:`ExchangeFetchError` when the exchange fails (what
    was applied before stays applied, with its checkpoint)."""
    owner = owner or fetcher_id()
    info = exchanges.acquire_lease(name, owner=owner, ttl_s=lease_s)
    report = FetchReport(exchange=name, checkpoint=info.checkpoint)
    try:
        banking.banks.get_bank(name=info.bank)
        context = ExchangeContext(config=info.config, credentials=credentials)
        connector = registry.build(info.kind, context)
        for page in connector.fetch(info.checkpoint):
            applied = import_lines(
                banking,
                bank=info.bank,
                lines=page.records,
                holder=exchange_holder(name),
                notify=notify,
            )
            exchanges.save_checkpoint(name, owner=owner, checkpoint=page.checkpoint, ttl_s=lease_s)
            report.pages += 1
            report.added += applied.added
            report.unchanged += applied.unchanged
            report.withdrawn += applied.withdrawn
            report.deleted += applied.deleted
            report.unknown += applied.unknown
            report.kept += applied.kept
            report.errors += len(applied.errors)
            report.error_samples.extend(e.message for e in applied.errors[:3])
            report.checkpoint = page.checkpoint
    except ShieldwallError as exc:
        exchanges.release_lease(name, owner=owner, error=f"[{exc.code}] {exc.message}")
        raise
    except Exception as exc:
        exchanges.release_lease(name, owner=owner, error=f"{type(exc).__name__}: {exc}")
        raise ExchangeFetchError(f"fetching {name} failed: {type(exc).__name__}") from exc
    exchanges.release_lease(name, owner=owner)
    log.info(
        "exchange.fetched name=%s pages=%s added=%s withdrawn=%s deleted=%s errors=%s",
        name,
        report.pages,
        report.added,
        report.withdrawn,
        report.deleted,
        report.errors,
    )
    return report


_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def add_exchange(
    exchanges: ExchangeStore,
    banks: BankStore,
    registry: ExchangeRegistry,
    *,
    name: str,
    kind: str,
    bank: str,
    config: Mapping[str, Any],
    trust: str = "review",
    interval_s: int = 3600,
) -> ExchangeInfo:
    """Configure an exchange after checking everything that can be checked offline: the
    name, the connector kind, its configuration, the bank and the trust level.
    Credentials are not stored; they are read at fetch time."""
    if not _NAME_RE.fullmatch(name):
        raise InputError("exchange name must be 1-64 letters, digits, '_', '.' or '-'", value=name)
    if trust not in TRUST_LEVELS:
        raise InputError(f"trust must be one of {', '.join(TRUST_LEVELS)}", value=trust)
    if interval_s < 1:
        raise InputError("interval_s must be at least 1 second", value=interval_s)
    if any(k.lower() in _SECRET_KEYS for k in config):
        raise InputError(
            "credentials do not belong in the stored configuration: put them in the "
            "exchange secrets file (SHIELDWALL_EXCHANGE_SECRETS_FILE)",
            value=",".join(sorted(config)),
        )
    registry.build(kind, ExchangeContext(config=config))  # validates the configuration
    banks.get_bank(name=bank)
    return exchanges.create(
        name=name,
        kind=kind,
        bank=bank,
        config=dict(config),
        trust=trust,
        interval_s=interval_s,
    )


_SECRET_KEYS = frozenset({"api_key", "token", "password", "secret", "access_token"})

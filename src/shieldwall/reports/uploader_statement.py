"""Attach the uploader's DSA statement of reasons to every restricting webhook.

DSA Art. 17 owes the affected uploader a statement for every restriction, whatever made it:
an upload scan (``/v1/scan``), a lookup of the platform's own hashes (``/v1/lookup``), a
retro-hunt, the deferred detectors, a moderator, a victim's case. The statement is built once,
in one place, when the worker delivers the webhook: the stored decision and item are read, the
Transparency Database statement is made (:func:`shieldwall.reports.sor.statement_of_reasons`:
legal ground, facts, automation, source) and the plain-language notice is rendered from it with
the redress routes (internal complaint, out-of-court settlement, court). Doing it at delivery
keeps the upload's answer path free of the extra read, and a redelivery builds the same
statement (every field comes from the stored decision).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shieldwall.errors import NotFoundError
from shieldwall.reports.sor import RESTRICTIONS, SorSettings, statement_of_reasons, uploader_notice
from shieldwall.store.items import ItemStore

STATEMENT_KEY = "dsa_statement_of_reasons"
NOTICE_KEY = "uploader_notice"


def attach_statement(
    items: ItemStore, payload: Mapping[str, Any], *, settings: SorSettings | None = None
) -> dict[str, Any]:
    """``payload`` with the statement and the uploader's notice added when it announces a
    restricting decision (one with a ``decision`` whose verdict restricts); otherwise as is.
    A decision purged meanwhile (retention) leaves the payload unchanged."""
    out = dict(payload)
    decision = out.get("decision")
    if not isinstance(decision, Mapping) or STATEMENT_KEY in out:
        return out
    if decision.get("verdict") not in RESTRICTIONS or not decision.get("decision_id"):
        return out
    try:
        stored = items.get_decision(str(decision["decision_id"]))
    except NotFoundError:
        return out
    item = items.items_by_ids([stored.item_id]).get(stored.item_id)
    if item is None:
        return out
    statement = statement_of_reasons(stored, item, settings=settings)
    out[STATEMENT_KEY] = statement
    out[NOTICE_KEY] = uploader_notice(statement, settings=settings)
    return out


__all__ = ["NOTICE_KEY", "STATEMENT_KEY", "attach_statement"]

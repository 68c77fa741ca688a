"""Turn store records into public API models (one place, so every endpoint agrees)."""

from __future__ import annotations

from shieldwall.api.schemas import (
    BankPublic,
    DecisionPublic,
    EntryPublic,
    ItemPublic,
    MatchPublic,
    OutboxPublic,
    SignalPublic,
)
from shieldwall.pipeline.records import BankInfo, DecisionInfo, EntryInfo, ItemInfo, OutboxInfo


def decision_public(
    d: DecisionInfo,
    *,
    created: bool = False,
    item: ItemInfo | None = None,
    elapsed_ms: float | None = None,
) -> DecisionPublic:
    hashes = None
    if item is not None:
        hashes = {
            "pdq": item.pdq,
            "quality": item.pdq_quality,
            "md5": item.md5,
            "sha256": item.sha256,
        }
    return DecisionPublic(
        decision_id=d.id,
        content_id=d.content_id,
        verdict=d.verdict,
        source=d.source,
        created=created,
        policy_version=d.policy_version,
        reasons=d.reasons,
        categories=list(dict.fromkeys(str(f.get("category")) for f in d.fired)),
        matches=[MatchPublic(**m) for m in d.matches],
        signals=[SignalPublic(**s) for s in d.signals],
        notes=d.notes,
        rules=d.fired,
        created_at=d.created_at,
        hashes=hashes,
        elapsed_ms=None if elapsed_ms is None else round(elapsed_ms, 3),
    )


def item_public(item: ItemInfo, decisions: list[DecisionInfo]) -> ItemPublic:
    # The record's fields are the schema's, by name; only the decisions are added.
    fields = {name: getattr(item, name) for name in ItemPublic.model_fields if name != "decisions"}
    return ItemPublic.model_validate(
        {**fields, "decisions": [decision_public(d) for d in decisions]}
    )


def bank_public(b: BankInfo) -> BankPublic:
    return BankPublic.model_validate(b, from_attributes=True)


def entry_public(e: EntryInfo) -> EntryPublic:
    return EntryPublic(
        id=e.id,
        bank=e.bank_name,
        signal_type=e.signal_type.value,
        value=e.value,
        status=e.status.value,
        category=e.category,
        source=e.provenance.source,
        external_id=e.provenance.external_id,
        case_id=e.provenance.case_id,
        created_at=e.created_at,
        withdrawn_at=e.withdrawn_at,
    )


def outbox_public(o: OutboxInfo) -> OutboxPublic:
    return OutboxPublic.model_validate(o, from_attributes=True)

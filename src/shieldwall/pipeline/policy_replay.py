"""Shadow mode: what would a new policy version change on past items, without acting?

Each stored decision keeps the matches and signal results the policy saw, so
replaying is pure: rebuild the :class:`PolicyContext` from the item and its
latest decision, evaluate the candidate policy, and compare with the stored
outcome. Nothing is written and no action is queued.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shieldwall.pipeline.scan import match_from_dict
from shieldwall.policy import Policy, PolicyContext, evaluate
from shieldwall.store import ItemStore
from shieldwall.store.service_records import DecisionInfo, ItemInfo
from shieldwall.types import Outcome, SignalResult


@dataclass(frozen=True, slots=True)
class ReplayRow:
    """One past item whose verdict or rules would change under the candidate policy."""

    content_id: str
    decision_id: str
    verdict_before: str
    verdict_after: str
    rules_before: tuple[str, ...]
    rules_after: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return self.verdict_before != self.verdict_after or set(self.rules_before) != set(
            self.rules_after
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "content_id": self.content_id,
            "decision_id": self.decision_id,
            "verdict_before": self.verdict_before,
            "verdict_after": self.verdict_after,
            "rules_added": sorted(set(self.rules_after) - set(self.rules_before)),
            "rules_removed": sorted(set(self.rules_before) - set(self.rules_after)),
        }


def context_from(item: ItemInfo, decision: DecisionInfo) -> PolicyContext:
    """The context a stored decision was made in, rebuilt from what was stored."""
    return PolicyContext(
        content_id=item.content_id,
        surface=item.surface,
        uploader_id=item.uploader_id,
        jurisdictions=item.jurisdictions,
        text=item.text,
        url=item.url,
        metadata=item.metadata,
        quality=item.pdq_quality,
        matches=tuple(match_from_dict(m) for m in decision.matches),
        signals=tuple(_signal(s) for s in decision.signals),
        source=decision.source if decision.source != "review" else "upload",
    )


def replay(
    items: ItemStore,
    candidate: Policy,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 10_000,
    quality_threshold: int = 50,
) -> Iterator[ReplayRow]:
    """Every automated decision in the window, re-decided under ``candidate``.

    Decisions made by people (source ``review``/``appeal``) are skipped: a policy
    change does not overturn a human decision.
    """
    page_after: tuple[datetime, str] | None = None
    seen = 0
    while seen < limit:
        batch = items.list_decisions(
            since=since, until=until, after=page_after, limit=min(500, limit - seen)
        )
        if not batch:
            return
        page_after = (batch[-1].created_at, batch[-1].id)
        stored = items.items_by_ids([d.item_id for d in batch])
        for decision in batch:
            seen += 1
            item = stored.get(decision.item_id)
            if item is None or decision.decided_by != "automated":
                continue
            new = evaluate(
                candidate, context_from(item, decision), quality_threshold=quality_threshold
            )
            yield ReplayRow(
                content_id=item.content_id,
                decision_id=decision.id,
                verdict_before=decision.verdict,
                verdict_after=new.verdict.value,
                rules_before=tuple(str(f.get("rule_id")) for f in decision.fired),
                rules_after=new.rule_ids,
            )


def _signal(s: dict[str, Any]) -> SignalResult:
    return SignalResult(
        signal=str(s["signal"]),
        version=str(s.get("version", "")),
        score=s.get("score"),
        labels=tuple(s.get("labels") or ()),
        evidence=tuple(s.get("evidence") or ()),
        error=s.get("error"),
    )


__all__ = ["Outcome", "ReplayRow", "context_from", "replay"]

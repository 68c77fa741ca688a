"""Transparency report figures over a period: pure arithmetic over plain records.

Counts by category, source (automated, user notice, trusted flagger, authority
order), action, surface and jurisdiction; time-to-action percentiles; the share
of valid requests actioned within 48 hours; hash matches and retro-hunt hits;
appeals and reviews, reversals and how long they took. The loader
(:mod:`shieldwall.reports.source`) turns database rows into these records, so
tests can check the arithmetic against exactly what they seeded.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shieldwall.reports.clocks import actioned_within

RESTRICTIVE = frozenset({"block", "remove", "hold", "escalate_child_safety"})

SOURCE_GROUPS = {
    "upload": "automated",
    "lookup": "automated",
    "retro_hunt": "automated",
    "notice": "user notice",
    "user_notice": "user notice",
    "victim_request": "user notice",
    "trusted_flagger": "trusted flagger",
    "authority": "authority order",
    "authority_order": "authority order",
    "review": "review",
    "appeal": "appeal",
}


@dataclass(frozen=True, slots=True)
class DecisionFact:
    """One decision with the item facts a report needs (no personal data)."""

    decision_id: str
    item_id: int
    created_at: datetime
    item_created_at: datetime
    source: str
    verdict: str
    categories: tuple[str, ...]
    surface: str
    jurisdictions: tuple[str, ...]
    match_count: int


@dataclass(frozen=True, slots=True)
class RequestFact:
    """One victim request (case) with its clock timestamps."""

    jurisdiction: str
    received_at: datetime
    valid_at: datetime | None
    actioned_at: datetime | None
    status: str = ""
    """The case's status; a request ``withdrawn`` before it was actioned leaves the rate."""


@dataclass(frozen=True, slots=True)
class AppealFact:
    """One decided appeal: ``upheld`` (the decision stands, no new decision is written) or
    ``reversed`` (a new ``allow`` decision), so counting decisions alone would miss the
    upheld ones."""

    decided_at: datetime
    outcome: str


def percentiles(
    values: Sequence[float], qs: Iterable[int] = (50, 90, 99)
) -> dict[str, float | None]:
    """Nearest-rank percentiles (a value that occurred, never an interpolation)."""
    ordered = sorted(values)
    out: dict[str, float | None] = {}
    for q in qs:
        if not ordered:
            out[f"p{q}"] = None
            continue
        rank = max(1, math.ceil(q / 100 * len(ordered)))
        out[f"p{q}"] = ordered[rank - 1]
    return out


@dataclass(frozen=True, slots=True)
class TransparencyReport:
    """Every figure of the report; :meth:`to_dict` is the JSON output."""

    period_from: datetime
    period_to: datetime
    decisions: int
    restrictions: int
    by_category: Mapping[str, int]
    by_source: Mapping[str, int]
    by_action: Mapping[str, int]
    by_surface: Mapping[str, int]
    by_jurisdiction: Mapping[str, int]
    time_to_action_s: Mapping[str, float | None]
    hash_matches: int
    retro_hunt_hits: int
    appeals: int
    reviews: int
    reversals: int
    reversal_time_s: Mapping[str, float | None]
    requests: Mapping[str, Any] = field(default_factory=dict)
    time_to_action_samples: tuple[float, ...] = ()
    appeals_upheld: int = 0
    appeals_reversed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": {"from": self.period_from.isoformat(), "to": self.period_to.isoformat()},
            "decisions": self.decisions,
            "restrictions": self.restrictions,
            "by_category": dict(self.by_category),
            "by_source": dict(self.by_source),
            "by_action": dict(self.by_action),
            "by_surface": dict(self.by_surface),
            "by_jurisdiction": dict(self.by_jurisdiction),
            "time_to_action_s": dict(self.time_to_action_s),
            "hash_matches": self.hash_matches,
            "retro_hunt_hits": self.retro_hunt_hits,
            "appeals": self.appeals,
            "appeals_upheld": self.appeals_upheld,
            "appeals_reversed": self.appeals_reversed,
            "reviews": self.reviews,
            "reversals": self.reversals,
            "reversal_time_s": dict(self.reversal_time_s),
            "requests": dict(self.requests),
        }


def _sorted(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def build_report(
    decisions: Iterable[DecisionFact],
    *,
    period_from: datetime,
    period_to: datetime,
    earlier: Mapping[int, Sequence[DecisionFact]] | None = None,
    requests: Sequence[RequestFact] | None = None,
    within_hours: float = 48.0,
    appeals: Sequence[AppealFact] | None = None,
) -> TransparencyReport:
    """The report for decisions made in [period_from, period_to).

    ``earlier`` gives, per item, decisions made before the period, so a
    reversal in the period of a restriction made before it is still seen.
    ``requests`` is None when the platform has no request (cases) table. ``appeals`` are the
    decided appeals (upheld and reversed); without them only reversals, which write a
    decision, can be counted.
    """
    in_period = sorted(
        (d for d in decisions if period_from <= d.created_at < period_to),
        key=lambda d: (d.created_at, d.decision_id),
    )
    restrictions = [d for d in in_period if d.verdict in RESTRICTIVE]
    by_category: Counter[str] = Counter(c for d in restrictions for c in d.categories or ("none",))
    by_source: Counter[str] = Counter(SOURCE_GROUPS.get(d.source, d.source) for d in restrictions)
    by_action: Counter[str] = Counter(d.verdict for d in in_period)
    by_surface: Counter[str] = Counter(d.surface for d in restrictions)
    by_jurisdiction: Counter[str] = Counter(
        j for d in restrictions for j in (d.jurisdictions or ("unspecified",))
    )
    tta = [max(0.0, (d.created_at - d.item_created_at).total_seconds()) for d in restrictions]

    history: dict[int, list[DecisionFact]] = {k: list(v) for k, v in (earlier or {}).items()}
    reversal_times: list[float] = []
    for d in in_period:
        past = history.setdefault(d.item_id, [])
        last_restriction = next((p for p in reversed(past) if p.verdict in RESTRICTIVE), None)
        previous = past[-1] if past else None
        if (
            d.source in ("review", "appeal")
            and d.verdict not in RESTRICTIVE
            and previous is not None
            and previous.verdict in RESTRICTIVE
            and last_restriction is not None
        ):
            reversal_times.append((d.created_at - last_restriction.created_at).total_seconds())
        past.append(d)

    decided = (
        None
        if appeals is None
        else [
            a
            for a in appeals
            if period_from <= a.decided_at < period_to and a.outcome in ("upheld", "reversed")
        ]
    )
    return TransparencyReport(
        period_from=period_from,
        period_to=period_to,
        decisions=len(in_period),
        restrictions=len(restrictions),
        by_category=_sorted(by_category),
        by_source=_sorted(by_source),
        by_action=_sorted(by_action),
        by_surface=_sorted(by_surface),
        by_jurisdiction=_sorted(by_jurisdiction),
        time_to_action_s=percentiles(tta),
        hash_matches=sum(1 for d in in_period if d.match_count > 0),
        retro_hunt_hits=sum(1 for d in in_period if d.source == "retro_hunt"),
        appeals=len(decided)
        if decided is not None
        else sum(1 for d in in_period if d.source == "appeal"),
        appeals_upheld=sum(1 for a in decided or () if a.outcome == "upheld"),
        appeals_reversed=sum(1 for a in decided or () if a.outcome == "reversed")
        if decided is not None
        else sum(1 for d in in_period if d.source == "appeal"),
        reviews=sum(1 for d in in_period if d.source == "review"),
        reversals=len(reversal_times),
        reversal_time_s=percentiles(reversal_times),
        requests=_requests(requests, period_from, period_to, within_hours),
        time_to_action_samples=tuple(tta),
    )


def _requests(
    requests: Sequence[RequestFact] | None, start: datetime, end: datetime, hours: float
) -> dict[str, Any]:
    if requests is None:
        return {"note": "no requests (this installation has no request table)"}
    mine = [r for r in requests if start <= r.received_at < end]
    if not mine:
        return {"note": "no requests", "received": 0}
    # Withdrawn before it was actioned: the requester stopped the clock, so the request is
    # neither on time nor late and leaves the rate (counted on its own).
    withdrawn = [r for r in mine if r.status == "withdrawn" and r.actioned_at is None]
    valid = [r for r in mine if r.valid_at is not None and r not in withdrawn]
    on_time = [
        r
        for r in valid
        if actioned_within(r.received_at, r.actioned_at, hours, valid_at=r.valid_at)
    ]
    return {
        "received": len(mine),
        "valid": len(valid),
        "withdrawn": len(withdrawn),
        f"valid_actioned_within_{int(hours)}h": len(on_time),
        f"share_within_{int(hours)}h": None if not valid else round(len(on_time) / len(valid), 4),
        "by_jurisdiction": _sorted(Counter(r.jurisdiction for r in mine)),
    }

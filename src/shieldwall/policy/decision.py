"""What a policy evaluation returns: the verdict, the rules that fired and the actions due.

A :class:`Decision` is a plain frozen value. The pipeline writes it, and its
:attr:`Decision.actions`, to the outbox in one transaction; the worker performs the actions
at least once, using each action's ``idempotency_key`` to do it only once in effect.
:func:`diff_decisions` compares two decisions on the same item, which is how a new policy
version is tried in shadow mode against past items before it goes live.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from shieldwall.policy.model import OutcomeSpec
from shieldwall.types import Outcome

ActionParam = str | int | tuple[str, ...] | None


class ActionKind(enum.StrEnum):
    """The concrete things a decision asks the system to do."""

    NOTIFY = "notify"
    """Send the verdict to the platform's webhook (for every verdict from review upwards)."""
    ENQUEUE_REVIEW = "enqueue_review"
    """Put the item in a review queue with a priority and an SLA."""
    ADD_TO_BANK = "add_to_bank"
    """Add the item's hashes to a bank."""
    PREPARE_CHILD_SAFETY_REPORT = "prepare_child_safety_report"
    """Draft a child-safety report for a person to check and file; never sent automatically."""


def _jsonable(value: ActionParam) -> Any:
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class Action:
    """One action to perform. ``idempotency_key`` is stable for the same item, policy,
    kind and target, so re-running a decision never performs it twice."""

    kind: ActionKind
    params: Mapping[str, ActionParam] = field(default_factory=dict)
    idempotency_key: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    @property
    def identity(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """What the action does, without the key: used to compare decisions across versions."""
        return self.kind.value, tuple(sorted((k, repr(v)) for k, v in self.params.items()))

    def describe(self) -> str:
        inner = ", ".join(
            f"{k}={','.join(v) if isinstance(v, tuple) else v}" for k, v in self.params.items()
        )
        return f"{self.kind.value}({inner})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "params": {k: _jsonable(v) for k, v in self.params.items()},
            "idempotency_key": self.idempotency_key,
        }


def idempotency_key(content_id: str, policy_fingerprint: str, kind: ActionKind, target: str) -> str:
    """A short stable key for (item, policy, action kind, target)."""
    text = "\x1f".join((content_id, policy_fingerprint, kind.value, target))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class RuleHit:
    """A rule that fired, with its outcomes and the evidence that made it fire."""

    rule_id: str
    category: str
    outcomes: tuple[OutcomeSpec, ...]
    evidence: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "category": self.category,
            "outcomes": [o.model_dump(mode="json", exclude_none=True) for o in self.outcomes],
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True)
class Decision:
    """The result of evaluating a policy on one item.

    ``verdict`` is the most severe outcome (``OUTCOME_SEVERITY``) among the fired rules,
    ``allow`` when none fired. ``notes`` explain matches and signals that were looked at but
    not acted on (suppressed by a negative bank, hash quality too low, signal failed).
    """

    content_id: str
    verdict: Outcome
    fired: tuple[RuleHit, ...]
    policy_name: str
    policy_version: str
    policy_fingerprint: str
    reasons: tuple[str, ...]
    actions: tuple[Action, ...]
    notes: tuple[str, ...] = ()

    @property
    def categories(self) -> tuple[str, ...]:
        """Reason codes of the fired rules, in order, without repeats."""
        return tuple(dict.fromkeys(hit.category for hit in self.fired))

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(hit.rule_id for hit in self.fired)

    def to_dict(self) -> dict[str, Any]:
        """The decision as JSON-ready data (lists, strings and numbers only)."""
        return {
            "content_id": self.content_id,
            "verdict": self.verdict.value,
            "categories": list(self.categories),
            "fired": [hit.to_dict() for hit in self.fired],
            "policy": {
                "name": self.policy_name,
                "version": self.policy_version,
                "fingerprint": self.policy_fingerprint,
            },
            "reasons": list(self.reasons),
            "notes": list(self.notes),
            "actions": [a.to_dict() for a in self.actions],
        }


@dataclass(frozen=True)
class DecisionDiff:
    """How a new policy's decision on one item differs from the old one's."""

    content_id: str
    verdict_before: Outcome
    verdict_after: Outcome
    rules_added: tuple[str, ...]
    rules_removed: tuple[str, ...]
    actions_added: tuple[str, ...]
    actions_removed: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """True when anyone would notice: another verdict, other rules or other actions."""
        return bool(
            self.verdict_before is not self.verdict_after
            or self.rules_added
            or self.rules_removed
            or self.actions_added
            or self.actions_removed
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "content_id": self.content_id,
            "changed": self.changed,
            "verdict_before": self.verdict_before.value,
            "verdict_after": self.verdict_after.value,
            "rules_added": list(self.rules_added),
            "rules_removed": list(self.rules_removed),
            "actions_added": list(self.actions_added),
            "actions_removed": list(self.actions_removed),
        }


def diff_decisions(old: Decision, new: Decision) -> DecisionDiff:
    """Compare two decisions on the same item (shadow-mode replay of a new policy version).

    Actions are compared by what they do, not by idempotency key, since the key includes
    the policy fingerprint and so always differs between versions.
    """
    if old.content_id != new.content_id:
        raise ValueError(
            f"decisions are about different items: {old.content_id!r}, {new.content_id!r}"
        )
    old_rules, new_rules = set(old.rule_ids), set(new.rule_ids)
    old_actions = {a.identity: a for a in old.actions}
    new_actions = {a.identity: a for a in new.actions}
    return DecisionDiff(
        content_id=new.content_id,
        verdict_before=old.verdict,
        verdict_after=new.verdict,
        rules_added=tuple(r for r in new.rule_ids if r not in old_rules),
        rules_removed=tuple(r for r in old.rule_ids if r not in new_rules),
        actions_added=tuple(a.describe() for k, a in new_actions.items() if k not in old_actions),
        actions_removed=tuple(a.describe() for k, a in old_actions.items() if k not in new_actions),
    )

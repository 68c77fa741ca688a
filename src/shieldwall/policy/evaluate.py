"""The evaluator: run a policy's rules over one item and decide.

Rules run in order; every rule whose ``when`` holds fires and is recorded, until a fired
rule says ``stop``. The verdict is the most severe outcome among the fired rules
(``OUTCOME_SEVERITY``), ``allow`` when none fired. Evaluation is a pure function of the
policy and the context, so replaying stored contexts against a new version (shadow mode)
shows exactly what that version would change.
"""

from __future__ import annotations

from collections.abc import Iterable

from shieldwall.policy.conditions import (
    AllOf,
    AnyOf,
    Condition,
    NotOf,
    PredicateEnv,
    PredicateResult,
)
from shieldwall.policy.context import PolicyContext
from shieldwall.policy.decision import Action, ActionKind, Decision, RuleHit, idempotency_key
from shieldwall.policy.model import PRIORITY_RANK, OutcomeSpec, Policy
from shieldwall.policy.predicates import describe_match
from shieldwall.types import OUTCOME_SEVERITY, HashKind, Match, Outcome


def most_severe(outcomes: Iterable[Outcome]) -> Outcome:
    """The most severe of ``outcomes`` by ``OUTCOME_SEVERITY``; ``allow`` for none."""
    return max(outcomes, key=OUTCOME_SEVERITY.__getitem__, default=Outcome.ALLOW)


def describe_condition(condition: Condition) -> str:
    """A compact one-line rendering, e.g. ``match(purposes=['victim'], max_distance=20)``."""
    if isinstance(condition, AllOf | AnyOf):
        name = "all" if isinstance(condition, AllOf) else "any"
        return f"{name}({', '.join(describe_condition(c) for c in condition.conditions)})"
    if isinstance(condition, NotOf):
        return f"not({describe_condition(condition.condition)})"
    args = condition.args.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return f"{condition.name}({', '.join(f'{k}={v}' for k, v in args.items())})"


def check(condition: Condition, ctx: PolicyContext, env: PredicateEnv) -> PredicateResult:
    """Evaluate a condition tree. Every branch is evaluated (no short cut) so that the
    evidence of an ``any`` lists all the reasons it held, not just the first."""
    if isinstance(condition, AllOf | AnyOf):
        results = [check(c, ctx, env) for c in condition.conditions]
        held = [r for r in results if r.matched]
        matched = len(held) == len(results) if isinstance(condition, AllOf) else bool(held)
        if not matched:
            return PredicateResult(False)
        return PredicateResult(
            True,
            tuple(line for r in held for line in r.evidence),
            tuple(m for r in held for m in r.matches),
        )
    if isinstance(condition, NotOf):
        inner = check(condition.condition, ctx, env)
        if inner.matched:
            return PredicateResult(False)
        return PredicateResult(True, (f"not {describe_condition(condition.condition)}",))
    return condition.spec.fn(condition.args, ctx, env)


def evaluate(
    policy: Policy, ctx: PolicyContext, *, quality_threshold: int | None = None
) -> Decision:
    """Decide what happens to the item in ``ctx`` under ``policy``.

    ``quality_threshold`` overrides the policy's own (the ``SHIELDWALL_QUALITY_THRESHOLD``
    setting, when the pipeline passes it).
    """
    threshold = policy.quality_threshold if quality_threshold is None else quality_threshold
    env = PredicateEnv(quality_threshold=threshold)
    hits: list[RuleHit] = []
    acted_on: set[Match] = set()
    notes: list[str] = []
    for position, rule in enumerate(policy.rules):
        result = check(rule.when, ctx, env)
        if not result.matched:
            continue
        outcomes, evidence = rule.then, result.evidence or ("conditions held",)
        held = _held_reason(result.matches)
        if held is not None and any(o.outcome in ACTING for o in outcomes):
            outcomes, evidence = HELD_OUTCOMES, (*evidence, f"held for review: {held}")
        hits.append(RuleHit(rule.id, rule.category, outcomes, evidence))
        acted_on.update(result.matches)
        if rule.stop:
            skipped = len(policy.rules) - position - 1
            if skipped:
                notes.append(f"rule {rule.id} stops evaluation: {skipped} later rule(s) not run")
            break
    verdict = most_severe(o.outcome for hit in hits for o in hit.outcomes)
    notes = [*_set_aside(ctx, acted_on, threshold), *notes]
    actions = _actions(policy, ctx, hits, verdict)
    reasons = [_reason(policy, hit) for hit in hits] or ["no rule fired: allow"]
    return Decision(
        content_id=ctx.content_id,
        verdict=verdict,
        fired=tuple(hits),
        policy_name=policy.name,
        policy_version=policy.version,
        policy_fingerprint=policy.fingerprint,
        reasons=(*reasons, *notes),
        actions=actions,
        notes=tuple(notes),
    )


ACTING = frozenset(
    {
        Outcome.BLOCK,
        Outcome.REMOVE,
        Outcome.HOLD,
        Outcome.ADD_TO_BANK,
        Outcome.ESCALATE_CHILD_SAFETY,
    }
)
"""Outcomes that act on content (or spread a hash) without a person: what a held match
may never cause."""
HELD_QUEUE = "held-matches"
HELD_OUTCOMES = (
    OutcomeSpec(outcome=Outcome.REVIEW, queue=HELD_QUEUE, priority="high", sla_hours=24),
)
"""What a rule fired only by held matches does instead: a person looks first."""


def _held_reason(matches: Iterable[Match]) -> str | None:
    """Why a rule's matches may not act alone: every one of them is held (one match that
    is not held is enough to act on, as it would be without the others)."""
    found = list(matches)
    if not found or any(m.held is None for m in found):
        return None
    return "; ".join(dict.fromkeys(str(m.held) for m in found))


def _set_aside(ctx: PolicyContext, acted_on: set[Match], threshold: int) -> list[str]:
    """Explain every non-negative match that no fired rule used, so nothing vanishes silently."""
    notes: list[str] = []
    for m in ctx.matches:
        if m in acted_on or m.bank_purpose.value == "negative":
            continue
        if m.suppressed:
            notes.append(f"{describe_match(m)} suppressed by negative bank entry {m.suppressed_by}")
        elif m.signal_type is HashKind.PDQ and ctx.quality is not None and ctx.quality < threshold:
            notes.append(
                f"{describe_match(m)}: quality {ctx.quality} below {threshold}: match not acted on"
            )
        else:
            notes.append(f"{describe_match(m)}: no rule acted on it")
    for s in ctx.signals:
        if s.error is not None:
            notes.append(f"signal {s.signal} failed ({s.error}): not considered")
    return notes


def _reason(policy: Policy, hit: RuleHit) -> str:
    rule = next(r for r in policy.rules if r.id == hit.rule_id)
    outcomes = ", ".join(o.describe() for o in hit.outcomes)
    about = f": {rule.description.strip()}" if rule.description.strip() else ""
    return f"{hit.rule_id} ({hit.category}) -> {outcomes}{about} [{hit.evidence[0].strip()}]"


def _actions(
    policy: Policy, ctx: PolicyContext, hits: list[RuleHit], verdict: Outcome
) -> tuple[Action, ...]:
    fp = policy.fingerprint

    def make(kind: ActionKind, target: str, **params: str | int | tuple[str, ...] | None) -> Action:
        return Action(kind, params, idempotency_key(ctx.content_id, fp, kind, target))

    actions: list[Action] = []
    escalating = [
        h for h in hits if any(o.outcome is Outcome.ESCALATE_CHILD_SAFETY for o in h.outcomes)
    ]
    if escalating:
        actions.append(
            make(
                ActionKind.PREPARE_CHILD_SAFETY_REPORT,
                "",
                content_id=ctx.content_id,
                rules=tuple(h.rule_id for h in escalating),
                categories=tuple(dict.fromkeys(h.category for h in escalating)),
            )
        )
    if OUTCOME_SEVERITY[verdict] >= OUTCOME_SEVERITY[Outcome.REVIEW]:
        actions.append(
            make(
                ActionKind.NOTIFY,
                verdict.value,
                content_id=ctx.content_id,
                verdict=verdict.value,
                categories=tuple(dict.fromkeys(h.category for h in hits)),
                rules=tuple(h.rule_id for h in hits),
            )
        )
    reviews: dict[str, list[tuple[RuleHit, OutcomeSpec]]] = {}
    banks: dict[str, list[RuleHit]] = {}
    for hit in hits:
        for o in hit.outcomes:
            if o.outcome is Outcome.REVIEW and o.queue is not None:
                reviews.setdefault(o.queue, []).append((hit, o))
            elif o.outcome is Outcome.ADD_TO_BANK and o.bank is not None:
                banks.setdefault(o.bank, []).append(hit)
    for queue, asks in reviews.items():
        # One review per queue: the most urgent priority and the shortest SLA asked for.
        slas = [o.sla_hours for _, o in asks if o.sla_hours is not None]
        actions.append(
            make(
                ActionKind.ENQUEUE_REVIEW,
                queue,
                content_id=ctx.content_id,
                queue=queue,
                priority=max(
                    (o.priority or "normal" for _, o in asks), key=PRIORITY_RANK.__getitem__
                ),
                sla_hours=min(slas) if slas else None,
                categories=tuple(dict.fromkeys(h.category for h, _ in asks)),
                rules=tuple(dict.fromkeys(h.rule_id for h, _ in asks)),
            )
        )
    for bank, bank_hits in banks.items():
        actions.append(
            make(
                ActionKind.ADD_TO_BANK,
                bank,
                content_id=ctx.content_id,
                bank=bank,
                categories=tuple(dict.fromkeys(h.category for h in bank_hits)),
                rules=tuple(h.rule_id for h in bank_hits),
            )
        )
    return tuple(actions)

"""Invariants of evaluation, checked on random policies and items against a plain oracle."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldwall.policy import PolicyContext, evaluate, load_policy, most_severe
from shieldwall.types import OUTCOME_SEVERITY, Outcome, SignalResult

NAMES = ["alpha", "beta", "gamma"]
SCORES = st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0])

leaf = st.builds(
    lambda n, s: {"signal": {"name": n, "min_score": s}}, st.sampled_from(NAMES), SCORES
)
conditions = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.builds(lambda cs: {"all": cs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda cs: {"any": cs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda c: {"not": c}, inner),
    ),
    max_leaves=5,
)
OUTCOME_DATA: dict[Outcome, Any] = {
    Outcome.REVIEW: {"review": {"queue": "q", "priority": "normal"}},
    Outcome.ADD_TO_BANK: {"add_to_bank": {"bank": "b"}},
}


def outcome_data(outcome: Outcome) -> Any:
    return OUTCOME_DATA.get(outcome, outcome.value)


acting = [o for o in Outcome if o is not Outcome.ALLOW]
rule_bodies = st.fixed_dictionaries(
    {
        "when": conditions,
        "then": st.lists(st.sampled_from(acting), min_size=1, max_size=3, unique=True),
        "stop": st.booleans(),
    }
)
signal_sets = st.lists(
    st.builds(
        lambda n, s, failed: SignalResult(
            n, "1", score=None if failed else s, error="x" if failed else None
        ),
        st.sampled_from(NAMES),
        st.floats(0, 1),
        st.booleans(),
    ),
    max_size=4,
)


def policy_text(bodies: list[dict[str, Any]]) -> str:
    rules = [
        {
            "id": f"r{i}",
            "when": body["when"],
            "then": [outcome_data(o) for o in body["then"]],
            "category": f"cat{i % 2}",
            "stop": body["stop"],
        }
        for i, body in enumerate(bodies)
    ]
    return yaml.safe_dump({"version": "p", "name": "random", "rules": rules})


def holds(cond: dict[str, Any], signals: list[SignalResult]) -> bool:
    ((key, value),) = cond.items()
    if key == "all":
        return all(holds(c, signals) for c in value)
    if key == "any":
        return any(holds(c, signals) for c in value)
    if key == "not":
        return not holds(value, signals)
    return any(
        s.signal == value["name"] and s.score is not None and s.score >= value["min_score"]
        for s in signals
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(rule_bodies, max_size=6), signal_sets)
def test_verdict_is_the_most_severe_fired_outcome(
    bodies: list[dict[str, Any]], signals: list[SignalResult]
) -> None:
    policy = load_policy(policy_text(bodies))
    ctx = PolicyContext("item", signals=tuple(signals))
    decision = evaluate(policy, ctx)

    expected: list[int] = []
    for i, body in enumerate(bodies):
        if holds(body["when"], signals):
            expected.append(i)
            if body["stop"]:
                break
    assert decision.rule_ids == tuple(f"r{i}" for i in expected)
    fired_outcomes = [o.outcome for hit in decision.fired for o in hit.outcomes]
    assert decision.verdict is most_severe(fired_outcomes)
    assert all(OUTCOME_SEVERITY[decision.verdict] >= OUTCOME_SEVERITY[o] for o in fired_outcomes)
    assert (decision.verdict is Outcome.ALLOW) == (not decision.fired)
    assert len(decision.reasons) >= len(decision.fired)

    # Deterministic: same policy (even reloaded from its own dict) and item, same decision.
    again = evaluate(load_policy(yaml.safe_dump(policy.to_dict())), ctx)
    assert again == decision
    assert again.to_dict() == decision.to_dict()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(list(Outcome)), min_size=1, max_size=4, unique=True))
def test_verdict_with_allow_rules_is_still_the_most_severe(outcomes: list[Outcome]) -> None:
    # Each outcome in its own always-true rule, so allow may sit beside anything.
    bodies = [
        {
            "id": f"r{i}",
            "when": {"quality_below": {"value": 100}},
            "then": [outcome_data(o)],
            "category": "c",
        }
        for i, o in enumerate(outcomes)
    ]
    policy = load_policy(yaml.safe_dump({"version": "p", "name": "n", "rules": bodies}))
    decision = evaluate(policy, PolicyContext("item", quality=10))
    assert len(decision.fired) == len(outcomes)
    assert decision.verdict is max(outcomes, key=OUTCOME_SEVERITY.__getitem__)

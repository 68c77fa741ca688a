"""Each built-in predicate and combinator, through the small YAML policies people write."""

from __future__ import annotations

import pytest

from shieldwall.errors import InputError
from shieldwall.policy import ActionKind, PolicyContext, PolicyLoadError, evaluate, load_policy
from shieldwall.types import BankPurpose, HashKind, Match, Outcome, SignalResult


def one_rule(when: str, then: str = "block", extra: str = "") -> str:
    return f"""\
version: "t"
name: one-rule
rules:
  - id: r
    when: {when}
    then: {then}
    category: c
{extra}"""


def fires(when: str, ctx: PolicyContext) -> bool:
    return evaluate(load_policy(one_rule(when)), ctx).verdict is Outcome.BLOCK


def item(**kw: object) -> PolicyContext:
    return PolicyContext("c-1", **kw)  # type: ignore[arg-type]


def test_surface_source_and_jurisdiction() -> None:
    ctx = item(surface="message", source="retro_hunt", jurisdictions=("gb", "EU"))
    assert fires("{surface: {in: [message, profile]}}", ctx)
    assert not fires("{surface: {in: post}}", ctx)
    assert fires("{source: {in: retro_hunt}}", ctx)
    assert fires("{jurisdiction: {in: [au, GB]}}", ctx)  # codes are case-insensitive
    assert not fires("{jurisdiction: {in: [US]}}", ctx)


def test_surface_must_be_a_known_one() -> None:
    with pytest.raises(PolicyLoadError, match="surface"):
        load_policy(one_rule("{surface: {in: [forum]}}"))
    with pytest.raises(InputError, match="surface must be one of"):
        item(surface="forum")


def test_metadata_equals_and_in_compare_types() -> None:
    ctx = item(metadata={"verified": True, "age_days": 1, "region": "north"})
    assert fires("{metadata: {key: verified, equals: true}}", ctx)
    assert not fires("{metadata: {key: age_days, equals: true}}", ctx)  # 1 is not true
    assert fires("{metadata: {key: region, in: [north, south]}}", ctx)
    assert not fires("{metadata: {key: missing, equals: x}}", ctx)
    with pytest.raises(PolicyLoadError, match="give exactly one of equals or in"):
        load_policy(one_rule("{metadata: {key: region}}"))


def test_text_contains_folds_case_and_full_width_characters() -> None:
    ctx = item(text="Try ＵＮＤＲＥＳＳ now", url="https://nudify-demo.example/x")
    assert fires("{text_contains: {any: [undress]}}", ctx)
    assert fires("{text_contains: {any: [nudify-demo.example], fields: url}}", ctx)
    assert not fires("{text_contains: {any: [nudify-demo.example], fields: text}}", ctx)


def test_quality_below() -> None:
    assert fires("{quality_below: {value: 40}}", item(quality=30))
    assert not fires("{quality_below: {value: 40}}", item(quality=40))
    assert not fires("{quality_below: {value: 40}}", item(quality=None))


def test_signal_needs_score_or_label_and_respects_both() -> None:
    ctx = item(signals=(SignalResult("nudity", "2", score=0.7, labels=("explicit",)),))
    assert fires("{signal: {name: nudity, min_score: 0.7}}", ctx)
    assert not fires("{signal: {name: nudity, min_score: 0.71}}", ctx)
    assert fires("{signal: {name: nudity, labels: explicit}}", ctx)
    assert not fires("{signal: {name: nudity, min_score: 0.5, labels: other}}", ctx)
    assert not fires("{signal: {name: faces, min_score: 0}}", ctx)


def test_match_filters_by_bank_type_and_distance() -> None:
    m = Match("partner-x", 5, HashKind.PDQ, 14, bank_purpose=BankPurpose.PARTNER, variant="flip")
    ctx = item(matches=(m,), quality=80)
    assert fires("{match: {}}", ctx)
    assert fires("{match: {banks: partner-x, min_distance: 14, max_distance: 14}}", ctx)
    assert not fires("{match: {banks: [other]}}", ctx)
    assert not fires("{match: {purposes: victim}}", ctx)
    assert not fires("{match: {signal_types: md5}}", ctx)
    assert not fires("{match: {max_distance: 13}}", ctx)
    decision = evaluate(load_policy(one_rule("{match: {}}")), ctx)
    assert decision.fired[0].evidence == (
        "pdq match in partner bank 'partner-x' entry 5 at distance 14 (variant flip)",
    )
    with pytest.raises(PolicyLoadError, match="min_distance must not exceed max_distance"):
        load_policy(one_rule("{match: {min_distance: 5, max_distance: 4}}"))


def test_match_ignores_negative_banks_unless_asked() -> None:
    negative = Match("memes", 1, HashKind.PDQ, 0, bank_purpose=BankPurpose.NEGATIVE)
    ctx = item(matches=(negative,))
    assert not fires("{match: {}}", ctx)
    assert fires("{match: {purposes: negative}}", ctx)


def test_include_suppressed_lets_a_rule_see_a_suppressed_match() -> None:
    m = Match("v", 5, HashKind.PDQ, 3, bank_purpose=BankPurpose.VICTIM, suppressed_by=9)
    ctx = item(matches=(m,), quality=90)
    assert not fires("{match: {}}", ctx)
    decision = evaluate(load_policy(one_rule("{match: {include_suppressed: true}}")), ctx)
    assert decision.verdict is Outcome.BLOCK
    assert (
        "suppressed by negative bank entry 9, included by the rule" in decision.fired[0].evidence[0]
    )


def test_a_rule_may_lower_the_quality_gate_explicitly_and_says_so() -> None:
    m = Match("v", 5, HashKind.PDQ, 3, bank_purpose=BankPurpose.VICTIM)
    ctx = item(matches=(m,), quality=32)
    assert not fires("{match: {}}", ctx)
    decision = evaluate(load_policy(one_rule("{match: {min_quality: 30}}")), ctx)
    assert decision.verdict is Outcome.BLOCK
    assert (
        "quality 32 below 50 accepted because the rule sets min_quality 30"
        in (decision.fired[0].evidence[0])
    )
    assert decision.notes == ()  # acted on, so not reported as set aside
    # A stricter rule-level gate applies too.
    assert not fires("{match: {min_quality: 80}}", item(matches=(m,), quality=70))


def test_policy_level_quality_threshold() -> None:
    m = Match("v", 5, HashKind.PDQ, 3, bank_purpose=BankPurpose.VICTIM)
    policy = load_policy(one_rule("{match: {}}", extra="quality_threshold: 30\n"))
    assert evaluate(policy, item(matches=(m,), quality=32)).verdict is Outcome.BLOCK
    assert evaluate(policy, item(matches=(m,), quality=29)).verdict is Outcome.ALLOW


def test_combinators_all_any_not() -> None:
    ctx = item(surface="post", source="upload")
    assert fires("{all: [{surface: {in: post}}, {source: {in: upload}}]}", ctx)
    assert not fires("{all: [{surface: {in: post}}, {source: {in: lookup}}]}", ctx)
    assert fires("{any: [{surface: {in: ad}}, {source: {in: upload}}]}", ctx)
    assert not fires("{not: {surface: {in: post}}}", ctx)
    decision = evaluate(load_policy(one_rule("{not: {surface: {in: ad}}}")), ctx)
    assert decision.fired[0].evidence == ("not surface(in=['ad'])",)


def test_any_records_every_branch_that_held() -> None:
    policy = load_policy(one_rule("{any: [{surface: {in: post}}, {source: {in: upload}}]}"))
    decision = evaluate(policy, item(surface="post", source="upload"))
    assert decision.fired[0].evidence == ("surface is post", "source is upload")


def test_stop_ends_evaluation_and_is_explained() -> None:
    text = """\
version: "t"
name: stop
rules:
  - id: first
    when: {source: {in: upload}}
    then: {review: {queue: a}}
    category: c
    stop: true
  - id: second
    when: {source: {in: upload}}
    then: block
    category: c
"""
    decision = evaluate(load_policy(text), item(source="upload"))
    assert decision.rule_ids == ("first",)
    assert decision.verdict is Outcome.REVIEW
    assert "rule first stops evaluation: 1 later rule(s) not run" in decision.notes


def test_escalate_only_prepares_a_report_and_add_to_bank_names_the_bank() -> None:
    text = one_rule(
        "{source: {in: user_notice}}",
        then="[escalate_child_safety, {add_to_bank: {bank: internal-confirmed}}, hold]",
    )
    decision = evaluate(load_policy(text), item(source="user_notice"))
    assert decision.verdict is Outcome.ESCALATE_CHILD_SAFETY
    kinds = [a.kind for a in decision.actions]
    assert kinds == [
        ActionKind.PREPARE_CHILD_SAFETY_REPORT,
        ActionKind.NOTIFY,
        ActionKind.ADD_TO_BANK,
    ]
    assert decision.actions[2].params["bank"] == "internal-confirmed"

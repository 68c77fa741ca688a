"""The actions a decision asks for, and comparing decisions across policy versions."""

from __future__ import annotations

import pytest

from shieldwall.policy import (
    ActionKind,
    PolicyContext,
    default_policy,
    default_policy_text,
    diff_decisions,
    evaluate,
    load_policy,
)
from shieldwall.types import BankPurpose, HashKind, Match, Outcome, SignalResult

TWO_REVIEWS = """\
version: "t"
name: reviews
rules:
  - id: slow
    when: {source: {in: upload}}
    then: {review: {queue: ncii, priority: low, sla_hours: 72}}
    category: a
  - id: urgent
    when: {surface: {in: post}}
    then: {review: {queue: ncii, priority: urgent, sla_hours: 4}}
    category: b
  - id: bank-it
    when: {surface: {in: post}}
    then: {add_to_bank: {bank: internal}}
    category: b
"""


def victim(distance: int) -> Match:
    return Match("victims", 1, HashKind.PDQ, distance, bank_purpose=BankPurpose.VICTIM)


def test_one_review_per_queue_with_the_most_urgent_ask() -> None:
    decision = evaluate(load_policy(TWO_REVIEWS), PolicyContext("c-1", surface="post"))
    reviews = [a for a in decision.actions if a.kind is ActionKind.ENQUEUE_REVIEW]
    assert len(reviews) == 1
    assert reviews[0].params["priority"] == "urgent"
    assert reviews[0].params["sla_hours"] == 4
    assert reviews[0].params["rules"] == ("slow", "urgent")
    assert [a.kind for a in decision.actions] == [
        ActionKind.NOTIFY,
        ActionKind.ENQUEUE_REVIEW,
        ActionKind.ADD_TO_BANK,
    ]


def test_allow_and_bank_only_decisions_do_not_notify_the_platform() -> None:
    assert evaluate(default_policy(), PolicyContext("c-1")).actions == ()
    bank_only = (
        TWO_REVIEWS.split("  - id: slow")[0]
        + "  - id: bank-it"
        + TWO_REVIEWS.split("  - id: bank-it")[1]
    )
    policy = load_policy(bank_only)
    decision = evaluate(policy, PolicyContext("c-1", surface="post"))
    assert decision.verdict is Outcome.ADD_TO_BANK
    assert [a.kind for a in decision.actions] == [ActionKind.ADD_TO_BANK]


def test_idempotency_keys_are_stable_and_change_with_the_verdict() -> None:
    first = evaluate(default_policy(), PolicyContext("c-1", matches=(victim(5),), quality=90))
    second = evaluate(default_policy(), PolicyContext("c-1", matches=(victim(5),), quality=90))
    assert [a.idempotency_key for a in first.actions] == [a.idempotency_key for a in second.actions]
    weaker = evaluate(default_policy(), PolicyContext("c-1", matches=(victim(25),), quality=90))
    assert first.actions[0].idempotency_key != weaker.actions[0].idempotency_key
    other_item = evaluate(default_policy(), PolicyContext("c-2", matches=(victim(5),), quality=90))
    assert first.actions[0].idempotency_key != other_item.actions[0].idempotency_key


def test_shadow_replay_shows_what_a_stricter_version_changes() -> None:
    stricter = load_policy(
        default_policy_text()
        .replace('version: "2026.1"', 'version: "2026.2"')
        .replace("max_distance: 20", "max_distance: 10")
        .replace("min_distance: 21", "min_distance: 11")
    )
    items = [
        PolicyContext("close", matches=(victim(5),), quality=90),
        PolicyContext("middle", matches=(victim(15),), quality=90),
        PolicyContext("text", signals=(SignalResult("text_indicators", "1", score=0.9),)),
        PolicyContext("nothing"),
    ]
    diffs = {
        ctx.content_id: diff_decisions(evaluate(default_policy(), ctx), evaluate(stricter, ctx))
        for ctx in items
    }
    assert [cid for cid, d in diffs.items() if d.changed] == ["middle"]
    middle = diffs["middle"]
    assert (middle.verdict_before, middle.verdict_after) == (Outcome.REMOVE, Outcome.REVIEW)
    assert middle.rules_removed == ("confident-known-match",)
    assert middle.rules_added == ("possible-known-match",)
    assert any(a.startswith("enqueue_review(") for a in middle.actions_added)
    assert middle.to_dict()["changed"] is True


def test_diff_refuses_decisions_about_different_items() -> None:
    a = evaluate(default_policy(), PolicyContext("a"))
    b = evaluate(default_policy(), PolicyContext("b"))
    with pytest.raises(ValueError, match="different items"):
        diff_decisions(a, b)

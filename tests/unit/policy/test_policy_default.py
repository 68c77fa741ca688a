"""The bundled default policy does what its comments promise, on realistic items."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldwall.policy import (
    ActionKind,
    PolicyContext,
    default_policy,
    default_policy_text,
    evaluate,
    load_policy,
)
from shieldwall.types import OUTCOME_SEVERITY, BankPurpose, HashKind, Match, Outcome, SignalResult


def pdq(distance: int, purpose: BankPurpose = BankPurpose.VICTIM, **kw: object) -> Match:
    return Match(
        bank=f"{purpose.value}-bank",
        entry_id=kw.pop("entry_id", 11),  # type: ignore[arg-type]
        signal_type=HashKind.PDQ,
        distance=distance,
        bank_purpose=purpose,
        **kw,  # type: ignore[arg-type]
    )


def exact(kind: HashKind, purpose: BankPurpose = BankPurpose.VICTIM) -> Match:
    return Match(f"{purpose.value}-bank", 3, kind, 0, bank_purpose=purpose)


def ctx(
    *,
    matches: tuple[Match, ...] = (),
    signals: tuple[SignalResult, ...] = (),
    quality: int | None = 90,
) -> PolicyContext:
    return PolicyContext(
        content_id="c-1", surface="post", matches=matches, signals=signals, quality=quality
    )


def signal(name: str, score: float, *labels: str) -> SignalResult:
    return SignalResult(name, "1", score=score, labels=labels, evidence=(f"{name} says {score}",))


def test_close_victim_match_is_blocked_and_removed() -> None:
    decision = evaluate(default_policy(), ctx(matches=(pdq(8),)))
    assert decision.verdict is Outcome.REMOVE
    assert decision.rule_ids == ("confident-known-match",)
    assert decision.categories == ("ncii_known_match",)
    assert {o.outcome for o in decision.fired[0].outcomes} == {Outcome.BLOCK, Outcome.REMOVE}
    assert (
        "pdq match in victim bank 'victim-bank' entry 11 at distance 8"
        in decision.fired[0].evidence
    )
    notify = [a for a in decision.actions if a.kind is ActionKind.NOTIFY]
    assert len(notify) == 1 and notify[0].params["verdict"] == "remove"


@pytest.mark.parametrize("kind", [HashKind.MD5, HashKind.SHA256])
def test_exact_digest_in_victim_bank_is_removed(kind: HashKind) -> None:
    decision = evaluate(default_policy(), ctx(matches=(exact(kind),)))
    assert decision.verdict is Outcome.REMOVE
    assert decision.rule_ids == ("exact-known-match",)


def test_partner_bank_close_match_is_removed_too() -> None:
    decision = evaluate(default_policy(), ctx(matches=(pdq(12, BankPurpose.PARTNER),)))
    assert decision.verdict is Outcome.REMOVE


@pytest.mark.parametrize(
    ("distance", "verdict"), [(20, Outcome.REMOVE), (21, Outcome.REVIEW), (31, Outcome.REVIEW)]
)
def test_the_confidence_boundary_is_distance_20(distance: int, verdict: Outcome) -> None:
    assert evaluate(default_policy(), ctx(matches=(pdq(distance),))).verdict is verdict


def test_weak_victim_match_goes_to_the_ncii_queue_within_a_day() -> None:
    decision = evaluate(default_policy(), ctx(matches=(pdq(27),)))
    assert decision.verdict is Outcome.REVIEW
    assert decision.rule_ids == ("possible-known-match",)
    (review,) = [a for a in decision.actions if a.kind is ActionKind.ENQUEUE_REVIEW]
    assert review.params["queue"] == "ncii"
    assert review.params["priority"] == "high"
    assert review.params["sla_hours"] == 24


def test_negative_bank_hit_suppresses_a_close_match() -> None:
    suppressed = pdq(4, suppressed_by=7)
    allow_hit = Match("memes", 7, HashKind.PDQ, 2, bank_purpose=BankPurpose.NEGATIVE)
    decision = evaluate(default_policy(), ctx(matches=(suppressed, allow_hit)))
    assert decision.verdict is Outcome.ALLOW
    assert decision.fired == ()
    assert decision.actions == ()
    assert any("suppressed by negative bank entry 7" in note for note in decision.notes)
    assert any("suppressed by negative bank entry 7" in r for r in decision.reasons)


def test_a_negative_bank_match_alone_never_acts() -> None:
    allow_hit = Match("memes", 7, HashKind.PDQ, 0, bank_purpose=BankPurpose.NEGATIVE)
    assert evaluate(default_policy(), ctx(matches=(allow_hit,))).verdict is Outcome.ALLOW


def test_low_quality_hash_does_not_block_and_says_why() -> None:
    decision = evaluate(default_policy(), ctx(matches=(pdq(5),), quality=32))
    assert decision.verdict is Outcome.ALLOW
    assert any("quality 32 below 50: match not acted on" in n for n in decision.notes)


def test_quality_gate_does_not_apply_to_exact_digests() -> None:
    decision = evaluate(default_policy(), ctx(matches=(exact(HashKind.MD5),), quality=10))
    assert decision.verdict is Outcome.REMOVE


def test_configured_quality_threshold_overrides_the_policy() -> None:
    item = ctx(matches=(pdq(5),), quality=40)
    assert evaluate(default_policy(), item).verdict is Outcome.ALLOW
    assert evaluate(default_policy(), item, quality_threshold=30).verdict is Outcome.REMOVE


def test_nudity_score_alone_is_reviewed_never_removed() -> None:
    decision = evaluate(
        default_policy(), ctx(signals=(signal("nudity", 0.99), signal("faces", 0.99)))
    )
    assert decision.verdict is Outcome.REVIEW
    assert decision.rule_ids == ("nudity-with-face",)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["nudity", "faces", "text_indicators", "provenance", "watermark"]),
            st.floats(0, 1),
            st.lists(st.sampled_from(["synthetic", "ai_generated", "nudify"]), max_size=2),
        ),
        max_size=6,
    )
)
def test_signal_scores_alone_never_block_or_remove(raw: list[tuple[str, float, list[str]]]) -> None:
    signals = tuple(SignalResult(n, "1", score=s, labels=tuple(ls)) for n, s, ls in raw)
    decision = evaluate(default_policy(), ctx(signals=signals))
    assert OUTCOME_SEVERITY[decision.verdict] <= OUTCOME_SEVERITY[Outcome.REVIEW]


def test_nudify_promotion_text_goes_to_the_nudify_queue() -> None:
    decision = evaluate(default_policy(), ctx(signals=(signal("text_indicators", 0.9, "nudify"),)))
    assert decision.verdict is Outcome.REVIEW
    (review,) = [a for a in decision.actions if a.kind is ActionKind.ENQUEUE_REVIEW]
    assert review.params["queue"] == "nudify"
    assert "signal text_indicators 1: score 0.90 >= 0.5" in decision.fired[0].evidence


def test_synthetic_origin_with_nudity_is_reviewed_as_synthetic_intimate() -> None:
    decision = evaluate(
        default_policy(),
        ctx(signals=(signal("nudity", 0.9), signal("provenance", 1.0, "ai_generated"))),
    )
    assert decision.verdict is Outcome.REVIEW
    assert decision.categories == ("synthetic_intimate",)


def test_several_rules_fire_and_all_are_recorded() -> None:
    item = ctx(
        matches=(exact(HashKind.SHA256), pdq(10), pdq(25, entry_id=12)),
        signals=(signal("text_indicators", 0.8),),
    )
    decision = evaluate(default_policy(), item)
    assert decision.rule_ids == (
        "exact-known-match",
        "confident-known-match",
        "possible-known-match",
        "nudify-promotion",
    )
    assert decision.verdict is Outcome.REMOVE
    queues = {a.params["queue"] for a in decision.actions if a.kind is ActionKind.ENQUEUE_REVIEW}
    assert queues == {"ncii", "nudify"}
    assert len(decision.reasons) == 4


def test_failed_signal_is_noted_not_acted_on() -> None:
    broken = SignalResult("nudity", "1", error="timed out")
    decision = evaluate(default_policy(), ctx(signals=(broken,)))
    assert decision.verdict is Outcome.ALLOW
    assert decision.notes == ("signal nudity failed (timed out): not considered",)


def test_decision_serialises_to_json() -> None:
    decision = evaluate(default_policy(), ctx(matches=(pdq(3),)))
    data = json.loads(json.dumps(decision.to_dict()))
    assert data["verdict"] == "remove"
    assert data["policy"]["version"] == default_policy().version
    assert data["fired"][0]["outcomes"] == [{"outcome": "block"}, {"outcome": "remove"}]
    assert data["actions"][0]["kind"] == "notify"


def test_bundled_text_is_the_default_policy() -> None:
    assert load_policy(default_policy_text()).fingerprint == default_policy().fingerprint
    assert set(default_policy().categories) >= {
        "ncii_known_match",
        "ncii_possible",
        "nudify_promotion",
        "synthetic_intimate",
    }

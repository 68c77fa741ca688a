"""Held matches in the pure evaluator: a rule fired only by matches that are held (a
review-only exchange, a quarantined entry) sends the item to people instead of acting;
one match that is not held is enough to act, as it would be alone."""

from __future__ import annotations

import dataclasses

from shieldwall.policy import default_policy
from shieldwall.policy.context import PolicyContext
from shieldwall.policy.decision import ActionKind
from shieldwall.policy.evaluate import HELD_QUEUE, evaluate
from shieldwall.types import BankPurpose, HashKind, Match, Outcome

VICTIM = Match(
    bank="victims",
    entry_id=1,
    signal_type=HashKind.PDQ,
    distance=4,
    bank_purpose=BankPurpose.VICTIM,
)
HELD = dataclasses.replace(VICTIM, entry_id=2, held="exchange 'x' is trusted for review only")


def _decide(*matches: Match):  # type: ignore[no-untyped-def]
    return evaluate(default_policy(), PolicyContext(content_id="c", quality=90, matches=matches))


def test_a_confident_match_that_is_not_held_acts() -> None:
    assert _decide(VICTIM).verdict is Outcome.REMOVE


def test_a_confident_match_that_is_held_goes_to_the_held_queue_and_says_why() -> None:
    decision = _decide(HELD)
    assert decision.verdict is Outcome.REVIEW
    (hit,) = decision.fired
    assert [o.queue for o in hit.outcomes] == [HELD_QUEUE]
    assert any("trusted for review only" in e for e in hit.evidence)
    reviews = [a for a in decision.actions if a.kind is ActionKind.ENQUEUE_REVIEW]
    assert [a.params["queue"] for a in reviews] == [HELD_QUEUE]


def test_one_unheld_match_is_enough_to_act() -> None:
    assert _decide(HELD, VICTIM).verdict is Outcome.REMOVE


def test_held_matches_never_prepare_reports_or_spread_hashes() -> None:
    decision = _decide(HELD)
    kinds = {a.kind for a in decision.actions}
    assert ActionKind.PREPARE_CHILD_SAFETY_REPORT not in kinds
    assert ActionKind.ADD_TO_BANK not in kinds

"""Quality of the text indicator signal on the labelled corpus (precision and recall)."""

from __future__ import annotations

from collections import Counter
from types import ModuleType

from shieldwall.signals.text import TextIndicatorSignal


def test_corpus_is_big_enough_and_uses_made_up_indicators(corpus: ModuleType) -> None:
    assert len(corpus.POSITIVES) >= 150
    assert len(corpus.BENIGN) >= 300
    for ind in corpus.INDICATORS:
        if ind.kind in {"domain", "url_prefix"}:
            host = ind.value.split("/")[0]
            assert host.endswith((".test", ".example")), host


def test_precision_and_recall_meet_the_bar(
    corpus: ModuleType, demo_signal: TextIndicatorSignal
) -> None:
    missed = [name for name, text in corpus.POSITIVES if not demo_signal.evaluate(text).score]
    false_hits = [text for text in corpus.BENIGN if demo_signal.evaluate(text).score]
    tp = len(corpus.POSITIVES) - len(missed)
    precision = tp / (tp + len(false_hits))
    recall = tp / len(corpus.POSITIVES)
    print(
        f"\ntext indicators: {len(corpus.POSITIVES)} positives, {len(corpus.BENIGN)} benign, "
        f"precision {precision:.3f}, recall {recall:.3f}; missed {missed}; "
        f"false hits {false_hits}"
    )
    assert precision >= 0.98
    assert recall >= 0.95


def test_every_evasion_family_is_mostly_caught(
    corpus: ModuleType, demo_signal: TextIndicatorSignal
) -> None:
    """No single evasion may be a blind spot, even if the overall recall looks fine."""
    total: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    for name, text in corpus.POSITIVES:
        evasion = name.rsplit(":", 1)[1]
        total[evasion] += 1
        caught[evasion] += bool(demo_signal.evaluate(text).score)
    weak = {e: f"{caught[e]}/{n}" for e, n in total.items() if caught[e] / n < 0.75}
    assert not weak


def test_an_expired_indicator_is_not_a_hit(
    corpus: ModuleType, demo_signal: TextIndicatorSignal
) -> None:
    assert demo_signal.evaluate("limited: old undress offer").score == 0.0

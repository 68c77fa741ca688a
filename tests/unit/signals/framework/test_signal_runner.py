"""run_signals: only applicable, usable signals run; failures and overruns stay contained."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.signals.framework.fakes import FakeSignal

from shieldwall.signals import SignalInput, Subject, run_signals

TEXT = SignalInput(text="hello")


def test_each_applicable_signal_answers_in_order_with_elapsed_time() -> None:
    signals = [FakeSignal("a"), FakeSignal("b")]
    results = run_signals(signals, TEXT)
    assert [r.signal for r in results] == ["a", "b"]
    assert all(r.error is None and r.score == 0.5 for r in results)
    # The runner's own measurement replaces whatever the signal claimed.
    assert all(r.elapsed_ms is not None and r.elapsed_ms >= 0 for r in results)


def test_signals_for_other_subjects_and_unusable_ones_do_not_run() -> None:
    image_only = FakeSignal("img", applies_to=frozenset({Subject.IMAGE}))
    unusable = FakeSignal("needs-model", behaviour="unusable")
    broken = FakeSignal("broken-check", behaviour="broken-availability")
    results = run_signals([image_only, unusable, broken, FakeSignal("ok")], TEXT)
    assert [r.signal for r in results] == ["ok"]
    assert image_only.calls == unusable.calls == broken.calls == 0


def test_a_failing_signal_gets_an_error_result_and_the_others_go_on() -> None:
    results = run_signals([FakeSignal("bad", behaviour="raise"), FakeSignal("good")], TEXT)
    bad, good = results
    assert bad.score is None
    assert bad.error == "ValueError: bad could not read /secret/path"
    assert "Traceback" not in bad.error and "second line" not in bad.error
    assert good.error is None and good.score == 0.5


def test_a_signal_that_returns_something_else_is_an_error() -> None:
    (result,) = run_signals([FakeSignal("odd", behaviour="not-a-result")], TEXT)
    assert result.error == "returned str, not a SignalResult"


def test_a_signal_over_budget_times_out_without_holding_up_the_rest() -> None:
    release = threading.Event()
    slow = FakeSignal("slow", behaviour="stall", release=release)
    try:
        results = run_signals([slow, FakeSignal("fast")], TEXT, budget_ms=50)
    finally:
        release.set()
    timed_out, fast = results
    assert timed_out.signal == "slow" and timed_out.error == "timeout after 50 ms"
    assert timed_out.score is None
    assert fast.error is None


def test_nothing_applicable_gives_no_results() -> None:
    assert run_signals([FakeSignal("a")], SignalInput()) == ()


def test_budget_must_be_positive() -> None:
    with pytest.raises(ValueError, match="budget_ms"):
        run_signals([FakeSignal("a")], TEXT, budget_ms=0)


@pytest.mark.parametrize(
    ("item", "subjects"),
    [
        (SignalInput(media=b"\x89PNG", media_type="image/png"), {Subject.IMAGE}),
        (SignalInput(media=b"...", media_type="video/mp4"), set()),
        (SignalInput(text="t", link_targets=("https://x.example",)), {Subject.TEXT, Subject.URL}),
        (SignalInput(prompt="a cat"), {Subject.GENERATION_REQUEST}),
    ],
)
def test_item_subjects(item: SignalInput, subjects: set[Subject]) -> None:
    assert item.subjects == subjects


BEHAVIOURS = st.sampled_from(["ok", "raise", "unusable", "other-subject", "not-a-result"])


@given(st.lists(BEHAVIOURS, max_size=8))
def test_one_result_per_runnable_signal_and_errors_exactly_for_failures(
    behaviours: list[str],
) -> None:
    signals = [
        FakeSignal(
            f"s{i}",
            behaviour=b,
            applies_to=frozenset({Subject.IMAGE if b == "other-subject" else Subject.TEXT}),
        )
        for i, b in enumerate(behaviours)
    ]
    results = run_signals(signals, TEXT)
    runnable = [s for s in signals if s.behaviour not in ("unusable", "other-subject")]
    assert [r.signal for r in results] == [s.name for s in runnable]
    for signal, result in zip(runnable, results, strict=True):
        failed = signal.behaviour in ("raise", "not-a-result")
        assert (result.error is not None) == failed
        assert (result.score is None) == failed

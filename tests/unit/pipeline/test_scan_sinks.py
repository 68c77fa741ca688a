"""The scanner's sinks: every sink registered hears of a new decision, so two apps on one
runtime no longer overwrite each other's hook; removing one leaves the other."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from shieldwall.pipeline.scan import ScanOutcome
from shieldwall.pipeline.scan_sinks import ScanSinks

OUTCOME = cast(ScanOutcome, object())  # the sinks only pass it on


def test_two_stored_sinks_are_both_called_in_order() -> None:
    sinks = ScanSinks()
    heard: list[tuple[str, Any]] = []
    sinks.add_stored(lambda o: heard.append(("api", o)))
    sinks.add_stored(lambda o: heard.append(("site", o)))
    sinks.tell(OUTCOME)
    assert heard == [("api", (OUTCOME,)), ("site", (OUTCOME,))]


def test_removing_one_sink_keeps_the_other() -> None:
    sinks = ScanSinks()
    heard: list[str] = []
    remove_first = sinks.add_stored(lambda _: heard.append("first"))
    sinks.add_stored(lambda _: heard.append("second"))
    remove_first()
    remove_first()  # a second removal changes nothing
    sinks.tell(OUTCOME)
    assert heard == ["second"]


def test_the_same_function_twice_is_two_registrations() -> None:
    sinks = ScanSinks()
    heard: list[str] = []

    def sink(_: Sequence[ScanOutcome]) -> None:
        heard.append("x")

    remove = sinks.add_stored(sink)
    sinks.add_stored(sink)
    remove()
    sinks.tell(OUTCOME)
    assert heard == ["x"]


def test_media_sinks_get_the_bytes_first_and_only_for_uploads() -> None:
    sinks = ScanSinks()
    heard: list[tuple[str, bytes | None]] = []
    sinks.add_stored(lambda _: heard.append(("stored", None)))
    sinks.add_media(lambda _, data: heard.append(("media-a", data)))
    sinks.add_media(lambda _, data: heard.append(("media-b", data)))
    sinks.tell(OUTCOME, b"jpeg")
    sinks.tell(OUTCOME)  # a lookup: no bytes, media sinks stay quiet
    assert heard == [
        ("media-a", b"jpeg"),
        ("media-b", b"jpeg"),
        ("stored", None),
        ("stored", None),
    ]


def test_no_sinks_is_false_and_telling_nobody_is_harmless() -> None:
    sinks = ScanSinks()
    assert not sinks
    sinks.tell(OUTCOME, b"x")
    remove = sinks.add_media(lambda *_: None)
    assert sinks
    remove()
    assert not sinks


def test_a_batch_is_told_once_with_all_its_decisions() -> None:
    """A batch lookup's decisions reach each stored sink in one call, so the API queues
    their actions with one write instead of one per decision; nobody hears of an empty
    batch, and media sinks never hear of lookups."""
    sinks = ScanSinks()
    calls: list[tuple[str, int]] = []
    sinks.add_stored(lambda outcomes: calls.append(("stored", len(outcomes))))
    sinks.add_media(lambda *_: calls.append(("media", 0)))
    sinks.tell_many([OUTCOME] * 1000)
    sinks.tell_many([])
    assert calls == [("stored", 1000)]

"""Heavy detectors after the answer, through the real worker (pipeline/detect.py).

A scan answers without the heavy detectors and owes the worker a ``detect`` action; the worker
runs them (here the real OpenCV ``faces`` detector) and, when they change the outcome, stores a
follow-up decision with its own audit event, statement of reasons and signed webhook. The
policy below holds any image the face detector has looked at, so the outcome changes exactly
when the detector ran. Each test runs on SQLite + SqliteHuey and PostgreSQL + RedisHuey.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from shieldwall.errors import InputError
from shieldwall.pipeline.detect import SOURCE
from shieldwall.pipeline.scan import ScanMeta
from shieldwall.reports.source import iter_statements
from shieldwall.runtime import Runtime
from shieldwall.signals import Availability, SignalInput, Subject
from shieldwall.store import make_engine, session_factory
from shieldwall.store.audit_store import AuditStore
from shieldwall.store.outbox import DELIVERED
from shieldwall.store.service_records import NewDecision
from shieldwall.types import SignalResult
from shieldwall.worker import WorkerService
from tests.integration.worker.conftest import SettingsFactory, wait_until
from tests.integration.worker.webhook_receiver import Receiver

POLICY = """\
version: "detect-test-1"
name: detect-test
categories:
  ncii_possible: May be non-consensual intimate imagery; a person must decide.
rules:
  - id: face-detector-looked
    description: Test rule that holds any image the face detector examined.
    when:
      signal: {name: faces, min_score: 0.0}
    then: [hold]
    category: ncii_possible
"""


@pytest.fixture
def running() -> Iterator[list[WorkerService]]:
    started: list[WorkerService] = []
    yield started
    for service in started:
        service.stop()


def open_runtime(make_settings: SettingsFactory, **overrides: object) -> Runtime:
    settings = make_settings(scan_signals=["faces"], **overrides)
    rt = Runtime.open(settings)
    rt.policies.activate(POLICY)
    return rt


def start_worker(rt: Runtime, running: list[WorkerService]) -> None:
    service = WorkerService(rt.settings, workers=2)
    service.start()
    running.append(service)


def detect_row(rt: Runtime, decision_id: str):  # type: ignore[no-untyped-def]
    rows = [r for r in rt.outbox.for_decision(decision_id) if r.kind == "detect"]
    assert len(rows) == 1
    return rows[0]


def test_the_worker_writes_a_follow_up_decision_with_audit_statement_and_webhook(
    make_settings: SettingsFactory,
    receiver: Receiver,
    running: list[WorkerService],
    photo_paths: list[Path],
) -> None:
    rt = open_runtime(make_settings)
    try:
        photo = photo_paths[0].read_bytes()
        first = rt.scanner.scan(ScanMeta(content_id="post-1", surface="post"), photo)
        # Answered without the heavy detector: nothing fired, faces not among the signals.
        assert first.decision.verdict == "allow"
        assert "faces" not in [s["signal"] for s in first.decision.signals]
        owed = detect_row(rt, first.decision.id)
        assert owed.payload["signals"] == ["faces"] and owed.payload["media_b64"]

        start_worker(rt, running)
        wait_until(lambda: detect_row(rt, first.decision.id).status == DELIVERED)

        decisions = rt.items.decisions_for_item(first.item.id)
        follow = [d for d in decisions if d.source == SOURCE]
        assert len(follow) == 1
        up = follow[0]
        assert up.verdict == "hold"
        assert [f["rule_id"] for f in up.fired] == ["face-detector-looked"]
        assert [s["signal"] for s in up.signals] == ["faces"]
        assert f"decision {first.decision.id}" in up.reasons[0]
        assert rt.items.find_item_with_decision("post-1")[1].id == up.id  # type: ignore[index]

        # Its own audit event, chained like any decision.
        audit = AuditStore(session_factory(rt.engine))
        made = [
            e.details["decision_id"]
            for e in audit.events_for_subject("content", "post-1")
            if e.action == "decision.made"
        ]
        assert made == [first.decision.id, up.id]

        # A statement of reasons: the follow-up restricts (hold), made by automated detection.
        now = datetime.now(UTC)
        statements = [
            s
            for s in iter_statements(
                rt.engine, period_from=now - timedelta(hours=1), period_to=now + timedelta(hours=1)
            )
            if s["puid"] == up.id
        ]
        assert len(statements) == 1
        assert statements[0]["automated_detection"] == "Yes"
        assert "examine the image itself" in str(statements[0]["illegal_content_explanation"])

        # And a signed decision.updated webhook, delivered by the same worker.
        wait_until(lambda: any(d.event == "decision.updated" for d in receiver.deliveries))
        [sent] = [d for d in receiver.deliveries if d.event == "decision.updated"]
        assert sent.payload["decision"]["decision_id"] == up.id
        assert sent.payload["decision"]["verdict"] == "hold"

        # The delivered row keeps what the detector found, not the upload.
        done = detect_row(rt, first.decision.id)
        assert "media_b64" not in done.payload
        assert [f["signal"] for f in done.payload["findings"]] == ["faces"]
    finally:
        rt.close()


def test_a_sync_surface_waits_for_the_detectors_and_owes_the_worker_nothing(
    make_settings: SettingsFactory, photo_paths: list[Path]
) -> None:
    rt = open_runtime(make_settings, signals_sync_surfaces=["profile"])
    try:
        photo = photo_paths[0].read_bytes()
        held = rt.scanner.scan(ScanMeta(content_id="avatar-1", surface="profile"), photo)
        assert held.decision.verdict == "hold"
        assert [s["signal"] for s in held.decision.signals] == ["faces"]
        assert not [r for r in rt.outbox.for_decision(held.decision.id) if r.kind == "detect"]
        # The same runtime defers on another surface.
        post = rt.scanner.scan(ScanMeta(content_id="post-2", surface="post"), photo)
        assert post.decision.verdict == "allow"
        assert detect_row(rt, post.decision.id).payload["signals"] == ["faces"]
    finally:
        rt.close()


class _Recorder:
    """A cheap signal that keeps what each scan handed it."""

    name = "pixel_recorder"
    version = "1"
    description = "test: records its input"
    applies_to = frozenset({Subject.IMAGE})

    def __init__(self) -> None:
        self.seen: list[SignalInput] = []

    def availability(self) -> Availability:
        return Availability(usable=True)

    def evaluate(self, item: SignalInput) -> SignalResult:
        self.seen.append(item)
        return SignalResult(signal=self.name, version=self.version, score=0.0, elapsed_ms=0)


def test_signals_get_rgb_pixels_or_the_upload_never_the_luma_plane(
    make_settings: SettingsFactory, photo_paths: list[Path]
) -> None:
    """A scan hashes a JPEG's luma plane alone unless its surface runs the heavy detectors
    in line; a signal is never handed those grey pixels as if they were the picture. Where
    the scan decoded colours (a surface kept in line) it gets them; elsewhere it gets the
    upload's bytes (and decodes them itself, as signals do when no pixels are given)."""
    rt = Runtime.open(make_settings(signals_sync_surfaces=["profile"]))
    try:
        recorder = _Recorder()
        rt.signals.register(recorder, provider="test")
        photo = next(p for p in photo_paths if p.suffix.lower() == ".jpg").read_bytes()
        rt.scanner.scan(ScanMeta(content_id="avatar-9", surface="profile"), photo)
        rt.scanner.scan(ScanMeta(content_id="post-9", surface="post"), photo)
        inline, deferred = recorder.seen
        assert inline.pixels is not None and inline.pixels.ndim == 3  # RGB, as promised
        assert deferred.pixels is None and deferred.media == photo
        assert Subject.IMAGE in deferred.subjects
    finally:
        rt.close()


def test_detectors_never_override_a_later_decision_by_a_person(
    make_settings: SettingsFactory, running: list[WorkerService], photo_paths: list[Path]
) -> None:
    """An abuser who uploads and lets the detectors catch up cannot use them to undo a
    moderator's later decision (nor can a slow worker): the findings are kept as a note."""
    rt = open_runtime(make_settings)
    try:
        first = rt.scanner.scan(ScanMeta(content_id="post-3"), photo_paths[1].read_bytes())
        human = NewDecision(
            id="moderator-decision-1",
            source="review",
            verdict="allow",
            policy_version="detect-test-1",
            fired=[],
            reasons=["a moderator looked and allowed it"],
            matches=[],
            signals=[],
            notes=[],
            actions=[],
            decided_by="moderator@example.test",
        )
        rt.items.add_decision(item_id=first.item.id, decision=human)

        start_worker(rt, running)
        wait_until(lambda: detect_row(rt, first.decision.id).status == DELIVERED)
        row = detect_row(rt, first.decision.id)
        assert row.last_error is not None and "a later decision exists" in row.last_error
        sources = [d.source for d in rt.items.decisions_for_item(first.item.id)]
        assert SOURCE not in sources
        assert rt.items.find_item_with_decision("post-3")[1].id == human.id  # type: ignore[index]
    finally:
        rt.close()


def test_a_repeated_delivery_stores_the_follow_up_once(
    make_settings: SettingsFactory, photo_paths: list[Path]
) -> None:
    """Delivery is at least once: performing the same detect action twice is harmless."""
    rt = open_runtime(make_settings)
    try:
        first = rt.scanner.scan(ScanMeta(content_id="post-4"), photo_paths[2].read_bytes())
        payload = detect_row(rt, first.decision.id).payload
        one = rt.detection.perform(payload)
        two = rt.detection.perform(payload)
        assert one.decision is not None and two.decision is not None
        assert one.decision.id == two.decision.id
        follow = [d for d in rt.items.decisions_for_item(first.item.id) if d.source == SOURCE]
        assert len(follow) == 1
        with make_engine(rt.settings.effective_database_url).connect() as conn:
            made = conn.execute(
                sa.text("select count(*) from decisions where item_id = :i"), {"i": first.item.id}
            ).scalar_one()
        assert made == 2
    finally:
        rt.close()


def test_a_detect_payload_without_readable_media_is_refused_with_a_clear_error(
    make_settings: SettingsFactory, photo_paths: list[Path]
) -> None:
    """An input error, which the worker turns into a dead letter (never a retry loop)."""
    rt = open_runtime(make_settings)
    try:
        first = rt.scanner.scan(ScanMeta(content_id="post-5"), photo_paths[3].read_bytes())
        row = detect_row(rt, first.decision.id)
        broken = {**row.payload, "media_b64": "not base64 at all!"}
        with pytest.raises(InputError) as info:
            rt.detection.perform(broken)
        assert info.value.code == "invalid_input"
    finally:
        rt.close()

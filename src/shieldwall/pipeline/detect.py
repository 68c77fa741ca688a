"""Heavy detectors after the answer: the ``detect`` action and the follow-up decision it may make.

A scan answers with the hash verdict and the cheap signals (metadata provenance, text
indicators) at once. The heavy detectors (nudity, faces, watermark, intimate_real_person:
models over the pixels, tens to hundreds of milliseconds each) would otherwise hold every
upload for their whole run, so for surfaces not listed in ``signals_sync_surfaces`` the scan
stores a ``detect`` action beside its decision, in the same transaction. The worker performs
it like any outbox row (at least once, retried, dead-lettered): it runs the heavy detectors
on the upload, evaluates the active policy again with every signal, and when that changes the
outcome (another verdict or other rules firing) stores a **follow-up decision** on the item
(``source="detectors"``): its own audit event, its own outbox actions (a ``decision.updated``
webhook when the policy notifies, review tasks), and a statement of reasons when it restricts.

Why this is safe:

- Idempotent: the follow-up's id is derived from the first decision's id, so a second
  delivery of the same action finds it stored and writes nothing.
- Never overrides people: when the item's latest decision is no longer the one the scan made
  (a moderator or a retro-hunt decided since), the detectors' result is kept as the action's
  note and no decision is written.
- The upload's bytes travel in the action's payload (base64) only until it is performed:
  the delivered row keeps the detectors' findings and drops the media.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from shieldwall.actions import DetectAction
from shieldwall.errors import InputError, NotFoundError
from shieldwall.hashing import DecodeLimits, decode_image
from shieldwall.pipeline.matcher import MatchOutcome
from shieldwall.pipeline.policy_holder import PolicyHolder
from shieldwall.pipeline.scan import build_decision, match_from_dict, signal_dict
from shieldwall.policy import PolicyContext, evaluate
from shieldwall.signals.base import SignalInput
from shieldwall.store import ItemStore
from shieldwall.store.service_records import DecisionInfo
from shieldwall.types import SignalResult

SOURCE = "detectors"
"""The ``source`` of a follow-up decision made by the heavy detectors."""

_NAMESPACE = uuid.UUID("5d1e7c1a-3f59-4a7e-9b55-1c0b6f8e2d47")

HeavyRunner = Callable[[SignalInput, Sequence[str]], tuple[SignalResult, ...]]
"""Runs the named heavy signals on one item: (item, names) -> results."""


def detect_payload(
    *, content_id: str, media: bytes, media_type: str, signals: Sequence[str]
) -> DetectAction:
    """The ``detect`` action a scan owes (the scan sets ``decision_id`` once it has one)."""
    return DetectAction(
        decision_id="",
        content_id=content_id,
        media_type=media_type,
        signals=tuple(signals),
        media_b64=base64.b64encode(media).decode("ascii"),
    )


def scrubbed(payload: Mapping[str, Any], findings: Sequence[SignalResult]) -> dict[str, Any]:
    """What the delivered row keeps: everything but the media, plus the findings."""
    kept = {k: v for k, v in payload.items() if k != "media_b64"}
    kept["findings"] = [signal_dict(s) for s in findings]
    return kept


@dataclass(frozen=True, slots=True)
class FollowUp:
    """What one ``detect`` action came to: the follow-up decision (None: outcome unchanged,
    or not ours to change), the signals the detectors produced, and a note for the row."""

    decision: DecisionInfo | None
    findings: tuple[SignalResult, ...]
    note: str


@dataclass
class DeferredDetection:
    """The use case behind the worker's ``detect`` action; see the module docstring."""

    items: ItemStore
    policies: PolicyHolder
    run_heavy: HeavyRunner
    limits: DecodeLimits
    quality_threshold: int = 50

    def perform(self, payload: DetectAction | Mapping[str, Any]) -> FollowUp:
        """Run the owed detectors for one stored decision; may store a follow-up decision.

        Raises :class:`InputError` for a payload that can never be performed (no media, bad
        base64, an undecodable image) and :class:`NotFoundError` when the decision is gone
        (the item was deleted: nothing to decide).
        """
        action = (
            payload if isinstance(payload, DetectAction) else DetectAction.from_payload(payload)
        )
        decision_id = action.decision_id
        names = list(action.signals)
        try:
            media = base64.b64decode(action.media_b64, validate=True)
        except ValueError as exc:
            raise InputError("detect: the payload carries no readable media") from exc
        first = self.items.get_decision(decision_id)
        did = str(uuid.uuid5(_NAMESPACE, f"detect:{first.id}"))
        try:  # a second delivery of the same action: the follow-up is already stored
            return FollowUp(self.items.get_decision(did), (), "follow-up already stored")
        except NotFoundError:
            pass
        item = self.items.get_item(first.content_id)
        decoded = decode_image(media, limits=self.limits)
        subject = SignalInput(media=media, pixels=decoded.pixels, media_type=action.media_type)
        findings = self.run_heavy(subject, names)
        summary = ", ".join(_brief(s) for s in findings) or "no heavy detector could run"
        latest = self.items.find_item_with_decision(item.content_id)
        if latest is None or latest[1].id != first.id:
            return FollowUp(None, findings, f"a later decision exists; kept as findings: {summary}")
        earlier = tuple(_signal(d) for d in first.signals if d.get("signal") not in names)
        signals = (*earlier, *findings)
        matches = tuple(match_from_dict(m) for m in first.matches)
        ctx = PolicyContext(
            content_id=item.content_id,
            surface=item.surface,
            uploader_id=item.uploader_id,
            jurisdictions=item.jurisdictions,
            text=item.text,
            url=item.url,
            metadata=item.metadata,
            quality=item.pdq_quality,
            matches=matches,
            signals=signals,
            source=SOURCE,
        )
        decision = evaluate(self.policies.policy, ctx, quality_threshold=self.quality_threshold)
        fired = sorted(hit.rule_id for hit in decision.fired)
        before = sorted(str(f.get("rule_id") or f.get("rule") or "") for f in first.fired)
        if decision.verdict.value == first.verdict and fired == before:
            return FollowUp(None, findings, f"outcome unchanged ({first.verdict}): {summary}")
        new = build_decision(
            decision,
            MatchOutcome(matches=matches),
            signals,
            source=SOURCE,
            item=item,
            decision_id=did,
        )
        new = replace(
            new,
            reasons=[
                f"detectors run after the answer changed the outcome of decision {first.id} "
                f"({first.verdict} -> {decision.verdict.value})",
                *new.reasons,
            ],
        )
        stored = self.items.add_decision(item_id=item.id, decision=new)
        return FollowUp(stored, findings, f"follow-up decision {did} ({stored.verdict}): {summary}")


def _brief(s: SignalResult) -> str:
    if s.error:
        return f"{s.signal} error"
    return f"{s.signal} {s.score:.2f}" if s.score is not None else s.signal


def _signal(d: Mapping[str, Any]) -> SignalResult:
    return SignalResult(
        signal=str(d["signal"]),
        version=str(d.get("version") or ""),
        score=d.get("score"),
        labels=tuple(d.get("labels") or ()),
        evidence=tuple(d.get("evidence") or ()),
        error=d.get("error"),
        elapsed_ms=d.get("elapsed_ms"),
    )

"""Builders for audit tests: a signed trail of realistic events (imported by conftest and tests)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shieldwall.audit import AuditChain, AuditEvent, Checkpoint, CheckpointSigner

T0 = datetime(2025, 3, 1, 9, 0, 0, 123456, tzinfo=UTC)

# What a platform's trail looks like: people and rules deciding, media revealed
# to a reviewer, banks and policies changing, logins. All identifiers made up.
_SCRIPT: tuple[tuple[str, str, str, str, dict[str, object], tuple[str, ...]], ...] = (
    (
        "rule:victim-bank-match",
        "automated",
        "decision.made",
        "content",
        {
            "outcome": "block",
            "rule": "victim_bank_exact",
            "distance": 3,
            "score": 0.97,
            "uploader_id": "user-81723",
        },
        ("uploader_id",),
    ),
    (
        "worker",
        "system",
        "action.delivered",
        "action",
        {"webhook": "https://platform.example/hooks/moderation", "attempt": 1, "status": 200},
        (),
    ),
    (
        "reviewer:amira",
        "human",
        "media.revealed",
        "content",
        {
            "reason": "appeal review",
            "blurred": False,
            "requester_email": "amira@trust.example",
            "ip": "192.0.2.15",
        },
        ("requester_email", "ip"),
    ),
    (
        "reviewer:amira",
        "human",
        "bank.entry_added",
        "bank_entry",
        {"bank": "victim-requests", "signal_type": "pdq", "note": "café résumé ✓"},
        (),
    ),
    (
        "admin:lee",
        "human",
        "policy.changed",
        "policy",
        {"version": 7, "changed_rules": ["hold_on_partner_match"], "threshold": None},
        (),
    ),
    (
        "admin:lee",
        "human",
        "auth.login",
        "user",
        {"method": "password+totp", "ip": "198.51.100.7"},
        ("ip",),
    ),
    (
        "system",
        "system",
        "config.changed",
        "setting",
        {"key": "pdq_threshold", "old": 31, "new": 28},
        (),
    ),
)


@dataclass
class Trail:
    """A freshly built trail with its signer, checkpoints and personal side records."""

    events: list[AuditEvent]
    checkpoints: list[Checkpoint]
    signer: CheckpointSigner
    chain: AuditChain

    @property
    def public_keys(self) -> list[bytes]:
        return [self.signer.export_public_key()]


def _clock(start: datetime = T0) -> Iterator[datetime]:
    return (start + timedelta(seconds=7 * i, microseconds=i) for i in itertools.count())


def build_trail(n: int, *, every: int = 50, signer: CheckpointSigner | None = None) -> Trail:
    signer = signer or CheckpointSigner.generate()
    ticks = _clock()
    chain = AuditChain(signer=signer, checkpoint_every=every, clock=lambda: next(ticks))
    events = []
    for i in range(n):
        actor, kind, action, subject_type, details, personal = _SCRIPT[i % len(_SCRIPT)]
        events.append(
            chain.append(
                actor=actor,
                actor_kind=kind,
                action=action,
                subject_type=subject_type,
                subject_id=f"{subject_type}-{i:05d}",
                details={**details, "n": i},
                personal_fields=personal,
            )
        )
    return Trail(events, chain.checkpoints, signer, chain)

"""The audit-trail use cases: record, checkpoint, verify, redact, export.

:class:`AuditLog` is what shells and other use cases hold. ``record`` appends in
the caller's transaction when given a session (a decision, a media reveal, a
login written together with its event) and in a transaction of its own
otherwise. Verification streams the trail from the database in seq order, so
its memory stays flat however long the trail is.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from shieldwall.audit import (
    ActorKind,
    AuditEvent,
    Checkpoint,
    CheckpointSigner,
    VerificationReport,
    dump_checkpoints,
    dump_events,
    verify_chain,
)
from shieldwall.errors import NotFoundError
from shieldwall.store import ItemStore, OutboxStore
from shieldwall.store.audit_store import DEFAULT_CHECKPOINT_EVERY, AuditStore, AuditWriter
from shieldwall.store.audit_store import acting_as as acting_as  # shells name the actor here
from shieldwall.store.transactions import writing

SIGNING_KEY_FILE = "audit_signing_key.pem"
"""File name of the checkpoint (and evidence) signing key inside ``data_dir``."""


def signing_key_path(data_dir: Path) -> Path:
    """Where the Ed25519 key lives by default: ``data_dir/audit_signing_key.pem`` (0600)."""
    return Path(data_dir) / SIGNING_KEY_FILE


class AuditLog:
    """Append to, checkpoint, verify, redact and export the audit trail in the database."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        signer: CheckpointSigner | None = None,
        checkpoint_every: int | None = DEFAULT_CHECKPOINT_EVERY,
    ) -> None:
        self._sessions = sessions
        self.signer = signer
        self.writer = AuditWriter(signer=signer, checkpoint_every=checkpoint_every)
        self.store = AuditStore(sessions)

    def record(
        self,
        session: Session | None,
        *,
        actor: str | None = None,
        actor_kind: ActorKind | str | None = None,
        action: str,
        subject_type: str | None = None,
        subject_id: str | None = None,
        details: Mapping[str, object] | None = None,
        personal_fields: Collection[str] = (),
    ) -> AuditEvent:
        """Append one event: in ``session``'s transaction when given, else in a new one.

        With a session, call this LAST in the transaction (it takes the audit
        lock until commit). ``actor`` defaults to the one set by
        :func:`shieldwall.store.audit_store.acting_as`.
        """
        kwargs = {
            "actor": actor,
            "actor_kind": actor_kind,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "details": details,
            "personal_fields": personal_fields,
        }
        if session is not None:
            return self.writer.append(session, **kwargs)  # type: ignore[arg-type]
        with writing(self._sessions) as own:
            return self.writer.append(own, **kwargs)  # type: ignore[arg-type]

    def checkpoint(self) -> Checkpoint:
        """Sign a checkpoint over the current head now (needs a signer)."""
        if self.signer is None:
            raise ValueError("no checkpoint signing key is configured")
        with writing(self._sessions) as session:
            return self.writer.checkpoint(session, self.signer)

    def checkpoint_if_due(self) -> Checkpoint | None:
        """Sign the head when ``checkpoint_every`` events passed since the last checkpoint.

        For processes whose stores append without a signer (the worker calls
        this periodically, so unsigned stretches stay short).
        """
        every = self.writer.checkpoint_every
        if self.signer is None or not every:
            return None
        head = self.store.head()
        cps = [c for c in self.store.checkpoints() if c.key_id == self.signer.key_id]
        last = cps[-1].seq if cps else 0
        return self.checkpoint() if head.seq - last >= every else None

    def verify(self, public_keys: Collection[bytes | str] | None = None) -> VerificationReport:
        """Stream every event and checkpoint through :func:`verify_chain`.

        The trusted keys default to this log's signer; checkpoints signed by any
        other key are reported.
        """
        keys: list[bytes | str] = list(public_keys or [])
        if not keys and self.signer is not None:
            keys.append(self.signer.export_public_key())
        return verify_chain(self.store.iter_events(), self.store.checkpoints(), keys)

    def redact_before(self, before: datetime) -> int:
        """Delete personal side records of events before ``before``; the chain still verifies."""
        return self.store.redact_before(before)

    def export(self, events_fp: IO[str], checkpoints_fp: IO[str] | None = None) -> int:
        """Write the trail (and checkpoints) as JSON Lines for offline verification."""
        count = dump_events(self.store.iter_events(), events_fp)
        if checkpoints_fp is not None:
            dump_checkpoints(self.store.checkpoints(), checkpoints_fp)
        return count


# -- evidence ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvidenceMaterial:
    """Everything an evidence bundle is built from (see :mod:`shieldwall.evidence`)."""

    body: dict[str, Any]
    events: list[AuditEvent]
    checkpoints: list[Checkpoint]
    subject_seqs: list[int]


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _excerpt(log: AuditLog, subject_seqs: list[int]) -> tuple[list[AuditEvent], list[Checkpoint]]:
    """Each subject event up to the nearest signed checkpoint after it (signing one if needed)."""
    if not subject_seqs:
        return [], []
    head = log.store.head()
    if log.store.checkpoint_at_or_after(max(subject_seqs)) is None:
        log.checkpoint()  # the newest events are pinned by a checkpoint signed now
    events: dict[int, AuditEvent] = {}
    cps: dict[int, Checkpoint] = {}
    for seq in sorted(subject_seqs):
        if seq in events:
            continue
        cp = log.store.checkpoint_at_or_after(seq)
        end = cp.seq if cp is not None else head.seq
        if cp is not None:
            cps[cp.seq] = cp
        for event in log.store.iter_events(after_seq=seq - 1, until_seq=end):
            events[event.seq] = event
    return [events[s] for s in sorted(events)], [cps[s] for s in sorted(cps)]


def evidence_for_content(
    items: ItemStore, outbox: OutboxStore, log: AuditLog, content_ids: list[str]
) -> EvidenceMaterial:
    """Items, decisions, actions and the audit excerpt for these content ids."""
    records: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    seqs: list[int] = []
    for content_id in content_ids:
        item = items.get_item(content_id)
        records.append(
            {
                "content_id": item.content_id,
                "url": item.url,
                "uploader_id": item.uploader_id,
                "surface": item.surface,
                "media_type": item.media_type,
                "seen_at": _iso(item.created_at),
                "hashes": {"pdq": item.pdq, "md5": item.md5, "sha256": item.sha256},
                "jurisdictions": list(item.jurisdictions),
            }
        )
        for d in items.decisions_for_item(item.id):
            decisions.append(
                {
                    "decision_id": d.id,
                    "content_id": d.content_id,
                    "at": _iso(d.created_at),
                    "source": d.source,
                    "verdict": d.verdict,
                    "decided_by": d.decided_by,
                    "policy_version": d.policy_version,
                    "rules": [f.get("rule_id") for f in d.fired],
                    "reasons": d.reasons,
                    "matches": d.matches,
                }
            )
            for a in outbox.for_decision(d.id):
                actions.append(
                    {
                        "decision_id": d.id,
                        "kind": a.kind,
                        "status": a.status,
                        "attempts": a.attempts,
                        "created_at": _iso(a.created_at),
                        "delivered_at": _iso(a.delivered_at),
                    }
                )
        seqs.extend(e.seq for e in log.store.events_for_subject("content", content_id))
    events, cps = _excerpt(log, seqs)
    body = {
        "subject": {"content_ids": content_ids},
        "items": records,
        "decisions": decisions,
        "actions": actions,
    }
    return EvidenceMaterial(body, events, cps, seqs)


def evidence_for_case(engine: Engine, log: AuditLog, case_number: str) -> EvidenceMaterial:
    """A victim case's clocks and hashes (no requester contact details) and its audit excerpt."""
    if not sa.inspect(engine).has_table("cases"):
        raise NotFoundError("this installation has no cases table", value=case_number)
    meta = sa.MetaData()
    cases = sa.Table("cases", meta, autoload_with=engine)
    hashes = sa.Table("case_hashes", meta, autoload_with=engine)
    with engine.connect() as conn:
        case = conn.execute(sa.select(cases).where(cases.c.case_number == case_number)).first()
        if case is None:
            raise NotFoundError("no case with this number", value=case_number)
        rows = conn.execute(sa.select(hashes).where(hashes.c.case_id == case.id)).all()
    fields = (
        "status",
        "jurisdiction",
        "received_at",
        "valid_at",
        "due_at",
        "actioned_at",
        "copies_found",
        "copies_removed",
    )
    record: dict[str, Any] = {
        k: (str(case._mapping[k]) if case._mapping[k] is not None else None) for k in fields
    }
    record["case_number"] = case_number
    record["hashes"] = [
        {"signal_type": r.signal_type, "value": r.value, "status": r.status, "entry_id": r.entry_id}
        for r in rows
    ]
    seqs = [e.seq for e in log.store.events_for_subject("case", case_number)]
    events, cps = _excerpt(log, seqs)
    return EvidenceMaterial({"subject": {"case": case_number}, "case": record}, events, cps, seqs)

"""The audit-trail use cases: record, checkpoint, verify, redact, export.

:class:`AuditLog` is what shells and other use cases hold. ``record`` appends in
the caller's transaction when given a session (a decision, a media reveal, a
login written together with its event) and in a transaction of its own
otherwise. Verification streams the trail from the database in seq order, so
its memory stays flat however long the trail is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO

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
from shieldwall.store.audit_store import DEFAULT_CHECKPOINT_EVERY, AuditStore, AuditWriter
from shieldwall.store.engine import WRITE_OPTION

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

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            session.connection(execution_options={WRITE_OPTION: True})
            yield session

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
        with self._writing() as own:
            return self.writer.append(own, **kwargs)  # type: ignore[arg-type]

    def checkpoint(self) -> Checkpoint:
        """Sign a checkpoint over the current head now (needs a signer)."""
        if self.signer is None:
            raise ValueError("no checkpoint signing key is configured")
        with self._writing() as session:
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

"""The in-memory audit chain builder: append events, sign checkpoints every N.

It holds only the head of the chain (never the events), the checkpoints it
signed, and the personal-data side records, so a long-running process can use
it directly. The store layer does the same work inside a database transaction
by calling :func:`~shieldwall.audit.events.build_event` and
:func:`checkpoint_due` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, MutableMapping
from datetime import UTC, datetime

from shieldwall.audit.checkpoints import Checkpoint, CheckpointSigner
from shieldwall.audit.errors import InvalidAuditEventError
from shieldwall.audit.events import (
    ActorKind,
    AuditEvent,
    ChainHead,
    PersonalData,
    build_event,
)


def checkpoint_due(seq: int, every: int | None) -> bool:
    """True when the event at ``seq`` should be followed by a checkpoint."""
    return every is not None and every > 0 and seq % every == 0


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AuditChain:
    """Appends events to a chain whose head it remembers.

    ``personal_store`` receives each event's personal-data side record under
    its event id (a dict by default); deleting an entry is redaction. With a
    ``signer`` and ``checkpoint_every=N``, a checkpoint is signed after every
    N-th event and kept in :attr:`checkpoints`.
    """

    def __init__(
        self,
        head: AuditEvent | ChainHead | None = None,
        *,
        signer: CheckpointSigner | None = None,
        checkpoint_every: int | None = None,
        personal_store: MutableMapping[str, PersonalData] | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        if checkpoint_every is not None and (checkpoint_every < 1 or signer is None):
            raise InvalidAuditEventError(
                "checkpoint_every needs a signer and a positive interval", value=checkpoint_every
            )
        self._head = ChainHead.genesis() if head is None else ChainHead(head.seq, head.hash)
        self.signer = signer
        self.checkpoint_every = checkpoint_every
        self.personal_data: MutableMapping[str, PersonalData] = (
            {} if personal_store is None else personal_store
        )
        self.checkpoints: list[Checkpoint] = []
        self._clock = clock

    @property
    def head(self) -> ChainHead:
        return self._head

    def append(
        self,
        *,
        actor: str,
        actor_kind: ActorKind | str,
        action: str,
        subject_type: str | None = None,
        subject_id: str | None = None,
        details: Mapping[str, object] | None = None,
        personal_fields: Collection[str] = (),
        at: datetime | None = None,
        event_id: str | None = None,
    ) -> AuditEvent:
        """Chain one event after the current head and return it (see ``build_event``)."""
        record = build_event(
            self._head,
            actor=actor,
            actor_kind=actor_kind,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            details=details,
            personal_fields=personal_fields,
            at=self._clock() if at is None else at,
            event_id=event_id,
        )
        event = record.event
        if record.personal is not None:
            self.personal_data[event.event_id] = record.personal
        self._head = event.head
        if checkpoint_due(event.seq, self.checkpoint_every):
            self.checkpoint(at=event.at)
        return event

    def checkpoint(self, *, at: datetime | None = None) -> Checkpoint:
        """Sign a checkpoint over the current head now (on demand)."""
        if self.signer is None:
            raise InvalidAuditEventError("this chain has no checkpoint signer")
        if self._head.seq == 0:
            raise InvalidAuditEventError("an empty chain has nothing to checkpoint")
        cp = self.signer.sign(self._head, at=self._clock() if at is None else at)
        self.checkpoints.append(cp)
        return cp

    def redact(self, event_id: str) -> bool:
        """Delete an event's personal-data side record; False if there was none."""
        return self.personal_data.pop(event_id, None) is not None

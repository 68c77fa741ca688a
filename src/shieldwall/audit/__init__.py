"""The tamper-evident audit trail's pure core: events, hash chain, checkpoints, verification.

Regulators ask what was decided, how fast, and by whom. Every decision,
action delivery, media reveal, bank change, policy change, login and
configuration change becomes an :class:`AuditEvent` chained by SHA-256 to the
one before it; Ed25519-signed :class:`Checkpoint` s pin the head every N
events; :func:`verify_chain` streams a trail and names the first event that
was edited, deleted, inserted or reordered. Nothing here touches storage: the
store layer calls :func:`build_event` inside its own transaction.

The exact byte encoding is documented in ``docs/audit.md`` so that an auditor
can verify a JSON Lines export without Shieldwall.
"""

from shieldwall.audit.canonical import GENESIS_HASH, JSONValue, canonical_json
from shieldwall.audit.chain import AuditChain, checkpoint_due
from shieldwall.audit.checkpoints import (
    Checkpoint,
    CheckpointSigner,
    checkpoint_message,
    key_id_of,
    load_public_key,
    verify_checkpoint,
)
from shieldwall.audit.errors import (
    AuditDetailRejectedError,
    InvalidAuditEventError,
    InvalidSigningKeyError,
    RevealMismatchError,
)
from shieldwall.audit.events import (
    ActorKind,
    AuditEvent,
    AuditRecord,
    ChainHead,
    PersonalData,
    PersonalValue,
    build_event,
    canonical_bytes,
    compute_hash,
    personal_digest,
    reveal,
)
from shieldwall.audit.guard import MAX_VALUE_BYTES, check_details, is_secret_key
from shieldwall.audit.jsonl import dump_checkpoints, dump_events, load_checkpoints, load_events
from shieldwall.audit.verify import Problem, ProblemKind, VerificationReport, verify_chain

__all__ = [
    "GENESIS_HASH",
    "MAX_VALUE_BYTES",
    "ActorKind",
    "AuditChain",
    "AuditDetailRejectedError",
    "AuditEvent",
    "AuditRecord",
    "ChainHead",
    "Checkpoint",
    "CheckpointSigner",
    "InvalidAuditEventError",
    "InvalidSigningKeyError",
    "JSONValue",
    "PersonalData",
    "PersonalValue",
    "Problem",
    "ProblemKind",
    "RevealMismatchError",
    "VerificationReport",
    "build_event",
    "canonical_bytes",
    "canonical_json",
    "check_details",
    "checkpoint_due",
    "checkpoint_message",
    "compute_hash",
    "dump_checkpoints",
    "dump_events",
    "is_secret_key",
    "key_id_of",
    "load_checkpoints",
    "load_events",
    "load_public_key",
    "personal_digest",
    "reveal",
    "verify_chain",
    "verify_checkpoint",
]

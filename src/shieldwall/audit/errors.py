"""Errors the audit trail raises, each with a stable code.

They live here until the lead folds them into ``shieldwall.errors``; each one
subclasses the shared category it belongs to, so the shells already map them to
the right HTTP status and CLI exit code.

    InputError                           invalid_input
    ├── AuditDetailRejectedError         audit_detail_rejected
    ├── InvalidAuditEventError           invalid_audit_event
    ├── RevealMismatchError              audit_reveal_mismatch
    └── InvalidSigningKeyError           invalid_signing_key
"""

from __future__ import annotations

from shieldwall.errors import InputError


class AuditDetailRejectedError(InputError):
    """The details of an event hold something the trail must never contain.

    Media bytes, secrets and large blobs are refused at the door: once a value
    is chained it cannot be removed without breaking verification.
    """

    code = "audit_detail_rejected"


class InvalidAuditEventError(InputError):
    """An event field (actor, action, time, id, ...) is not in its required form."""

    code = "invalid_audit_event"


class RevealMismatchError(InputError):
    """A personal-data side record does not match the digest the chain committed to."""

    code = "audit_reveal_mismatch"


class InvalidSigningKeyError(InputError):
    """A checkpoint key could not be read as an Ed25519 key."""

    code = "invalid_signing_key"

"""Signed checkpoints: an Ed25519 signature over the chain head every N events.

A hash chain alone proves internal consistency, not completeness: whoever can
write the table can cut off the tail, or rewrite everything after an edit and
recompute every hash. A checkpoint signed with a key the database never sees
pins "event ``seq`` had hash ``head_hash``", so truncation and wholesale
rewrites before the last checkpoint are detected. Publish or hand over
checkpoints outside the database for the strongest guarantee.

The signed message is the canonical JSON of the checkpoint without its
signature, plus a ``"type"`` tag so a checkpoint signature can never be
replayed as some other signed Shieldwall message.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from shieldwall.audit.canonical import (
    FORMAT_VERSION,
    canonical_json,
    format_at,
    is_hex_digest,
    parse_at,
)
from shieldwall.audit.errors import InvalidSigningKeyError
from shieldwall.audit.events import AuditEvent, ChainHead

CHECKPOINT_TYPE = "shieldwall.audit.checkpoint"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed statement that the event at ``seq`` had hash ``head_hash``."""

    seq: int
    head_hash: str
    at: datetime
    key_id: str
    signature: str
    """Ed25519 signature over :func:`checkpoint_message`, 128 hex characters."""

    def to_dict(self) -> dict[str, object]:
        return {
            "v": FORMAT_VERSION,
            "seq": self.seq,
            "head_hash": self.head_hash,
            "at": format_at(self.at),
            "key_id": self.key_id,
            "signature": self.signature,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Checkpoint:
        """Read the :meth:`to_dict` form; raises ``ValueError`` when a field is malformed."""
        if data.get("v") != FORMAT_VERSION:
            raise ValueError(f"unsupported checkpoint format version {data.get('v')!r}")
        seq, head, at = data.get("seq"), data.get("head_hash"), data.get("at")
        key_id, signature = data.get("key_id"), data.get("signature")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise ValueError("checkpoint seq must be a positive integer")
        if not is_hex_digest(head):
            raise ValueError("checkpoint head_hash must be 64 lowercase hex characters")
        if not isinstance(key_id, str) or not isinstance(signature, str):
            raise ValueError("checkpoint key_id and signature must be strings")
        return cls(seq, str(head), parse_at(str(at)), key_id, signature)


def checkpoint_message(seq: int, head_hash: str, at: datetime, key_id: str) -> bytes:
    """The exact bytes a checkpoint signature covers."""
    return canonical_json(
        {
            "type": CHECKPOINT_TYPE,
            "v": FORMAT_VERSION,
            "seq": seq,
            "head_hash": head_hash,
            "at": format_at(at),
            "key_id": key_id,
        }
    )


def tagged_message(tag: str, data: bytes) -> bytes:
    """What :meth:`CheckpointSigner.sign_tagged` signs."""
    if not tag or tag.startswith("{") or "\n" in tag:
        raise ValueError("a signature tag is one line that does not start with '{'")
    return tag.encode() + b"\n" + data


def verify_tagged(public_key: Ed25519PublicKey, tag: str, data: bytes, signature: str) -> bool:
    """True when ``signature`` (hex) is ``public_key``'s over ``tag`` and ``data``."""
    try:
        public_key.verify(bytes.fromhex(signature), tagged_message(tag, data))
    except (ValueError, InvalidSignature):
        return False
    return True


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """First 16 hex characters of sha256 of the 32-byte raw public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(pem: bytes | str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (SubjectPublicKeyInfo, as ``export_public_key`` writes)."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        # A key of an algorithm cryptography does not know (one altered byte of the OID is
        # enough) raises UnsupportedAlgorithm, which is not a ValueError.
        raise InvalidSigningKeyError("not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidSigningKeyError("checkpoint keys must be Ed25519", value=type(key).__name__)
    return key


class CheckpointSigner:
    """Holds the Ed25519 private key that signs checkpoints.

    Keep the key outside the database (a file readable only by the service, or
    a secrets manager): a key stored beside the trail proves nothing.
    """

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id_of(self.public_key)

    @classmethod
    def generate(cls) -> CheckpointSigner:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, pem: bytes, password: bytes | None = None) -> CheckpointSigner:
        """Read a PKCS#8 PEM private key (optionally password-protected)."""
        try:
            key = serialization.load_pem_private_key(pem, password=password)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise InvalidSigningKeyError(f"cannot read the checkpoint private key: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidSigningKeyError(
                "checkpoint keys must be Ed25519", value=type(key).__name__
            )
        return cls(key)

    @classmethod
    def load(cls, path: Path, password: bytes | None = None) -> CheckpointSigner:
        return cls.from_pem(Path(path).read_bytes(), password)

    @classmethod
    def load_or_generate(cls, path: Path, password: bytes | None = None) -> CheckpointSigner:
        """Load the key at ``path``, creating it (mode 0600) on first use."""
        path = Path(path)
        if path.exists():
            return cls.load(path, password)
        signer = cls.generate()
        signer.save(path, password)
        return signer

    def private_key_pem(self, password: bytes | None = None) -> bytes:
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password)
            if password
            else serialization.NoEncryption()
        )
        return self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    def save(self, path: Path, password: bytes | None = None) -> None:
        """Write the private key to a new file only its owner can read."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: never overwrite an existing key, which would orphan old checkpoints.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(self.private_key_pem(password))

    def export_public_key(self) -> bytes:
        """The public key as PEM, to hand to auditors and to ``verify_chain``."""
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign_tagged(self, tag: str, data: bytes) -> str:
        """Ed25519 over ``tag``, a newline and ``data``, as hex: the instance's signature on
        other documents (federated feed pages). The tag, which never starts with ``{``,
        keeps such a signature from ever passing for a checkpoint's, whose message does."""
        return self._key.sign(tagged_message(tag, data)).hex()

    def sign(self, head: AuditEvent | ChainHead, *, at: datetime | None = None) -> Checkpoint:
        """A checkpoint over ``head`` (the last event, or its seq and hash), signed now."""
        when = (datetime.now(UTC) if at is None else at).astimezone(UTC)
        message = checkpoint_message(head.seq, head.hash, when, self.key_id)
        signature = self._key.sign(message).hex()
        return Checkpoint(head.seq, head.hash, when, self.key_id, signature)


def verify_checkpoint(checkpoint: Checkpoint, public_key: Ed25519PublicKey | bytes | str) -> bool:
    """True when ``checkpoint`` was signed by ``public_key`` and is well formed.

    A checkpoint whose ``key_id`` names another key is refused even before the
    signature is checked.
    """
    key = public_key if isinstance(public_key, Ed25519PublicKey) else load_public_key(public_key)
    if checkpoint.key_id != key_id_of(key):
        return False
    try:
        message = checkpoint_message(
            checkpoint.seq, checkpoint.head_hash, checkpoint.at, checkpoint.key_id
        )
        key.verify(bytes.fromhex(checkpoint.signature), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True

"""Media encryption to a recipient: X25519 ECDH, HKDF-SHA256, AES-256-GCM.

One ephemeral X25519 key per bundle; the shared secret goes through HKDF with
both public keys as salt, so the AES key is bound to this sender/recipient
pair. Each media member has its own random 96-bit nonce, and its member name is
the associated data, so ciphertexts cannot be swapped between members.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HKDF_INFO = b"shieldwall evidence media v1"


def raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_recipient_public(pem: bytes) -> X25519PublicKey:
    """A recipient's X25519 public key from PEM; ``ValueError`` for anything else."""
    try:
        key = serialization.load_pem_public_key(pem)
    except UnsupportedAlgorithm as exc:  # not a ValueError: said as one, as promised
        raise ValueError(f"the recipient key is of an unsupported kind: {exc}") from exc
    if not isinstance(key, X25519PublicKey):
        raise ValueError("the recipient key must be an X25519 public key (PEM)")
    return key


def load_recipient_private(pem: bytes) -> X25519PrivateKey:
    """A recipient's X25519 private key from PEM; ``ValueError`` for anything else."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except UnsupportedAlgorithm as exc:
        raise ValueError(f"the recipient key is of an unsupported kind: {exc}") from exc
    if not isinstance(key, X25519PrivateKey):
        raise ValueError("the recipient key must be an X25519 private key (PEM)")
    return key


def derive_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=HKDF_INFO
    ).derive(shared)


def fingerprint(key: X25519PublicKey) -> str:
    """SHA-256 of the raw public key, hex: names the recipient in the manifest."""
    return hashlib.sha256(raw_public(key)).hexdigest()


class MediaSealer:
    """Encrypts several media members to one recipient with one ephemeral key."""

    def __init__(self, recipient: X25519PublicKey) -> None:
        ephemeral = X25519PrivateKey.generate()
        self.ephemeral_public = raw_public(ephemeral.public_key())
        self.recipient_fingerprint = fingerprint(recipient)
        self._aead = AESGCM(
            derive_key(ephemeral.exchange(recipient), self.ephemeral_public, raw_public(recipient))
        )

    def seal(self, name: str, plaintext: bytes) -> tuple[bytes, bytes]:
        nonce = os.urandom(12)
        return nonce, self._aead.encrypt(nonce, plaintext, name.encode("utf-8"))


def open_sealed(
    private: X25519PrivateKey, ephemeral_public: bytes, name: str, nonce: bytes, data: bytes
) -> bytes:
    """Decrypt one member; raises ``cryptography.exceptions.InvalidTag`` when tampered."""
    mine = raw_public(private.public_key())
    shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    return AESGCM(derive_key(shared, ephemeral_public, mine)).decrypt(
        nonce, data, name.encode("utf-8")
    )

"""Reading an evidence recipient's keys: anything but X25519 PEM is a ``ValueError``."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from shieldwall.evidence import crypto


def _altered_oid(pem: bytes, at: int) -> bytes:
    """The PEM with one base64 character of its algorithm identifier changed."""
    lines = pem.decode().splitlines()
    lines[1] = lines[1][:at] + ("J" if lines[1][at] != "J" else "K") + lines[1][at + 1 :]
    return ("\n".join(lines) + "\n").encode()


def test_keys_of_an_unknown_algorithm_are_value_errors_not_crashes() -> None:
    # cryptography raises UnsupportedAlgorithm (not a ValueError) for an OID it does not
    # know; the bundle's callers catch ValueError, so it escaped as a crash before.
    private = X25519PrivateKey.generate()
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    assert isinstance(crypto.load_recipient_public(public_pem), type(private.public_key()))
    with pytest.raises(ValueError):
        crypto.load_recipient_public(_altered_oid(public_pem, 8))
    with pytest.raises(ValueError):
        crypto.load_recipient_private(_altered_oid(private_pem, 12))

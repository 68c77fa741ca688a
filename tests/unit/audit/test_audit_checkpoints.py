"""Checkpoint keys: generation, PEM round trips, signatures that fail for the wrong key."""

from __future__ import annotations

import dataclasses
import hashlib
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from audit_fixtures import Trail
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from shieldwall.audit import (
    AuditChain,
    CheckpointSigner,
    InvalidAuditEventError,
    InvalidSigningKeyError,
    checkpoint_due,
    key_id_of,
    load_public_key,
    verify_checkpoint,
)


def test_checkpoint_verifies_with_its_key_and_not_another(trail: Trail) -> None:
    cp = trail.checkpoints[2]
    assert (cp.seq, cp.head_hash) == (150, trail.events[149].hash)
    assert verify_checkpoint(cp, trail.signer.public_key)
    assert verify_checkpoint(cp, trail.signer.export_public_key())
    other = CheckpointSigner.generate()
    assert not verify_checkpoint(cp, other.public_key)
    # Even with the key id relabelled, the other key's signature check fails.
    assert not verify_checkpoint(dataclasses.replace(cp, key_id=other.key_id), other.public_key)


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 151},
        {"head_hash": "0" * 64},
        {"signature": "00" * 64},
        {"signature": "zz"},
    ],
)
def test_any_change_to_a_checkpoint_breaks_its_signature(
    trail: Trail, change: dict[str, object]
) -> None:
    cp = dataclasses.replace(trail.checkpoints[0], **change)  # type: ignore[arg-type]
    assert not verify_checkpoint(cp, trail.signer.public_key)


def test_changed_checkpoint_time_breaks_its_signature(trail: Trail) -> None:
    cp = trail.checkpoints[0]
    moved = dataclasses.replace(cp, at=cp.at + timedelta(microseconds=1))
    assert not verify_checkpoint(moved, trail.signer.public_key)


def test_key_id_is_first_16_hex_of_sha256_of_the_raw_public_key() -> None:
    signer = CheckpointSigner.generate()
    raw = signer.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert signer.key_id == hashlib.sha256(raw).hexdigest()[:16]
    assert key_id_of(load_public_key(signer.export_public_key())) == signer.key_id
    assert signer.export_public_key().startswith(b"-----BEGIN PUBLIC KEY-----")


def test_load_or_generate_creates_a_private_file_once(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "audit.pem"
    first = CheckpointSigner.load_or_generate(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = CheckpointSigner.load_or_generate(path)
    assert again.key_id == first.key_id
    with pytest.raises(FileExistsError):
        CheckpointSigner.generate().save(path)  # never orphan old checkpoints


def test_password_protected_key_round_trips(tmp_path: Path) -> None:
    signer = CheckpointSigner.generate()
    path = tmp_path / "audit.pem"
    signer.save(path, password=b"correct horse")
    assert b"ENCRYPTED" in path.read_bytes()
    assert CheckpointSigner.load(path, password=b"correct horse").key_id == signer.key_id
    with pytest.raises(InvalidSigningKeyError):
        CheckpointSigner.load(path, password=b"wrong")


def test_non_ed25519_and_garbage_keys_are_refused() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    pem = ec_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(InvalidSigningKeyError, match="Ed25519") as info:
        CheckpointSigner.from_pem(pem)
    assert info.value.code == "invalid_signing_key"
    public_pem = ec_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(InvalidSigningKeyError):
        load_public_key(public_pem)
    with pytest.raises(InvalidSigningKeyError):
        CheckpointSigner.from_pem(b"not a key")
    with pytest.raises(InvalidSigningKeyError):
        load_public_key("not a key")


def test_a_key_of_an_algorithm_nobody_knows_is_refused_as_invalid(
    signer: CheckpointSigner,
) -> None:
    # One altered byte in the algorithm's OID: cryptography raises UnsupportedAlgorithm,
    # not ValueError, and that used to escape from an evidence bundle's verification.
    pem = signer.export_public_key()
    text = pem.decode() if isinstance(pem, bytes) else pem
    body = text.splitlines()[1]
    altered = text.replace(body, body[:8] + "J" + body[9:], 1)  # "MCowBQYD" + "J2VwAyEA..."
    assert altered != text
    with pytest.raises(InvalidSigningKeyError):
        load_public_key(altered)
    private = signer.private_key_pem()
    lines = private.decode().splitlines()
    lines[1] = lines[1][:12] + ("J" if lines[1][12] != "J" else "K") + lines[1][13:]
    with pytest.raises(InvalidSigningKeyError):
        CheckpointSigner.from_pem("\n".join(lines).encode())


def test_checkpoints_every_n_and_on_demand(signer: CheckpointSigner) -> None:
    chain = AuditChain(signer=signer, checkpoint_every=3)
    for i in range(7):
        chain.append(
            actor="worker", actor_kind="system", action="action.delivered", details={"i": i}
        )
    assert [cp.seq for cp in chain.checkpoints] == [3, 6]
    assert chain.checkpoint().seq == 7
    assert [checkpoint_due(s, 3) for s in (1, 3, 6)] == [False, True, True]
    assert not checkpoint_due(3, None)


def test_chain_refuses_impossible_checkpoint_settings(signer: CheckpointSigner) -> None:
    with pytest.raises(InvalidAuditEventError):
        AuditChain(checkpoint_every=10)
    with pytest.raises(InvalidAuditEventError):
        AuditChain(signer=signer, checkpoint_every=0)
    with pytest.raises(InvalidAuditEventError, match="empty"):
        AuditChain(signer=signer).checkpoint()
    with pytest.raises(InvalidAuditEventError, match="signer"):
        AuditChain().checkpoint()


def test_chain_resumes_from_a_stored_head(trail: Trail) -> None:
    # The store layer restarts: the chain continues from the last stored event.
    resumed = AuditChain(trail.events[-1])
    event = resumed.append(actor="system", actor_kind="system", action="config.changed")
    assert event.seq == 301 and event.prev_hash == trail.events[-1].hash
    assert resumed.head == event.head

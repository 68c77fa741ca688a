"""Evidence bundles: a built bundle verifies offline; any tampering or hostile zip fails
with a clear error; media is readable only with the recipient's key."""

from __future__ import annotations

import io
import zipfile

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shieldwall.audit import AuditChain, AuditEvent, CheckpointSigner
from shieldwall.evidence import (
    BundleLimits,
    EvidenceBundleError,
    build_bundle,
    decrypt_media,
    verify_bundle,
)

SIGNER = CheckpointSigner.generate()
BODY = {
    "subject": {"content_id": "c-2"},
    "items": [{"content_id": "c-2", "url": "https://media.example/c-2", "uploader_id": "user-1"}],
}


def _chain() -> tuple[list[AuditEvent], AuditChain]:
    chain = AuditChain(signer=SIGNER, checkpoint_every=4)
    events = [
        chain.append(
            actor="worker",
            actor_kind="system",
            action="decision.made",
            subject_type="content",
            subject_id=f"c-{i}",
            details={"n": i},
        )
        for i in range(1, 9)
    ]
    return events, chain


def _bundle(**kwargs: object) -> bytes:
    events, chain = _chain()
    excerpt = [e for e in events if 2 <= e.seq <= 4]  # c-2's event up to the checkpoint at 4
    return build_bundle(
        BODY,
        events=excerpt,
        checkpoints=[c for c in chain.checkpoints if c.seq == 4],
        signer=SIGNER,
        subject_seqs=[2],
        **kwargs,  # type: ignore[arg-type]
    )


def _rezip(
    data: bytes, change: dict[str, bytes | None], extra: dict[str, bytes] | None = None
) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename in change:
                if change[info.filename] is not None:
                    dst.writestr(info.filename, change[info.filename])  # type: ignore[arg-type]
            else:
                dst.writestr(info.filename, src.read(info.filename))
        for name, body in (extra or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def test_a_bundle_verifies_offline_and_against_the_trusted_key() -> None:
    data = _bundle()
    report = verify_bundle(data, trusted_keys=[SIGNER.export_public_key()])
    assert report.trusted_key and report.events == 3 and report.checkpoints == 1
    assert report.manifest["subject"] == {"content_id": "c-2"}
    assert verify_bundle(data).warnings  # without a trusted key it says so


def test_a_bundle_signed_by_another_key_is_refused_when_a_key_is_trusted() -> None:
    other = CheckpointSigner.generate()
    with pytest.raises(EvidenceBundleError, match="do not trust"):
        verify_bundle(_bundle(), trusted_keys=[other.export_public_key()])


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.data())
def test_any_changed_byte_in_any_member_is_caught(data: st.DataObject) -> None:
    bundle = _bundle()
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        names = zf.namelist()
        name = data.draw(st.sampled_from(names))
        body = bytearray(zf.read(name))
    pos = data.draw(st.integers(0, len(body) - 1))
    body[pos] ^= data.draw(st.integers(1, 255))
    with pytest.raises(EvidenceBundleError):
        verify_bundle(_rezip(bundle, {name: bytes(body)}))


def test_a_changed_byte_in_the_raw_zip_is_caught() -> None:
    bundle = bytearray(_bundle())
    for pos in range(len(bundle)):  # every single byte of the file
        broken = bytearray(bundle)
        broken[pos] ^= 0x55
        with pytest.raises(EvidenceBundleError):
            verify_bundle(bytes(broken))


def test_an_excerpt_that_does_not_reach_a_checkpoint_is_refused() -> None:
    events, chain = _chain()
    data = build_bundle(
        BODY,
        events=[e for e in events if e.seq in (2, 3)],
        checkpoints=chain.checkpoints,
        signer=SIGNER,
        subject_seqs=[2],
    )
    with pytest.raises(EvidenceBundleError, match="signed checkpoint"):
        verify_bundle(data)


def test_a_removed_or_added_member_is_refused() -> None:
    bundle = _bundle()
    with pytest.raises(EvidenceBundleError, match="missing"):
        verify_bundle(_rezip(bundle, {"audit/events.jsonl": None}))
    with pytest.raises(EvidenceBundleError, match="does not list"):
        verify_bundle(_rezip(bundle, {}, {"notes.txt": b"hi"}))


@pytest.mark.parametrize(
    "name", ["../evil.txt", "/etc/passwd", "a/../../b", "C:/x", "a\\b", "./x", "media/"]
)
def test_path_traversal_names_are_refused(name: str) -> None:
    with pytest.raises(EvidenceBundleError, match="unsafe member name"):
        verify_bundle(_rezip(_bundle(), {}, {name: b"x"}))


def test_too_many_members_are_refused() -> None:
    extra = {f"m{i}": b"" for i in range(20)}
    with pytest.raises(EvidenceBundleError, match="at most 10"):
        verify_bundle(_rezip(_bundle(), {}, extra), limits=BundleLimits(max_members=10))


def test_a_zip_bomb_is_refused_before_it_is_expanded() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", b"{}")
        zf.writestr("media/1.bin", b"\0" * (64 * 1024 * 1024))
    with pytest.raises(EvidenceBundleError, match=r"zip bomb|over the limit"):
        verify_bundle(out.getvalue())
    with pytest.raises(EvidenceBundleError, match="over the limit"):
        verify_bundle(out.getvalue(), limits=BundleLimits(max_member_bytes=1024))


def test_not_a_zip_is_a_clear_error() -> None:
    with pytest.raises(EvidenceBundleError, match="not a zip"):
        verify_bundle(b"PK\x03\x04 not really")


def test_media_is_encrypted_to_the_recipient_only() -> None:
    recipient = X25519PrivateKey.generate()
    pub = recipient.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    priv = recipient.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    photo = b"\x89PNG benign synthetic bytes" * 10
    data = _bundle(media={"c-2": photo}, recipient_public_pem=pub)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert all(photo not in zf.read(n) for n in zf.namelist())
    assert decrypt_media(data, priv) == {"c-2": photo}
    stranger = X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(EvidenceBundleError, match="cannot be decrypted"):
        decrypt_media(data, stranger)


def test_media_without_a_recipient_key_is_refused() -> None:
    with pytest.raises(EvidenceBundleError, match="recipient"):
        _bundle(media={"c-2": b"x"})

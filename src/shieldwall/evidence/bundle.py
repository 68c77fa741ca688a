"""Build and verify evidence bundles (zip files); pure apart from reading bytes.

Layout of a bundle::

    manifest.json            canonical JSON (see docs/proof.md), lists every other member
    manifest.sig             hex Ed25519 signature over SIGNING_TAG + manifest.json
    public_key.pem           the signing key (also the audit checkpoint key)
    audit/events.jsonl       audit events, canonical JSON lines (docs/audit.md)
    audit/checkpoints.jsonl  the signed checkpoints that end each run of events
    media/<n>.bin            optional: media encrypted to the recipient (AES-GCM)

The chain proof: the events form runs of consecutive seqs; each run starts at
an event the bundle is about and ends at a signed checkpoint, and every event in
it links to the one before. Verifying it shows the events were in the trail
when the checkpoint was signed, without the rest of the trail.

Everything read from a zip is bounded before it is trusted: member count, name
shape (no absolute paths, ``..``, backslashes or drive letters), declared and
actual sizes, compression ratio. Nothing is ever extracted to disk.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shieldwall.audit import (
    AuditEvent,
    ChainHead,
    Checkpoint,
    CheckpointSigner,
    canonical_json,
    dump_checkpoints,
    dump_events,
    key_id_of,
    load_checkpoints,
    load_events,
    load_public_key,
    verify_chain,
)
from shieldwall.audit.canonical import format_at
from shieldwall.errors import InputError
from shieldwall.evidence import crypto

FORMAT = "shieldwall.evidence.v1"
SIGNING_TAG = b"shieldwall.evidence.manifest.v1\n"
"""Prefixed to the manifest before signing, so a bundle signature is never a checkpoint's."""

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "public_key.pem"
EVENTS = "audit/events.jsonl"
CHECKPOINTS = "audit/checkpoints.jsonl"

_SAFE_NAME = re.compile(
    r"^(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}/){0,3}[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$"
)


# What the zipfile module raises on malformed input (an unknown compression method in a
# forged header is NotImplementedError; a bad deflate stream is zlib.error).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    ValueError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    zlib.error,
)


class EvidenceBundleError(InputError):
    """The bundle is not a valid, untampered Shieldwall evidence bundle."""

    code = "invalid_evidence_bundle"


@dataclass(frozen=True, slots=True)
class BundleLimits:
    """What a verifier will read at most; larger inputs are refused before reading them."""

    max_members: int = 1000
    max_member_bytes: int = 256 * 1024 * 1024
    max_manifest_bytes: int = 16 * 1024 * 1024
    max_total_bytes: int = 1024 * 1024 * 1024
    max_ratio: int = 100
    """Largest uncompressed/compressed ratio for members over 1 MiB (zip bombs)."""


@dataclass(frozen=True, slots=True)
class BundleReport:
    """What a successful verification established."""

    manifest: Mapping[str, Any]
    key_id: str
    trusted_key: bool
    """False when no trusted key was given: the signature is then only self-consistent."""
    events: int
    checkpoints: int
    members: int
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": True,
            "key_id": self.key_id,
            "trusted_key": self.trusted_key,
            "events": self.events,
            "checkpoints": self.checkpoints,
            "members": self.members,
            "subject": self.manifest.get("subject"),
            "warnings": list(self.warnings),
        }


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _signing_key(signer: CheckpointSigner) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(signer.private_key_pem(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def build_bundle(
    body: Mapping[str, Any],
    *,
    events: Sequence[AuditEvent],
    checkpoints: Sequence[Checkpoint],
    signer: CheckpointSigner,
    subject_seqs: Iterable[int] = (),
    media: Mapping[str, bytes] | None = None,
    recipient_public_pem: bytes | None = None,
    created_at: datetime | None = None,
) -> bytes:
    """The bundle as zip bytes. ``body`` is the evidence itself (items, decisions, ...).

    ``media`` maps a label (e.g. a content id) to bytes; it needs
    ``recipient_public_pem`` (media never travels in clear).
    """
    members: dict[str, bytes] = {}
    text = io.StringIO()
    dump_events(events, text)
    members[EVENTS] = text.getvalue().encode("utf-8")
    text = io.StringIO()
    dump_checkpoints(checkpoints, text)
    members[CHECKPOINTS] = text.getvalue().encode("utf-8")
    members[PUBLIC_KEY] = signer.export_public_key()

    media_entries: list[dict[str, Any]] = []
    recipient: dict[str, Any] | None = None
    if media:
        if recipient_public_pem is None:
            raise EvidenceBundleError("media can only be exported encrypted to a recipient key")
        sealer = crypto.MediaSealer(crypto.load_recipient_public(recipient_public_pem))
        recipient = {
            "alg": "X25519-HKDF-SHA256-AES-256-GCM",
            "ephemeral_public": sealer.ephemeral_public.hex(),
            "recipient_fingerprint": sealer.recipient_fingerprint,
        }
        for n, (label, data) in enumerate(sorted(media.items()), start=1):
            name = f"media/{n}.bin"
            nonce, sealed = sealer.seal(name, data)
            members[name] = sealed
            media_entries.append(
                {
                    "member": name,
                    "label": label,
                    "plaintext_sha256": _sha256(data),
                    "nonce": nonce.hex(),
                }
            )

    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": format_at(created_at or datetime.now(UTC)),
        "key_id": signer.key_id,
        **{k: v for k, v in body.items() if k not in ("format", "members", "audit", "media")},
        "audit": {
            "events": EVENTS,
            "checkpoints": CHECKPOINTS,
            "subject_seqs": sorted(set(subject_seqs)),
        },
        "media": media_entries,
        "recipient": recipient,
        "members": {
            name: {"sha256": _sha256(data), "size": len(data)} for name, data in members.items()
        },
    }
    manifest_bytes = canonical_json(manifest)
    signature = _signing_key(signer).sign(SIGNING_TAG + manifest_bytes).hex()
    return _pack({MANIFEST: manifest_bytes, SIGNATURE: signature.encode("ascii"), **members})


def _pack(members: Mapping[str, bytes]) -> bytes:
    """The one byte-exact zip for these members, in this order.

    Stored (no compression), fixed timestamps and attributes: the verifier
    rebuilds the container and compares bytes, so even a byte of zip metadata
    outside every member (a date, a comment) cannot change unnoticed, on any
    machine (deflate output differs between zlib versions; stored does not).
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_STORED
            zf.writestr(info, data)
    return out.getvalue()


def _check_name(name: str) -> None:
    if not _SAFE_NAME.match(name) or any(part in (".", "..") for part in name.split("/")):
        raise EvidenceBundleError("the bundle contains an unsafe member name", value=name)


def _read_members(data: bytes, limits: BundleLimits) -> dict[str, bytes]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as exc:
        raise EvidenceBundleError(f"not a zip file: {exc}") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            raise EvidenceBundleError(
                f"the bundle has {len(infos)} members; at most {limits.max_members} are read"
            )
        total = 0
        seen: set[str] = set()
        for info in infos:
            _check_name(info.filename)
            if info.filename in seen:
                raise EvidenceBundleError("a member name appears twice", value=info.filename)
            seen.add(info.filename)
            if info.flag_bits & 0x1:
                raise EvidenceBundleError(
                    "encrypted zip members are not accepted", value=info.filename
                )
            cap = (
                limits.max_manifest_bytes if info.filename == MANIFEST else limits.max_member_bytes
            )
            if info.file_size > cap:
                raise EvidenceBundleError(
                    f"member is {info.file_size} bytes, over the limit of {cap}",
                    value=info.filename,
                )
            if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(
                info.compress_size, 1
            ):
                raise EvidenceBundleError(
                    "member expands more than a real bundle would (zip bomb?)", value=info.filename
                )
            total += info.file_size
            if total > limits.max_total_bytes:
                raise EvidenceBundleError("the bundle expands past the total size limit")
        members: dict[str, bytes] = {}
        for info in infos:
            cap = (
                limits.max_manifest_bytes if info.filename == MANIFEST else limits.max_member_bytes
            )
            try:
                with zf.open(info) as fh:
                    # Read one byte past the cap: headers can lie about sizes.
                    chunk = fh.read(cap + 1)
            except _ZIP_ERRORS as exc:
                raise EvidenceBundleError(
                    f"member cannot be read: {exc}", value=info.filename
                ) from exc
            if len(chunk) > cap:
                raise EvidenceBundleError(
                    "member is larger than its header says", value=info.filename
                )
            members[info.filename] = chunk
        return members


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _parse_manifest(raw: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EvidenceBundleError(f"manifest.json is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise EvidenceBundleError("manifest.json is nested too deeply") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise EvidenceBundleError(f"manifest.json is not a {FORMAT} manifest")
    if canonical_json(manifest) != raw:
        raise EvidenceBundleError("manifest.json is not in canonical form (edited?)")
    return manifest


def read_bundle_file(path: Path, limits: BundleLimits | None = None) -> bytes:
    """A bundle's bytes from ``path``, bounded: a regular file of at most ``max_total_bytes``.

    Opened non-blocking and checked before reading, so a FIFO or a device given by mistake
    (or by someone hoping to stall a verifier) is refused instead of waited on or read whole.
    """
    cap = (limits or BundleLimits()).max_total_bytes
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise EvidenceBundleError(f"cannot open the bundle: {exc.strerror}", value=path) from exc
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise EvidenceBundleError("the bundle is not a regular file", value=path)
        if info.st_size > cap:
            raise EvidenceBundleError(f"the bundle is over {cap} bytes", value=path)
        data = fh.read(cap + 1)
    if len(data) > cap:
        raise EvidenceBundleError(f"the bundle is over {cap} bytes", value=path)
    return data


def verify_bundle(
    data: bytes,
    *,
    trusted_keys: Iterable[bytes | str] = (),
    limits: BundleLimits | None = None,
) -> BundleReport:
    """Check a bundle offline; raises :class:`EvidenceBundleError` naming the first failure.

    Checks: safe zip structure, manifest signature (and, given ``trusted_keys``,
    that the key is one of them), the hash and size of every member, no member
    left unlisted, the audit excerpt's links, and that each run of events ends
    at a validly signed checkpoint.
    """
    members = _read_members(data, limits or BundleLimits())
    for required in (MANIFEST, SIGNATURE, PUBLIC_KEY):
        if required not in members:
            raise EvidenceBundleError("the bundle lacks a required member", value=required)
    raw = members[MANIFEST]
    manifest = _parse_manifest(raw)
    try:
        public = load_public_key(members[PUBLIC_KEY])
    except InputError as exc:
        raise EvidenceBundleError(f"public_key.pem: {exc.message}") from exc
    key_id = key_id_of(public)
    if manifest.get("key_id") != key_id:
        raise EvidenceBundleError(
            "the manifest names another signing key", value=manifest.get("key_id")
        )
    try:
        public.verify(bytes.fromhex(members[SIGNATURE].decode("ascii").strip()), SIGNING_TAG + raw)
    except (InvalidSignature, ValueError, UnicodeDecodeError) as exc:
        raise EvidenceBundleError("the manifest signature does not verify (tampered?)") from exc
    trusted_ids = {key_id_of(load_public_key(k)) for k in trusted_keys}
    if trusted_ids and key_id not in trusted_ids:
        raise EvidenceBundleError("the bundle is signed by a key you do not trust", value=key_id)

    listed = manifest.get("members")
    if not isinstance(listed, dict):
        raise EvidenceBundleError("the manifest has no member list")
    unexpected = set(members) - set(listed) - {MANIFEST, SIGNATURE}
    if unexpected:
        raise EvidenceBundleError(
            "the bundle has members the manifest does not list", value=sorted(unexpected)
        )
    for name, meta in listed.items():
        if name not in members:
            raise EvidenceBundleError("a listed member is missing", value=name)
        if (
            not isinstance(meta, dict)
            or meta.get("sha256") != _sha256(members[name])
            or meta.get("size") != len(members[name])
        ):
            raise EvidenceBundleError(
                "a member does not match its hash in the manifest", value=name
            )

    events, checkpoints = _check_audit_excerpt(manifest, members, public)
    if _pack(members) != data:
        raise EvidenceBundleError(
            "the zip container was altered (metadata, order or extra bytes outside the members)"
        )
    warnings = (
        ()
        if trusted_ids
        else (
            "no trusted key given: the signature only shows the bundle is intact, not who made it",
        )
    )
    return BundleReport(
        manifest=manifest,
        key_id=key_id,
        trusted_key=bool(trusted_ids),
        events=events,
        checkpoints=checkpoints,
        members=len(members),
        warnings=warnings,
    )


def _check_audit_excerpt(
    manifest: Mapping[str, Any], members: Mapping[str, bytes], public: Any
) -> tuple[int, int]:
    try:
        events = list(load_events(members.get(EVENTS, b"").decode("utf-8").splitlines()))
        cps = list(load_checkpoints(members.get(CHECKPOINTS, b"").decode("utf-8").splitlines()))
    except (InputError, UnicodeDecodeError) as exc:
        raise EvidenceBundleError(f"the audit excerpt cannot be read: {exc}") from exc
    events.sort(key=lambda e: e.seq)
    runs: list[list[AuditEvent]] = []
    for event in events:
        if runs and event.seq == runs[-1][-1].seq + 1:
            runs[-1].append(event)
        else:
            runs.append([event])
    for run in runs:
        first, last = run[0], run[-1]
        pins = [c for c in cps if first.seq <= c.seq <= last.seq]
        report = verify_chain(run, pins, [public], after=ChainHead(first.seq - 1, first.prev_hash))
        if not report.ok:
            raise EvidenceBundleError(f"audit excerpt: {report.summary()}")
        if report.last_valid_checkpoint_seq != last.seq:
            raise EvidenceBundleError(
                f"audit excerpt: events {first.seq}..{last.seq} do not end at a signed checkpoint"
            )
    have = {e.seq for e in events}
    audit = manifest.get("audit")
    wanted = audit.get("subject_seqs", []) if isinstance(audit, dict) else []
    missing = [s for s in wanted if s not in have]
    if missing:
        raise EvidenceBundleError("audit events named by the manifest are missing", value=missing)
    return len(events), len(cps)


def decrypt_media(data: bytes, recipient_private_pem: bytes) -> dict[str, bytes]:
    """The bundle's media in clear, by label; checks each plaintext against the manifest."""
    report = verify_bundle(data)
    members = _read_members(data, BundleLimits())
    recipient = report.manifest.get("recipient")
    if not isinstance(recipient, dict):
        return {}
    private = crypto.load_recipient_private(recipient_private_pem)
    ephemeral = bytes.fromhex(str(recipient["ephemeral_public"]))
    out: dict[str, bytes] = {}
    for entry in report.manifest.get("media", []):
        name = str(entry["member"])
        try:
            clear = crypto.open_sealed(
                private, ephemeral, name, bytes.fromhex(str(entry["nonce"])), members[name]
            )
        except InvalidTag as exc:
            raise EvidenceBundleError(
                "media cannot be decrypted with this key", value=name
            ) from exc
        if _sha256(clear) != entry["plaintext_sha256"]:
            raise EvidenceBundleError("decrypted media does not match its hash", value=name)
        out[str(entry["label"])] = clear
    return out

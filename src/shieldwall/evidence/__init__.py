"""Evidence bundles: one signed zip an auditor, a court or the police can check offline.

A bundle holds a JSON manifest (items, URLs, usernames, timestamps, hashes,
decisions, actions), an excerpt of the audit trail with its chain proof (the
events plus the signed checkpoints that pin them), the public key, optionally
media encrypted to a recipient's X25519 key, and an Ed25519 signature over the
manifest. :func:`verify_bundle` checks all of it without a database and refuses
hostile zips (path traversal, bombs, too many members) with a clear error.
"""

from shieldwall.evidence.bundle import (
    BundleLimits,
    BundleReport,
    EvidenceBundleError,
    build_bundle,
    decrypt_media,
    verify_bundle,
)

__all__ = [
    "BundleLimits",
    "BundleReport",
    "EvidenceBundleError",
    "build_bundle",
    "decrypt_media",
    "verify_bundle",
]

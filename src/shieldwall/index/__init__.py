"""Shieldwall's hash indexes: exact PDQ similarity search and exact digest lookup.

``MihPdqIndex`` is the fast one (multi-index hashing, exact), ``LinearPdqIndex``
the brute-force oracle it is tested against, ``DigestIndex`` the MD5/SHA-256
map. All save as ``.npy`` arrays plus a JSON manifest and never use pickle;
:func:`open_pdq_index` opens a saved PDQ index of whichever kind it is.
"""

from __future__ import annotations

from pathlib import Path

from shieldwall.index import storage
from shieldwall.index.digest import DigestIndex
from shieldwall.index.linear import LinearPdqIndex
from shieldwall.index.mih import MihPdqIndex
from shieldwall.index.protocol import (
    CorruptIndexError,
    Hit,
    InvalidThresholdError,
    PdqCodes,
    PdqIndex,
)

__all__ = [
    "CorruptIndexError",
    "DigestIndex",
    "Hit",
    "InvalidThresholdError",
    "LinearPdqIndex",
    "MihPdqIndex",
    "PdqCodes",
    "PdqIndex",
    "open_pdq_index",
]

_KINDS: dict[str, type[LinearPdqIndex] | type[MihPdqIndex]] = {
    "linear": LinearPdqIndex,
    "mih": MihPdqIndex,
}


def open_pdq_index(directory: Path, *, mmap: bool = True) -> PdqIndex:
    """Load a saved PDQ index of whichever kind its manifest names."""
    kind = storage.read_manifest(directory)["kind"]
    cls = _KINDS.get(kind)
    if cls is None:
        raise CorruptIndexError(f"unknown PDQ index kind {kind!r}", value=directory)
    return cls.load(directory, mmap=mmap)

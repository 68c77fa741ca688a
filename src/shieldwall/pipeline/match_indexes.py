"""The matcher's indexes: plain PDQ, bank-side variants and exact digests, and their snapshots.

Why a module of its own: the matcher decides *what* matches (thresholds, negative
banks, explanations); this keeps *where* hashes live and how they reach disk, so
each stays small enough to read at once.

Bank-side variants (extra region hashes a submitter stored with a PDQ entry)
live in a second PDQ index under ids ``entry_id * 16 + slot``: they come and go
with their entry's ``add`` and ``remove`` changes, so the change log needs no
rows of its own for them, and a hit maps back to its entry by ``id // 16``.

Snapshots are arrays plus a JSON manifest in ``<dir>/current``, written to a
temporary directory and swapped in, so a crash mid-write leaves the previous
snapshot whole.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from shieldwall.hashing.robust import MAX_BANK_VARIANTS
from shieldwall.index import DigestIndex, MihPdqIndex, PdqIndex, open_pdq_index
from shieldwall.types import EntryId, HashKind

SNAPSHOT_MANIFEST = "matcher.json"
SNAPSHOT_FORMAT = 2
"""Format 2 added the bank-side variants index; older snapshots are rebuilt from the store."""
SLOTS = MAX_BANK_VARIANTS
"""Variant ids are ``entry_id * SLOTS + slot``."""


def variant_id(entry_id: int, slot: int) -> int:
    """The variants index's id of slot ``slot`` of entry ``entry_id``."""
    return entry_id * SLOTS + slot


def hex_codes(values: Sequence[str]) -> npt.NDArray[np.uint8]:
    """Hex PDQ hashes as an Nx32 uint8 array (what the indexes take)."""
    raw = b"".join(bytes.fromhex(v) for v in values)
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, 32)


@dataclass(slots=True)
class MatchIndexes:
    """Every hash the matcher searches, by kind; not thread-safe on its own (the matcher
    holds its lock around updates)."""

    pdq: PdqIndex
    variants: PdqIndex
    digests: dict[HashKind, DigestIndex] = field(default_factory=dict)

    @classmethod
    def empty(cls, max_threshold: int) -> MatchIndexes:
        return cls(
            pdq=MihPdqIndex(max_threshold=max_threshold),
            variants=MihPdqIndex(max_threshold=max_threshold),
        )

    def __len__(self) -> int:
        """Entries (plain PDQ and digests); bank-side variants are not entries."""
        return len(self.pdq) + sum(len(d) for d in self.digests.values())

    def add(self, kind: HashKind, ids: Sequence[int], values: Sequence[str]) -> None:
        if not ids:
            return
        if kind is HashKind.PDQ:
            self.pdq.add(np.asarray(ids, dtype=np.int64), hex_codes(values))
        else:
            d = self.digests.setdefault(kind, DigestIndex())
            d.add(np.asarray(ids, dtype=np.int64), [bytes.fromhex(v) for v in values])

    def add_variants(self, variants: Mapping[EntryId, Sequence[tuple[int, str, str]]]) -> None:
        """Bank-side variants ``(slot, name, value)`` of PDQ entries."""
        ids = [variant_id(e, slot) for e, rows in variants.items() for slot, _, _ in rows]
        if ids:
            values = [v for rows in variants.values() for _, _, v in rows]
            self.variants.add(np.asarray(ids, dtype=np.int64), hex_codes(values))

    def remove(self, kind: HashKind, ids: Sequence[int]) -> None:
        if kind is HashKind.PDQ:
            self.pdq.remove(ids)
            self.variants.remove(variant_id(e, slot) for e in ids for slot in range(SLOTS))
        elif kind in self.digests:
            self.digests[kind].remove(ids)

    def save(self, target: Path, change_seq: int) -> Path:
        """Write the indexes and the change position under ``target/current``; returns it."""
        target.mkdir(parents=True, exist_ok=True)
        tmp = target / ".tmp"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        self.pdq.save(tmp / "pdq")
        self.variants.save(tmp / "pdq_variants")
        for kind, d in self.digests.items():
            d.save(tmp / kind.value)
        manifest = {
            "format": SNAPSHOT_FORMAT,
            "change_seq": change_seq,
            "digests": sorted(k.value for k in self.digests),
        }
        (tmp / SNAPSHOT_MANIFEST).write_text(json.dumps(manifest))
        # Swap directories so a crash mid-write leaves the previous snapshot intact.
        current = target / "current"
        old = target / ".old"
        if old.exists():
            shutil.rmtree(old)
        if current.exists():
            current.rename(old)
        tmp.rename(current)
        if old.exists():
            shutil.rmtree(old)
        return current

    @classmethod
    def load(cls, target: Path) -> tuple[MatchIndexes, int] | None:
        """The snapshot under ``target/current`` and its change position, or ``None`` when
        there is none or it is of another format (the caller rebuilds from the store)."""
        current = target / "current"
        manifest_path = current / SNAPSHOT_MANIFEST
        if not manifest_path.is_file():
            return None
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("format") != SNAPSHOT_FORMAT:
            # An older snapshot has no variants index: loading it would silently drop every
            # bank-side variant, so the matcher rebuilds from the store instead.
            return None
        digests = {HashKind(k): DigestIndex.load(current / k) for k in manifest.get("digests", [])}
        indexes = cls(
            pdq=open_pdq_index(current / "pdq"),
            variants=open_pdq_index(current / "pdq_variants"),
            digests=digests,
        )
        return indexes, int(manifest["change_seq"])

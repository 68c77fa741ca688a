"""The matcher's optional second stage: bank entries found by local features (ORB + RANSAC).

Why a module of its own: the stage has state of its own (a descriptor index per process,
built from the store and kept in step with the change log like the PDQ indexes, but not
in their snapshot) and rules of its own (it runs only for an upload the PDQ stage found
nothing for, and reports a verified entry at its bank's threshold). The matcher
(:mod:`shieldwall.pipeline.matcher`) owns when it runs; this module owns how.

The pure parts are :mod:`shieldwall.hashing.local_features` (extraction, verification) and
:mod:`shieldwall.index.local_features` (the votes); measured in bench/RESULTS.md
("2026-12-04: local features").
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from shieldwall.hashing.local_features import (
    DEFAULT_VERIFY,
    LocalFeatures,
    VerifyParams,
    local_match_variant,
    verify,
)
from shieldwall.index.local_features import DescriptorIndex
from shieldwall.store import BankStore, EntryChange, EntryInfo
from shieldwall.types import BankPurpose, EntryId, HashKind, Match

__all__ = ["LocalFeatureStage", "LocalMatches"]


@dataclass(frozen=True, slots=True)
class LocalMatches:
    """What the stage found for one upload: matches, and negative-bank matches apart (they
    suppress the others, as in the PDQ stage)."""

    matches: tuple[Match, ...] = ()
    negatives: tuple[Match, ...] = ()


class LocalFeatureStage:
    """A descriptor index of the matching entries that hold local features, and the
    retrieve-then-verify step over it. Thread-safe: its own lock guards the index."""

    def __init__(
        self, store: BankStore, *, enabled: bool, params: VerifyParams = DEFAULT_VERIFY
    ) -> None:
        self._store = store
        self._enabled = enabled
        self._params = params
        self._index: DescriptorIndex[int] = DescriptorIndex()
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        """On, and some matching entry holds features (else uploads need no keypoints)."""
        return self._enabled and len(self._index) > 0

    def memory_bytes(self) -> int:
        """The descriptor index's size in memory."""
        return self._index.memory_bytes()

    def rebuild(self) -> None:
        """The index from the store (every matching entry with features). Called on load,
        after the PDQ indexes; the change log replayed after it is harmless to apply twice
        (an add of a held entry does nothing, a remove of an absent one neither)."""
        index: DescriptorIndex[int] = DescriptorIndex()
        if self._enabled:
            for chunk in self._store.iter_active_local_features():
                for entry_id, blob in chunk:
                    index.add(int(entry_id), LocalFeatures.from_bytes(blob).descriptors)
        with self._lock:
            self._index = index

    def features_added(self, changes: Sequence[EntryChange]) -> dict[int, LocalFeatures]:
        """Features of the PDQ entries ``changes`` add, read from the store (none when off);
        read before the matcher takes its lock to apply the batch."""
        if not self._enabled:
            return {}
        ids = [c.entry_id for c in changes if c.op == "add" and c.signal_type is HashKind.PDQ]
        if not ids:
            return {}
        blobs = self._store.local_features_for(entry_ids=ids)
        return {int(e): LocalFeatures.from_bytes(b) for e, b in blobs.items()}

    def add(self, features: Mapping[int, LocalFeatures]) -> None:
        with self._lock:
            for entry_id, feats in features.items():
                self._index.add(entry_id, feats.descriptors)

    def remove(self, entry_ids: Iterable[int]) -> None:
        with self._lock:
            for entry_id in entry_ids:
                self._index.discard(entry_id)

    def verified(self, upload: LocalFeatures) -> dict[int, int]:
        """Entries whose stored keypoints verify against the upload's: ``{entry id: inliers}``.

        The index proposes up to 10 entries by votes; only those have their blobs read from
        the store and are verified (RANSAC), so the store read and the CPU are bounded."""
        if not self._enabled or not len(upload):
            return {}
        with self._lock:
            votes = self._index.candidates(upload.descriptors)
        if not votes:
            return {}
        blobs = self._store.local_features_for(entry_ids=[v.key for v in votes])
        found: dict[int, int] = {}
        for v in votes:
            blob = blobs.get(EntryId(v.key))
            if blob is not None:
                result = verify(upload, LocalFeatures.from_bytes(blob), self._params)
                if result.matched:
                    found[v.key] = result.inliers
        return found

    @staticmethod
    def matches(
        verified: Mapping[int, int],
        entries: Mapping[EntryId, EntryInfo],
        wanted: set[str] | None,
    ) -> LocalMatches:
        """Verified entries as matches, most inliers first. Each is reported like a PDQ
        match **at its bank's threshold** (``distance`` = threshold: it was not found closer,
        so a rule asking for a closer PDQ match does not fire on it), with ``variant``
        ``local_features(<inliers>)``. Withdrawn entries and banks not ``wanted`` are left
        out; negative banks are returned apart, to suppress."""
        matches: list[Match] = []
        negatives: list[Match] = []
        for entry_id, inliers in sorted(verified.items(), key=lambda kv: (-kv[1], kv[0])):
            entry = entries.get(EntryId(entry_id))
            if entry is None or not entry.matching:
                continue
            m = Match(
                bank=entry.bank_name,
                entry_id=entry_id,
                signal_type=HashKind.PDQ,
                distance=entry.bank_threshold,
                bank_purpose=entry.bank_purpose,
                threshold=entry.bank_threshold,
                variant=local_match_variant(inliers),
            )
            if entry.bank_purpose is BankPurpose.NEGATIVE:
                negatives.append(m)
            elif wanted is None or m.bank in wanted:
                matches.append(m)
        return LocalMatches(tuple(matches), tuple(negatives))

"""The in-memory matcher: bank entries held in fast indexes, kept in step with the store.

Why it lives here and not in a web handler: the API, the CLI, the worker and
batch jobs all match through this one object, so a lookup gives the same
answer whichever shell asked.

Memory stays lean at tens of millions of entries because the matcher keeps
only the hashes (in :mod:`shieldwall.index`) and the entry ids; everything
needed to explain a hit (bank, purpose, threshold, provenance) is read from the
store for the few entries that actually matched.

Freshness: on start it loads the newest snapshot (arrays on disk, memory
mapped) and replays the store's change log after it, so a restart costs a
load plus the changes, never a rebuild. ``refresh()`` replays new changes;
each process calls it before matching (cheap when nothing changed), so an
entry added or withdrawn anywhere is visible to the next query.

Indexes and snapshots live in :mod:`shieldwall.pipeline.match_indexes`.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from shieldwall.hashing.local_features import DEFAULT_VERIFY, LocalFeatures, VerifyParams
from shieldwall.hashing.robust import compatible, describe_variant, meets_windows
from shieldwall.hashing.values import MatchedVariant
from shieldwall.index import CorruptIndexError
from shieldwall.pipeline.local_stage import LocalFeatureStage
from shieldwall.pipeline.match_indexes import (
    SLOTS,
    SNAPSHOT_FORMAT,
    SNAPSHOT_MANIFEST,
    MatchIndexes,
    hex_codes,
    variant_id,
)
from shieldwall.store import BankStore, EntryChange, EntryInfo
from shieldwall.types import (
    DEFAULT_QUALITY_THRESHOLD,
    BankPurpose,
    EntryId,
    HashKind,
    Match,
)

__all__ = [
    "SNAPSHOT_FORMAT",
    "SNAPSHOT_MANIFEST",
    "MatchOutcome",
    "Matcher",
    "Query",
    "variant_id",
]

_BUILD_CHUNK = 200_000
_log = logging.getLogger("shieldwall.matcher")


def _runs(changes: Sequence[EntryChange]) -> Iterator[list[EntryChange]]:
    """Consecutive changes of the same operation and kind, in log order: each run is applied
    as one index call (a catch-up of 100k changes is a few dozen calls, not 100k), and
    keeping the order keeps an add followed by a remove of the same entry removed."""
    run: list[EntryChange] = []
    for change in changes:
        if run and (change.op, change.signal_type) != (run[0].op, run[0].signal_type):
            yield run
            run = []
        run.append(change)
    if run:
        yield run


_Hit = tuple[int, HashKind, int, str | None, int | None]
"""(entry id, signal type, distance, query variant name, bank variant slot)."""


@dataclass(frozen=True, slots=True)
class Query:
    """The hashes of one item to match; any of them may be missing."""

    pdq: str | None = None
    quality: int | None = None
    md5: str | None = None
    sha256: str | None = None
    variants: tuple[tuple[str, str], ...] = ()
    """Extra PDQ hashes of transformed copies (name, hex): flips, rotations, crops.

    A hit through a variant is reported with the variant's name; when an entry
    is reached several ways within its bank's threshold, the simplest explanation
    wins (as submitted, then one transform, then two), then the smallest distance."""
    local_features: LocalFeatures | None = None
    """ORB keypoints of the upload, for the second stage (computed only when some bank
    entry holds features: :attr:`Matcher.has_local_features`)."""


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    """Matches for one query, with the reasons some hits were not acted on."""

    matches: tuple[Match, ...]
    notes: tuple[str, ...] = ()

    @property
    def active(self) -> tuple[Match, ...]:
        """Matches that were not suppressed by a negative bank."""
        return tuple(
            m
            for m in self.matches
            if not m.suppressed and m.bank_purpose is not BankPurpose.NEGATIVE
        )


class Matcher:
    """Matches hashes against every enabled bank; thread-safe for concurrent queries."""

    def __init__(
        self,
        store: BankStore,
        *,
        snapshot_dir: Path | None = None,
        quality_threshold: int = DEFAULT_QUALITY_THRESHOLD,
        max_threshold: int = 31,
        refresh_interval_s: float = 0.0,
        local_features: bool = False,
        local_verify: VerifyParams = DEFAULT_VERIFY,
    ) -> None:
        self._store = store
        self._local = LocalFeatureStage(store, enabled=local_features, params=local_verify)
        self._refresh_interval = refresh_interval_s
        self._refreshed_at = 0.0
        self._snapshot_dir = snapshot_dir
        self._quality_threshold = quality_threshold
        self._max_threshold = max_threshold
        self._lock = threading.RLock()
        self._refresh_lock = threading.Lock()
        self._seq = 0
        self._idx: MatchIndexes | None = None
        self._holds: Callable[[MatchOutcome], MatchOutcome] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def load(self) -> None:
        """Load the newest snapshot (or build from the store) and replay changes after it."""
        # Lock order everywhere: refreshes first, then the matching lock.
        with self._refresh_lock:
            with self._lock:
                if not self._load_snapshot():
                    self._build_from_store()
                self._local.rebuild()
            assert self._idx is not None
            self._catch_up(self._idx)

    @property
    def loaded(self) -> bool:
        return self._idx is not None

    @property
    def change_seq(self) -> int:
        """Sequence number of the last store change applied."""
        return self._seq

    def __len__(self) -> int:
        return len(self._ensure())

    def sizes(self) -> dict[HashKind, int]:
        """Active hashes per kind in the index (bank-side variants not counted)."""
        idx = self._ensure(refresh=True)
        with self._lock:
            sizes = {HashKind.PDQ: len(idx.pdq)}
            sizes.update({kind: len(d) for kind, d in idx.digests.items()})
        return sizes

    @property
    def has_windows(self) -> bool:
        """Whether any entry carries bank-side windows: without them the query's window
        grids can meet nothing, and callers skip computing them."""
        return len(self._ensure().variants) > 0

    @property
    def has_local_features(self) -> bool:
        """Whether the second stage is on and some matching entry holds local features:
        callers compute an upload's keypoints only then."""
        self._ensure()
        return self._local.active

    def local_features_memory_bytes(self) -> int:
        """The descriptor index's size in memory (rows and their owners)."""
        return self._local.memory_bytes()

    def refresh(self) -> int:
        """Apply store changes made since the last refresh; returns how many were applied.

        The log is read without holding the matching lock, so queries keep running while a
        replica catches up; only applying a batch takes it. Refreshes are serialised among
        themselves (the change feed's thread and a bank route may both ask), and a change at
        or below the applied position is skipped, so reading a batch twice is harmless.
        """
        idx = self._ensure(refresh=False)
        with self._refresh_lock:
            return self._catch_up(idx)

    def _catch_up(self, idx: MatchIndexes) -> int:
        """Replay the log after the applied position (refresh lock held)."""
        applied = 0
        while True:
            # The batch and the variants of the PDQ entries it adds, in one read.
            changes, variants = self._store.replay_since(seq=self._seq)
            changes = [c for c in changes if c.seq > self._seq]
            if not changes:
                self._refreshed_at = time.monotonic()
                return applied
            features = self._local.features_added(changes)
            with self._lock:
                for run in _runs(changes):
                    first = run[0]
                    ids = [c.entry_id for c in run]
                    if first.op == "add":
                        idx.add(first.signal_type, ids, [c.value for c in run])
                        idx.add_variants({e: variants[e] for e in ids if e in variants})
                        self._local.add({e: features[e] for e in ids if e in features})
                    else:
                        idx.remove(first.signal_type, ids)
                        self._local.remove(ids)
                self._seq = changes[-1].seq
            applied += len(changes)

    def save_snapshot(self) -> Path:
        """Write the indexes and the change position to ``snapshot_dir`` (arrays + JSON)."""
        if self._snapshot_dir is None:
            raise ValueError("this matcher has no snapshot directory")
        idx = self._ensure()
        with self._lock:
            return idx.save(self._snapshot_dir, self._seq)

    # -- matching ----------------------------------------------------------------------------

    def match(
        self,
        query: Query,
        *,
        banks: Sequence[str] | None = None,
        threshold: int | None = None,
        refresh: bool = True,
    ) -> MatchOutcome:
        """Match one item's hashes; see :meth:`match_many`."""
        return self.match_many([query], banks=banks, threshold=threshold, refresh=refresh)[0]

    def match_many(
        self,
        queries: Sequence[Query],
        *,
        banks: Sequence[str] | None = None,
        threshold: int | None = None,
        refresh: bool = True,
    ) -> list[MatchOutcome]:
        """Match a batch of items against the enabled banks.

        ``banks`` limits matching to those names (negative banks always apply).
        ``threshold`` overrides every bank's own PDQ threshold.
        A PDQ hash of quality below the quality threshold is still searched (a
        moderator may want to see it) but its matches carry a note and the
        policy does not act on them alone.
        """
        if threshold is not None and not 0 <= threshold <= self._max_threshold:
            raise ValueError(f"threshold must be between 0 and {self._max_threshold}")
        idx = self._ensure(refresh=refresh)
        wanted = None if banks is None else set(banks)
        for name in sorted(wanted or ()):
            self._store.get_bank(name=name)  # raises BankNotFoundError for a typo
        # Search once at the widest threshold; each bank's own threshold is applied
        # below, per hit, so one index serves every bank.
        search_t = self._max_threshold if threshold is None else threshold

        raw: list[list[_Hit]] = [[] for _ in queries]
        # One batched search over every query's plain hash and its variants.
        probes: list[tuple[int, str | None, str]] = []
        for i, q in enumerate(queries):
            if q.pdq:
                probes.append((i, None, q.pdq))
            probes.extend((i, name, value) for name, value in q.variants)
        # Each index is searched only with the probes robust.compatible lets meet it: the
        # window grids never meet plain hashes, the undo-an-edit variants never meet windows.
        plain_probes = [p for p in probes if compatible(p[1], None)]
        if plain_probes and len(idx.pdq):
            with self._lock:
                hits = idx.pdq.search(hex_codes([v for _, _, v in plain_probes]), search_t)
            for (row, variant, _), row_hits in zip(plain_probes, hits, strict=True):
                raw[row].extend((h.id, HashKind.PDQ, h.distance, variant, None) for h in row_hits)
        window_probes = [p for p in probes if meets_windows(p[1])]
        if window_probes and len(idx.variants):
            # The submitters' region hashes.
            with self._lock:
                hits = idx.variants.search(hex_codes([v for _, _, v in window_probes]), search_t)
            for (row, variant, _), row_hits in zip(window_probes, hits, strict=True):
                raw[row].extend(
                    (h.id // SLOTS, HashKind.PDQ, h.distance, variant, h.id % SLOTS)
                    for h in row_hits
                )
        for kind, d in idx.digests.items():
            for i, q in enumerate(queries):
                value = q.md5 if kind is HashKind.MD5 else q.sha256
                if value:
                    with self._lock:
                        ids = d.lookup(bytes.fromhex(value))
                    raw[i].extend((e, kind, 0, None, None) for e in ids)

        all_ids = {e for row in raw for e, _, _, _, _ in row}
        entries = self._store.entries_by_ids(ids=all_ids) if all_ids else {}
        with_slots = {e for row in raw for e, _, _, _, slot in row if slot is not None}
        names: dict[tuple[int, int], str] = {
            (int(entry_id), slot): name
            for entry_id, rows in (
                self._store.variants_for(entry_ids=with_slots) if with_slots else {}
            ).items()
            for slot, name, _ in rows
        }
        outcomes = [
            self._explain(q, row, entries, names, wanted, threshold)
            for q, row in zip(queries, raw, strict=True)
        ]
        if self._local.active:
            outcomes = self._second_stage(queries, outcomes, wanted)
        if self._holds is not None:
            outcomes = [self._holds(o) for o in outcomes]
        return outcomes

    def use_holds(self, holds: Callable[[MatchOutcome], MatchOutcome]) -> None:
        """Mark held matches on every outcome (:mod:`shieldwall.pipeline.match_holds`)."""
        self._holds = holds

    # -- internals ---------------------------------------------------------------------------

    def _second_stage(
        self,
        queries: Sequence[Query],
        outcomes: list[MatchOutcome],
        wanted: set[str] | None,
    ) -> list[MatchOutcome]:
        """Local features (:mod:`shieldwall.pipeline.local_stage`) for the uploads the PDQ
        stage found nothing for; the others keep their outcome."""
        out = list(outcomes)
        for i, (q, outcome) in enumerate(zip(queries, outcomes, strict=True)):
            if outcome.matches or q.local_features is None:
                continue
            verified = self._local.verified(q.local_features)
            if not verified:
                continue
            found = self._local.matches(
                verified, self._store.entries_by_ids(ids=set(verified)), wanted
            )
            matches, notes = list(found.matches), []
            if found.negatives and matches:
                by = found.negatives[0]
                matches = [dataclasses.replace(m, suppressed_by=by.entry_id) for m in matches]
                notes.append(f"suppressed by negative bank {by.bank!r} entry {by.entry_id}")
            notes.extend(
                f"{m.bank} entry {m.entry_id} {describe_variant(m.variant)}" for m in matches
            )
            out[i] = MatchOutcome(tuple(matches) + found.negatives, tuple(notes))
        return out

    def _explain(
        self,
        query: Query,
        row: Iterable[_Hit],
        entries: Mapping[EntryId, EntryInfo],
        names: Mapping[tuple[int, int], str],
        wanted: set[str] | None,
        threshold: int | None,
    ) -> MatchOutcome:
        matches: list[Match] = []
        negatives: list[Match] = []
        notes: list[str] = []
        candidates: dict[tuple[int, HashKind], list[tuple[int, int, bool, str | None]]] = {}
        for entry_id, kind, distance, variant, slot in row:
            bank_name = None if slot is None else names.get((entry_id, slot), f"slot {slot}")
            # A region of the query is only compared with the same region of the original
            # (robust.compatible): it is what keeps ~100 probes from adding false matches.
            if kind is HashKind.PDQ and not compatible(variant, bank_name):
                continue
            transforms = MatchedVariant(variant).transformed + (slot is not None)
            variant = MatchedVariant.wire(variant, bank_name)
            candidates.setdefault((entry_id, kind), []).append(
                (transforms, distance, slot is not None, variant)
            )
        for (entry_id, kind), hits in candidates.items():
            entry = entries.get(EntryId(entry_id))
            if entry is None or not entry.matching:
                continue  # withdrawn between the index read and the store read
            limit = threshold if threshold is not None else entry.bank_threshold
            within = [h for h in hits if kind is not HashKind.PDQ or h[1] <= limit]
            if not within:
                continue
            # Of the hits within the bank's threshold, the simplest explanation is reported:
            # "matched as submitted at 14" rather than "after a crop, against the submitter's
            # crop, at 9" for a plainly re-encoded copy; then the smallest distance.
            _, distance, _, variant = min(within, key=lambda h: (h[0], h[1], h[2]))
            m = Match(
                bank=entry.bank_name,
                entry_id=entry_id,
                signal_type=kind,
                distance=distance,
                bank_purpose=entry.bank_purpose,
                threshold=limit,
                variant=variant,
            )
            if entry.bank_purpose is BankPurpose.NEGATIVE:
                negatives.append(m)
            elif wanted is None or m.bank in wanted:
                matches.append(m)
        if negatives and matches:
            by = min(negatives, key=lambda n: (n.distance, n.entry_id))
            matches = [dataclasses.replace(m, suppressed_by=by.entry_id) for m in matches]
            notes.append(
                f"suppressed by negative bank {by.bank!r} entry {by.entry_id} "
                f"(distance {by.distance})"
            )
        if (
            query.quality is not None
            and query.quality < self._quality_threshold
            and any(m.signal_type is HashKind.PDQ for m in matches)
        ):
            notes.append(
                f"PDQ quality {query.quality} below {self._quality_threshold}: "
                "perceptual matches are not acted on alone"
            )
        for m in matches:
            if m.variant is not None:
                notes.append(f"{m.bank} entry {m.entry_id} {describe_variant(m.variant)}")
        matches.sort(key=lambda m: (m.distance, m.bank, m.entry_id))
        negatives.sort(key=lambda m: (m.distance, m.bank, m.entry_id))
        return MatchOutcome(tuple(matches + negatives), tuple(notes))

    def _ensure(self, *, refresh: bool = False) -> MatchIndexes:
        if self._idx is None:
            self.load()
        elif refresh and time.monotonic() - self._refreshed_at >= self._refresh_interval:
            # A busy server polls the change log at most every ``refresh_interval_s``;
            # changes made in this process call refresh() directly and are seen at once.
            self.refresh()
        assert self._idx is not None
        return self._idx

    def _load_snapshot(self) -> bool:
        try:
            loaded = None if self._snapshot_dir is None else MatchIndexes.load(self._snapshot_dir)
        except (CorruptIndexError, OSError, ValueError) as exc:
            # A damaged snapshot, or one swapped by `shieldwall index snapshot` while this
            # process read a shared copy: the store still holds everything, so rebuild.
            _log.warning(
                "index_snapshot_unusable dir=%s error=%s", self._snapshot_dir, type(exc).__name__
            )
            return False
        if loaded is None:
            return False
        self._idx, self._seq = loaded
        return True

    def _build_from_store(self) -> None:
        idx = MatchIndexes.empty(self._max_threshold)
        # Remember where the log stands before reading, so changes made during the
        # build are replayed afterwards (add and remove are idempotent).
        seq = self._store.latest_change_seq()
        for kind in HashKind:
            for chunk in self._store.iter_active_entries(signal_type=kind, chunk=_BUILD_CHUNK):
                ids = [c.id for c in chunk]
                values = [c.value for c in chunk]
                idx.add(kind, ids, values)
                if kind is HashKind.PDQ:
                    idx.add_variants(self._store.variants_for(entry_ids=ids))
        self._idx = idx
        self._seq = seq

"""Retro-hunts: when a hash enters a bank, find every copy the platform has already seen.

The TAKE IT DOWN Act and the Online Safety Act expect "known identical copies"
to come down too, within the 48-hour clock. Every scanned or looked-up item is
remembered as hashes; :class:`SeenIndex` keeps their PDQ hashes in the same
fast index the banks use, so hunting one new hash across millions of stored
items is one index query. Exact digests are hunted through the database index.

A PDQ entry's bank-side variants (the submitter's hashes of regions of the
original) are hunted with it, so a cropped copy seen before the victim came
forward is found too; such a hit names the variant. The other way round, each
stored item keeps its normalised views (``ItemInfo.pdq_views``: flips, frame and
caption removed, a collage tile...), indexed beside the plain hashes, so an upload
that was an *edited* copy is found by the entry's plain hash; such a hit names the
view, and the item is re-matched with its views, as it was when it arrived.

Each item hit gets a new decision through the same policy, with source
``retro_hunt``. Decision ids are derived from (item, entries), so running the
same hunt twice (a retry, a crash) never decides twice.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from shieldwall.actions import ReviewAction
from shieldwall.errors import NotFoundError
from shieldwall.hashing.robust import describe_variant
from shieldwall.hashing.values import MatchedVariant
from shieldwall.hashing.views import MAX_SEEN_VIEWS
from shieldwall.index import MihPdqIndex
from shieldwall.pipeline.matcher import Matcher, Query
from shieldwall.pipeline.policy_holder import PolicyHolder
from shieldwall.pipeline.scan import build_decision
from shieldwall.policy import PolicyContext, evaluate
from shieldwall.store import BankStore, EntryInfo, ItemStore
from shieldwall.store.service_records import DecisionInfo, ItemInfo, NewAction, SeenHash
from shieldwall.types import HashKind

SeenSearch = Callable[[Sequence[str], int], list[list[tuple[int, int]]]]
"""(PDQ hashes, threshold) -> for each hash, the stored items within it: (item_id, distance)."""

_NAMESPACE = uuid.UUID("6f1c9a52-4c1e-4f57-9a2e-5d0c8b7e3a11")


def _codes(pdqs: Sequence[str]) -> np.ndarray[tuple[int, int], np.dtype[np.uint8]]:
    return np.frombuffer(b"".join(bytes.fromhex(p) for p in pdqs), dtype=np.uint8).reshape(-1, 32)


class SeenIndex:
    """PDQ hashes of every stored item, kept in step with the ``items`` table by id.

    Filled by :meth:`refresh` from the table, which every reader calls first: the
    request path does not add each stored lookup (that cost ~80 us a lookup, and the
    index's compactions stalled the server, for rows a refresh read again anyway).

    A second index holds each item's normalised views (``ItemInfo.pdq_views``) under
    ids ``item_id * MAX_SEEN_VIEWS + position``; view names are kept beside it."""

    def __init__(self, items: ItemStore, *, max_threshold: int = 31) -> None:
        self._items = items
        self._index = MihPdqIndex(max_threshold=max_threshold)
        self._views = MihPdqIndex(max_threshold=max_threshold)
        self._view_names: dict[int, str] = {}
        self._last_id = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._index)

    def refresh(self) -> int:
        """Add items stored since the last refresh (by any process); returns how many."""
        added = 0
        with self._lock:
            for chunk in self._items.iter_seen_pdq(after_id=self._last_id):
                if not chunk:
                    continue
                ids = np.asarray([s.item_id for s in chunk], dtype=np.int64)
                self._index.add(ids, _codes([s.pdq for s in chunk]))
                self._add_views(chunk)
                self._last_id = int(ids[-1])
                added += len(chunk)
        return added

    def _add_views(self, chunk: Sequence[SeenHash]) -> None:
        ids: list[int] = []
        values: list[str] = []
        for s in chunk:
            for pos, (name, value) in enumerate(s.views[:MAX_SEEN_VIEWS]):
                key = s.item_id * MAX_SEEN_VIEWS + pos
                ids.append(key)
                values.append(value)
                self._view_names[key] = name
        if ids:
            self._views.add(np.asarray(ids, dtype=np.int64), _codes(values))

    def remove(self, item_ids: Iterable[int]) -> None:
        with self._lock:
            gone = list(item_ids)
            self._index.remove(gone)
            keys = [i * MAX_SEEN_VIEWS + pos for i in gone for pos in range(MAX_SEEN_VIEWS)]
            keys = [k for k in keys if self._view_names.pop(k, None) is not None]
            if keys:
                self._views.remove(keys)

    def search(self, pdqs: Sequence[str], threshold: int) -> list[list[tuple[int, int]]]:
        """For each hash, the stored items within ``threshold``: (item_id, distance)."""
        if not pdqs or not len(self._index):
            return [[] for _ in pdqs]
        with self._lock:
            hits = self._index.search(_codes(pdqs), threshold)
        return [[(h.id, h.distance) for h in row] for row in hits]

    def search_views(self, pdqs: Sequence[str], threshold: int) -> list[list[tuple[int, int, str]]]:
        """For each hash, the stored items with a view within ``threshold``:
        (item_id, distance, view name)."""
        if not pdqs or not len(self._views):
            return [[] for _ in pdqs]
        with self._lock:
            hits = self._views.search(_codes(pdqs), threshold)
            return [
                [
                    (h.id // MAX_SEEN_VIEWS, h.distance, self._view_names.get(h.id, "view"))
                    for h in row
                ]
                for row in hits
            ]


@dataclass(frozen=True, slots=True)
class RetroHit:
    """One stored item found by one hunted entry, at its closest hash."""

    item_id: int
    entry_id: int
    distance: int
    variant: str | None = None
    """Name of the entry's bank-side variant that hit, or ``None`` for the plain hash."""
    view: str | None = None
    """Name of the stored item's view that hit (``"flip_horizontal"``), or ``None`` when
    the item's plain hash did."""


@dataclass(frozen=True, slots=True)
class RetroHuntReport:
    entries: int
    items_hit: int
    decisions: tuple[DecisionInfo, ...]
    elapsed_ms: float
    hits: tuple[RetroHit, ...] = ()

    def summary(self) -> dict[str, object]:
        """What the API and the CLI report of a hunt (the same keys in both)."""
        return {
            "entries": self.entries,
            "items_hit": self.items_hit,
            "decisions": [d.id for d in self.decisions],
            "elapsed_ms": round(self.elapsed_ms, 3),
        }


@dataclass(frozen=True, slots=True)
class HuntPreview:
    """What hashes not yet banked would hit among stored items, before anyone approves them.

    Shown to the reviewer of a victim's request so that approving is never blind: a
    request carrying the hashes of some innocent, popular item shows up as many hits
    from many uploaders before it can take anything down."""

    item_ids: tuple[int, ...]
    """Items hit, closest first (ties by id)."""
    distances: dict[int, int]
    """Each item's closest PDQ distance (0 for an exact digest)."""


@dataclass
class RetroHunter:
    """Runs retro-hunts for new bank entries over everything already seen."""

    seen: SeenIndex
    items: ItemStore
    banks: BankStore
    matcher: Matcher
    policies: PolicyHolder
    quality_threshold: int = 50
    refresh_holds: Callable[[], None] | None = None
    """Reloads trust levels and quarantine before a hunt decides: a worker has no change
    feed to keep them current (``pipeline/match_holds.py``), and a hunt is no lookup."""

    def hunt(
        self,
        entry_ids: Sequence[int],
        *,
        search: SeenSearch | None = None,
        spare: Collection[str] = (),
        review_due_at: datetime | None = None,
    ) -> RetroHuntReport:
        """Hunt the given bank entries; each item hit gets one new decision.

        ``search`` replaces this process's seen-items index: a corpus hunt passes one that
        fans the hashes out over shards of the remembered items on a Ray cluster, so no
        single process has to hold them all. ``spare`` names content ids not to decide
        again: the item whose own decision asked for these entries to be banked (it is
        counted as hit, not re-decided). ``review_due_at``: the deadline of the case whose
        hashes these are. A near-copy the policy sends to people inherits it, so its review
        task is due no later than the case's legal clock (the policy's own SLA still
        applies when it is sooner).
        """
        start = time.perf_counter()
        local = search is None
        if search is None:
            self.seen.refresh()
            search = self.seen.search
        entries = self.banks.entries_by_ids(ids=entry_ids)
        live = [e for e in entries.values() if e.matching]
        # (item, entry) -> closest (distance, bank variant, item view); plain hashes on both
        # sides win ties.
        closest: dict[tuple[int, int], tuple[int, str | None, str | None]] = {}
        for entry, variant, view, row in self._search_pdq(
            [e for e in live if e.signal_type is HashKind.PDQ], search, with_views=local
        ):
            for item_id, distance in row:
                if distance <= entry.bank_threshold:
                    key = (item_id, entry.id)
                    had = closest.get(key)
                    rank = (distance, variant is not None or view is not None)
                    if had is None or rank < (had[0], had[1] is not None or had[2] is not None):
                        closest[key] = (distance, variant, view)
        for e in live:
            if e.signal_type is HashKind.MD5:
                found = self.items.items_by_digest(md5=e.value)
            elif e.signal_type is HashKind.SHA256:
                found = self.items.items_by_digest(sha256=e.value)
            else:
                continue
            for item in found:
                closest.setdefault((item.id, e.id), (0, None, None))
        report_hits = tuple(
            RetroHit(item_id, entry_id, distance, variant, view)
            for (item_id, entry_id), (distance, variant, view) in sorted(closest.items())
        )
        # item -> {entry that hit it: (the bank variant, the item view) it hit through}
        hits: dict[int, dict[int, tuple[str | None, str | None]]] = defaultdict(dict)
        for (item_id, entry_id), (_, variant, view) in closest.items():
            hits[item_id][entry_id] = (variant, view)
        if not hits:
            return RetroHuntReport(len(live), 0, (), (time.perf_counter() - start) * 1000)
        stored = self.items.items_by_ids(list(hits))
        self.matcher.refresh()
        if self.refresh_holds is not None:
            self.refresh_holds()
        decisions = []
        for item_id, via in sorted(hits.items()):
            seen_item = stored.get(item_id)
            if seen_item is None:
                continue  # purged by retention meanwhile
            if seen_item.content_id in spare:
                continue  # decided by the very decision that banked these hashes
            decision = self._decide(seen_item, sorted(via), via, review_due_at)
            if decision is not None:
                decisions.append(decision)
        return RetroHuntReport(
            len(live),
            len(hits),
            tuple(decisions),
            (time.perf_counter() - start) * 1000,
            report_hits,
        )

    def preview(
        self,
        *,
        pdqs: Sequence[tuple[str, Sequence[str]]],
        md5s: Sequence[str],
        sha256s: Sequence[str],
        threshold: int,
    ) -> HuntPreview:
        """The stored items that these hashes would hit if banked (no decision is made).

        ``pdqs`` holds each PDQ with its region hashes; the threshold is the bank's, so the
        preview finds exactly what :meth:`hunt` would after approval."""
        self.seen.refresh()
        best: dict[int, int] = {}
        probes = [value for pdq, regions in pdqs for value in (pdq, *regions)]
        for row in self.seen.search(probes, min(threshold, 31)) if probes else []:
            for item_id, distance in row:
                if distance <= threshold and distance < best.get(item_id, 257):
                    best[item_id] = distance
        for kind, values in (("md5", md5s), ("sha256", sha256s)):
            for value in values:
                found = (
                    self.items.items_by_digest(md5=value)
                    if kind == "md5"
                    else self.items.items_by_digest(sha256=value)
                )
                for item in found:
                    best[item.id] = 0
        order = tuple(sorted(best, key=lambda i: (best[i], i)))
        return HuntPreview(order, best)

    def _search_pdq(
        self, entries: Sequence[EntryInfo], search: SeenSearch, *, with_views: bool
    ) -> list[tuple[EntryInfo, str | None, str | None, list[tuple[int, int]]]]:
        """Every entry's plain hash and bank-side variants against the items' plain hashes,
        and (``with_views``: this process's own index) the plain hash against the items'
        views (a window of the original meets only the upload as it is: robust.compatible),
        in two batches.

        Returns (entry, bank variant, item view, [(item, distance)]) rows."""
        variants = self.banks.variants_for(entry_ids=[e.id for e in entries]) if entries else {}
        probes: list[tuple[EntryInfo, str | None, str]] = []
        for e in entries:
            probes.append((e, None, e.value))
            probes.extend((e, name, value) for _, name, value in variants.get(e.id, ()))
        rows = search([value for _, _, value in probes], 31) if probes else []
        out: list[tuple[EntryInfo, str | None, str | None, list[tuple[int, int]]]]
        out = [(e, name, None, row) for (e, name, _), row in zip(probes, rows, strict=True)]
        if not with_views or not entries:
            return out
        view_rows = self.seen.search_views([e.value for e in entries], 31)
        for e, view_row in zip(entries, view_rows, strict=True):
            by_view: dict[str, list[tuple[int, int]]] = defaultdict(list)
            for item_id, distance, view in view_row:
                by_view[view].append((item_id, distance))
            out.extend((e, None, view, found) for view, found in by_view.items())
        return out

    def _already_decided(self, decision_id: str) -> bool:
        try:
            self.items.get_decision(decision_id)
        except NotFoundError:
            return False
        return True

    def _decide(
        self,
        item: ItemInfo,
        entry_ids: list[int],
        via: dict[int, tuple[str | None, str | None]],
        review_due_at: datetime | None = None,
    ) -> DecisionInfo | None:
        did = str(uuid.uuid5(_NAMESPACE, f"retro:{item.id}:{','.join(map(str, entry_ids))}"))
        if self._already_decided(did):
            return None
        # The item's views go with it, as when it arrived: an edited copy matches through them.
        outcome = self.matcher.match(
            Query(
                pdq=item.pdq,
                quality=item.pdq_quality,
                md5=item.md5,
                sha256=item.sha256,
                variants=item.pdq_views,
            ),
            refresh=False,
        )
        ctx = PolicyContext(
            content_id=item.content_id,
            surface=item.surface,
            uploader_id=item.uploader_id,
            jurisdictions=item.jurisdictions,
            text=item.text,
            url=item.url,
            metadata=item.metadata,
            quality=item.pdq_quality,
            matches=outcome.matches,
            source="retro_hunt",
        )
        decision = evaluate(self.policies.policy, ctx, quality_threshold=self.quality_threshold)
        new = build_decision(decision, outcome, (), source="retro_hunt", item=item, decision_id=did)
        found = [
            f"retro-hunt: entry {e} {describe_variant(MatchedVariant.wire(None, name))}"
            for e, (name, _) in sorted(via.items())
            if name is not None
        ] + [
            f"retro-hunt: entry {e} {describe_variant(view)} of the stored upload"
            for e, (_, view) in sorted(via.items())
            if view is not None
        ]
        new = dataclasses.replace(
            new,
            reasons=[
                "retro-hunt: a newly banked hash matches this stored item",
                *found,
                *new.reasons,
            ],
            actions=[_with_due(a, review_due_at) for a in new.actions],
        )
        return self.items.add_decision(item_id=item.id, decision=new)


def _with_due(action: NewAction, due_at: datetime | None) -> NewAction:
    """A review action that inherits a victim's case deadline; any other action as it is."""
    if due_at is None or action.kind != ReviewAction.kind:
        return action
    review = ReviewAction.from_payload(action.payload)
    return NewAction.of(
        dataclasses.replace(review, due_at=due_at.isoformat()), action.idempotency_key
    )

"""Corpus retro-hunts: a whole bank, or a new hash list, against every remembered item.

A big hash list arriving (an exchange's first fetch, a regulator's list) must be hunted
across hundreds of millions of remembered items. One process holding them all in one
index is the limit this removes: :func:`remembered_shards` splits the remembered PDQ
hashes into id ranges, each shard is indexed on its own (:class:`ShardIndex`, which a
Ray actor holds), and the rows are merged per hash. A hunt is exact: the union
of exact searches over a partition is the exact search of the whole.

A bank's hunt then decides through :meth:`RetroHunter.hunt`, the use case every bank
addition already runs, so each item hit gets one decision whose id is derived from
(item, entries): a hunt interrupted and run again decides nothing twice. A hash list not
in any bank decides nothing (no bank, no policy to apply): it reports what it would hit,
like the reviewer's preview of a victim's request.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from shieldwall.index import MihPdqIndex
from shieldwall.pipeline.retro_hunt import RetroHunter, RetroHuntReport, SeenSearch
from shieldwall.store import BankStore, ItemStore
from shieldwall.types import HashKind, NewEntry

Shard = tuple[np.ndarray, np.ndarray]
"""(item ids as int64, PDQ codes as an N x 32 uint8 array), in id order."""


def remembered_shards(items: ItemStore, shards: int) -> Iterator[Shard]:
    """The remembered items' PDQ hashes in ``shards`` contiguous id ranges of about equal size.

    Streams from the store one chunk at a time and yields each shard when it is full, so
    the driver holds one shard, not the whole set, before handing it to a worker.
    """
    total = items.count_items()
    size = max(1, -(-total // max(1, shards)))
    ids: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    held = 0
    for chunk in items.iter_seen_pdq(chunk=min(size, 100_000)):
        ids.append(np.asarray([s.item_id for s in chunk], dtype=np.int64))
        codes.append(
            np.frombuffer(b"".join(bytes.fromhex(s.pdq) for s in chunk), dtype=np.uint8).reshape(
                -1, 32
            )
        )
        held += len(chunk)
        if held >= size:
            yield np.concatenate(ids), np.concatenate(codes)
            ids, codes, held = [], [], 0
    if held:
        yield np.concatenate(ids), np.concatenate(codes)


class ShardIndex:
    """One shard of the remembered items, indexed once and searched for every batch of
    hashes (a Ray actor holds one; a test or a single process can hold them all)."""

    def __init__(self, shard: Shard) -> None:
        ids, codes = shard
        self.size = len(ids)
        # max_threshold as the seen-items index: any bank's threshold can be searched.
        self._index = MihPdqIndex(max_threshold=31)
        if self.size:
            self._index.add(ids, codes)

    def search(self, probes: np.ndarray, threshold: int) -> list[list[tuple[int, int]]]:
        """Exact search: for each probe (a row of ``probes``), (item id, distance) pairs."""
        if not self.size or not len(probes):
            return [[] for _ in range(len(probes))]
        return [[(h.id, h.distance) for h in row] for row in self._index.search(probes, threshold)]


def local_search(shards: Sequence[ShardIndex]) -> SeenSearch:
    """A :data:`SeenSearch` over shards held in this process (tests; a small corpus)."""

    def search(pdqs: Sequence[str], threshold: int) -> list[list[tuple[int, int]]]:
        probes = probe_codes(pdqs)
        return merge_rows([s.search(probes, threshold) for s in shards], len(pdqs))

    return search


def probe_codes(pdqs: Sequence[str]) -> np.ndarray:
    """PDQ hex strings as the N x 32 uint8 array :meth:`ShardIndex.search` takes."""
    return np.frombuffer(b"".join(bytes.fromhex(p) for p in pdqs), dtype=np.uint8).reshape(-1, 32)


def merge_rows(parts: Sequence[list[list[tuple[int, int]]]], n: int) -> list[list[tuple[int, int]]]:
    """Each probe's hits from every shard, as one row sorted by (distance, item id)."""
    rows: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for part in parts:
        for row, hits in zip(rows, part, strict=True):
            row.extend(hits)
    for row in rows:
        row.sort(key=lambda hit: (hit[1], hit[0]))
    return rows


@dataclass(frozen=True, slots=True)
class ListHit:
    """A remembered item a hash of the list would hit (no decision is made for a list)."""

    line_no: int
    signal_type: str
    value: str
    item_id: int
    content_id: str
    distance: int


@dataclass
class CorpusHunt:
    """The corpus retro-hunt use cases: a bank's entries, or a hash list, over every item."""

    hunter: RetroHunter
    items: ItemStore
    banks: BankStore

    def bank_entry_ids(self, bank: str) -> list[int]:
        """Every active entry of ``bank`` (raises NotFoundError for an unknown bank)."""
        info = self.banks.get_bank(name=bank)
        out: list[int] = []
        for kind in (HashKind.PDQ, HashKind.MD5, HashKind.SHA256):
            for chunk in self.banks.iter_active_entries(signal_type=kind):
                out.extend(int(e.id) for e in chunk if e.bank_id == info.id)
        return out

    def hunt_bank(self, bank: str, search: SeenSearch, *, batch: int = 10_000) -> RetroHuntReport:
        """Decide every remembered item a bank's entries hit (``batch`` entries a pass)."""
        ids = self.bank_entry_ids(bank)
        reports = [
            self.hunter.hunt(ids[i : i + batch], search=search) for i in range(0, len(ids), batch)
        ]
        return RetroHuntReport(
            entries=sum(r.entries for r in reports),
            items_hit=len({h.item_id for r in reports for h in r.hits}),
            decisions=tuple(d for r in reports for d in r.decisions),
            elapsed_ms=sum(r.elapsed_ms for r in reports),
            hits=tuple(h for r in reports for h in r.hits),
        )

    def hunt_list(
        self, entries: Sequence[tuple[int, NewEntry]], search: SeenSearch, *, threshold: int
    ) -> list[ListHit]:
        """What each (line number, entry) of a hash list hits among remembered items."""
        pdq = [(n, e) for n, e in entries if e.signal_type is HashKind.PDQ]
        found: list[tuple[int, NewEntry, int, int]] = []
        if pdq:
            rows = search([e.value for _, e in pdq], threshold)
            for (n, e), row in zip(pdq, rows, strict=True):
                found.extend((n, e, item_id, d) for item_id, d in row if d <= threshold)
        for n, e in entries:
            if e.signal_type is HashKind.MD5:
                found.extend((n, e, i.id, 0) for i in self.items.items_by_digest(md5=e.value))
            elif e.signal_type is HashKind.SHA256:
                found.extend((n, e, i.id, 0) for i in self.items.items_by_digest(sha256=e.value))
        stored = self.items.items_by_ids(sorted({f[2] for f in found}))
        return [
            ListHit(n, e.signal_type.value, e.value, item_id, stored[item_id].content_id, d)
            for n, e, item_id, d in sorted(found, key=lambda f: (f[0], f[3], f[2]))
            if item_id in stored
        ]

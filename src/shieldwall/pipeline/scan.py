"""The scan and lookup use cases: hashes in, a stored decision (and its owed actions) out.

``scan`` takes media bytes, ``lookup`` takes hashes a platform computed itself;
both run the same steps: match against the banks, run the signals that apply,
evaluate the active policy, and store the item, the decision and the outbox
actions in one transaction before answering. Re-sending a ``content_id``
returns the stored decision.

The common path reads nothing from the database: the decision is made from
memory, and the write goes through the :class:`GroupCommitter` (one transaction
for every request waiting at that moment). Repeats are told by the database's
unique ``content_id`` (a repeat writes nothing and gets the stored decision
back) plus a bounded in-process memory of content ids stored here, which lets a
known repeat skip the work; only a repeat costs a read.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from shieldwall.actions import (
    AddToBankAction,
    BankValue,
    ChildSafetyReportAction,
    DetectAction,
    ReviewAction,
    TypedAction,
    WebhookAction,
)
from shieldwall.errors import InputError, ShieldwallError
from shieldwall.hashing import DecodeLimits, decode_image
from shieldwall.hashing.views import seen_views
from shieldwall.pipeline.group_commit import GroupCommitter, all_done
from shieldwall.pipeline.matcher import Matcher, MatchOutcome, Query
from shieldwall.pipeline.policy_holder import PolicyHolder
from shieldwall.pipeline.queries import query_for_decoded
from shieldwall.pipeline.scan_sinks import MediaSink, ScanSinks, StoredSink
from shieldwall.policy import Action, ActionKind, Decision, PolicyContext, evaluate
from shieldwall.store import ItemStore
from shieldwall.store.service_records import (
    DecisionInfo,
    ItemInfo,
    NewAction,
    NewDecision,
    NewItem,
    Recorded,
)
from shieldwall.types import BankPurpose, HashKind, Match, SignalResult

SignalHook = Callable[["ScanMeta", bytes | None, Any], tuple[SignalResult, ...]]
"""Runs the installed signals for one item: (meta, media bytes, decoded pixels) -> results."""

DeferHook = Callable[["ScanMeta", bytes, str], DetectAction | None]
"""(meta, media bytes, media type) -> the ``detect`` action for the heavy detectors to run in
the worker (the scan sets its ``decision_id``), or None when none is owed (see
pipeline/detect.py)."""

MAX_CONTENT_ID = 255

REPEAT_MEMORY = 65_536
"""How many recently stored content ids a process remembers (a known repeat skips the work)."""


@dataclass(frozen=True, slots=True)
class ScanMeta:
    """What the platform tells Shieldwall about an item besides its bytes or hashes."""

    content_id: str
    surface: str = "other"
    uploader_id: str | None = None
    text: str | None = None
    url: str | None = None
    jurisdictions: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.content_id or len(self.content_id) > MAX_CONTENT_ID:
            raise InputError(
                f"content_id must be 1 to {MAX_CONTENT_ID} characters", value=self.content_id
            )


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """A stored decision and whether this call created it (False: an idempotent repeat)."""

    item: ItemInfo
    decision: DecisionInfo
    created: bool
    elapsed_ms: float
    outbox_ids: tuple[int, ...] = ()
    """The outbox rows this call wrote (its decision's actions), for the worker."""


@dataclass(frozen=True, slots=True)
class HashedMedia:
    """An image hashed outside this process: its meta, its hashes and what the decode saw."""

    meta: ScanMeta
    query: Query
    media_type: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A decided item waiting to be stored."""

    item: NewItem
    decision: NewDecision
    start: float


class RecentIds:
    """A bounded, thread-safe memory of content ids known to be stored (oldest forgotten).

    It only ever says "seen": a forgotten or never-seen id goes to the write, where the
    unique constraint catches a repeat anyway, so the memory can never make an answer wrong.
    """

    def __init__(self, capacity: int = REPEAT_MEMORY) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, content_id: object) -> bool:
        return content_id in self._ids

    def add(self, content_id: str) -> None:
        with self._lock:
            self._ids[content_id] = None
            self._ids.move_to_end(content_id)
            while len(self._ids) > self.capacity:
                self._ids.popitem(last=False)

    def discard(self, content_id: str) -> None:
        with self._lock:
            self._ids.pop(content_id, None)


@dataclass
class ScanService:
    """The scan/lookup use cases with their dependencies passed in (no globals)."""

    matcher: Matcher
    items: ItemStore
    policies: PolicyHolder
    limits: DecodeLimits = field(default_factory=DecodeLimits)
    quality_threshold: int = 50
    exact_decode: bool = False
    robust_matching: bool = True
    retention_days: Mapping[str, int] = field(default_factory=lambda: {"default": 365})
    run_signals: SignalHook | None = None
    """Set once, by the composition root (``Runtime.scanner``); a shell that wants to hear
    of what a scan stored adds a sink instead (:meth:`add_stored_sink`)."""
    defer_signals: DeferHook | None = None
    needs_rgb: Callable[[str], bool] | None = None
    """Whether a scan on this surface runs a detector in line that reads the colours (the
    composition root says); otherwise a JPEG upload is decoded to its luma alone."""
    sinks: ScanSinks = field(default_factory=ScanSinks)
    """Told of each new decision after it is committed (e.g. to wake the worker, index the
    item, keep the upload for review): every sink added, see ``pipeline/scan_sinks.py``."""
    committer: GroupCommitter | None = None
    """Where writes go (grouped); None stores each call in its own transaction."""
    recent: RecentIds = field(default_factory=RecentIds)

    def scan(self, meta: ScanMeta, data: bytes, *, media_type: str | None = None) -> ScanOutcome:
        """Hash media bytes and decide. Raises typed ImageErrors for bad media."""
        start = time.perf_counter()
        repeat = self._repeat(meta, start)
        if repeat is not None:
            return repeat
        # Only the luma is hashed: a JPEG is decoded to its Y plane unless a detector
        # runs in line on this surface and needs the colours (an exact decode is RGB anyway).
        luma = not (self.needs_rgb and self.needs_rgb(meta.surface))
        decoded = decode_image(data, limits=self.limits, exact=self.exact_decode, luma=luma)
        # Flipped, rotated, re-framed copies: victims bank one plain hash, so the
        # transforms are undone on the query side (docs/robust-matching.md).
        # The window grids only ever meet stored windows: skipped while no entry has any;
        # the second stage's keypoints only while some entry holds features (bank add).
        query = query_for_decoded(
            data,
            decoded,
            robust=self.robust_matching,
            windows=self.matcher.has_windows,
            local_features=self.matcher.has_local_features,
        )
        item = NewItem(
            content_id=meta.content_id,
            source="upload",
            surface=meta.surface,
            uploader_id=meta.uploader_id,
            media_type=media_type or f"image/{decoded.format.lower()}",
            pdq=query.pdq,
            pdq_quality=query.quality,
            pdq_views=seen_views(query.variants),
            md5=query.md5,
            sha256=query.sha256,
            width=decoded.original_width,
            height=decoded.original_height,
            text=meta.text,
            url=meta.url,
            jurisdictions=meta.jurisdictions,
            metadata=dict(meta.metadata),
            expires_at=self._expiry(meta.surface),
        )
        signals = self.run_signals(meta, data, decoded) if self.run_signals else ()
        assert item.media_type is not None
        deferred = self.defer_signals(meta, data, item.media_type) if self.defer_signals else None
        prepared = self._prepare(meta, item, query, signals, "upload", start, deferred=deferred)
        return self._finish(prepared, self._store([prepared])[0].result(), media=data)

    def lookup(self, meta: ScanMeta, query: Query) -> ScanOutcome:
        """Decide on hashes the platform computed (no media involved)."""
        start = time.perf_counter()
        repeat = self._repeat(meta, start)
        if repeat is not None:
            return repeat
        prepared = self._prepare_lookup(meta, query, start)
        return self._finish(prepared, self._store([prepared])[0].result())

    def decide_hashed(self, requests: Sequence[HashedMedia], *, source: str) -> list[ScanOutcome]:
        """Decide media hashed elsewhere (a corpus scan's workers) and store them together.

        The same steps as :meth:`scan` (match, policy, decision, outbox rows), minus the
        detectors that need the pixels; the whole batch is one transaction (or the group
        commit's, when one is set). A content id already stored gets its stored decision
        back with ``created=False``: re-sending a batch after a crash decides nothing twice.
        """
        start = time.perf_counter()
        prepared = []
        for req in requests:
            q = req.query
            item = NewItem(
                content_id=req.meta.content_id,
                source=source,
                surface=req.meta.surface,
                uploader_id=req.meta.uploader_id,
                media_type=req.media_type,
                pdq=q.pdq,
                pdq_quality=q.quality,
                md5=q.md5,
                sha256=q.sha256,
                width=req.width,
                height=req.height,
                text=req.meta.text,
                url=req.meta.url,
                jurisdictions=req.meta.jurisdictions,
                metadata=dict(req.meta.metadata),
                expires_at=self._expiry(req.meta.surface),
            )
            prepared.append(self._prepare(req.meta, item, q, (), source, start))
        futures = self._store(prepared)
        return [self._finish(p, f.result()) for p, f in zip(prepared, futures, strict=True)]

    async def lookup_async(self, meta: ScanMeta, query: Query) -> ScanOutcome:
        """:meth:`lookup` for an event loop: decided inline, awaited while its batch commits."""
        return await self._lookup_one_async(meta, query, time.perf_counter())

    async def lookup_many_async(
        self, requests: Sequence[tuple[ScanMeta, Query] | ShieldwallError]
    ) -> list[ScanOutcome | ShieldwallError]:
        """Many lookups, each decided and stored as if sent alone, answered in order.

        An element that is already an error (the shell could not read it) stays one; an
        item that fails here becomes its error; neither stops the others. Repeated
        ``content_id``s within the request get the decision the first one stored.
        """
        start = time.perf_counter()
        out: list[ScanOutcome | ShieldwallError | None] = [None] * len(requests)
        fresh: list[tuple[int, ScanMeta, Query]] = []
        for pos, req in enumerate(requests):
            if isinstance(req, ShieldwallError):
                out[pos] = req
                continue
            meta, query = req
            try:
                if meta.content_id in self.recent:
                    out[pos] = await self._lookup_one_async(meta, query, start)
                    continue
                _check_lookup(query)
                fresh.append((pos, meta, query))
            except ShieldwallError as exc:
                out[pos] = exc
        # One index search for the whole request (~10x cheaper a hash than one at a time).
        matched = self.matcher.match_many([q for _, _, q in fresh]) if fresh else []
        todo: list[tuple[int, _Prepared]] = []
        for (pos, meta, query), found in zip(fresh, matched, strict=True):
            try:
                todo.append((pos, self._prepare_lookup(meta, query, start, matched=found)))
            except ShieldwallError as exc:
                out[pos] = exc
        futures = self._store([p for _, p in todo])
        await asyncio.wrap_future(all_done(futures))
        created: list[ScanOutcome] = []
        for (pos, prepared), fut in zip(todo, futures, strict=True):
            try:
                result = self._outcome(prepared, fut.result())
            except ShieldwallError as exc:
                out[pos] = exc
                continue
            out[pos] = result
            if result.created:
                created.append(result)
        # The sinks hear of the whole request at once: its actions are queued in one go.
        await self._tell_async(created)
        return [o for o in out if o is not None]

    async def _lookup_one_async(self, meta: ScanMeta, query: Query, start: float) -> ScanOutcome:
        if meta.content_id in self.recent:  # a known repeat: its stored decision (a read)
            repeat = await asyncio.to_thread(self._repeat, meta, start)
            if repeat is not None:
                return repeat
        prepared = self._prepare_lookup(meta, query, start)
        recorded = await asyncio.wrap_future(self._store([prepared])[0])
        return await self._finish_async(prepared, recorded)

    def _prepare_lookup(
        self, meta: ScanMeta, query: Query, start: float, *, matched: MatchOutcome | None = None
    ) -> _Prepared:
        _check_lookup(query)
        item = NewItem(
            content_id=meta.content_id,
            source="lookup",
            surface=meta.surface,
            uploader_id=meta.uploader_id,
            pdq=query.pdq,
            pdq_quality=query.quality,
            pdq_views=seen_views(query.variants),
            md5=query.md5,
            sha256=query.sha256,
            text=meta.text,
            url=meta.url,
            jurisdictions=meta.jurisdictions,
            metadata=dict(meta.metadata),
            expires_at=self._expiry(meta.surface),
        )
        signals = self.run_signals(meta, None, None) if self.run_signals and meta.text else ()
        return self._prepare(meta, item, query, signals, "lookup", start, matched=matched)

    # -- steps -------------------------------------------------------------------------------

    def _repeat(self, meta: ScanMeta, start: float) -> ScanOutcome | None:
        """The stored decision for a content id this process knows is stored (else None:
        never-seen ids are not read for; the write's unique constraint tells a repeat)."""
        if meta.content_id not in self.recent:
            return None
        found = self.items.find_item_with_decision(meta.content_id)
        if found is None:  # purged since (retention): decide afresh
            self.recent.discard(meta.content_id)
            return None
        return ScanOutcome(found[0], found[1], False, (time.perf_counter() - start) * 1000)

    def _store(self, prepared: Sequence[_Prepared]) -> list[Future[Recorded]]:
        pairs = [(p.item, p.decision) for p in prepared]
        if self.committer is not None:
            return self.committer.submit_many(pairs)
        futures: list[Future[Recorded]] = [Future() for _ in pairs]
        for fut, rec in zip(futures, self.items.record_many(pairs), strict=True):
            fut.set_result(rec)
        return futures

    def _outcome(self, prepared: _Prepared, recorded: Recorded) -> ScanOutcome:
        self.recent.add(recorded.item.content_id)
        elapsed = (time.perf_counter() - prepared.start) * 1000
        return ScanOutcome(
            recorded.item, recorded.decision, recorded.created, elapsed, recorded.outbox_ids
        )

    def add_stored_sink(self, sink: StoredSink) -> Callable[[], None]:
        """The one way to hear of new decisions; returns the function that removes ``sink``."""
        return self.sinks.add_stored(sink)

    def add_media_sink(self, sink: MediaSink) -> Callable[[], None]:
        """The one way to receive a new upload's bytes after it is stored; returns the
        function that removes ``sink``."""
        return self.sinks.add_media(sink)

    def _finish(
        self, prepared: _Prepared, recorded: Recorded, *, media: bytes | None = None
    ) -> ScanOutcome:
        result = self._outcome(prepared, recorded)
        if result.created and self.sinks:
            self.sinks.tell(result, media)
        return result

    async def _finish_async(self, prepared: _Prepared, recorded: Recorded) -> ScanOutcome:
        result = self._outcome(prepared, recorded)
        if result.created:
            await self._tell_async([result])
        return result

    async def _tell_async(self, created: Sequence[ScanOutcome]) -> None:
        """Tell the sinks of new decisions: on a worker thread when some owe actions (a
        sink queues them for the worker: I/O), else here (metrics only)."""
        if not created or not self.sinks:
            return
        if any(r.outbox_ids for r in created):
            await asyncio.to_thread(self.sinks.tell_many, created)
        else:
            self.sinks.tell_many(created)

    def _expiry(self, surface: str) -> datetime | None:
        days = self.retention_days.get(surface, self.retention_days.get("default"))
        return None if days is None else datetime.now(UTC) + timedelta(days=days)

    def _prepare(
        self,
        meta: ScanMeta,
        item: NewItem,
        query: Query,
        signals: Sequence[SignalResult],
        source: str,
        start: float,
        *,
        deferred: DetectAction | None = None,
        matched: MatchOutcome | None = None,
    ) -> _Prepared:
        """Match (unless ``matched`` is the answer already), run the policy, build the
        decision."""
        outcome = self.matcher.match(query) if matched is None else matched
        ctx = PolicyContext(
            content_id=meta.content_id,
            surface=meta.surface,
            uploader_id=meta.uploader_id,
            jurisdictions=meta.jurisdictions,
            text=meta.text,
            url=meta.url,
            metadata=meta.metadata,
            quality=query.quality,
            matches=outcome.matches,
            signals=tuple(signals),
            source=source,
        )
        decision = evaluate(self.policies.policy, ctx, quality_threshold=self.quality_threshold)
        new = build_decision(decision, outcome, signals, source=source, item=item)
        if deferred is not None:
            # Stored with the decision, in the same transaction: the heavy detectors owed to
            # an accepted item survive a crash like any other action (pipeline/detect.py).
            owed = NewAction.of(replace(deferred, decision_id=new.id), f"{new.id}:detect")
            new = replace(new, actions=[*new.actions, owed])
        return _Prepared(item, new, start)


def _typed_action(
    action: Action,
    did: str,
    public: dict[str, Any],
    decision: Decision,
    *,
    source: str,
    item: NewItem | ItemInfo,
) -> TypedAction | None:
    """The outbox action a policy action asks for (``item_id`` is filled in by the store)."""
    params = action.to_dict()["params"]
    if action.kind is ActionKind.NOTIFY:
        first = source in ("upload", "lookup", "batch")  # an item's first decision
        event = "decision.created" if first else "decision.updated"
        return WebhookAction(event=event, decision=public)
    if action.kind is ActionKind.ENQUEUE_REVIEW:
        sla = params.get("sla_hours")
        return ReviewAction(
            decision_id=did,
            queue=str(params.get("queue", "default")),
            priority=str(params.get("priority", "normal")),
            sla_hours=None if sla is None else float(sla),
        )
    if action.kind is ActionKind.ADD_TO_BANK:
        hashes = (
            (HashKind.PDQ, item.pdq),
            (HashKind.MD5, item.md5),
            (HashKind.SHA256, item.sha256),
        )
        return AddToBankAction(
            bank=str(params.get("bank") or ""),
            entries=tuple(BankValue(kind, value) for kind, value in hashes if value),
            source=f"decision:{did}",
            # The item this decision is about is already decided: the hunt that follows
            # the bank add must not decide it a second time.
            content_id=decision.content_id,
        )
    if action.kind is ActionKind.PREPARE_CHILD_SAFETY_REPORT:
        return ChildSafetyReportAction(
            decision_id=did,
            content_id=decision.content_id,
            categories=tuple(decision.categories),
            reasons=tuple(decision.reasons),
            matches=tuple(public["matches"]),
            hashes={"pdq": item.pdq, "md5": item.md5, "sha256": item.sha256},
        )
    return None


def build_decision(
    decision: Decision,
    outcome: MatchOutcome,
    signals: Sequence[SignalResult],
    *,
    source: str,
    item: NewItem | ItemInfo,
    decision_id: str | None = None,
    decided_by: str = "automated",
) -> NewDecision:
    """Turn a policy :class:`Decision` into the rows to store: decision + outbox actions."""
    did = decision_id or str(uuid.uuid4())
    matches = [match_dict(m) for m in outcome.matches]
    signal_dicts = [signal_dict(s) for s in signals]
    notes = list(dict.fromkeys([*outcome.notes, *decision.notes]))
    public = {
        "decision_id": did,
        "content_id": decision.content_id,
        "verdict": decision.verdict.value,
        "categories": list(decision.categories),
        "reasons": list(decision.reasons),
        "matches": matches,
        "policy_version": decision.policy_version,
        "source": source,
    }
    actions: list[NewAction] = []
    for action in decision.actions:
        key = f"{did}:{action.idempotency_key}"
        typed = _typed_action(action, did, public, decision, source=source, item=item)
        if typed is not None:
            actions.append(NewAction.of(typed, key))
    return NewDecision(
        id=did,
        source=source,
        verdict=decision.verdict,
        policy_version=decision.policy_version,
        fired=[hit.to_dict() for hit in decision.fired],
        reasons=list(decision.reasons),
        matches=matches,
        signals=signal_dicts,
        notes=notes,
        actions=actions,
        decided_by=decided_by,
    )


def match_dict(m: Match) -> dict[str, Any]:
    """A match as JSON: what the API returns and what decisions store."""
    return {
        "bank": m.bank,
        "entry_id": m.entry_id,
        "signal_type": m.signal_type.value,
        "distance": m.distance,
        "bank_purpose": m.bank_purpose.value,
        "threshold": m.threshold,
        "variant": m.variant,
        "suppressed_by": m.suppressed_by,
        "held": m.held,
    }


def match_from_dict(m: Mapping[str, Any]) -> Match:
    """A stored match (:func:`match_dict`) as the policy sees it again, for replays and
    follow-up decisions; fields older decisions lack take their defaults."""
    return Match(
        bank=str(m["bank"]),
        entry_id=int(m["entry_id"]),
        signal_type=HashKind(str(m["signal_type"])),
        distance=int(m["distance"]),
        bank_purpose=BankPurpose(str(m.get("bank_purpose", "internal"))),
        threshold=int(m.get("threshold", 31)),
        variant=m.get("variant"),
        suppressed_by=m.get("suppressed_by"),
        held=m.get("held"),
    )


def signal_dict(s: SignalResult) -> dict[str, Any]:
    return {
        "signal": s.signal,
        "version": s.version,
        "score": s.score,
        "labels": list(s.labels),
        "evidence": list(s.evidence),
        "error": s.error,
        "elapsed_ms": s.elapsed_ms,
    }


def _check_lookup(query: Query) -> None:
    """A lookup must carry a hash to match."""
    if not (query.pdq or query.md5 or query.sha256):
        raise InputError("give at least one of pdq, md5 or sha256")

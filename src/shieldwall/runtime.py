"""The composition root: the one place that turns settings into concrete objects.

Shells (CLI, API, worker) ask a :class:`Runtime` for stores and use cases
instead of building them, so every shell runs the same wiring.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Generic, TypeVar, cast

from sqlalchemy.engine import Engine

from shieldwall.actions import DetectAction
from shieldwall.audit import CheckpointSigner
from shieldwall.config import Settings
from shieldwall.exchange.connectors import ExchangeRegistry
from shieldwall.hashing import DecodedImage, DecodeLimits
from shieldwall.pipeline.audit_log import AuditLog
from shieldwall.pipeline.banking import Banking
from shieldwall.pipeline.change_feed import ChangeFeed, FeedStatus
from shieldwall.pipeline.corpus_hunt import CorpusHunt
from shieldwall.pipeline.corpus_scan import CorpusScan
from shieldwall.pipeline.detect import DeferredDetection, detect_payload
from shieldwall.pipeline.exchange_fetch import FetchReport, fetch_exchange, load_credentials
from shieldwall.pipeline.group_commit import GroupCommitter
from shieldwall.pipeline.match_holds import MatchHolds
from shieldwall.pipeline.matcher import Matcher
from shieldwall.pipeline.policy_holder import PolicyHolder
from shieldwall.pipeline.retro_hunt import RetroHunter, SeenIndex
from shieldwall.pipeline.scan import ScanMeta, ScanService
from shieldwall.policy import PredicateRegistry
from shieldwall.signals import SignalContext, SignalInput
from shieldwall.signals.base import Signal, is_heavy
from shieldwall.signals.registry import SignalRegistry, TextIndicatorAdapter
from shieldwall.signals.runner import run_signals
from shieldwall.signals.text import IndicatorSet
from shieldwall.store import (
    BankStore,
    ExchangeStore,
    ItemStore,
    KeyStore,
    OutboxStore,
    current_revision,
    make_engine,
    session_factory,
    upgrade,
)
from shieldwall.store.audit_store import AuditWriter
from shieldwall.store.case_clocks import CaseClockStore
from shieldwall.store.case_notices import CaseNoticeStore
from shieldwall.store.case_targets import CaseTargetStore
from shieldwall.store.cases import CaseStore
from shieldwall.store.change_signal import ChangeListener, can_listen
from shieldwall.store.child_safety import ChildSafetyStore
from shieldwall.store.indicators import IndicatorStore
from shieldwall.store.legal_holds import LegalHoldStore
from shieldwall.store.portal_attempts import PortalAttemptStore
from shieldwall.store.portal_receipts import PortalReceiptStore
from shieldwall.store.quarantine import QuarantineStore
from shieldwall.store.reviews import ReviewStore
from shieldwall.store.users import UserStore
from shieldwall.types import SignalResult

INDICATOR_REFRESH_S = 2.0
"""How often a process checks whether another process changed the indicator lists (seconds)."""


if TYPE_CHECKING:  # annotation only: pluggy loads with the first registry asked for
    import pluggy

S = TypeVar("S")


class _Repository(Generic[S]):
    """A repository the runtime builds on first use, with its engine and its audit writer.

    Why a descriptor: a dozen stores are built the same way (sessions on the runtime's
    engine, the shared audit writer so their events are chained and signed with the rest);
    each is declared on one line with what it holds, and built once per runtime.
    """

    def __init__(self, cls: Callable[..., S], doc: str) -> None:
        self._cls = cls
        self.__doc__ = doc
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, rt: Runtime, owner: type | None = None) -> S:
        built = rt.__dict__.get(self._name)
        if built is None:
            built = rt.__dict__[self._name] = self._cls(session_factory(rt.engine), audit=rt.audit)
        return cast(S, built)


@dataclass
class Runtime:
    """Long-lived objects for one process, created from :class:`Settings`."""

    settings: Settings
    engine: Engine
    banks: BankStore
    items: ItemStore
    keys: KeyStore
    outbox: OutboxStore
    matcher_refresh_s: float = 0.0
    # The shared audit writer, kept so the web layer's stores (users, review desk, cases) chain
    # their events with the same signer and checkpoint cadence as the stores built here.
    audit: AuditWriter = field(default_factory=AuditWriter, repr=False)
    _matcher: Matcher | None = field(default=None, repr=False)
    # Indicator lists (see refresh_indicators): the registry built with the loaded set, the
    # store revision it reflects, and when the revision was last read.
    _signals: SignalRegistry | None = field(default=None, repr=False)
    _indicator_revision: int | None = field(default=None, repr=False)
    _indicators_checked_at: float = field(default=0.0, repr=False)
    _indicator_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(
        cls, settings: Settings, *, migrate: bool | None = None, matcher_refresh_s: float = 0.0
    ) -> Runtime:
        """Connect to the database; migrate it first on the embedded default.

        In production migrations are an explicit step (``shieldwall db upgrade``)
        so that several replicas never race to change the schema.
        """
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        url = settings.effective_database_url
        if migrate if migrate is not None else settings.mode == "development":
            upgrade(url)
        engine = make_engine(url)
        sessions = session_factory(engine)
        # One audit writer for every store, so decisions, bank changes, deliveries and key
        # changes are chained in their own transactions and checkpoints get signed as due.
        audit = AuditWriter(
            signer=CheckpointSigner.load_or_generate(settings.audit_key_path),
            checkpoint_every=settings.audit_checkpoint_every,
        )
        return cls(
            settings=settings,
            engine=engine,
            banks=BankStore(sessions, audit=audit),
            items=ItemStore(sessions, audit=audit),
            keys=KeyStore(sessions, audit=audit),
            outbox=OutboxStore(sessions, audit=audit),
            matcher_refresh_s=matcher_refresh_s,
            audit=audit,
        )

    @cached_property
    def exchanges(self) -> ExchangeStore:
        """Configured hash exchanges, their checkpoints and fetch leases."""
        return ExchangeStore(session_factory(self.engine))

    @cached_property
    def plugin_manager(self) -> pluggy.PluginManager:
        """The installed plug-ins, built-ins first: loaded once per process (reading the
        installed distributions' entry points), whichever registry asks first."""
        from shieldwall.plugins import get_plugin_manager

        return get_plugin_manager()

    @cached_property
    def exchange_registry(self) -> ExchangeRegistry:
        """Every installed exchange connector (built-in and plug-in), by kind."""
        from shieldwall.plugins import collect_exchanges

        registry = ExchangeRegistry()
        for connector in collect_exchanges(self.plugin_manager):
            registry.register(connector)
        return registry

    def exchange_credentials(self, name: str) -> dict[str, str]:
        return load_credentials(
            name,
            secrets_file=self.settings.exchange_secrets_file,
            inline=self.settings.exchange_credentials,
        )

    def fetch_exchange(self, name: str) -> FetchReport:
        """Fetch one exchange now (:func:`shieldwall.pipeline.exchange_fetch.fetch_exchange`)."""
        return fetch_exchange(
            self.exchanges,
            self.banking,
            self.exchange_registry,
            name,
            credentials=self.exchange_credentials(name),
            lease_s=self.settings.exchange_lease_s,
        )

    @property
    def matcher(self) -> Matcher:
        """The process's matcher, loaded on first use (snapshot + change log)."""
        if self._matcher is None:
            self._matcher = Matcher(
                self.banks,
                snapshot_dir=self.settings.index_dir,
                quality_threshold=self.settings.quality_threshold,
                refresh_interval_s=self.matcher_refresh_s,
                local_features=self.settings.local_features,
            )
            self._matcher.use_holds(self.match_holds.apply)
            self._matcher.load()
        return self._matcher

    @cached_property
    def quarantine(self) -> QuarantineStore:
        """Bank entries held out of automatic action after a flood of matches."""
        return QuarantineStore(session_factory(self.engine))

    @cached_property
    def match_holds(self) -> MatchHolds:
        """Which matches may not act alone (review-only exchanges, quarantined entries)."""
        holds = MatchHolds(
            self.exchanges,
            self.quarantine,
            flood_matches=self.settings.flood_matches,
            flood_window_s=self.settings.flood_window_s,
            refresh_s=self.settings.change_feed_fallback_s,
        )
        holds.refresh()  # loaded here, with the matcher; a lookup never reads them
        return holds

    @cached_property
    def change_feed(self) -> ChangeFeed:
        """Keeps :attr:`matcher` in step with bank changes made by other processes, on a
        thread of its own (``pipeline/change_feed.py``); ``serve`` starts it. Pushed by
        PostgreSQL ``NOTIFY`` with a slow fallback poll; polled on SQLite. It also reloads
        :attr:`match_holds` (trust levels, quarantine) every fallback interval. With
        ``change_feed=poll`` requests read the change log themselves, and the feed only
        reloads the holds."""
        url = self.settings.effective_database_url
        pushed = can_listen(url)
        matcher = self.matcher
        applies_log = self.settings.change_feed == "push"
        return ChangeFeed(
            refresh=matcher.refresh if applies_log else (lambda: 0),
            position=lambda: matcher.change_seq,
            listener=(lambda notify: ChangeListener(url, notify))
            if pushed and applies_log
            else None,
            fallback_s=(
                self.settings.change_feed_fallback_s
                if pushed
                else self.settings.change_feed_local_poll_s
            ),
            also=(self.match_holds.refresh_if_due,),
        )

    def change_feed_status(self) -> FeedStatus | None:
        """The running change feed's status, or ``None`` where none was started (CLI, tests)."""
        feed = self.__dict__.get("change_feed")
        return feed.status() if isinstance(feed, ChangeFeed) else None

    @cached_property
    def predicates(self) -> PredicateRegistry:
        """Every installed policy predicate (built-in and plug-in), by name."""
        from shieldwall.plugins import collect_predicates

        return collect_predicates(self.plugin_manager)

    @cached_property
    def policies(self) -> PolicyHolder:
        return PolicyHolder(self.keys, predicates=self.predicates)

    @cached_property
    def seen(self) -> SeenIndex:
        seen = SeenIndex(self.items)
        seen.refresh()
        return seen

    @cached_property
    def limits(self) -> DecodeLimits:
        return DecodeLimits(
            max_pixels=self.settings.max_image_pixels, max_bytes=self.settings.max_upload_bytes
        )

    @cached_property
    def scanner(self) -> ScanService:
        return ScanService(
            matcher=self.matcher,
            items=self.items,
            policies=self.policies,
            limits=self.limits,
            quality_threshold=self.settings.quality_threshold,
            exact_decode=self.settings.exact_decode,
            robust_matching=self.settings.robust_matching,
            retention_days=self.settings.retention_days,
            run_signals=self.run_scan_signals,
            defer_signals=self.defer_scan_signals,
            needs_rgb=self.scan_needs_rgb,
            committer=self.committer,
        )

    def corpus_scan(self, *, surface: str = "other") -> CorpusScan:
        """The corpus-scan use case: the scan steps without the group commit (a batch is
        already one transaction) and without the detectors that need the pixels (the
        workers send hashes back, not images)."""
        scanner = ScanService(
            matcher=self.matcher,
            items=self.items,
            policies=self.policies,
            limits=self.limits,
            quality_threshold=self.settings.quality_threshold,
            exact_decode=self.settings.exact_decode,
            robust_matching=self.settings.robust_matching,
            retention_days=self.settings.retention_days,
        )
        return CorpusScan(scanner=scanner, items=self.items, surface=surface)

    @cached_property
    def committer(self) -> GroupCommitter:
        """The process's group commit: every scan and lookup is stored through it."""
        return GroupCommitter(
            self.items.record_many,
            max_batch=self.settings.group_commit_max_batch,
            max_wait_s=self.settings.group_commit_wait_ms / 1000,
            max_pending=self.settings.max_pending_writes,
        )

    @cached_property
    def indicators(self) -> IndicatorStore:
        """Indicator lists (nudify bots, domains, keywords) for the ``text_indicators`` signal."""
        return IndicatorStore(session_factory(self.engine))

    @property
    def signals(self) -> SignalRegistry:
        """Every installed signal (built-in and plug-ins), built once per process.

        The ``text_indicators`` signal gets the active indicators of the enabled lists in the
        store (none loaded: the signal shows as not usable). :meth:`refresh_indicators`
        swaps in a new one when the lists change; the other signals are kept.
        """
        if self._signals is None:
            with self._indicator_lock:
                if self._signals is None:
                    self._signals = self._build_signals()
        return self._signals

    def _build_signals(self) -> SignalRegistry:
        from shieldwall.plugins import collect_signals

        anchors = self.settings.c2pa_trust_anchors
        revision, indicators = self._load_indicators()
        context = SignalContext(
            indicators=indicators,
            c2pa_trust_anchors=anchors.read_text() if anchors else None,
            max_image_pixels=self.settings.max_image_pixels,
        )
        registry = collect_signals(self.plugin_manager, context)
        self._indicator_revision = revision
        self._indicators_checked_at = time.monotonic()
        return registry

    def _load_indicators(self) -> tuple[int, IndicatorSet | None]:
        # Revision first: a change landing between the two reads is loaded now and seen as
        # "changed" again on the next check, never missed.
        revision = self.indicators.revision()
        loaded = self.indicators.load_active()
        return revision, (IndicatorSet(loaded) if loaded else None)

    def refresh_indicators(self, *, force: bool = False) -> bool:
        """Reload the indicator lists if they changed; returns True when it swapped them in.

        Reads the store's revision counter at most every ``INDICATOR_REFRESH_S`` seconds
        (``force`` reads it now: the API does after its own changes). A change builds a new
        ``IndicatorSet`` and a new text signal and replaces the registry with a copy that
        differs only in that signal. Nothing is mutated in place, so a scan running
        concurrently finishes with the set it started with instead of a half-updated one.
        """
        now = time.monotonic()
        if self._signals is None:
            self.signals  # noqa: B018 - building loads the current lists
            return False
        if not force and now - self._indicators_checked_at < INDICATOR_REFRESH_S:
            return False
        with self._indicator_lock:
            self._indicators_checked_at = now
            if self.indicators.revision() == self._indicator_revision:
                return False
            revision, indicators = self._load_indicators()
            text = TextIndicatorAdapter(indicators)
            if indicators is not None:
                # Compile the matcher here rather than inside the next scan's time budget.
                text.evaluate(SignalInput(text=""))
            assert self._signals is not None
            self._signals = _with_text_signal(self._signals, text)
            self._indicator_revision = revision
        return True

    def _scan_signals(self) -> list[Signal]:
        wanted = self.settings.scan_signals
        return [s for s in self.signals.usable() if wanted is None or s.name in wanted]

    def server_signals(self) -> list[Signal]:
        """The signals a server runs inside requests, to load before the first one: the heavy
        detectors only where a surface waits for them (elsewhere the worker runs them, so a
        server never loads their models)."""
        chosen = self._scan_signals()
        if not self.settings.signals_sync_surfaces:
            chosen = [s for s in chosen if not is_heavy(s)]
        return chosen

    def _heavy_deferred(self, surface: str) -> bool:
        return surface not in self.settings.signals_sync_surfaces

    def scan_needs_rgb(self, surface: str) -> bool:
        """Whether a scan on ``surface`` should decode colours: only where the heavy
        detectors (which read them) run in line. Elsewhere the scan hashes a JPEG's luma
        plane alone and any signal that wants pixels decodes the upload itself."""
        return not self._heavy_deferred(surface)

    def run_scan_signals(
        self, meta: ScanMeta, media: bytes | None, decoded: DecodedImage | None
    ) -> tuple[SignalResult, ...]:
        """The scan path's signal step: usable signals, each within its time budget.

        Heavy detectors are left to the worker (:meth:`defer_scan_signals`) unless the
        item's surface is in ``signals_sync_surfaces``.
        """
        self.refresh_indicators()
        chosen = self._scan_signals()
        if self._heavy_deferred(meta.surface):
            chosen = [s for s in chosen if not is_heavy(s)]
        item = SignalInput(
            media=media,
            # Signals are promised RGB: a luma-only decode is left out (they read the media).
            pixels=None if decoded is None or decoded.is_luma else decoded.pixels,
            media_type=None if decoded is None else f"image/{decoded.format.lower()}",
            text=meta.text,
            url=meta.url,
        )
        return run_signals(chosen, item, budget_ms=self.settings.signal_budget_ms)

    def defer_scan_signals(
        self, meta: ScanMeta, media: bytes, media_type: str
    ) -> DetectAction | None:
        """The ``detect`` action a scan owes the worker: the heavy detectors not run in line."""
        if not self._heavy_deferred(meta.surface) or not media_type.startswith("image/"):
            return None
        names = [s.name for s in self._scan_signals() if is_heavy(s)]
        if not names:
            return None
        return detect_payload(
            content_id=meta.content_id, media=media, media_type=media_type, signals=names
        )

    def run_heavy_signals(
        self, item: SignalInput, names: Sequence[str]
    ) -> tuple[SignalResult, ...]:
        """The worker's side of a ``detect`` action: the named heavy detectors on one item.

        The budget is ten times the scan's: nobody waits on this answer, and a detector cut
        short here would be a detection lost.
        """
        chosen = [s for s in self.signals.usable() if s.name in names and is_heavy(s)]
        return run_signals(chosen, item, budget_ms=self.settings.signal_budget_ms * 10)

    @cached_property
    def detection(self) -> DeferredDetection:
        """The use case behind the worker's ``detect`` action (pipeline/detect.py)."""
        return DeferredDetection(
            items=self.items,
            policies=self.policies,
            run_heavy=self.run_heavy_signals,
            limits=self.limits,
            quality_threshold=self.settings.quality_threshold,
        )

    @cached_property
    def retro_hunter(self) -> RetroHunter:
        return RetroHunter(
            seen=self.seen,
            items=self.items,
            banks=self.banks,
            matcher=self.matcher,
            policies=self.policies,
            quality_threshold=self.settings.quality_threshold,
            refresh_holds=self.match_holds.refresh,
        )

    def corpus_hunt(self) -> CorpusHunt:
        """The corpus retro-hunt: its hunter's seen-items index is never loaded here (the
        remembered hashes are searched in shards by the batch engine instead)."""
        hunter = RetroHunter(
            seen=SeenIndex(self.items),
            items=self.items,
            banks=self.banks,
            matcher=self.matcher,
            policies=self.policies,
            quality_threshold=self.settings.quality_threshold,
            refresh_holds=self.match_holds.refresh,
        )
        return CorpusHunt(hunter=hunter, items=self.items, banks=self.banks)

    users = _Repository(
        UserStore, "Staff accounts for the review UI (the CLI creates the first admin)."
    )
    cases = _Repository(CaseStore, "Victims' requests (cases) and their hashes.")
    portal_attempts = _Repository(
        PortalAttemptStore,
        "The victim portal's sends and status checks, for its limits and flood alert.",
    )
    reviews = _Repository(
        ReviewStore,
        "The review desk: tasks (opened by the worker for the policy's ``review`` action),"
        " the queue, reveals, notes, four-eyes bank additions and appeals.",
    )

    def audit_log(self, *, signer: CheckpointSigner | None = None) -> AuditLog:
        """The audit trail for verifying, exporting, checkpointing and evidence (``signer``
        signs checkpoints and bundles; without one they are only read)."""
        return AuditLog(session_factory(self.engine), signer=signer)

    legal_holds = _Repository(
        LegalHoldStore, "Legal holds on cases (and on items a filed child-safety report holds)."
    )
    case_targets = _Repository(
        CaseTargetStore, "Where victims' cases must be acted on, and the platform's outcomes."
    )
    case_clocks = _Repository(
        CaseClockStore, "Every legal clock of victims' cases, with its start event."
    )
    case_notices = _Repository(
        CaseNoticeStore,
        "Closing victims' requests with a reason code, and the notices to their reporters.",
    )
    portal_receipts = _Repository(
        PortalReceiptStore, "The victim portal's receipts, for their retention."
    )
    child_safety = _Repository(
        ChildSafetyStore,
        "Child-safety reports prepared from cases and items, waiting for a person to file them.",
    )

    def refresh_matcher(self) -> None:
        """Bring this process's matcher up to date, if it has loaded one (a process that
        never matched has nothing to refresh; it loads the current state on first use)."""
        if self._matcher is not None:
            self._matcher.refresh()

    @cached_property
    def banking(self) -> Banking:
        """The bank use cases' dependencies (:mod:`shieldwall.pipeline.banking`); the
        retro-hunter, and with it the seen-items index, is built only when first needed."""
        return Banking(
            banks=self.banks,
            refresh_matcher=self.refresh_matcher,
            retro_hunter=lambda: self.retro_hunter,
        )

    def close(self) -> None:
        if "change_feed" in self.__dict__:
            self.change_feed.stop()
        if "committer" in self.__dict__:  # store what is queued before the engine goes
            self.committer.close()
        self.engine.dispose()


def _with_text_signal(registry: SignalRegistry, text: TextIndicatorAdapter) -> SignalRegistry:
    """A copy of ``registry`` whose built-in text indicator signal is ``text``."""
    fresh = SignalRegistry()
    for entry in registry.entries():
        swap = isinstance(entry.signal, TextIndicatorAdapter)
        fresh.register(text if swap else entry.signal, provider=entry.provider)
    return fresh


def migrate_database(settings: Settings) -> str | None:
    """Apply every migration to the configured database; returns the revision it is at.

    In production this is the explicit step (``shieldwall db upgrade``) run before the
    replicas start; the embedded default also does it in :meth:`Runtime.open`.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.effective_database_url
    upgrade(url)
    return current_revision(url)

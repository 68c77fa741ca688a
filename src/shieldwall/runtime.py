"""The composition root: the one place that turns settings into concrete objects.

Shells (CLI, API, worker) ask a :class:`Runtime` for stores and use cases
instead of building them, so every shell runs the same wiring.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.engine import Engine

from shieldwall.config import Settings
from shieldwall.hashing import DecodedImage, DecodeLimits
from shieldwall.pipeline.matcher import Matcher
from shieldwall.pipeline.policy_holder import PolicyHolder
from shieldwall.pipeline.retro_hunt import RetroHunter, SeenIndex
from shieldwall.pipeline.scan import ScanMeta, ScanService
from shieldwall.signals import SignalContext, SignalInput
from shieldwall.signals.registry import SignalRegistry
from shieldwall.signals.runner import run_signals
from shieldwall.store import (
    BankStore,
    ItemStore,
    KeyStore,
    OutboxStore,
    make_engine,
    session_factory,
    upgrade,
)
from shieldwall.types import SignalResult


@dataclass
class Runtime:
    """Long-lived objects for one process, created from :class:`Settings`."""

    settings: Settings
    engine: Engine
    store: BankStore
    items: ItemStore
    keys: KeyStore
    outbox: OutboxStore
    matcher_refresh_s: float = 0.0
    _matcher: Matcher | None = field(default=None, repr=False)

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
        return cls(
            settings=settings,
            engine=engine,
            store=BankStore(sessions),
            items=ItemStore(sessions),
            keys=KeyStore(sessions),
            outbox=OutboxStore(sessions),
            matcher_refresh_s=matcher_refresh_s,
        )

    @property
    def matcher(self) -> Matcher:
        """The process's matcher, loaded on first use (snapshot + change log)."""
        if self._matcher is None:
            self._matcher = Matcher(
                self.store,
                snapshot_dir=self.settings.index_dir,
                quality_threshold=self.settings.quality_threshold,
                refresh_interval_s=self.matcher_refresh_s,
            )
            self._matcher.load()
        return self._matcher

    @cached_property
    def policies(self) -> PolicyHolder:
        return PolicyHolder(self.keys)

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
            retention_days=self.settings.retention_days,
            run_signals=self.run_scan_signals,
        )

    @cached_property
    def signals(self) -> SignalRegistry:
        """Every installed signal (built-in and plug-ins), built once per process."""
        from shieldwall.plugins import collect_signals, get_plugin_manager

        anchors = self.settings.c2pa_trust_anchors
        context = SignalContext(
            indicators=None,
            c2pa_trust_anchors=anchors.read_text() if anchors else None,
            max_image_pixels=self.settings.max_image_pixels,
        )
        return collect_signals(get_plugin_manager(), context)

    def run_scan_signals(
        self, meta: ScanMeta, media: bytes | None, decoded: DecodedImage | None
    ) -> tuple[SignalResult, ...]:
        """The scan path's signal step: usable signals, each within its time budget."""
        wanted = self.settings.scan_signals
        chosen = [s for s in self.signals.usable() if wanted is None or s.name in wanted]
        item = SignalInput(
            media=media,
            pixels=None if decoded is None else decoded.pixels,
            media_type=None if decoded is None else f"image/{decoded.format.lower()}",
            text=meta.text,
            url=meta.url,
        )
        return run_signals(chosen, item, budget_ms=self.settings.signal_budget_ms)

    @cached_property
    def retro_hunter(self) -> RetroHunter:
        return RetroHunter(
            seen=self.seen,
            items=self.items,
            banks=self.store,
            matcher=self.matcher,
            policies=self.policies,
            quality_threshold=self.settings.quality_threshold,
        )

    def close(self) -> None:
        self.engine.dispose()

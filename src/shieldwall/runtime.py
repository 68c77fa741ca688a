"""The composition root: the one place that turns settings into concrete objects.

Shells (CLI, API, worker) ask a :class:`Runtime` for the store and the
matcher instead of building them, so every shell runs the same wiring.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from shieldwall.config import Settings
from shieldwall.pipeline.matcher import Matcher
from shieldwall.store import BankStore, make_engine, session_factory, upgrade


@dataclass
class Runtime:
    """Long-lived objects for one process, created from :class:`Settings`."""

    settings: Settings
    engine: Engine
    store: BankStore
    _matcher: Matcher | None = field(default=None, repr=False)

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool | None = None) -> Runtime:
        """Connect to the database; migrate it first on the embedded default.

        In production migrations are an explicit step (``shieldwall db upgrade``)
        so that several replicas never race to change the schema.
        """
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        url = settings.effective_database_url
        if migrate if migrate is not None else settings.mode == "development":
            upgrade(url)
        engine = make_engine(url)
        return cls(settings=settings, engine=engine, store=BankStore(session_factory(engine)))

    @property
    def matcher(self) -> Matcher:
        """The process's matcher, loaded on first use (snapshot + change log)."""
        if self._matcher is None:
            self._matcher = Matcher(
                self.store,
                snapshot_dir=self.settings.index_dir,
                quality_threshold=self.settings.quality_threshold,
            )
            self._matcher.load()
        return self._matcher

    def close(self) -> None:
        self.engine.dispose()

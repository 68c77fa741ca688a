"""Who hears of what a scan stored: the one way in for the shells' hooks on the scanner.

The API remembers each new item in the seen-items index and wakes the worker; the site
keeps uploaded images, encrypted, for review. Each used to reassign an attribute on the
runtime's one shared scanner (``scanner.on_stored = ...``), so two apps on one runtime
silently replaced each other's hook, and the site had to wrap the signal runner to get
at the bytes. Now each registers a sink here and removes it when its app stops: every
sink registered is called, in the order registered.

A *stored sink* is told of new decisions after they are committed, all of one request's
at once (a batch lookup's thousand in one call, so that queueing their actions is one
write, not one per decision); a *media sink* is also given the upload's bytes (uploads
only, never lookups), and is called first. A sink runs on the request's thread (or a
worker thread for an async lookup whose decisions owe actions); an exception it raises
reaches the caller, as it did with the attribute.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:  # scan.py builds on this module; only the type is named here
    from shieldwall.pipeline.scan import ScanOutcome

StoredSink = Callable[[Sequence["ScanOutcome"]], None]
"""Told of new decisions after they are committed (index the items, queue their actions)."""
MediaSink = Callable[["ScanOutcome", bytes], None]
"""Told of a newly stored upload with its media bytes (e.g. keep it, encrypted, for review)."""

_Sink = TypeVar("_Sink")


class _Registry(Generic[_Sink]):
    """Sinks in registration order. Adding and removing swap a tuple under a lock, so a
    scan on another thread iterates a consistent snapshot without taking the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: tuple[tuple[object, _Sink], ...] = ()

    def add(self, sink: _Sink) -> Callable[[], None]:
        token = object()  # the same function added twice is two registrations
        with self._lock:
            self._entries = (*self._entries, (token, sink))

        def remove() -> None:
            with self._lock:
                self._entries = tuple(e for e in self._entries if e[0] is not token)

        return remove

    def __call__(self) -> tuple[_Sink, ...]:
        return tuple(sink for _, sink in self._entries)


class ScanSinks:
    """The scanner's listeners. :meth:`add_stored` and :meth:`add_media` return a function
    that removes what they added (call it when the app that added it stops)."""

    def __init__(self) -> None:
        self._stored: _Registry[StoredSink] = _Registry()
        self._media: _Registry[MediaSink] = _Registry()

    def add_stored(self, sink: StoredSink) -> Callable[[], None]:
        return self._stored.add(sink)

    def add_media(self, sink: MediaSink) -> Callable[[], None]:
        return self._media.add(sink)

    def __bool__(self) -> bool:
        return bool(self._stored() or self._media())

    def tell(self, outcome: ScanOutcome, media: bytes | None = None) -> None:
        """Call every sink for ``outcome`` (a new decision); media sinks only with bytes."""
        if media is not None:
            for media_sink in self._media():
                media_sink(outcome, media)
        for stored_sink in self._stored():
            stored_sink((outcome,))

    def tell_many(self, outcomes: Sequence[ScanOutcome]) -> None:
        """Call every stored sink once for ``outcomes`` (new decisions, no media)."""
        if outcomes:
            for stored_sink in self._stored():
                stored_sink(outcomes)

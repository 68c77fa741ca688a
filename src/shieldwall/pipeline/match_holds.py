"""Matches that may send an item to review but never act alone.

Two reasons hold a match:

- **Trust.** An exchange configured with ``trust: review`` feeds its bank with hashes the
  platform has not vetted: a match on that bank goes to a person
  (``policy.evaluate`` turns a rule fired only by held matches into a review in the
  ``held-matches`` queue). ``trust: auto`` lets the policy act as usual.
- **Floods.** A hash that suddenly matches far more items than a real victim's image does
  (``flood_matches`` items within ``flood_window_s``) is what a poisoned submission looks
  like: the hash of a meme or a stock photo, sent to remove innocent content at scale. The
  entry is quarantined (a row, an audit event and a ``bank.entry_quarantined`` webhook, in
  one transaction), its matches are held from then on, in every process, until a person
  releases it (``shieldwall exchange quarantine release``).

Counting is per process (each process sees its share of the traffic, so with N processes
the flood threshold is reached at most N times later); the quarantine itself is shared
through the database.

Why nothing here reads on a lookup: the trust levels and the quarantine are loaded when
the holds are built, and a serving process reloads them on its change-feed thread
(:meth:`MatchHolds.refresh_if_due`, every ``refresh_s``: the feed's fallback interval), so
:meth:`MatchHolds.apply` only reads memory. A flood this process trips is marked at once,
without a read (the write that quarantines it is the one database call a lookup may make,
once per flood); a change made elsewhere (a release, a new trust level) arrives with the
next reload.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from shieldwall.pipeline.matcher import MatchOutcome
from shieldwall.store import ExchangeStore, QuarantineStore
from shieldwall.types import BankPurpose, Match

log = logging.getLogger("shieldwall.holds")

MAX_TRACKED = 100_000
"""Entries whose recent matches are counted at once; the least recently matched go first."""


class MatchHolds:
    """Marks held matches and quarantines flooding entries (thread-safe)."""

    def __init__(
        self,
        exchanges: ExchangeStore,
        quarantine: QuarantineStore,
        *,
        flood_matches: int,
        flood_window_s: float,
        refresh_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._exchanges = exchanges
        self._quarantine = quarantine
        self._flood = flood_matches
        self._window = flood_window_s
        self._refresh_s = refresh_s
        self._clock = clock
        self._lock = threading.Lock()
        self._loaded_at: float | None = None
        self._review_banks: dict[str, str] = {}
        self._quarantined: frozenset[int] = frozenset()
        self._recent: OrderedDict[int, deque[float]] = OrderedDict()

    def refresh(self) -> None:
        """Reload review-only banks and quarantined entries now (two small reads)."""
        started = self._clock()  # what is read is at least this fresh
        review = {
            info.bank: info.name
            for info in self._exchanges.list_exchanges()
            if info.trust == "review" and info.enabled
        }
        quarantined = self._quarantine.active_ids()
        with self._lock:
            self._review_banks, self._quarantined = review, quarantined
            self._loaded_at = started

    def refresh_if_due(self) -> None:
        """Reload when the last load is ``refresh_s`` old: the change feed calls this on its
        thread each time it wakes, which is at least every fallback interval."""
        loaded = self._loaded_at
        if loaded is None or self._clock() - loaded >= self._refresh_s:
            self.refresh()

    def apply(self, outcome: MatchOutcome) -> MatchOutcome:
        """``outcome`` with its held matches marked; counts its matches towards floods.

        Reads memory only (see the module doc); the rare flood it trips writes a row."""
        if not outcome.matches:
            return outcome
        now = self._clock()
        acting = [
            m
            for m in outcome.matches
            if not m.suppressed and m.bank_purpose is not BankPurpose.NEGATIVE
        ]
        for m in acting:
            self._count(m, now)
        marked = tuple(self._mark(m) for m in outcome.matches)
        if marked == outcome.matches:
            return outcome
        return dataclasses.replace(outcome, matches=marked)

    def _mark(self, m: Match) -> Match:
        if m.bank_purpose is BankPurpose.NEGATIVE or m.held is not None:
            return m
        if m.entry_id in self._quarantined:
            return dataclasses.replace(
                m, held=f"bank entry {m.entry_id} is quarantined after a flood of matches"
            )
        exchange = self._review_banks.get(m.bank)
        if exchange is not None:
            return dataclasses.replace(m, held=f"exchange {exchange!r} is trusted for review only")
        return m

    def _count(self, m: Match, now: float) -> None:
        if self._flood <= 0 or m.entry_id in self._quarantined:
            return
        with self._lock:
            times = self._recent.pop(m.entry_id, None) or deque(maxlen=self._flood + 1)
            times.append(now)
            self._recent[m.entry_id] = times
            while len(self._recent) > MAX_TRACKED:
                self._recent.popitem(last=False)
            while times and now - times[0] > self._window:
                times.popleft()
            flooded = len(times) > self._flood
            if flooded:
                del self._recent[m.entry_id]
        if flooded:
            self._quarantine_entry(m, len(times))

    def _quarantine_entry(self, m: Match, hits: int) -> None:
        reason = (
            f"matched {hits} items within {int(self._window)} s (flood threshold {self._flood})"
        )
        try:
            new = self._quarantine.quarantine(
                entry_id=m.entry_id,
                bank=m.bank,
                hits=hits,
                window_s=int(self._window),
                reason=reason,
            )
        except Exception:  # the lookup that tripped it must still be answered
            log.exception("holds.quarantine_failed entry=%s", m.entry_id)
            return
        if not new:
            # Another process's row, or a person's release, stands: read which (rare: the
            # lookup that gets here has just tried a write).
            self.refresh()
            return
        log.warning("holds.entry_quarantined entry=%s bank=%s %s", m.entry_id, m.bank, reason)
        with self._lock:  # held here at once; other processes see it on their next reload
            self._quarantined = self._quarantined | {m.entry_id}

"""Applying a parsed hash list to a bank: add entries, apply tombstones, report bad lines.

One use case for every way a list arrives (the CLI's ``bank import``, an exchange
fetch), so a withdrawal in a partner's file is honoured the same way whichever
shell read it. Additions go through :func:`~shieldwall.pipeline.banking.add_to_bank`
(so every new entry is hunted across the items already seen) in chunks; records are
applied in file order, a tombstone first writing the additions before it, so a hash
added and then withdrawn in the same file ends withdrawn.

With a ``holder`` (an exchange: ``exchange:<name>``), entries are added as that
holder's claims and a tombstone *releases the holder's claim*: the entry leaves
matching only when no other holder relies on it, so a partner's withdrawal can
never cancel the platform's own victim case on the same hash (it is counted as
``kept``). Without a holder (a file imported by an operator) a tombstone withdraws
or deletes the entry outright. A tombstone for a hash the bank does not hold
changes nothing and is counted as ``unknown``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from shieldwall.errors import EntryNotFoundError, InputError
from shieldwall.exchange import LineError, ParsedEntry, ParsedLine
from shieldwall.pipeline.banking import (
    Banking,
    DecisionsSink,
    add_to_bank,
    release_from_bank,
    withdraw_from_bank,
)
from shieldwall.pipeline.retro_hunt import RetroHuntReport
from shieldwall.types import EntryStatus

IMPORT_CHUNK = 20_000
"""Entries added per transaction."""


@dataclass(slots=True)
class ImportReport:
    """What an import did; ``errors`` are the refused lines, in file order."""

    added: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    deleted: int = 0
    kept: int = 0
    unknown: int = 0
    errors: list[LineError] = field(default_factory=list)
    hunts: list[RetroHuntReport] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {
            "added": self.added,
            "unchanged": self.unchanged,
            "withdrawn": self.withdrawn,
            "deleted": self.deleted,
            "kept": self.kept,
            "unknown": self.unknown,
            "errors": len(self.errors),
        }


def import_lines(
    banking: Banking,
    *,
    bank: str,
    lines: Iterable[ParsedLine],
    holder: str | None = None,
    notify: DecisionsSink | None = None,
    on_error: Callable[[LineError], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    chunk: int = IMPORT_CHUNK,
) -> ImportReport:
    """Apply ``lines`` to ``bank``; a bad line is reported (``on_error``) and skipped."""
    banking.banks.get_bank(name=bank)
    report = ImportReport()
    batch: list[ParsedEntry] = []

    def refuse(error: LineError) -> None:
        report.errors.append(error)
        if on_error is not None:
            on_error(error)

    def flush() -> None:
        if not batch:
            return
        _add(banking, bank, batch, report, refuse, holder, notify)
        if on_progress is not None:
            on_progress(len(batch))
        batch.clear()

    for parsed in lines:
        if isinstance(parsed, LineError):
            refuse(parsed)
            continue
        if parsed.status is EntryStatus.ACTIVE:
            batch.append(parsed)
            if len(batch) >= chunk:
                flush()
            continue
        flush()
        _retire(banking, bank, parsed, report, holder)
    flush()
    return report


def _add(
    banking: Banking,
    bank: str,
    batch: list[ParsedEntry],
    report: ImportReport,
    refuse: Callable[[LineError], None],
    holder: str | None,
    notify: DecisionsSink | None,
) -> None:
    def one_go(parsed: list[ParsedEntry]) -> None:
        done = add_to_bank(
            banking, bank=bank, entries=[p.entry for p in parsed], holder=holder, notify=notify
        )
        report.added += done.added
        report.unchanged += done.unchanged
        if done.hunt is not None:
            report.hunts.append(done.hunt)

    try:
        one_go(batch)
    except InputError:
        # The store can refuse an entry only it can judge (variants over the cap once
        # merged with those already stored); that is one line's error, not the import's:
        # add the chunk again entry by entry (idempotent).
        for parsed in batch:
            try:
                one_go([parsed])
            except InputError as exc:
                message = exc.message.removeprefix("entry 0: ")
                refuse(LineError(parsed.line_no, type(exc)(message, value=exc.value)))


def _retire(
    banking: Banking, bank: str, parsed: ParsedEntry, report: ImportReport, holder: str | None
) -> None:
    kind, value = parsed.entry.signal_type, parsed.entry.value
    try:
        before = banking.banks.find_entry(bank=bank, signal_type=kind, value=value)
    except EntryNotFoundError:
        report.unknown += 1
        return
    if before.status is EntryStatus.DELETED or before.status is parsed.status:
        report.unchanged += 1
        return
    if holder is not None:
        released = release_from_bank(banking, entry_ids=[before.id], holder=holder, actor=holder)
        if before.id in released.kept:
            report.kept += 1
            return
        if before.id not in released.withdrawn and before.status is EntryStatus.ACTIVE:
            report.unchanged += 1  # the holder had no claim on it: not its hash to take back
            return
    if parsed.status is EntryStatus.WITHDRAWN:
        if before.status is EntryStatus.ACTIVE:
            withdraw_from_bank(banking, bank=bank, entry_id=before.id)
        report.withdrawn += 1
    else:
        banking.banks.delete_entry(entry_id=before.id)
        banking.refresh_matcher()
        report.deleted += 1

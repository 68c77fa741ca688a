"""Applying a parsed hash list to a bank: add entries, apply tombstones, report bad lines.

One use case for every way a list arrives (the CLI's ``bank import``, an exchange
fetch), so a withdrawal in a partner's file is honoured the same way whichever
shell read it. Records are applied in file order: a hash added and then withdrawn
in the same file ends withdrawn. Additions are written in chunks (one transaction
each); a tombstone first writes the additions before it.

A tombstone for a hash the bank does not hold changes nothing and is counted as
``unknown``: the supplier may be withdrawing a hash this platform never received.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from shieldwall.errors import EntryNotFoundError, InputError
from shieldwall.exchange import LineError, ParsedEntry, ParsedLine
from shieldwall.store import BankStore
from shieldwall.types import EntryStatus, NewEntry

IMPORT_CHUNK = 20_000
"""Entries added per transaction."""


@dataclass(slots=True)
class ImportReport:
    """What an import did; ``errors`` are the refused lines, in file order."""

    added: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    deleted: int = 0
    unknown: int = 0
    errors: list[LineError] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {
            "added": self.added,
            "unchanged": self.unchanged,
            "withdrawn": self.withdrawn,
            "deleted": self.deleted,
            "unknown": self.unknown,
            "errors": len(self.errors),
        }


def import_lines(
    store: BankStore,
    *,
    bank: str,
    lines: Iterable[ParsedLine],
    on_error: Callable[[LineError], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    chunk: int = IMPORT_CHUNK,
) -> ImportReport:
    """Apply ``lines`` to ``bank``; a bad line is reported (``on_error``) and skipped."""
    store.get_bank(name=bank)
    report = ImportReport()
    batch: list[ParsedEntry] = []

    def refuse(error: LineError) -> None:
        report.errors.append(error)
        if on_error is not None:
            on_error(error)

    def flush() -> None:
        if not batch:
            return
        _add(store, bank, batch, report, refuse)
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
        _retire(store, bank, parsed, report)
    flush()
    return report


def _add(
    store: BankStore,
    bank: str,
    batch: list[ParsedEntry],
    report: ImportReport,
    refuse: Callable[[LineError], None],
) -> None:
    entries: list[NewEntry] = [p.entry for p in batch]
    try:
        res = store.add_entries(bank=bank, entries=entries)
    except InputError:
        # The store can refuse an entry only it can judge (variants over the cap once
        # merged with those already stored); that is one line's error, not the import's:
        # add the chunk again entry by entry (idempotent).
        for parsed in batch:
            try:
                one = store.add_entries(bank=bank, entries=[parsed.entry])
            except InputError as exc:
                message = exc.message.removeprefix("entry 0: ")
                refuse(LineError(parsed.line_no, type(exc)(message, value=exc.value)))
                continue
            report.added += one.added
            report.unchanged += one.unchanged
        return
    report.added += res.added
    report.unchanged += res.unchanged


def _retire(store: BankStore, bank: str, parsed: ParsedEntry, report: ImportReport) -> None:
    retire = store.withdraw_entry if parsed.status is EntryStatus.WITHDRAWN else store.delete_entry
    try:
        before = store.find_entry(
            bank=bank, signal_type=parsed.entry.signal_type, value=parsed.entry.value
        )
    except EntryNotFoundError:
        report.unknown += 1
        return
    if before.status is not EntryStatus.ACTIVE and (
        before.status is parsed.status or before.status is EntryStatus.DELETED
    ):
        report.unchanged += 1
        return
    retire(bank=bank, signal_type=parsed.entry.signal_type, value=parsed.entry.value)
    if parsed.status is EntryStatus.WITHDRAWN:
        report.withdrawn += 1
    else:
        report.deleted += 1

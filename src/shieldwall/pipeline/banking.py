"""Adding to a bank and withdrawing from one: the same steps whichever shell asks.

A new bank entry is only half the job. The victim (and the law: "known identical
copies" under the TAKE IT DOWN Act and the Online Safety Act) expects every copy the
platform has *already* seen to be found too. Before this module the API hunted and the
CLI (``bank add``, ``bank import``), the policy's ``add_to_bank`` action in the worker
and the review pages each wrote to the store their own way, so the hunt depended on
which door the hash came in by. Now every shell calls :func:`add_to_bank`:

1. the store writes the entries (idempotent; one audited transaction per chunk),
2. this process's matcher sees them at once (other processes through the change log),
3. every stored item is hunted for the new entries (:class:`RetroHunter`), each hit
   getting a decision through the policy, with its outbox rows (webhooks),
4. the decision ids go to ``notify`` (the API's hook that queues their delivery at
   once; without it the worker's sweeper delivers them).

:func:`withdraw_from_bank` is its mirror: the entry must belong to the bank named, it stops
matching in this process at once, and its audit event is written by the store.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from shieldwall.errors import EntryNotFoundError
from shieldwall.pipeline.retro_hunt import RetroHunter, RetroHuntReport
from shieldwall.store import BankStore, EntryInfo
from shieldwall.store.holders import ReleaseResult
from shieldwall.types import EntryId, HashKind, NewEntry

DecisionsSink = Callable[[Sequence[str]], None]
"""Told the ids of decisions a hunt made (best effort: the outbox already holds their actions)."""


@dataclass(frozen=True, slots=True)
class Banking:
    """What the bank use cases need, as the composition root wires it.

    ``refresh_matcher`` refreshes the process's matcher only if it has one loaded (a CLI
    run that never matched has nothing to refresh), and ``retro_hunter`` is asked for only
    when there is something to hunt, so withdrawing never loads the seen-items index.
    """

    banks: BankStore
    refresh_matcher: Callable[[], None]
    retro_hunter: Callable[[], RetroHunter]


@dataclass(frozen=True, slots=True)
class BankAddition:
    """What :func:`add_to_bank` did: the store's counts and, when it hunted, the hunt."""

    bank: str
    added: int
    unchanged: int
    entry_ids: tuple[EntryId, ...]
    """One id per entry given, in order (a repeated value gets the same id twice)."""
    hunt: RetroHuntReport | None = None
    """``None`` when nothing was hunted (nothing new, or the caller said not to)."""


def add_to_bank(
    banking: Banking,
    *,
    bank: str,
    entries: Iterable[NewEntry],
    retro_hunt: bool = True,
    rehunt: Sequence[EntryId] = (),
    hunt_unchanged: bool = False,
    notify: DecisionsSink | None = None,
    holder: str | None = None,
    spare: Collection[str] = (),
) -> BankAddition:
    """Add ``entries`` to ``bank``, make them matchable here, and hunt them across past items.

    The hunt runs when at least one entry is new (an import run twice hunts once; hunting
    is idempotent anyway, since decision ids are derived from item and entries), for
    entries already stored whose hunt never completed (``hunted_at`` unset: a run killed
    after its entries committed), or when
    ``rehunt`` names entries already banked that should be hunted with these (a victim's
    case approved again counts its copies over all its hashes). ``hunt_unchanged`` hunts
    the entries given even when none is new: the worker's action is delivered at least
    once, and a retry whose first try stored the entries but died before its hunt must
    still hunt. ``retro_hunt=False`` skips the hunt: only the API offers that, to a
    ``banks:write`` key that asks for it. ``holder`` names who claims the entries (a case,
    a review, an import): an entry stays active while any holder's claim remains, so one
    holder letting go (:func:`release_from_bank`) cannot cancel another's protection.
    ``spare`` names content ids the hunt must not decide again: the item whose decision
    asked for the bank add (a policy's ``add_to_bank``) already has that decision.
    """
    result = banking.banks.add_entries(bank=bank, entries=entries, holder=holder)
    banking.refresh_matcher()
    report = None
    # Entries already stored whose hunt never completed (an import killed between a chunk's
    # commit and its hunt) are hunted now: otherwise a rerun would find them "unchanged" and
    # the items they match would never be decided.
    given = result.ids if result.added or hunt_unchanged else banking.banks.unhunted(result.ids)
    hunted = sorted({*given, *rehunt})
    if retro_hunt and hunted:
        report = banking.retro_hunter().hunt(hunted, spare=spare)
        banking.banks.mark_hunted(hunted)
        if notify is not None and report.decisions:
            notify([d.id for d in report.decisions])
    return BankAddition(
        bank=bank,
        added=result.added,
        unchanged=result.unchanged,
        entry_ids=tuple(result.ids),
        hunt=report,
    )


def release_from_bank(
    banking: Banking, *, entry_ids: Iterable[int], holder: str, actor: str
) -> ReleaseResult:
    """Take back ``holder``'s claim on entries (a victim withdrew their case, say).

    An entry stops matching only when no other holder's claim remains; this process's
    matcher sees it at once. The store writes the ``bank.claim_released`` audit event
    naming ``actor``, what left matching and what another holder kept.
    """
    result = banking.banks.release_entries(entry_ids=entry_ids, holder=holder, actor=actor)
    banking.refresh_matcher()
    return result


def withdraw_from_bank(
    banking: Banking,
    *,
    bank: str | None = None,
    entry_id: int | None = None,
    signal_type: HashKind | str | None = None,
    value: str | None = None,
) -> EntryInfo:
    """Take an entry out of matching at once; it is kept, with status ``withdrawn``.

    By ``entry_id`` (refused unless it belongs to ``bank`` when a bank is named, so a
    caller scoped to one bank cannot withdraw from another by guessing ids) or by
    ``bank`` + ``signal_type`` + ``value``. Withdrawing twice changes nothing.
    """
    owner = None if entry_id is None else banking.banks.get_entry(entry_id=entry_id).bank_name
    if bank is not None and owner is not None and owner != bank:
        raise EntryNotFoundError(f"no entry {entry_id} in bank {bank!r}", value=entry_id)
    entry = banking.banks.withdraw_entry(
        entry_id=entry_id,
        bank=None if entry_id is not None else bank,
        signal_type=None if entry_id is not None else signal_type,
        value=value,
    )
    banking.refresh_matcher()
    return entry

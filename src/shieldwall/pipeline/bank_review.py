"""Four-eyes bank additions: a moderator asks for an item's hashes to enter a bank, and a
second moderator approves before they do.

A bank entry takes down every copy the platform has seen and will see, so one person's
click is not enough. The request is opened by :func:`shieldwall.pipeline.review.decide`
(after :func:`check_review_bank` refuses a bank a moderator may not add to), and
:func:`approve_bank_addition` is the second pair of eyes: on approval the hashes go
through :func:`~shieldwall.pipeline.banking.add_to_bank`, which retro-hunts like every
other door into a bank.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shieldwall.errors import InputError
from shieldwall.pipeline.banking import add_to_bank
from shieldwall.pipeline.records import ReviewStore, utcnow
from shieldwall.types import BankPurpose, HashKind, NewEntry, Provenance

if TYPE_CHECKING:  # the composition root sits above this ring; only its type is named
    from shieldwall.runtime import Runtime

REVIEW_BANK_PURPOSES = (BankPurpose.VICTIM, BankPurpose.INTERNAL)
"""Banks a moderator may add an item to: a forged form naming a negative (allow-list) or
partner bank, or one that does not exist, is refused."""


def check_review_bank(rt: Runtime, name: str) -> None:
    """Refuse a bank that does not exist or that a moderator may not add to."""
    bank = rt.banks.get_bank(name=name)  # BankNotFoundError for a name that is not a bank
    if bank.purpose not in REVIEW_BANK_PURPOSES:
        raise InputError("choose a victim or internal bank from the list", value=name)


def approve_bank_addition(
    rt: Runtime, desk: ReviewStore, *, approval_id: int, decided_by: str, approve: bool
) -> int:
    """The second pair of eyes. On approval the item's hashes enter the bank and every copy
    already seen is hunted; returns how many items the hunt decided on."""
    approval = desk.decide_approval(approval_id, decided_by=decided_by, approve=approve)
    if approval.status != "approved" or approval.decided_by != decided_by:
        return 0
    item = desk.item(approval.item_id)
    if item is None:
        return 0
    provenance = Provenance(
        source=f"review:{approval.requested_by}+{decided_by}",
        external_id=item.content_id,
        submitted_at=utcnow(),
    )
    entries = [
        NewEntry(signal_type=kind, value=value, provenance=provenance)
        for kind, value in (
            (HashKind.PDQ, item.pdq),
            (HashKind.MD5, item.md5),
            (HashKind.SHA256, item.sha256),
        )
        if value
    ]
    done = add_to_bank(
        rt.banking,
        bank=approval.bank,
        entries=entries,
        hunt_unchanged=True,
        holder=f"review:{approval.id}",
    )
    return 0 if done.hunt is None else done.hunt.items_hit

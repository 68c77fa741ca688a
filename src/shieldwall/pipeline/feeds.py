"""A bank published as a signed, paginated feed for other Shieldwall instances.

The feed is the bank's own change log (``entry_changes``), in ``seq`` order:
an entry added, then, if it leaves, its withdrawal or deletion. Each change is
rendered with the entry's *current* status, so an entry added and later withdrawn
appears as its tombstone at the withdrawal (its earlier add is skipped: the
subscriber need never see a hash the victim has taken back). Changes caused by
disabling or re-enabling the whole bank are not withdrawals and are skipped.

Records carry the hash, its category and region hashes; never case ids, sources
or anything about the victim. Each page is signed with the instance's Ed25519
key (the audit signing key, with its own tag, see
:meth:`~shieldwall.audit.CheckpointSigner.sign_tagged`); a subscriber pins the
public key and refuses any page that does not verify, so a man in the middle or
a compromised proxy cannot inject or withdraw hashes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shieldwall.audit.checkpoints import CheckpointSigner
from shieldwall.exchange.connectors.federation import FEED_TAG
from shieldwall.exchange.variants import variants_to_records
from shieldwall.store import BankStore
from shieldwall.types import EntryStatus

MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class SignedPage:
    """One page's exact bytes and the signature over them."""

    body: bytes
    signature: str
    key_id: str


def feed_page(
    store: BankStore, signer: CheckpointSigner, *, bank: str, after: int, limit: int
) -> SignedPage:
    """The changes of ``bank`` after ``after`` (at most ``limit``), signed."""
    limit = max(1, min(limit, MAX_PAGE))
    changes = store.changes_since(seq=after, limit=limit, bank=bank)
    entries = store.entries_by_ids(ids=[c.entry_id for c in changes]) if changes else {}
    added = [c.entry_id for c in changes if c.op == "add"]
    variants = store.variants_for(entry_ids=added) if added else {}
    records: list[dict[str, Any]] = []
    for change in changes:
        entry = entries.get(change.entry_id)
        if entry is None:
            continue
        record: dict[str, Any] = {
            "seq": change.seq,
            "signal_type": entry.signal_type.value,
            "value": entry.value,
        }
        if change.op == "add" and entry.status is EntryStatus.ACTIVE:
            if entry.category:
                record["category"] = entry.category
            pairs = tuple((name, value) for _, name, value in variants.get(change.entry_id, ()))
            if pairs:
                record["variants"] = variants_to_records(pairs, signal_type=entry.signal_type)
            record["status"] = EntryStatus.ACTIVE.value
        elif change.op == "remove" and entry.status is not EntryStatus.ACTIVE:
            record["status"] = entry.status.value
        else:
            continue  # a withdrawn entry's earlier add, or the bank switched off and on
        records.append(record)
    nxt = changes[-1].seq if changes else after
    body = json.dumps(
        {
            "bank": bank,
            "after": after,
            "next": nxt,
            "has_more": len(changes) == limit,
            "records": records,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    return SignedPage(body, signer.sign_tagged(FEED_TAG, body), signer.key_id)

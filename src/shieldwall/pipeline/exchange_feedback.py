"""Feedback to hash exchanges: a moderator's verdict on a match travels back to whoever
supplied the hash.

When a moderator confirms a match (a takedown) or rejects it (``allow``: a false
positive), and when an appeal reverses a takedown, every exchange that holds a claim on
a matched entry gets one ``exchange_feedback`` action in the outbox, in the same
transaction as the decision: it is delivered at least once by the worker (retries with
backoff, dead letter on a permanent refusal), never lost with a crash, and never sent
for a decision that did not commit.

Only exchanges whose connector takes feedback get any (:meth:`ExchangeRegistry.takes_feedback`),
and suppressed matches (cancelled by a negative bank) send none: nothing was decided on them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from shieldwall.actions import FEEDBACK_VERDICTS, ExchangeFeedbackAction
from shieldwall.errors import NotFoundError
from shieldwall.exchange.connectors import ExchangeContext, ExchangeRegistry, Feedback
from shieldwall.store import BankStore, ExchangeStore
from shieldwall.store.service_records import NewAction
from shieldwall.types import EntryId

EXCHANGE_HOLDER_PREFIX = "exchange:"
FEEDBACK_KIND = ExchangeFeedbackAction.kind
VERDICTS = FEEDBACK_VERDICTS


def feedback_verdict(review_verdict: str) -> str | None:
    """A review verdict as exchange feedback: ``allow`` rejects the match, a takedown
    (``remove``, ``block``) confirms it; ``hold`` is not a verdict yet and sends nothing."""
    return {"allow": "rejected", "remove": "confirmed", "block": "confirmed"}.get(review_verdict)


def feedback_actions(
    banks: BankStore,
    exchanges: ExchangeStore,
    registry: ExchangeRegistry,
    *,
    matches: Sequence[Mapping[str, Any]],
    verdict: str | None,
    key: str,
) -> list[NewAction]:
    """The feedback actions a verdict on ``matches`` owes, keyed ``{key}:feedback:...`` so a
    retried decision queues each one once (none for ``verdict`` ``None``)."""
    if verdict is None:
        return []
    if verdict not in VERDICTS:
        raise ValueError(f"feedback verdict must be one of {VERDICTS}")
    entry_ids = sorted(
        {int(m["entry_id"]) for m in matches if m.get("suppressed_by") is None and "entry_id" in m}
    )
    if not entry_ids:
        return []
    holders = banks.entry_holders(entry_ids=entry_ids)
    names = sorted({n for claims in holders.values() for n in _exchange_names(claims)})
    if not names:
        return []
    takes = _feedback_takers(exchanges, registry, names)
    entries = banks.entries_by_ids(ids=[e for e, claims in holders.items() if claims])
    actions: list[NewAction] = []
    for entry_id in entry_ids:
        entry = entries.get(EntryId(entry_id))
        if entry is None:
            continue
        for name in _exchange_names(holders.get(EntryId(entry_id), [])):
            if name not in takes:
                continue
            action = ExchangeFeedbackAction(
                exchange=name,
                signal_type=entry.signal_type.value,
                value=entry.value,
                verdict="confirmed" if verdict == "confirmed" else "rejected",
                external_id=entry.provenance.external_id,
                case_id=entry.provenance.case_id,
                entry_id=entry_id,
            )
            actions.append(NewAction.of(action, f"{key}:feedback:{name}:{entry_id}"))
    return actions


def _exchange_names(claims: Iterable[str]) -> list[str]:
    return [
        c.removeprefix(EXCHANGE_HOLDER_PREFIX)
        for c in claims
        if c.startswith(EXCHANGE_HOLDER_PREFIX)
    ]


def _feedback_takers(
    exchanges: ExchangeStore, registry: ExchangeRegistry, names: Iterable[str]
) -> set[str]:
    takers: set[str] = set()
    for name in names:
        try:
            info = exchanges.get(name)
        except NotFoundError:  # the exchange was removed since it supplied the hash
            continue
        if registry.takes_feedback(info.kind, info.config):
            takers.add(name)
    return takers


def deliver_feedback(
    exchanges: ExchangeStore,
    registry: ExchangeRegistry,
    payload: ExchangeFeedbackAction | Mapping[str, Any],
    *,
    credentials: Callable[[str], Mapping[str, str]],
) -> None:
    """Send one queued verdict to its exchange (the worker's ``exchange_feedback`` action).

    Raises :class:`~shieldwall.errors.ExchangeFetchError` when the exchange is unreachable
    or refuses (the worker retries), :class:`~shieldwall.errors.InputError` or
    :class:`~shieldwall.errors.NotFoundError` when it never can succeed (dead letter).
    """
    action = (
        payload
        if isinstance(payload, ExchangeFeedbackAction)
        else ExchangeFeedbackAction.from_payload(payload)
    )
    info = exchanges.get(action.exchange)
    connector = registry.build(
        info.kind, ExchangeContext(config=info.config, credentials=credentials(action.exchange))
    )
    connector.submit_feedback(
        [
            Feedback(
                signal_type=action.signal_type,
                value=action.value,
                verdict=action.verdict,
                external_id=action.external_id,
                case_id=action.case_id,
            )
        ]
    )

"""Action kinds as plug-ins: what a performer receives, what it may use, and the registry.

An :class:`ActionType` names a ``kind`` and the function that performs one outbox row of
it. The built-in kinds (``builtin_actions``) and third-party ones come through the same hook,
``shieldwall_register_actions``; the worker collects them into an :class:`ActionRegistry`
and performs each row with the one :class:`ActionContext` it wired. The context holds what
the built-ins need from the rings above (the webhook sender, the review store, the bank use
case) as plain callables, so this ring never imports them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shieldwall.actions import (
    AddToBankAction,
    Attempt,
    DetectAction,
    ExchangeFeedbackAction,
    ReviewAction,
)
from shieldwall.errors import DuplicateActionKindError


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """One outbox row as a performer sees it: ``payload`` is the stored JSON."""

    id: int
    kind: str
    payload: Mapping[str, Any]
    idempotency_key: str
    decision_id: str | None = None


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What a performer may use, wired once by the worker. ``None`` means this worker has no
    such part wired: the built-in kinds then hold or retry the row rather than lose it.

    - ``send_webhook(body, idempotency_key)``: a signed POST to the platform;
    - ``statements(body)``: the body with the uploader's DSA statement added;
    - ``open_review(action, idempotency_key)``: opens a review task, True when new;
    - ``add_to_bank(action)``: adds the hashes and retro-hunts; answers a note or None;
    - ``send_feedback(action)``: tells an exchange a verdict;
    - ``detect(action)``: runs the owed detectors; answers (note, payload to keep).
    """

    data_dir: Path
    send_webhook: Callable[[dict[str, Any], str], Attempt] | None = None
    statements: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    open_review: Callable[[ReviewAction, str], bool] | None = None
    add_to_bank: Callable[[AddToBankAction], str | None] | None = None
    send_feedback: Callable[[ExchangeFeedbackAction], None] | None = None
    detect: Callable[[DetectAction], tuple[str | None, dict[str, Any]]] | None = None


Perform = Callable[[ActionRequest, ActionContext], Attempt]
"""Performs one row. Raise :class:`~shieldwall.errors.InputError` (or ``NotFoundError``) for a
row that can never succeed (a dead letter), another ``ShieldwallError`` for a passing failure
(retried); any other exception is retried as an internal error."""


@dataclass(frozen=True, slots=True)
class ActionType:
    """An action kind a plug-in performs; ``description`` is one line for listings."""

    kind: str
    perform: Perform
    description: str = ""


@dataclass(frozen=True, slots=True)
class RegisteredAction:
    action: ActionType
    provider: str


@dataclass
class ActionRegistry:
    """Action kinds by name, with who provides each; ``failed`` names the plug-ins whose hook
    raised (with the error), so a row of a kind they would have provided can say why."""

    _entries: dict[str, RegisteredAction] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def register(self, action: ActionType, *, provider: str = "builtin") -> None:
        taken = self._entries.get(action.kind)
        if taken is not None:
            raise DuplicateActionKindError.between(
                "action kind", action.kind, taken.provider, provider
            )
        self._entries[action.kind] = RegisteredAction(action, provider)

    def get(self, kind: str) -> ActionType | None:
        found = self._entries.get(kind)
        return None if found is None else found.action

    def kinds(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def entries(self) -> list[RegisteredAction]:
        return list(self._entries.values())

    def __contains__(self, kind: object) -> bool:
        return kind in self._entries

    def __iter__(self) -> Iterator[ActionType]:
        return (e.action for e in self._entries.values())

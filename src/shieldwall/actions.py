"""The actions a decision owes, as typed values, and what one attempt at one came to.

An outbox row stores an action as ``kind`` plus a JSON ``payload``. The pipeline builds the
typed value (:class:`ReviewAction`, ...) and stores ``to_payload()``; the worker parses the
row once with :func:`parse_action` and performs the typed value. ``from_payload`` checks
every field it reads and raises :class:`~shieldwall.errors.InputError` naming the field, so
a malformed row becomes a dead letter that says what is wrong instead of a ``KeyError``.

The stored JSON is the format rows always had (no migration): a row written before these
types existed parses, and ``from_payload(a.to_payload()) == a`` for every action ``a``.
Two kinds carry a document that is passed on as written (the webhook body a platform
receives, the child-safety report a person files); their unknown keys are kept in
``extra`` rather than refused. The other kinds refuse unknown keys.

``item_id`` of a review or report action is ``None`` until stored: the id of a new item is
known only inside the transaction that writes it, and the item store fills it in there.

:class:`Attempt` is here, not in the worker, so that a plug-in performing its own action kind
(``shieldwall_register_actions``) answers with it without importing a shell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeAlias

from shieldwall.errors import InputError
from shieldwall.types import HashKind

Status = Literal["delivered", "retry", "dead", "held"]


@dataclass(frozen=True, slots=True)
class Attempt:
    """``delivered``: done (``message`` is an optional note); ``retry``: a passing failure
    worth another attempt; ``dead``: refused for good, straight to the dead letters;
    ``held``: not attempted, because this worker cannot perform it as configured (no
    webhook URL): the row stays owed, ``message`` says why, and no attempt is used up."""

    status: Status
    message: str | None = None
    payload: dict[str, Any] | None = None
    """For ``delivered``: what the row's payload becomes (e.g. the media dropped)."""

    @classmethod
    def delivered(
        cls, note: str | None = None, *, payload: dict[str, Any] | None = None
    ) -> Attempt:
        return cls("delivered", note, payload)

    @classmethod
    def retry(cls, error: str) -> Attempt:
        return cls("retry", error)

    @classmethod
    def dead(cls, error: str) -> Attempt:
        return cls("dead", error)

    @classmethod
    def held(cls, reason: str) -> Attempt:
        return cls("held", reason)


# --- field readers: each names the kind and the field it refuses ---------------------------


class _Reader:
    """Reads one payload's fields, remembering which were read (to refuse the rest)."""

    def __init__(self, kind: str, payload: object) -> None:
        if not isinstance(payload, Mapping):
            raise _bad(kind, f"the payload must be an object, got {type(payload).__name__}")
        self.kind = kind
        self.payload: Mapping[str, Any] = payload
        self.read: set[str] = set()

    def _get(self, name: str) -> Any:
        self.read.add(name)
        return self.payload.get(name)

    def text(self, name: str) -> str:
        value = self._get(name)
        if not isinstance(value, str) or not value:
            raise _bad(self.kind, f"{name} is required (a non-empty string)", value)
        return value

    def opt_text(self, name: str) -> str | None:
        value = self._get(name)
        if value is not None and not isinstance(value, str):
            raise _bad(self.kind, f"{name} must be a string or null", value)
        return value

    def opt_integer(self, name: str) -> int | None:
        value = self._get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise _bad(self.kind, f"{name} must be an integer or null", value)
        return value

    def integer(self, name: str) -> int:
        value = self.opt_integer(name)
        if value is None:
            raise _bad(self.kind, f"{name} is required (an integer)")
        return value

    def opt_float(self, name: str) -> float | None:
        value = self._get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _bad(self.kind, f"{name} must be a number or null", value)
        return float(value)

    def strs(self, name: str) -> tuple[str, ...]:
        value = self._get(name)
        if value is None:
            return ()
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise _bad(self.kind, f"{name} must be a list of strings", value)
        return tuple(value)

    def objects(self, name: str) -> tuple[dict[str, Any], ...]:
        value = self._get(name)
        if value is None:
            return ()
        if not isinstance(value, list | tuple) or not all(isinstance(v, Mapping) for v in value):
            raise _bad(self.kind, f"{name} must be a list of objects", value)
        return tuple(dict(v) for v in value)

    def opt_object(self, name: str) -> dict[str, Any] | None:
        value = self._get(name)
        if value is not None and not isinstance(value, Mapping):
            raise _bad(self.kind, f"{name} must be an object or null", value)
        return None if value is None else dict(value)

    def rest(self) -> dict[str, Any]:
        """The fields not read (kept by the kinds that pass a document on)."""
        return {k: v for k, v in self.payload.items() if k not in self.read}

    def no_rest(self) -> None:
        unknown = sorted(str(k) for k in self.payload if k not in self.read)
        if unknown:
            raise _bad(self.kind, f"unknown field(s) {', '.join(unknown)}")


def _bad(kind: str, message: str, value: object | None = None) -> InputError:
    return InputError(f"malformed {kind} payload: {message}", value=value)


def _check_extra(kind: str, extra: Mapping[str, Any], known: tuple[str, ...]) -> None:
    clash = sorted(set(extra) & set(known))
    if clash:
        raise ValueError(f"{kind} extra fields may not reuse {', '.join(clash)}")


# --- the built-in kinds --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WebhookAction:
    """A signed POST to the platform: ``event`` plus the document it receives (usually the
    public ``decision``; other events carry their own fields in ``extra``)."""

    kind: ClassVar[str] = "webhook"
    _known: ClassVar[tuple[str, ...]] = ("event", "decision")

    event: str
    decision: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_extra(self.kind, self.extra, self._known)

    def to_payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"event": self.event}
        if self.decision is not None:
            body["decision"] = self.decision
        return {**body, **self.extra}

    @classmethod
    def from_payload(cls, payload: object) -> WebhookAction:
        r = _Reader(cls.kind, payload)
        return cls(event=r.text("event"), decision=r.opt_object("decision"), extra=r.rest())


@dataclass(frozen=True, slots=True)
class ReviewAction:
    """Open a review task on an item in ``queue``; due ``sla_hours`` from now, or at
    ``due_at`` (ISO 8601) when a victim's case set the deadline."""

    kind: ClassVar[str] = "review"

    decision_id: str
    queue: str = "default"
    priority: str = "normal"
    sla_hours: float | None = None
    due_at: str | None = None
    item_id: int | None = None

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "item_id": self.item_id,
            "decision_id": self.decision_id,
            "queue": self.queue,
            "priority": self.priority,
            "sla_hours": self.sla_hours,
        }
        if self.due_at is not None:
            payload["due_at"] = self.due_at
        return payload

    @classmethod
    def from_payload(cls, payload: object) -> ReviewAction:
        r = _Reader(cls.kind, payload)
        action = cls(
            item_id=r.opt_integer("item_id"),
            decision_id=r.opt_text("decision_id") or "",
            queue=r.text("queue"),
            priority=r.opt_text("priority") or "normal",
            sla_hours=r.opt_float("sla_hours"),
            due_at=r.opt_text("due_at") or None,
        )
        r.no_rest()
        return action


@dataclass(frozen=True, slots=True)
class BankValue:
    """One hash to add to a bank."""

    signal_type: HashKind
    value: str


@dataclass(frozen=True, slots=True)
class AddToBankAction:
    """Add hashes to ``bank`` (and retro-hunt for them); ``content_id`` is the item that asked,
    spared by the hunt because it is already decided."""

    kind: ClassVar[str] = "add_to_bank"

    bank: str
    entries: tuple[BankValue, ...]
    source: str | None = None
    case_id: str | None = None
    content_id: str | None = None

    def to_payload(self) -> dict[str, Any]:
        return {
            "bank": self.bank,
            "entries": [
                {"signal_type": e.signal_type.value, "value": e.value} for e in self.entries
            ],
            "source": self.source,
            "case_id": self.case_id,
            "content_id": self.content_id,
        }

    @classmethod
    def from_payload(cls, payload: object) -> AddToBankAction:
        r = _Reader(cls.kind, payload)
        entries: list[BankValue] = []
        for i, raw in enumerate(r.objects("entries")):
            kind = raw.get("signal_type")
            value = raw.get("value")
            try:
                signal_type = HashKind(str(kind))
            except ValueError:
                known = ", ".join(s.value for s in HashKind)
                raise _bad(
                    cls.kind, f"entries[{i}].signal_type must be one of {known}", kind
                ) from None
            if not isinstance(value, str) or not value:
                raise _bad(cls.kind, f"entries[{i}].value is required (a string)", value)
            entries.append(BankValue(signal_type, value))
        if not entries:
            raise _bad(cls.kind, "entries is required (a list of {signal_type, value})")
        action = cls(
            bank=r.text("bank"),
            entries=tuple(entries),
            source=r.opt_text("source"),
            case_id=r.opt_text("case_id"),
            content_id=r.opt_text("content_id"),
        )
        r.no_rest()
        return action


@dataclass(frozen=True, slots=True)
class ChildSafetyReportAction:
    """Prepare (never send) a child-safety report file for a person to check and file."""

    kind: ClassVar[str] = "child_safety_report"
    _known: ClassVar[tuple[str, ...]] = (
        "item_id",
        "decision_id",
        "content_id",
        "categories",
        "reasons",
        "matches",
        "hashes",
    )

    content_id: str | None = None
    decision_id: str | None = None
    item_id: int | None = None
    categories: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    matches: tuple[dict[str, Any], ...] = ()
    hashes: dict[str, str | None] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_extra(self.kind, self.extra, self._known)

    def to_payload(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "decision_id": self.decision_id,
            "content_id": self.content_id,
            "categories": list(self.categories),
            "reasons": list(self.reasons),
            "matches": [dict(m) for m in self.matches],
            "hashes": dict(self.hashes),
            **self.extra,
        }

    @classmethod
    def from_payload(cls, payload: object) -> ChildSafetyReportAction:
        r = _Reader(cls.kind, payload)
        hashes = r.opt_object("hashes") or {}
        if not all(v is None or isinstance(v, str) for v in hashes.values()):
            raise _bad(cls.kind, "hashes must map names to strings or null", hashes)
        return cls(
            item_id=r.opt_integer("item_id"),
            decision_id=r.opt_text("decision_id"),
            content_id=r.opt_text("content_id"),
            categories=r.strs("categories"),
            reasons=r.strs("reasons"),
            matches=r.objects("matches"),
            hashes=hashes,
            extra=r.rest(),
        )


FeedbackVerdict = Literal["confirmed", "rejected"]
FEEDBACK_VERDICTS: tuple[FeedbackVerdict, ...] = ("confirmed", "rejected")


@dataclass(frozen=True, slots=True)
class ExchangeFeedbackAction:
    """Tell ``exchange`` a moderator's verdict on a hash it supplied."""

    kind: ClassVar[str] = "exchange_feedback"

    exchange: str
    signal_type: str
    value: str
    verdict: FeedbackVerdict
    external_id: str | None = None
    case_id: str | None = None
    entry_id: int | None = None

    def to_payload(self) -> dict[str, Any]:
        return {
            "exchange": self.exchange,
            "signal_type": self.signal_type,
            "value": self.value,
            "verdict": self.verdict,
            "external_id": self.external_id,
            "case_id": self.case_id,
            "entry_id": self.entry_id,
        }

    @classmethod
    def from_payload(cls, payload: object) -> ExchangeFeedbackAction:
        r = _Reader(cls.kind, payload)
        verdict = r.text("verdict")
        if verdict not in FEEDBACK_VERDICTS:
            raise _bad(cls.kind, "verdict must be confirmed or rejected", verdict)
        action = cls(
            exchange=r.text("exchange"),
            signal_type=r.text("signal_type"),
            value=r.text("value"),
            verdict="confirmed" if verdict == "confirmed" else "rejected",
            external_id=r.opt_text("external_id"),
            case_id=r.opt_text("case_id"),
            entry_id=r.opt_integer("entry_id"),
        )
        r.no_rest()
        return action


@dataclass(frozen=True, slots=True)
class DetectAction:
    """Run the heavy detectors a scan left to the worker on the upload (base64 until the
    action is performed; the delivered row keeps the findings instead)."""

    kind: ClassVar[str] = "detect"

    decision_id: str
    content_id: str
    media_type: str
    signals: tuple[str, ...]
    media_b64: str

    def to_payload(self) -> dict[str, Any]:
        return {
            "content_id": self.content_id,
            "media_type": self.media_type,
            "signals": list(self.signals),
            "media_b64": self.media_b64,
            "decision_id": self.decision_id,
        }

    @classmethod
    def from_payload(cls, payload: object) -> DetectAction:
        r = _Reader(cls.kind, payload)
        action = cls(
            decision_id=r.text("decision_id"),
            content_id=r.opt_text("content_id") or "",
            media_type=r.opt_text("media_type") or "",
            signals=r.strs("signals"),
            media_b64=r.text("media_b64"),
        )
        r.no_rest()
        return action


TypedAction: TypeAlias = (
    WebhookAction
    | ReviewAction
    | AddToBankAction
    | ChildSafetyReportAction
    | ExchangeFeedbackAction
    | DetectAction
)
"""Every built-in action."""

BUILTIN_ACTIONS: Mapping[
    str,
    type[WebhookAction]
    | type[ReviewAction]
    | type[AddToBankAction]
    | type[ChildSafetyReportAction]
    | type[ExchangeFeedbackAction]
    | type[DetectAction],
] = {
    cls.kind: cls
    for cls in (
        WebhookAction,
        ReviewAction,
        AddToBankAction,
        ChildSafetyReportAction,
        ExchangeFeedbackAction,
        DetectAction,
    )
}
"""The built-in kinds by name."""


def parse_action(kind: str, payload: object) -> TypedAction:
    """The typed action a stored row holds; raises :class:`InputError` naming what is wrong
    (an unknown kind is a ``KeyError``: plug-ins perform kinds of their own)."""
    return BUILTIN_ACTIONS[kind].from_payload(payload)

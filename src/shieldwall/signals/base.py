"""The ``Signal`` protocol: what every detector (built-in or plug-in) looks like to Shieldwall.

A signal looks at one item (an image, a piece of text, a URL, a generation request) and answers
a :class:`~shieldwall.types.SignalResult`: a score, labels the policy can test, and evidence a
moderator can read. Signals never decide anything; the policy does.

The protocol is deliberately small so that a detector written by someone else (a nudity
classifier, a face detector, a platform's own model) can be dropped in through a plug-in:

- ``name``, ``version``: how results and policy rules refer to the signal;
- ``applies_to``: the kinds of subject it understands, so the runner can skip it cheaply;
- ``availability()``: whether it can run here (an optional dependency or model may be missing)
  and, if not, how to install what it needs;
- ``evaluate(item)``: the work. It may raise: the runner turns any exception into an error
  result for that signal alone and the others go on.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

from shieldwall.types import SignalResult

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

T = TypeVar("T")


class Subject(enum.StrEnum):
    """The kinds of thing a signal can look at."""

    IMAGE = "image"
    TEXT = "text"
    URL = "url"
    GENERATION_REQUEST = "generation_request"


@dataclass(frozen=True)
class SignalInput:
    """One item to evaluate, with whatever parts of it the caller has.

    ``media`` is the original file, byte for byte: metadata and C2PA manifests live there and
    are lost on decoding. ``pixels`` is the decoded image (RGB, uint8, EXIF orientation
    applied) for signals that look at content; callers that decode once pass it so that every
    signal does not decode again. A field left ``None`` means "not part of this item".
    """

    media: bytes | None = None
    pixels: npt.NDArray[np.uint8] | None = None
    media_type: str | None = None
    text: str | None = None
    url: str | None = None
    link_targets: tuple[str, ...] = ()
    prompt: str | None = None

    @property
    def subjects(self) -> frozenset[Subject]:
        """The subjects this item offers; a signal runs when its ``applies_to`` meets these."""
        found: set[Subject] = set()
        if self.pixels is not None or (
            self.media is not None
            and (self.media_type is None or self.media_type.startswith("image/"))
        ):
            found.add(Subject.IMAGE)
        if self.text is not None:
            found.add(Subject.TEXT)
        if self.url is not None or self.link_targets:
            found.add(Subject.URL)
        if self.prompt is not None:
            found.add(Subject.GENERATION_REQUEST)
        return frozenset(found)


@dataclass(frozen=True)
class Availability:
    """Whether a signal can run here; when not, ``reason`` says why and ``install_hint`` how.

    A usable signal may still carry a ``reason``: a note that part of it is degraded (for
    example C2PA checking skipped because its library is missing).
    """

    usable: bool
    reason: str | None = None
    install_hint: str | None = None

    def describe(self) -> str:
        """One line for people: ``usable``, or ``not usable: why (how to fix)``."""
        head = "usable" if self.usable else "not usable"
        detail = "; ".join(part for part in (self.reason, self.install_hint) if part)
        return f"{head}: {detail}" if detail else head


USABLE = Availability(usable=True)
"""The availability of a signal that needs nothing beyond Shieldwall's own dependencies."""


@runtime_checkable
class Signal(Protocol):
    """A detector; see the module docstring. Implementations must be safe to call from threads."""

    name: str
    version: str
    applies_to: frozenset[Subject]
    description: str

    def availability(self) -> Availability:
        """Cheap check (no model loading, no I/O beyond imports) of whether this can run."""
        ...

    def evaluate(self, item: SignalInput) -> SignalResult:
        """Look at ``item`` and explain what was found; may raise (the runner isolates it)."""
        ...


def is_heavy(signal: Signal) -> bool:
    """Whether ``signal`` is a heavy detector (a model over the pixels: tens of ms and more).

    Heavy detectors do not hold up a scan's answer: they run in the worker afterwards and may
    add a follow-up decision (``signals_sync_surfaces`` keeps them in line for some surfaces).
    A signal says so with a class attribute ``heavy = True``; plug-ins without it are cheap.
    """
    return bool(getattr(signal, "heavy", False))


class ItemMemo:
    """The value one detector computed for the last few items, so a combining detector
    (``intimate_real_person`` over ``nudity`` and ``faces``) reuses it instead of running the
    model again. Keyed by the identity of the :class:`SignalInput` (every signal of one scan
    gets the same object); a caller that asks while another thread computes the same item
    waits for that answer. Holds at most ``size`` items, so it never pins many images.
    """

    def __init__(self, size: int = 4) -> None:
        import threading

        self._size = size
        self._lock = threading.Lock()
        self._entries: list[tuple[object, object]] = []  # (item, value or an Event)

    def get(self, item: object, compute: Callable[[], T]) -> T:
        import threading

        with self._lock:
            for key, value in self._entries:
                if key is item:
                    found = value
                    break
            else:
                found = None
                pending = threading.Event()
                self._entries = [*self._entries[-(self._size - 1) :], (item, pending)]
        if found is None:
            try:
                result = compute()
            except BaseException:
                with self._lock:
                    self._entries = [e for e in self._entries if e[0] is not item]
                pending.set()
                raise
            with self._lock:
                self._entries = [(k, result if k is item else v) for k, v in self._entries]
            pending.set()
            return result
        if isinstance(found, threading.Event):
            found.wait()
            return self.get(item, compute)  # the answer is stored now (or it failed: recompute)
        return found  # type: ignore[return-value]


def error_result(signal: Signal, message: str, *, elapsed_ms: float | None = None) -> SignalResult:
    """The result of ``signal`` when it could not give an answer: no score, the reason why."""
    return SignalResult(
        signal=signal.name, version=signal.version, error=message, elapsed_ms=elapsed_ms
    )

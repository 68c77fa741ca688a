"""Which signals exist: the built-in ones, listed in one place, and a registry to hold them.

``BUILTIN_SIGNAL_MODULES`` is the single list of modules that provide built-in signals. Each is
imported on demand, so an optional dependency that is missing (a model runtime, OpenCV) makes
its signals show as "not usable: pip install ..." instead of breaking every import of
Shieldwall. A listed module that does not exist (yet) is skipped silently.

A module provides its signals in one of two ways:

- a function ``builtin_signals(context: SignalContext) -> list[Signal]`` (preferred: it can use
  the context, e.g. the C2PA trust anchors);
- otherwise, every class defined in it that has the ``Signal`` attributes and can be built
  without arguments is instantiated.

The plug-in manager (:mod:`shieldwall.plugins`) calls :func:`load_builtin_signals` from a
default plug-in, so built-ins and third-party signals arrive through the same hook.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any, cast

from shieldwall.errors import DuplicateProvidedError
from shieldwall.signals.base import Availability, Signal, SignalInput, Subject
from shieldwall.signals.text import IndicatorSet, TextIndicatorSignal
from shieldwall.types import SignalResult


@dataclass(frozen=True)
class SignalContext:
    """What signals may need to build themselves; the composition root fills it from settings.

    One object rather than many parameters, so that adding a field never breaks a plug-in.
    """

    indicators: IndicatorSet | None = None
    """Text indicator feeds; without them the ``text_indicators`` signal is not usable."""
    c2pa_trust_anchors: str | None = None
    """PEM bundle of root certificates whose C2PA signers count as trusted."""
    max_image_pixels: int = 100_000_000
    """Signals that decode images refuse larger ones (same meaning as the setting)."""


@dataclass(frozen=True)
class BuiltinModule:
    """One entry of the built-in list: where the signals come from and what to call them."""

    source: str
    """``package.module`` or ``package.module:function``."""
    name: str
    """The signal's name, shown when the module cannot be imported."""
    extra: str | None = None
    """The Shieldwall extra that installs the module's optional dependencies; it must be
    one the distribution declares (a test checks the built-in list)."""


BUILTIN_SIGNAL_MODULES: tuple[BuiltinModule, ...] = (
    BuiltinModule("shieldwall.signals.registry:text_indicator_signals", "text_indicators"),
    BuiltinModule("shieldwall.signals.provenance", "provenance"),
    BuiltinModule("shieldwall.signals.watermark", "watermark"),
    BuiltinModule("shieldwall.signals.nudity", "nudity"),
    BuiltinModule("shieldwall.signals.faces", "faces"),
    BuiltinModule("shieldwall.signals.intimate", "intimate_real_person"),
    BuiltinModule("shieldwall.signals.guard", "generation_guard"),
)
"""The built-in detectors' packages are Shieldwall's own dependencies, so none names an
extra: a missing one is reinstalled by its package name (an extra that does not exist
would send an operator to a ``pip install`` that fails)."""

PIP_NAMES: dict[str, str] = {
    "cv2": "opencv-python-headless",
    "pywt": "PyWavelets",
    "c2pa": "c2pa-python",
    "imwatermark": "invisible-watermark",
    "onnxruntime": "onnxruntime",
    "PIL": "pillow",
    "sklearn": "scikit-learn",
    "yaml": "pyyaml",
}
"""Import names whose PyPI distribution is named differently."""


class DuplicateSignalError(DuplicateProvidedError):
    """Two signals (built-in or plug-in) claim the same name; results would be ambiguous."""

    code = "duplicate_signal"


class UnavailableSignal:
    """Stands in for a signal whose module could not be loaded, so listings can say why."""

    version = "-"

    def __init__(
        self,
        name: str,
        reason: str,
        install_hint: str | None = None,
        *,
        applies_to: frozenset[Subject] = frozenset(),
    ) -> None:
        self.name = name
        self.applies_to = applies_to
        self.description = f"{name} (not loaded)"
        self._availability = Availability(False, reason, install_hint)

    def availability(self) -> Availability:
        return self._availability

    def evaluate(self, item: SignalInput) -> SignalResult:
        raise RuntimeError(f"signal {self.name} is not usable: {self._availability.reason}")


class TextIndicatorAdapter:
    """Presents :class:`~shieldwall.signals.text.TextIndicatorSignal` as a ``Signal``.

    The text signal predates the protocol and takes text, a page URL and link targets as
    arguments; this adapter pulls them out of a ``SignalInput``.
    """

    applies_to = frozenset({Subject.TEXT, Subject.URL})
    description = "Nudify-service indicators (bot handles, domains, URLs, keywords) in text/links"

    def __init__(self, indicators: IndicatorSet | None) -> None:
        self._indicators = indicators
        self._inner = TextIndicatorSignal(indicators) if indicators is not None else None
        self.name = TextIndicatorSignal.name
        self.version = TextIndicatorSignal.version

    def availability(self) -> Availability:
        if self._inner is None:
            return Availability(
                False,
                "no indicator set loaded",
                "import an indicator feed (CSV, STIX 2.1 or MISP) and configure it",
            )
        return Availability(usable=True)

    def evaluate(self, item: SignalInput) -> SignalResult:
        if self._inner is None:
            raise RuntimeError("no indicator set loaded")
        return self._inner.evaluate(item.text or "", url=item.url, link_targets=item.link_targets)


def text_indicator_signals(context: SignalContext) -> list[Signal]:
    """Built-in entry for the text indicator signal (wrapped by :class:`TextIndicatorAdapter`)."""
    return [TextIndicatorAdapter(context.indicators)]


def install_hint(missing: str, extra: str | None) -> str:
    """How to install a missing import: the Shieldwall extra if there is one, else the package."""
    root = missing.split(".")[0]
    package = PIP_NAMES.get(root, root)
    if extra:
        return f"pip install 'shieldwall[{extra}]' (or: pip install {package})"
    return f"pip install {package}"


def _looks_like_signal(obj: Any) -> bool:
    return all(hasattr(obj, attr) for attr in ("name", "version", "applies_to")) and all(
        callable(getattr(obj, m, None)) for m in ("evaluate", "availability")
    )


def _discover(module: ModuleType, entry: BuiltinModule) -> list[Signal]:
    found: list[Signal] = []
    for _, cls in inspect.getmembers(module, inspect.isclass):
        if not cls.__module__.startswith(module.__name__) or not _looks_like_signal(cls):
            continue
        if cls in (UnavailableSignal, TextIndicatorAdapter):
            continue
        try:
            found.append(cast(Signal, cls()))
        except TypeError:
            found.append(
                UnavailableSignal(
                    str(getattr(cls, "name", entry.name)),
                    f"{cls.__name__} needs arguments; its module should define "
                    "builtin_signals(context)",
                )
            )
    return found


def load_builtin(entry: BuiltinModule, context: SignalContext) -> list[Signal]:
    """The signals of one built-in entry, or a stand-in saying why they are not available."""
    module_name, _, function = entry.source.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            return []  # the module itself does not exist in this version: nothing to offer
        missing = exc.name or "an optional dependency"
        return [
            UnavailableSignal(
                entry.name,
                f"optional dependency {missing} is not installed",
                install_hint(missing, entry.extra),
            )
        ]
    except Exception as exc:  # a broken module must not take the others down
        return [UnavailableSignal(entry.name, f"failed to load: {type(exc).__name__}: {exc}")]
    factory = getattr(module, function or "builtin_signals", None)
    try:
        if callable(factory):
            return list(factory(context))
        return _discover(module, entry)
    except Exception as exc:
        return [UnavailableSignal(entry.name, f"failed to start: {type(exc).__name__}: {exc}")]


def load_builtin_signals(
    context: SignalContext | None = None,
    modules: Iterable[BuiltinModule] | None = None,
) -> list[Signal]:
    """Every built-in signal (of ``modules``, default the built-in list), usable or not."""
    ctx = context or SignalContext()
    entries = BUILTIN_SIGNAL_MODULES if modules is None else modules
    return [signal for entry in entries for signal in load_builtin(entry, ctx)]


@dataclass(frozen=True)
class RegisteredSignal:
    """A signal and who provided it (``builtin`` or a plug-in's name)."""

    signal: Signal
    provider: str


class SignalRegistry:
    """Signals by name. Names are unique: a second signal with a taken name is refused."""

    def __init__(self) -> None:
        self._entries: dict[str, RegisteredSignal] = {}
        self._usable: list[Signal] | None = None

    def register(self, signal: Signal, *, provider: str = "builtin") -> None:
        taken = self._entries.get(signal.name)
        if taken is not None:
            raise DuplicateSignalError.between("signal name", signal.name, taken.provider, provider)
        self._entries[signal.name] = RegisteredSignal(signal, provider)
        self._usable = None

    def get(self, name: str) -> Signal:
        try:
            return self._entries[name].signal
        except KeyError:
            raise KeyError(f"no signal named {name!r}") from None

    def entries(self) -> list[RegisteredSignal]:
        return list(self._entries.values())

    def usable(self) -> list[Signal]:
        """The signals that can run here, in registration order.

        Worked out once per registry: availability is what is installed (packages, model
        files), which a running process does not see change, and asking cost two package
        look-ups per signal on every scan (~3% of a scan). A new indicator set arrives as a
        new registry (``Runtime.refresh_indicators``), so it is never answered from here."""
        if self._usable is None:
            self._usable = [e.signal for e in self._entries.values() if _usable(e.signal)]
        return list(self._usable)

    def __iter__(self) -> Iterator[Signal]:
        return (e.signal for e in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries


def _usable(signal: Signal) -> bool:
    try:
        return signal.availability().usable
    except Exception:
        return False

"""Signals: detectors that look at one item and explain what they saw.

The protocol (:mod:`~shieldwall.signals.base`), the runner that isolates each signal and keeps
it to a time budget (:mod:`~shieldwall.signals.runner`), and the registry of built-in signals
(:mod:`~shieldwall.signals.registry`). The built-in detectors live in their own modules
(``text/``, ``provenance/``, ``watermark.py``, ...) and are imported only when the registry
loads them, so an optional dependency that is missing never breaks ``import shieldwall.signals``.
"""

from shieldwall.signals.base import (
    USABLE,
    Availability,
    Signal,
    SignalInput,
    Subject,
    error_result,
)
from shieldwall.signals.registry import (
    BUILTIN_SIGNAL_MODULES,
    BuiltinModule,
    DuplicateSignalError,
    RegisteredSignal,
    SignalContext,
    SignalRegistry,
    TextIndicatorAdapter,
    UnavailableSignal,
    load_builtin_signals,
)
from shieldwall.signals.runner import DEFAULT_BUDGET_MS, applicable_signals, run_signals

__all__ = [
    "BUILTIN_SIGNAL_MODULES",
    "DEFAULT_BUDGET_MS",
    "USABLE",
    "Availability",
    "BuiltinModule",
    "DuplicateSignalError",
    "RegisteredSignal",
    "Signal",
    "SignalContext",
    "SignalInput",
    "SignalRegistry",
    "Subject",
    "TextIndicatorAdapter",
    "UnavailableSignal",
    "applicable_signals",
    "error_result",
    "load_builtin_signals",
    "run_signals",
]

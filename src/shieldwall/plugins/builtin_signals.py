"""Default plug-in: the built-in signals listed in ``shieldwall.signals.registry``.

Registering the built-ins through the same hook as third-party plug-ins keeps one code path
for listing, running and testing every signal.
"""

from __future__ import annotations

from shieldwall.plugins.hookspecs import hookimpl
from shieldwall.signals.base import Signal
from shieldwall.signals.registry import SignalContext, load_builtin_signals


@hookimpl
def shieldwall_register_signals(context: SignalContext) -> list[Signal]:
    return load_builtin_signals(context)

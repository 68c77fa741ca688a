"""The hooks a Shieldwall plug-in can implement.

Each hook takes a single ``context`` argument. Signals are the first extension point; exchange
formats and actioners will get their own ``shieldwall_register_*`` hooks here, with their own
context objects, when those parts are opened to plug-ins.
"""

from __future__ import annotations

import pluggy

from shieldwall.signals.base import Signal
from shieldwall.signals.registry import SignalContext

PROJECT_NAME = "shieldwall"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def shieldwall_register_signals(context: SignalContext) -> list[Signal]:  # type: ignore[empty-body]
    """Return the signals this plug-in provides, built for ``context``.

    Names must be unique across all plug-ins and built-ins. A signal whose dependencies are
    missing should still be returned, with ``availability()`` saying what to install.
    """


@hookspec
def shieldwall_register_exchanges() -> list[type]:  # type: ignore[empty-body]
    """Return the exchange connector classes this plug-in provides.

    Each class has a unique ``kind`` and ``description`` and is built with an
    :class:`~shieldwall.exchange.connectors.ExchangeContext`; see
    :class:`~shieldwall.exchange.connectors.ExchangeConnector`.
    """

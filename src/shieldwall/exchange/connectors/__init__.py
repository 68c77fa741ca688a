"""Exchange connectors: where hashes come from on a schedule (and where feedback goes).

:mod:`.base` is the plug-in interface; the built-in connectors are registered as a
default plug-in (``shieldwall.plugins.builtin_exchanges``), third-party ones through
the ``shieldwall_register_exchanges`` hook.
"""

from shieldwall.exchange.connectors.base import (
    ExchangeConnector,
    ExchangeContext,
    ExchangeRegistry,
    Feedback,
    FetchedPage,
)

__all__ = ["ExchangeConnector", "ExchangeContext", "ExchangeRegistry", "Feedback", "FetchedPage"]

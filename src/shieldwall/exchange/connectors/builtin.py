"""The built-in exchange connectors, registered as a default plug-in like any third-party
one's (the marker is pluggy's own, so this module needs nothing from ``shieldwall.plugins``)."""

from __future__ import annotations

import pluggy

from shieldwall.exchange.connectors.federation import ShieldwallFeedExchange
from shieldwall.exchange.connectors.http_json import HttpJsonExchange
from shieldwall.exchange.connectors.local import LocalFilesExchange
from shieldwall.exchange.connectors.stopncii import StopNCIIExchange
from shieldwall.exchange.connectors.threatexchange import ThreatExchangeExchange

hookimpl = pluggy.HookimplMarker("shieldwall")


@hookimpl
def shieldwall_register_exchanges() -> list[type]:
    return [
        LocalFilesExchange,
        StopNCIIExchange,
        ShieldwallFeedExchange,
        ThreatExchangeExchange,
        HttpJsonExchange,
    ]

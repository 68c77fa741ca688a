"""The client's address as every part of the server sees it: the peer, or what a trusted
proxy says the peer was.

One function for the API-key throttle, the victim portal's limits and anything else that
counts per client, so that they agree. Behind a TLS-terminating proxy every request comes
from the proxy's address; listing it in ``trusted_proxies`` makes its ``X-Forwarded-For``
believed. The header is ignored from anyone else, so a client talking to the server
directly cannot pick the address it is counted under.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.requests import HTTPConnection


def client_address(request: HTTPConnection, trusted_proxies: Iterable[str]) -> str:
    """The client's address: the peer, or the last untrusted ``X-Forwarded-For`` hop when
    the peer is a trusted proxy (a client cannot pick its own address by sending the
    header directly, nor by prepending hops: only the hops the trusted proxies appended
    are read, from the right)."""
    peer = request.client.host if request.client else "unknown"
    trusted = set(trusted_proxies)
    if peer not in trusted:
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return _valid_ip(hop) or peer
    return peer


def _valid_ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None

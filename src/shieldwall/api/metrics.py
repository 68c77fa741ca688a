"""Prometheus metrics, in a registry of our own so that several apps in one test process
never collide on the global default registry."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "shieldwall_http_requests_total",
    "HTTP requests",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "shieldwall_http_request_seconds",
    "HTTP request latency",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)
VERDICTS = Counter(
    "shieldwall_decisions_total", "Decisions made", ["verdict", "source"], registry=REGISTRY
)
INDEX_ENTRIES = Gauge("shieldwall_index_entries", "Entries in the match index", registry=REGISTRY)
OUTBOX = Gauge("shieldwall_outbox_rows", "Outbox rows by status", ["status"], registry=REGISTRY)
REDIS_FALLBACKS = Counter(
    "shieldwall_rate_limiter_redis_failures_total",
    "Rate-limit checks that fell back to local limits because Redis failed",
    registry=REGISTRY,
)


class ObserveMiddleware:
    """Counts requests and times them per route, as a pure ASGI middleware.

    Not ``@app.middleware("http")``: that wraps every request in a second task and
    re-streams its body, which cost more per lookup than the lookup's own decision.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # what the server answers when the app raises before responding

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            # The router records the matched route in the (shared) scope.
            path = getattr(scope.get("route"), "path", "unmatched")
            LATENCY.labels(path).observe(time.perf_counter() - start)
            REQUESTS.labels(scope.get("method", ""), path, str(status)).inc()

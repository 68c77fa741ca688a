"""Prometheus metrics, in a registry of our own so that several apps in one test process
never collide on the global default registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

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

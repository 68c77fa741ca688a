"""Liveness, readiness and Prometheus metrics (no API key: for load balancers and scrapers)."""

from __future__ import annotations

import dataclasses

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from shieldwall.api.auth import RedisRateLimiter
from shieldwall.api.deps import RuntimeDep
from shieldwall.api.problems import problem

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(request: Request, rt: RuntimeDep) -> dict[str, object] | Response:
    """Ready to serve, dependency by dependency.

    503 when a dependency the API cannot serve without is down (the database, the index);
    200 with ``status: degraded`` when only Redis is down: the API then limits rates per
    process and the worker delivers from the database outbox, so traffic may still come.
    """
    checks: dict[str, str] = {}
    try:
        with rt.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unavailable: {type(exc).__name__}"
    checks["index"] = "ok" if rt.matcher.loaded else "loading"
    feed = rt.change_feed_status()
    if feed is not None and feed.mode == "notify":
        # Without the push channel changes still arrive, by the fallback poll (about 1 s).
        checks["change_feed"] = "ok" if feed.connected else "unavailable: polling"
    limiter = getattr(request.app.state, "rate_limiter", None)
    if isinstance(limiter, RedisRateLimiter):
        failure = limiter.ping()
        checks["redis"] = "ok" if failure is None else f"unavailable: {failure}"
    if checks["database"] != "ok" or checks["index"] != "ok":
        detail = "; ".join(f"{k} {v}" for k, v in checks.items() if v != "ok")
        return problem(503, "not_ready", detail, headers={"Retry-After": "5"}, checks=checks)
    ready = all(v == "ok" for v in checks.values())
    return {
        "status": "ready" if ready else "degraded",
        "checks": checks,
        "index_entries": len(rt.matcher),
        "change_seq": rt.matcher.change_seq,
    } | ({"change_feed": dataclasses.asdict(feed)} if feed is not None else {})


@router.get("/metrics", include_in_schema=False)
def metrics(rt: RuntimeDep) -> Response:
    from shieldwall.api import metrics as m

    m.INDEX_ENTRIES.set(len(rt.matcher))
    for status, n in rt.outbox.counts().items():
        m.OUTBOX.labels(status=status).set(n)
    return Response(generate_latest(m.REGISTRY), media_type=CONTENT_TYPE_LATEST)

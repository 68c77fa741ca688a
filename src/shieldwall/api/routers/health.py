"""Liveness, readiness and Prometheus metrics (no API key: for load balancers and scrapers)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from shieldwall.api.deps import RuntimeDep
from shieldwall.api.problems import problem

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(rt: RuntimeDep) -> dict[str, object] | Response:
    """Ready to serve: the database answers and the index is loaded."""
    try:
        with rt.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return problem(503, "not_ready", f"database unavailable: {type(exc).__name__}")
    if not rt.matcher.loaded:
        return problem(503, "not_ready", "the match index is still loading")
    return {
        "status": "ready",
        "index_entries": len(rt.matcher),
        "change_seq": rt.matcher.change_seq,
    }


@router.get("/metrics", include_in_schema=False)
def metrics(rt: RuntimeDep) -> Response:
    from shieldwall.api import metrics as m

    m.INDEX_ENTRIES.set(len(rt.matcher))
    for status, n in rt.outbox.counts().items():
        m.OUTBOX.labels(status=status).set(n)
    return Response(generate_latest(m.REGISTRY), media_type=CONTENT_TYPE_LATEST)

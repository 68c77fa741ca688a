"""The HTTP API: ``create_app(settings)`` builds a FastAPI app around one :class:`Runtime`.

No module-level app or engine: tests build as many isolated apps as they like,
and ``shieldwall serve`` builds one from the environment.
"""

from __future__ import annotations

import gc
import logging
import math
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI

from shieldwall import __version__
from shieldwall.api import hma, metrics, problems
from shieldwall.api.auth import KeyVerifier, RateLimiter, RedisRateLimiter
from shieldwall.api.edge_text import StorableTextMiddleware
from shieldwall.api.fast_lookup import LookupFastLane
from shieldwall.api.limits import JSON_BODY_LIMIT, BodyLimitMiddleware
from shieldwall.api.routers import (
    actions,
    appeals,
    banks,
    exchanges,
    feeds,
    guard,
    health,
    indicators,
    items,
    notices,
    proof,
    scan,
    videos,
)
from shieldwall.config import Settings, load_settings
from shieldwall.pipeline.faults import temporary_fault
from shieldwall.pipeline.scan import ScanOutcome
from shieldwall.runtime import Runtime

DecisionsHook = Callable[[Runtime, Sequence[str]], None]
"""Called with the ids of decisions just committed (e.g. to queue their outbox rows now)."""

ActionsHook = Callable[[Runtime, Sequence[int]], None]
"""Called with the ids of outbox rows just committed with a scan's or lookup's decision."""

MATCHER_REFRESH_S = 0.05
"""With ``change_feed=poll``: how stale another process's bank changes may be on this
replica (seconds), read before a lookup. With ``push`` (the default) no request reads the
change log: the runtime's change feed applies changes on its own thread."""


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    on_decisions: DecisionsHook | None = None,
    on_actions: ActionsHook | None = None,
    warm_signals: bool = True,
) -> FastAPI:
    """Build the API. ``on_decisions`` runs after new decisions are stored (best effort:
    the worker's sweeper delivers whatever a hook did not queue). ``on_actions``, when
    given, is told a scan's or lookup's new outbox rows instead (their ids are known
    from the write, so nothing is read back on the request path)."""
    settings = settings or (runtime.settings if runtime else load_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pushed = runtime is None and settings.change_feed == "push"
        rt = runtime or Runtime.open(
            settings, matcher_refresh_s=math.inf if pushed else MATCHER_REFRESH_S
        )
        app.state.runtime = rt
        app.state.verifier = KeyVerifier(
            rt.keys,
            verifications_per_minute=settings.api_key_verifications_per_minute,
            concurrency=settings.api_key_verify_concurrency,
        )
        app.state.rate_limiter = (
            RedisRateLimiter(settings.redis_url) if settings.redis_url else RateLimiter()
        )
        # Load everything before the first request so /readyz means it.
        rt.matcher  # noqa: B018
        rt.policies.policy  # noqa: B018
        if warm_signals:
            # Models load now, not inside the first request's time budget (only those the
            # server itself runs: heavy detectors the worker runs are not loaded here).
            for signal in rt.server_signals():
                warm = getattr(signal, "warm_up", None)
                if callable(warm):
                    warm()

        def best_effort(hook: Callable[[], None], what: str, count: int) -> None:
            try:
                hook()
            except Exception as exc:
                api_log = logging.getLogger("shieldwall.api")
                fault = temporary_fault(exc)
                if fault is None:
                    api_log.exception("%s hook failed", "on_" + what)
                else:
                    # Committed already; the worker's sweep finds the rows when it is back.
                    api_log.warning(
                        "outbox.enqueue_deferred %s=%s code=%s error=%s",
                        what,
                        count,
                        fault.code,
                        type(exc).__name__,
                    )

        def decided(decision_ids: Sequence[str]) -> None:
            if on_decisions is not None and decision_ids:
                best_effort(lambda: on_decisions(rt, decision_ids), "decisions", len(decision_ids))

        def remember(outcomes: Sequence[ScanOutcome]) -> None:
            for outcome in outcomes:
                metrics.VERDICTS.labels(outcome.decision.verdict, outcome.decision.source).inc()
            # Decisions without actions give the worker nothing; the rest are queued
            # together (a batch's thousand decisions: one call, not one per decision).
            acting = [o for o in outcomes if o.outbox_ids]
            if not acting:
                return
            if on_actions is not None:
                rows = [row for o in acting for row in o.outbox_ids]
                best_effort(lambda: on_actions(rt, rows), "actions", len(rows))
            else:
                decided([o.decision.id for o in acting])

        app.state.decided = decided
        # A sink, not an attribute: another app on the same runtime keeps its own.
        remove_sink = rt.scanner.add_stored_sink(remember)
        if runtime is None:  # push: the matcher and the holds; poll: the holds only
            rt.change_feed.start()
            # A served process keeps what it loaded (models, policy, routes, indexes) for
            # its life: moved out of the collector's sight, so full collections walk only
            # what requests create (they took 40-130 ms each and set every lookup's p99).
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            remove_sink()
            if runtime is None:
                rt.close()

    app = FastAPI(
        title="Shieldwall",
        version=__version__,
        description=(
            "Proactively stop non-consensual intimate imagery: hash matching against victim "
            "banks, signals, policy, reliable actions and an audit trail."
        ),
        lifespan=lifespan,
        # Shieldwall exports Prometheus metrics (/metrics) and configures no OpenTelemetry
        # provider, so FastAPI's native telemetry would only ask, on every request, whether
        # one exists (~25 us per lookup).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    problems.install(app)

    def body_limit(path: str) -> int:
        # Media uploads (images, videos, HMA uploads) get the documented media limit.
        uploads = (
            path in ("/v1/scan", "/v1/videos/match")
            or _is_video_bank_upload(path)
            or (settings.hma_api_enabled and hma.takes_uploads(path))
        )
        return settings.max_upload_bytes + 64 * 1024 if uploads else JSON_BODY_LIMIT

    # Innermost, so the body limit, the path's NUL check, metrics and headers still apply.
    app.add_middleware(LookupFastLane)
    app.add_middleware(BodyLimitMiddleware, limit_for=body_limit)
    app.add_middleware(StorableTextMiddleware)

    app.add_middleware(metrics.ObserveMiddleware)

    for module in (
        health,
        scan,
        banks,
        indicators,
        items,
        videos,
        guard,
        proof,
        actions,
        appeals,
        notices,
        exchanges,
        feeds,
    ):
        app.include_router(module.router)
    if settings.hma_api_enabled:
        app.include_router(hma.build_router())
    return app


def _is_video_bank_upload(path: str) -> bool:
    """``/v1/banks/{name}/videos``: a bank name never holds '/', so three parts after v1."""
    parts = path.strip("/").split("/")
    return len(parts) == 4 and parts[:2] == ["v1", "banks"] and parts[3] == "videos"

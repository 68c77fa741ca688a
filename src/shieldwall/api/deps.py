"""FastAPI dependencies: the runtime, the caller and its scope, as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from starlette.concurrency import run_in_threadpool

from shieldwall.api.auth import (
    KeyThrottledError,
    KeyVerifier,
    Principal,
    RateLimiter,
    RedisRateLimiter,
    VerifierBusyError,
    bearer_key,
    retry_after_header,
)
from shieldwall.api.client_address import client_address
from shieldwall.api.problems import ProblemError
from shieldwall.audit import ActorKind
from shieldwall.pipeline.audit_log import acting_as
from shieldwall.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]

RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
"""A stored row's id in a path: a 64-bit positive integer, so a huge id is a 422 instead of an
integer overflow in the database driver (a 500 on SQLite)."""


def _principal(request: Request) -> Principal:
    key = bearer_key(request.headers.get("authorization", ""))
    if key is None:
        raise ProblemError(
            401,
            "unauthenticated",
            "send an API key as 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    verifier: KeyVerifier = request.app.state.verifier
    runtime: Runtime = request.app.state.runtime
    # Counted per client as the rest of the app counts them: behind a trusted proxy, the
    # address it forwards; from anyone else, the peer (a forged X-Forwarded-For is ignored).
    address = client_address(request, runtime.settings.trusted_proxies)
    try:
        principal = verifier.verify(key, address=address)
    except KeyThrottledError as exc:
        raise ProblemError(
            429,
            "rate_limited",
            "too many API-key checks from this address or for this key; retry later",
            headers={"Retry-After": retry_after_header(exc.wait_s)},
        ) from None
    except VerifierBusyError:
        raise ProblemError(
            503,
            "busy",
            "too many API-key checks are running; retry shortly",
            headers={"Retry-After": "1"},
        ) from None
    if principal is None:
        raise ProblemError(
            401,
            "unauthenticated",
            "the API key is not valid or was revoked",
            headers={"WWW-Authenticate": "Bearer"},
        )
    charge(request, principal, 1)
    request.state.principal = principal
    return principal


def charge(request: Request, principal: Principal, lookups: int, *, paid: int = 0) -> None:
    """Take ``lookups - paid`` units of the key's per-minute limit, or refuse (429).

    Every request costs one unit when its key is checked; ``POST /v1/lookup/batch`` then
    charges one more per lookup after the first, so a key's limit counts lookups whichever
    endpoint carries them (otherwise 1,000 lookups cost what one does). A batch larger than
    the whole per-minute limit could never pass: it is refused with 422 and told to split.
    """
    charge_key(
        request.app.state.rate_limiter,
        request.app.state.runtime.settings.rate_limit_per_minute,
        principal,
        lookups,
        paid=paid,
    )


def charge_key(
    limiter: RateLimiter | RedisRateLimiter,
    default_limit: int,
    principal: Principal,
    lookups: int,
    *,
    paid: int = 0,
) -> None:
    """:func:`charge` without a request (the lookup fast lane calls it directly)."""
    limit = principal.rate_limit_per_minute or default_limit
    if lookups > limit:
        raise ProblemError(
            422,
            "invalid_input",
            f"this request carries {lookups} lookups but this API key may make {limit} a minute; "
            f"send at most {limit} per request",
        )
    cost = lookups - paid
    if cost < 1:
        return
    wait = limiter.check(principal.key_id, limit, cost)
    if wait > 0:
        raise ProblemError(
            429,
            "rate_limited",
            f"rate limit of {limit} lookups or requests per minute exceeded",
            headers={"Retry-After": retry_after_header(wait)},
        )


def require(scope: str) -> Callable[[Request], AsyncIterator[Principal]]:
    """A dependency that admits callers holding ``scope`` (or ``admin``).

    It also names the caller for the audit trail for the rest of the request: a
    yield dependency runs in the request's own context, which the endpoint (even a
    sync one, in the thread pool) inherits.
    """

    async def dependency(request: Request) -> AsyncIterator[Principal]:
        # Key checks may hit argon2 (slow by design): keep them off the event loop.
        principal = await run_in_threadpool(_principal, request)
        if not principal.allows(scope):
            raise ProblemError(403, "forbidden", f"this API key lacks the '{scope}' scope")
        with acting_as(f"api_key:{principal.name}", ActorKind.AUTOMATED):
            yield principal

    dependency.__name__ = f"require_{scope.replace(':', '_')}"
    return dependency


ScanCaller = Annotated[Principal, Depends(require("scan"))]
LookupCaller = Annotated[Principal, Depends(require("lookup"))]
BanksReader = Annotated[Principal, Depends(require("banks:read"))]
BanksWriter = Annotated[Principal, Depends(require("banks:write"))]
Admin = Annotated[Principal, Depends(require("admin"))]
Auditor = Annotated[Principal, Depends(require("auditor"))]

"""``POST /v1/lookup`` in the common case, answered without the framework's request machinery.

Why: a lookup is decided from memory in well under a millisecond and stored by the group
commit, yet FastAPI's routing over every API and page route, dependency solving, a thread
hop for the key check, validating the answer a second time against its response model and
the exception middleware cost more CPU than everything else per lookup (bench/RESULTS.md).
This pure ASGI layer sits inside the API's own middleware (body limit, NUL check in the path,
metrics, security headers), so those still apply, and serves the request itself only when it
is the common case:

* a JSON body that :class:`LookupCreate` accepts (read exactly as FastAPI reads it);
* a bearer key this process verified in the last ``ttl_s`` (:meth:`KeyVerifier.remembered`)
  that holds the ``lookup`` scope.

Anything else (a body the model refuses, an unknown or expired key, a missing scope, a
disconnect while reading) goes to the full app with the body replayed, which answers
exactly as it always did; nothing has been charged or stored by then. From the rate
limit on, the fast lane owns the request and answers refusals and errors with the same
problem+json the full app's handlers write (``api.problems``). The two paths are held to
the same answers by ``tests/integration/api/test_fast_lookup.py``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pydantic import ValidationError
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shieldwall.api.auth import Principal, RedisRateLimiter, bearer_key
from shieldwall.api.deps import charge_key
from shieldwall.api.problems import (
    ProblemError,
    for_fault_or_bug,
    for_problem_error,
    for_shieldwall_error,
)
from shieldwall.api.routers.scan import lookup_request
from shieldwall.api.schemas import LookupCreate
from shieldwall.api.views import decision_public
from shieldwall.audit import ActorKind
from shieldwall.errors import ShieldwallError
from shieldwall.pipeline.audit_log import acting_as
from shieldwall.pipeline.matcher import Query
from shieldwall.pipeline.scan import ScanMeta

PATH = "/v1/lookup"
SCOPE = "lookup"


class LookupFastLane:
    """Serves the common ``POST /v1/lookup`` itself; passes everything else on untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._route: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        messages, body = await _read_body(receive)
        request = None if body is None else self._common_case(scope, body)
        if request is None:
            await self.app(scope, _replay(messages, receive), send)
            return
        principal, meta, query = request
        response = await self._serve(scope, principal, meta, query)
        await response(scope, receive, send)

    def _common_case(self, scope: Scope, body: bytes) -> tuple[Principal, ScanMeta, Query] | None:
        """The caller, item and hashes when this is the common case, else ``None``.

        Nothing here has side effects, so a ``None`` can hand the request on as it came.
        """
        headers = dict(scope["headers"])
        ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if ctype != b"application/json":
            return None
        key = bearer_key(headers.get(b"authorization", b"").decode("latin-1"))
        if key is None:
            return None
        state = scope["app"].state
        principal = state.verifier.remembered(key)
        if principal is None or not principal.allows(SCOPE):
            return None
        try:
            parsed = LookupCreate.model_validate(json.loads(body))
        except (ValueError, ValidationError, RecursionError, TypeError):
            return None  # the full app writes the precise 422
        self._mark_route(scope)
        return principal, *lookup_request(parsed)

    async def _serve(
        self, scope: Scope, principal: Principal, meta: ScanMeta, query: Query
    ) -> Response:
        state = scope["app"].state
        rt = state.runtime
        try:
            limiter = state.rate_limiter
            default_limit = rt.settings.rate_limit_per_minute
            if isinstance(limiter, RedisRateLimiter):  # a network round trip: not on the loop
                await asyncio.to_thread(charge_key, limiter, default_limit, principal, 1)
            else:
                charge_key(limiter, default_limit, principal, 1)
            with acting_as(f"api_key:{principal.name}", ActorKind.AUTOMATED):
                outcome = await rt.scanner.lookup_async(meta, query)
        except ProblemError as exc:
            return for_problem_error(PATH, exc)
        except ShieldwallError as exc:
            return for_shieldwall_error(PATH, exc)
        except Exception as exc:
            return for_fault_or_bug(PATH, exc)
        public = decision_public(
            outcome.decision,
            created=outcome.created,
            item=outcome.item,
            elapsed_ms=outcome.elapsed_ms,
        )
        return Response(public.model_dump_json(), media_type="application/json")

    def _mark_route(self, scope: Scope) -> None:
        """Name the route in the scope as the router would, for the metrics' labels."""
        if self._route is None:
            for route in scope["app"].routes:
                if route.matches(scope)[0] is Match.FULL:
                    self._route = route
                    break
        if self._route is not None:
            scope["route"] = self._route


async def _read_body(receive: Receive) -> tuple[list[Message], bytes | None]:
    """Every message of the request and its body; ``None`` for the body when the client
    left before sending it all (the full app then meets the disconnect itself)."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return messages, b"".join(chunks)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that gives back what was read, then carries on with the real one."""
    queue = list(messages)

    async def replayed() -> Message:
        if queue:
            return queue.pop(0)
        return await receive()

    return replayed

"""RFC 9457 problem details: every error the API returns is ``application/problem+json``.

The body always has ``type``, ``title``, ``status``, ``detail`` and Shieldwall's
stable ``code``, so clients branch on ``code`` rather than on prose. A client's
mistake is never a 500: validation errors become 422, unknown routes 404,
oversized bodies 413, and only a real fault inside Shieldwall is a 500 (with
no internals in the body).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from shieldwall.errors import OverloadedError, ShieldwallError, UnavailableError, truncate
from shieldwall.pipeline.faults import FAULT_TYPES, temporary_fault

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("shieldwall.api")

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
    503: "unavailable",
}


HMA_PREFIX = "/hma/"
"""Paths whose clients were written for HMA, which reads an error's ``message``."""


def _for_hma(request: Request, detail: str) -> dict[str, Any]:
    """HMA's error body is ``{"message": ...}``; under ``/hma`` the problem carries it too."""
    return _for_hma_path(request.url.path, detail)


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """Build a problem+json response."""
    body = {
        "type": f"https://shieldwall.example/problems/{code}",
        "title": title or code.replace("_", " "),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {})
    )


class ProblemError(Exception):
    """Raised inside handlers for HTTP-only failures (auth, rate limits, body size)."""

    def __init__(
        self, status: int, code: str, detail: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers


def for_shieldwall_error(path: str, exc: ShieldwallError) -> JSONResponse:
    """The problem for a domain error: its status and code, ``Retry-After`` when temporary."""
    extra = _for_hma_path(path, exc.message)
    if isinstance(exc, UnavailableError):  # temporary: say when to come back
        wait = (
            max(1, math.ceil(exc.retry_after))
            if isinstance(exc, OverloadedError)
            else exc.retry_after_s
        )
        return problem(
            exc.http_status, exc.code, exc.message, headers={"Retry-After": str(wait)}, **extra
        )
    if exc.value is not None:
        extra["value"] = exc.value
    return problem(exc.http_status, exc.code, exc.message, **extra)


def for_problem_error(path: str, exc: ProblemError) -> JSONResponse:
    """The problem a handler raised (auth, rate limits, body size)."""
    return problem(
        exc.status, exc.code, exc.detail, headers=exc.headers, **_for_hma_path(path, exc.detail)
    )


def for_fault_or_bug(path: str, exc: Exception) -> JSONResponse:
    """503 + ``Retry-After`` for a temporary fault (database down...), else a logged 500."""
    fault = temporary_fault(exc)
    if fault is None:
        log.exception("unhandled error path=%s", path)
        return problem(500, "internal_error", "Shieldwall failed; the error was logged.")
    log.warning(
        "temporary_fault code=%s path=%s error=%s",
        fault.code,
        path,
        truncate(f"{type(exc).__name__}: {exc}", 300),
    )
    return problem(
        fault.http_status,
        fault.code,
        fault.message,
        headers={"Retry-After": str(fault.retry_after_s)},
    )


def _for_hma_path(path: str, detail: str) -> dict[str, Any]:
    return {"message": detail} if path.startswith(HMA_PREFIX) else {}


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into problem+json."""

    @app.exception_handler(ShieldwallError)
    async def _shieldwall(request: Request, exc: ShieldwallError) -> JSONResponse:
        return for_shieldwall_error(request.url.path, exc)

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return for_problem_error(request.url.path, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        detail = f"{'.'.join(first['loc'])}: {first['msg']}" if first["loc"] else first["msg"]
        return problem(
            422, "invalid_input", str(detail), errors=errors, **_for_hma(request, str(detail))
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        detail = str(exc.detail)
        return problem(
            exc.status_code, code, detail, headers=exc.headers, **_for_hma(request, detail)
        )

    async def _fault_or_bug(request: Request, exc: Exception) -> JSONResponse:
        return for_fault_or_bug(request.url.path, exc)

    # Registered by type (not only under Exception), so Starlette's exception middleware
    # answers them and nothing re-raises them into the server's error log.
    for fault_type in FAULT_TYPES:
        app.add_exception_handler(fault_type, _fault_or_bug)

    @app.exception_handler(RecursionError)
    async def _too_deep(request: Request, _: RecursionError) -> JSONResponse:
        # Only a hostile body nests deep enough to exhaust the parser's recursion.
        log.info("body_too_deep path=%s", request.url.path)
        return problem(422, "invalid_input", "body: the JSON is nested too deeply")

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, _: ClientDisconnect) -> Response:
        # The client went away mid-upload: nothing was stored, and no one reads the answer.
        log.info("client_disconnected path=%s", request.url.path)
        return Response(status_code=499)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return await _fault_or_bug(request, exc)

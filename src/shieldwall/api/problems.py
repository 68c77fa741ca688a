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

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shieldwall.errors import OverloadedError, ShieldwallError

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
}


HMA_PREFIX = "/hma/"
"""Paths whose clients were written for HMA, which reads an error's ``message``."""


def _for_hma(request: Request, detail: str) -> dict[str, Any]:
    """HMA's error body is ``{"message": ...}``; under ``/hma`` the problem carries it too."""
    return {"message": detail} if request.url.path.startswith(HMA_PREFIX) else {}


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


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into problem+json."""

    @app.exception_handler(ShieldwallError)
    async def _shieldwall(request: Request, exc: ShieldwallError) -> JSONResponse:
        extra = _for_hma(request, exc.message)
        if isinstance(exc, OverloadedError):  # temporary: say when to come back
            wait = str(max(1, math.ceil(exc.retry_after)))
            return problem(
                exc.http_status, exc.code, exc.message, headers={"Retry-After": wait}, **extra
            )
        if exc.value is not None:
            extra["value"] = exc.value
        return problem(exc.http_status, exc.code, exc.message, **extra)

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem(
            exc.status, exc.code, exc.detail, headers=exc.headers, **_for_hma(request, exc.detail)
        )

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

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error path=%s", request.url.path)
        return problem(500, "internal_error", "Shieldwall failed; the error was logged.")

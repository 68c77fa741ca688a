"""Refuse unstorable text in a request's path and query before any route sees it.

Path and query parameters reach store lookups (``/v1/items/{content_id}``, a
decisions cursor...). A NUL there made PostgreSQL raise inside the query, a 500;
SQLite simply found nothing. One check at the edge answers 422 on both.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from shieldwall.storable import text_problem


class StorableTextMiddleware:
    """A pure ASGI middleware: 422 problem+json when the path or query holds unstorable text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            where = _unstorable_part(scope)
            if where is not None:
                await _reject(send, where)
                return
        await self.app(scope, receive, send)


def _unstorable_part(scope: Scope) -> str | None:
    path = scope.get("path", "")
    if isinstance(path, str) and text_problem(path):
        return "path"
    query = scope.get("query_string", b"")
    if isinstance(query, bytes) and (b"%00" in query or b"\x00" in query):
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                return f"query.{name.replace(chr(0), '?')}"
        return "query"
    return None


async def _reject(send: Send, where: str) -> None:
    detail = f"{where}: must not contain a NUL character"
    body = json.dumps(
        {
            "type": "https://shieldwall.example/problems/invalid_input",
            "title": "invalid input",
            "status": 422,
            "detail": detail,
            "code": "invalid_input",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

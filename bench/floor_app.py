"""The floor for the lookup benchmark: a bare ASGI app that only parses a lookup and searches.

It reads the same JSON body ``/v1/lookup`` takes, checks the PDQ is 64 hex digits, searches an
in-memory ``MihPdqIndex`` of the same bank (threshold 31) and answers the matches as JSON, with
no framework, no authentication and no storage. Served by uvicorn exactly as ``shieldwall serve``
serves Shieldwall (one process, same defaults, no access log), so the gap between the two is what
Shieldwall's own work costs: a request-per-hash HTTP service in Python cannot beat this line.

Usage: ``python bench/floor_app.py --port P --bank FILE`` (FILE: one 64-hex PDQ a line).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

THRESHOLD = 31


def load_index(bank: Path) -> Any:
    from shieldwall.index import MihPdqIndex

    hexes = [line.strip() for line in bank.read_text().splitlines() if len(line.strip()) == 64]
    codes = np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8).reshape(-1, 32)
    index = MihPdqIndex()
    index.add(np.arange(len(hexes), dtype=np.int64), codes)
    return index


def make_app(index: Any) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status, payload = 200, b""
        if scope["path"] == "/readyz":
            payload = b'{"ready":true}'
        else:
            try:
                data = json.loads(body)
                pdq = data["pdq"]
                if len(pdq) != 64:
                    raise ValueError(pdq)
                hits = index.search_one(bytes.fromhex(pdq), THRESHOLD)
                payload = json.dumps(
                    {
                        "content_id": str(data["content_id"]),
                        "matches": [{"id": int(h.id), "distance": int(h.distance)} for h in hits],
                    }
                ).encode()
            except (ValueError, KeyError, TypeError):
                status, payload = 422, b'{"code":"invalid_input"}'
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bank", type=Path, required=True)
    args = parser.parse_args()
    import uvicorn

    app = make_app(load_index(args.bank))
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="info",
        access_log=False,  # as `shieldwall serve` without --access-log
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()

"""``AsyncShieldwallClient``: the same calls as :class:`ShieldwallClient` for asyncio code
(an upload handler in an async web framework), with the same retries and errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from shieldwall.client.api import DEFAULT_TIMEOUT_S, ShieldwallAPIError, _form, api_error
from shieldwall.client.retry import RETRY_ERRORS, RetryPolicy, idempotency_key


class AsyncShieldwallClient:
    """``async with AsyncShieldwallClient(base_url, api_key) as sw: await sw.scan(...)``."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._retry = retry
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout_s,
            transport=transport,
        )

    async def __aenter__(self) -> AsyncShieldwallClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def scan(
        self,
        file: bytes | str | Path,
        *,
        content_id: str,
        surface: str | None = None,
        uploader_id: str | None = None,
        jurisdictions: Sequence[str] = (),
        filename: str | None = None,
    ) -> dict[str, Any]:
        """Upload media for hashing, matching and a decision (see ``ShieldwallClient.scan``)."""
        if isinstance(file, bytes):
            data, name = file, filename or "upload"
        else:
            path = Path(file)
            data, name = path.read_bytes(), filename or path.name
        form = _form(
            content_id=content_id,
            surface=surface,
            uploader_id=uploader_id,
            jurisdictions=",".join(jurisdictions) if jurisdictions else None,
        )
        return await self._obj("POST", "/v1/scan", data=form, files={"file": (name, data)})

    async def lookup(self, **fields: Any) -> dict[str, Any]:
        """Match hashes computed elsewhere (``content_id``, ``pdq``, ``md5``, ``sha256``...)."""
        return await self._obj("POST", "/v1/lookup", json=_form(**fields))

    async def list_banks(self) -> Any:
        return await self._call("GET", "/v1/banks")

    async def create_bank(self, name: str, **fields: Any) -> dict[str, Any]:
        return await self._obj("POST", "/v1/banks", json={"name": name, **_form(**fields)})

    async def add_to_bank(self, bank: str, entries: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
        body = {"entries": [dict(e) for e in entries]}
        return await self._obj("POST", f"/v1/banks/{bank}/entries", json=body)

    async def withdraw_entry(self, bank: str, entry_id: int) -> dict[str, Any]:
        return await self._obj("POST", f"/v1/banks/{bank}/entries/{entry_id}/withdraw")

    async def fetch_exchange(self, name: str) -> dict[str, Any]:
        return await self._obj("POST", f"/v1/exchanges/{name}/fetch")

    async def _obj(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        answer = await self._call(method, path, **kwargs)
        if not isinstance(answer, dict):
            raise ShieldwallAPIError(200, "unexpected_answer", "expected a JSON object", answer)
        return answer

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", None) or {})
        if method == "POST":
            headers.setdefault("Idempotency-Key", idempotency_key())
        attempt = 0
        while True:
            try:
                response = await self._http.request(method, path, headers=headers, **kwargs)
            except RETRY_ERRORS:
                wait = self._retry.delay(attempt, None)
                if wait is None:
                    raise
                await self._sleep(wait)
                attempt += 1
                continue
            if response.is_success:
                return response.json() if response.content else None
            wait = self._retry.delay(attempt, response)
            if wait is None:
                raise api_error(response)
            await self._sleep(wait)
            attempt += 1

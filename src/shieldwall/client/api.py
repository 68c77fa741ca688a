"""A thin HTTP client for Shieldwall's API (``/v1``), for platforms and scripts.

Each method is one request; answers come back as the API's JSON (plain dicts),
so the client never lags behind the server's schema. Errors come back as
:class:`ShieldwallAPIError` with the problem+json ``code`` the server sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from shieldwall.client.retry import RETRY_ERRORS, RetryPolicy, idempotency_key

DEFAULT_TIMEOUT_S = 30.0


class ShieldwallAPIError(Exception):
    """The API answered with an error; ``code`` is the stable error code when it sent one."""

    def __init__(self, status: int, code: str | None, message: str, body: Any = None) -> None:
        super().__init__(f"HTTP {status} [{code or 'unknown'}]: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.body = body


class ShieldwallClient:
    """``ShieldwallClient(base_url, api_key)``; use as a context manager or call ``close()``."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._retry = retry
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout_s,
            transport=transport,
        )

    def __enter__(self) -> ShieldwallClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- requests -----------------------------------------------------------------------------

    def scan(
        self,
        file: bytes | str | Path,
        *,
        content_id: str,
        surface: str | None = None,
        uploader_id: str | None = None,
        text: str | None = None,
        url: str | None = None,
        jurisdictions: Sequence[str] = (),
        filename: str | None = None,
    ) -> dict[str, Any]:
        """Upload a media file (bytes or a path) for hashing, matching and a decision."""
        if isinstance(file, bytes):
            data, name = file, filename or "upload"
        else:
            path = Path(file)
            data, name = path.read_bytes(), filename or path.name
        form = _form(
            content_id=content_id,
            surface=surface,
            uploader_id=uploader_id,
            text=text,
            url=url,
            jurisdictions=",".join(jurisdictions) if jurisdictions else None,
        )
        return self._obj("POST", "/v1/scan", data=form, files={"file": (name, data)})

    def lookup(
        self,
        *,
        content_id: str | None = None,
        pdq: str | None = None,
        md5: str | None = None,
        sha256: str | None = None,
        quality: int | None = None,
        surface: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Match hashes computed elsewhere (e.g. on the device) without sending the media."""
        body = _form(
            content_id=content_id,
            pdq=pdq,
            md5=md5,
            sha256=sha256,
            quality=quality,
            surface=surface,
            **extra,
        )
        return self._obj("POST", "/v1/lookup", json=body)

    def list_banks(self) -> Any:
        return self._call("GET", "/v1/banks")

    def create_bank(self, name: str, **fields: Any) -> dict[str, Any]:
        """Create a bank; ``fields`` are the API's (purpose, threshold, description, enabled)."""
        return self._obj("POST", "/v1/banks", json={"name": name, **_form(**fields)})

    def add_to_bank(self, bank: str, entries: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
        """Add entries (``{"signal_type": "pdq", "value": "…", …}``) to ``bank``."""
        return self._obj(
            "POST", f"/v1/banks/{bank}/entries", json={"entries": [dict(e) for e in entries]}
        )

    def _obj(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        answer = self._call(method, path, **kwargs)
        if not isinstance(answer, dict):
            raise ShieldwallAPIError(200, "unexpected_answer", "expected a JSON object", answer)
        return answer

    def withdraw_entry(self, bank: str, entry_id: int) -> dict[str, Any]:
        """Take an entry out of matching at once (kept, with status ``withdrawn``)."""
        return self._obj("POST", f"/v1/banks/{bank}/entries/{entry_id}/withdraw")

    def get_entry(self, bank: str, entry_id: int) -> dict[str, Any]:
        return self._obj("GET", f"/v1/banks/{bank}/entries/{entry_id}")

    def export_bank(self, bank: str, *, format: str = "jsonl", active_only: bool = False) -> str:
        """The bank as a hash-list file (withdrawals as tombstones unless ``active_only``)."""
        params = {"format": format, "active_only": str(active_only).lower()}
        answer = self._send("GET", f"/v1/banks/{bank}/export", params=params)
        return answer.text

    def list_exchanges(self) -> Any:
        return self._call("GET", "/v1/exchanges")

    def fetch_exchange(self, name: str) -> dict[str, Any]:
        """Fetch one exchange now from its checkpoint (admin keys)."""
        return self._obj("POST", f"/v1/exchanges/{name}/fetch")

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
        return response.json() if response.content else None

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if method == "POST":
            headers.setdefault("Idempotency-Key", idempotency_key())
        attempt = 0
        while True:
            try:
                response = self._http.request(method, path, headers=headers, **kwargs)
            except RETRY_ERRORS:
                wait = self._retry.delay(attempt, None)
                if wait is None:
                    raise
                self._sleep(wait)
                attempt += 1
                continue
            if response.is_success:
                return response
            wait = self._retry.delay(attempt, response)
            if wait is None:
                raise api_error(response)
            self._sleep(wait)
            attempt += 1


def api_error(response: httpx.Response) -> ShieldwallAPIError:
    """The error an unsuccessful answer stands for (problem+json ``code`` when sent)."""
    try:
        problem = response.json()
    except ValueError:
        problem = None
    code = message = None
    if isinstance(problem, dict):
        code = problem.get("code")
        message = problem.get("detail") or problem.get("message") or problem.get("title")
    return ShieldwallAPIError(
        response.status_code,
        str(code) if code is not None else None,
        str(message or response.text[:300]),
        problem,
    )


def _form(**fields: Any) -> dict[str, Any]:
    """Drop unset fields so the server applies its own defaults."""
    return {k: v for k, v in fields.items() if v is not None}

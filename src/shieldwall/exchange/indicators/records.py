"""What an indicator import yields: indicators, and problems that name where they are.

Every reader is a generator of ``Indicator | RecordProblem``: a bad record becomes a problem
with its position and a stable code and the import goes on, so one typo in a 100k-line feed
never throws the other 99,999 away. Whole-document formats (STIX, MISP) are JSON and are read
up to ``max_bytes``; beyond that the file is refused as a whole with one problem.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from shieldwall.errors import truncate
from shieldwall.signals.text import Indicator, InvalidIndicatorError

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
"""Largest STIX bundle or MISP event read into memory (64 MiB)."""


@dataclass(frozen=True, slots=True)
class RecordProblem:
    """One record that could not be imported.

    ``position`` is where it is ("line 7", "objects[3]", "Event.Attribute[12]"); ``code`` is
    stable (``invalid_record``, ``invalid_json``, ``too_large``, ``unsupported``).
    """

    position: str
    code: str
    message: str
    value: str | None = None

    @classmethod
    def from_error(cls, position: str, error: InvalidIndicatorError) -> RecordProblem:
        return cls(position, error.code, error.message, error.value)


ImportItem = Indicator | RecordProblem


def split_results(items: Iterable[ImportItem]) -> tuple[list[Indicator], list[RecordProblem]]:
    """Separate an import's indicators from its problems (for callers that want both lists)."""
    good: list[Indicator] = []
    bad: list[RecordProblem] = []
    for item in items:
        (good if isinstance(item, Indicator) else bad).append(item)  # type: ignore[arg-type]
    return good, bad


def load_json_document(
    data: bytes | str | IO[bytes] | IO[str], *, max_bytes: int
) -> tuple[Any, RecordProblem | None]:
    """Read and parse one JSON document, refusing it whole when too large or not JSON."""
    if not isinstance(data, bytes | str):
        data = data.read(max_bytes + 1)
    if len(data) > max_bytes:
        return None, RecordProblem(
            "file", "too_large", f"the document is larger than {max_bytes} bytes; split it"
        )
    try:
        return json.loads(data), None
    except json.JSONDecodeError as exc:
        return None, RecordProblem(
            f"line {exc.lineno} column {exc.colno}", "invalid_json", f"not valid JSON: {exc.msg}"
        )
    except (UnicodeDecodeError, RecursionError) as exc:
        return None, RecordProblem("file", "invalid_json", f"not valid JSON: {type(exc).__name__}")


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time (``Z`` allowed) or empty; naive times are read as UTC."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InvalidIndicatorError("a time must be an ISO 8601 string", value=value)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidIndicatorError("not an ISO 8601 time", value=value) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_confidence(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidIndicatorError("confidence must be a number", value=value) from None


def problem_value(value: object) -> str:
    return truncate(value)

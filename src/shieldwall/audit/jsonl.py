"""JSON Lines export and import of events and checkpoints, for offline verification.

Each event line is the canonical encoding of the event *including* its hash,
so an auditor's verifier only has to drop ``"hash"``, re-encode and hash (see
``docs/audit.md``). Personal-data side records are never exported here.

Reading is strict: duplicate keys, unknown keys, NaN and malformed fields are
refused with the line number, because a lenient reader would let two
different files verify as the same trail.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import IO

from shieldwall.audit.canonical import (
    FORMAT_VERSION,
    canonical_json,
    is_hex_digest,
    parse_at,
)
from shieldwall.audit.checkpoints import Checkpoint
from shieldwall.audit.events import ActorKind, AuditEvent
from shieldwall.errors import InvalidRecordError

_EVENT_KEYS = frozenset(
    {
        "v",
        "seq",
        "event_id",
        "at",
        "actor",
        "actor_kind",
        "action",
        "subject_type",
        "subject_id",
        "details",
        "prev_hash",
        "hash",
    }
)


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not allowed")


def _parse_line(line: str) -> Mapping[str, object]:
    data = json.loads(line, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    if not isinstance(data, dict):
        raise ValueError("each line must be a JSON object")
    return data


def _optional_str(data: Mapping[str, object], key: str) -> str | None:
    value = data[key]
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} must be a string or null")
    return value


def _required_str(data: Mapping[str, object], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    return value


def event_from_dict(data: Mapping[str, object]) -> AuditEvent:
    """An event from its exported form; raises ``ValueError`` naming the bad field."""
    keys = set(data)
    if keys != _EVENT_KEYS:
        missing, extra = sorted(_EVENT_KEYS - keys), sorted(keys - _EVENT_KEYS)
        raise ValueError(f"event fields wrong: missing {missing}, unexpected {extra}")
    if data["v"] != FORMAT_VERSION:
        raise ValueError(f"unsupported audit format version {data['v']!r}")
    seq = data["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ValueError("seq must be a positive integer")
    details = data["details"]
    if not isinstance(details, dict):
        raise ValueError("details must be an object")
    for key in ("prev_hash", "hash"):
        if not is_hex_digest(data[key]):
            raise ValueError(f"{key} must be 64 lowercase hex characters")
    return AuditEvent(
        seq=seq,
        event_id=_required_str(data, "event_id"),
        at=parse_at(_required_str(data, "at")),
        actor=_required_str(data, "actor"),
        actor_kind=ActorKind(_required_str(data, "actor_kind")),
        action=_required_str(data, "action"),
        subject_type=_optional_str(data, "subject_type"),
        subject_id=_optional_str(data, "subject_id"),
        details=details,
        prev_hash=_required_str(data, "prev_hash"),
        hash=_required_str(data, "hash"),
    )


def dump_events(events: Iterable[AuditEvent], fp: IO[str]) -> int:
    """Write one canonical JSON line per event to ``fp`` (opened with UTF-8); return the count."""
    count = 0
    for event in events:
        fp.write(canonical_json(event.to_dict()).decode("utf-8"))
        fp.write("\n")
        count += 1
    return count


def load_events(lines: Iterable[str]) -> Iterator[AuditEvent]:
    """Stream events back from JSON Lines (a text file or any iterable of lines).

    Blank lines are skipped. Raises :class:`InvalidRecordError` naming the
    line number of the first line that is not a well-formed event.
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield event_from_dict(_parse_line(line))
        except (ValueError, TypeError) as exc:
            raise InvalidRecordError(
                f"line {number}: not a valid audit event: {exc}", value=line
            ) from exc


def dump_checkpoints(checkpoints: Iterable[Checkpoint], fp: IO[str]) -> int:
    """Write one JSON line per checkpoint; return the count."""
    count = 0
    for cp in checkpoints:
        fp.write(canonical_json(cp.to_dict()).decode("utf-8"))
        fp.write("\n")
        count += 1
    return count


def load_checkpoints(lines: Iterable[str]) -> Iterator[Checkpoint]:
    """Stream checkpoints back from JSON Lines; :class:`InvalidRecordError` on a bad line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield Checkpoint.from_dict(_parse_line(line))
        except (ValueError, TypeError) as exc:
            raise InvalidRecordError(
                f"line {number}: not a valid checkpoint: {exc}", value=line
            ) from exc

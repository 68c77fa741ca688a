"""STIX 2.1 bundles of Indicator objects, written and validated with the ``stix2`` library.

Each Shieldwall indicator is one STIX ``indicator`` with ``pattern_type: stix``:

=============  ====================================================================
kind           pattern
=============  ====================================================================
domain         ``[domain-name:value = 'nudify-demo.example']``
url_prefix     ``[url:value = 'https://share.test/r/nudify-demo']`` (read as a prefix)
bot_handle     ``[user-account:account_type = 'telegram' AND
               user-account:account_login = 'undress_demo_bot']``
keyword        ``[x-shieldwall-keyword:value = 'undress anyone free']`` (custom object)
app_id         ``[software:x_shieldwall_app_id = 'com.example.nudifydemo']``
=============  ====================================================================

Custom properties keep the round trip lossless: ``x_shieldwall_id``, ``x_shieldwall_kind``,
``x_shieldwall_source`` and ``x_shieldwall_confidence`` (STIX ``confidence`` is an integer
0-100 and is written too). ``valid_until`` carries ``expires_at``. Bundles from other tools
need only ``pattern``; patterns other than the simple comparisons above are reported as
``unsupported`` and skipped.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import IO, Any

import stix2  # type: ignore[import-untyped,unused-ignore]

from shieldwall.exchange.indicators.records import (
    DEFAULT_MAX_BYTES,
    ImportItem,
    RecordProblem,
    load_json_document,
    parse_confidence,
    parse_time,
)
from shieldwall.signals.text import Indicator, IndicatorKind, InvalidIndicatorError

_NAMESPACE = uuid.UUID("6b5f1c1e-3c1a-4d55-9f7e-2d0a4e0c9a11")
_COMPARISON = re.compile(
    r"([a-z0-9][a-z0-9-]*):([a-z0-9_]+)\s*(=|LIKE)\s*'((?:[^'\\]|\\.)*)'", re.IGNORECASE
)


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _unquote(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def pattern_for(ind: Indicator) -> str:
    """The STIX pattern for one indicator (see the module docstring)."""
    v = _quote(ind.value)
    if ind.kind is IndicatorKind.DOMAIN:
        return f"[domain-name:value = '{v}']"
    if ind.kind is IndicatorKind.URL_PREFIX:
        return f"[url:value = 'https://{v}']"
    if ind.kind is IndicatorKind.BOT_HANDLE:
        return f"[user-account:account_type = 'telegram' AND user-account:account_login = '{v}']"
    if ind.kind is IndicatorKind.KEYWORD:
        return f"[x-shieldwall-keyword:value = '{v}']"
    return f"[software:x_shieldwall_app_id = '{v}']"


def to_stix_bundle(indicators: Iterable[Indicator], *, created: datetime | None = None) -> Any:
    """A ``stix2.v21.Bundle`` holding one STIX indicator per indicator."""
    created = created or datetime.now(UTC)
    objects = []
    for ind in indicators:
        valid_from = created
        if ind.expires_at is not None and ind.expires_at <= valid_from:
            valid_from = ind.expires_at - timedelta(seconds=1)  # STIX needs until > from
        objects.append(
            stix2.v21.Indicator(
                id=f"indicator--{uuid.uuid5(_NAMESPACE, f'{ind.source}/{ind.id}')}",
                created=created,
                modified=created,
                name=ind.value,
                description=ind.description or None,
                pattern=pattern_for(ind),
                pattern_type="stix",
                valid_from=valid_from,
                valid_until=ind.expires_at,
                confidence=round(ind.confidence * 100),
                indicator_types=["malicious-activity"],
                allow_custom=True,
                x_shieldwall_id=ind.id,
                x_shieldwall_kind=ind.kind.value,
                x_shieldwall_source=ind.source,
                x_shieldwall_confidence=ind.confidence,
            )
        )
    return stix2.v21.Bundle(objects=objects, allow_custom=True)


def write_stix(
    indicators: Iterable[Indicator], stream: IO[str], *, created: datetime | None = None
) -> None:
    stream.write(to_stix_bundle(indicators, created=created).serialize(pretty=False))


def read_stix(
    data: bytes | str | IO[bytes] | IO[str],
    *,
    default_source: str = "stix",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[ImportItem]:
    """Indicators and per-object problems from a STIX 2.1 bundle (non-indicators are skipped)."""
    doc, problem = load_json_document(data, max_bytes=max_bytes)
    if problem is not None:
        yield problem
        return
    if not isinstance(doc, dict) or doc.get("type") != "bundle":
        yield RecordProblem("file", "invalid_record", "not a STIX bundle (type must be bundle)")
        return
    objects = doc.get("objects") or []
    if not isinstance(objects, list):
        yield RecordProblem("objects", "invalid_record", "objects must be a list")
        return
    for i, obj in enumerate(objects):
        if isinstance(obj, dict) and obj.get("type") != "indicator":
            continue
        yield _read_indicator(obj, f"objects[{i}]", default_source)


def _read_indicator(obj: object, position: str, default_source: str) -> ImportItem:
    try:
        # Validation by the reference library: required properties, types, pattern syntax.
        parsed = stix2.parse(json.dumps(obj), allow_custom=True, version="2.1")
    except Exception as exc:  # stix2 raises many unrelated types; each is a bad record
        return RecordProblem(position, "invalid_record", f"invalid STIX indicator: {exc}"[:300])
    assert isinstance(obj, dict)
    if not (obj.get("x_shieldwall_id") or obj.get("id")):
        # stix2 fills in a random id; a feed's indicator must carry its own, or a re-import
        # would store it again under a new one (STIX 2.1 requires id on every object).
        return RecordProblem(position, "invalid_record", "invalid STIX indicator: no id")
    kind_value = _kind_and_value(str(parsed.pattern))
    if kind_value is None:
        return RecordProblem(
            position, "unsupported", "pattern is not a simple comparison", str(parsed.pattern)
        )
    kind, value = kind_value
    try:
        confidence = obj.get("x_shieldwall_confidence")
        if confidence is None:
            confidence = parse_confidence(obj.get("confidence", 100)) / 100
        return Indicator(
            id=str(obj.get("x_shieldwall_id") or obj.get("id")),
            kind=IndicatorKind(obj.get("x_shieldwall_kind") or kind),
            value=value,
            source=str(obj.get("x_shieldwall_source") or default_source),
            confidence=parse_confidence(confidence),
            expires_at=parse_time(obj.get("valid_until")),
            description=str(obj.get("description") or ""),
        )
    except InvalidIndicatorError as exc:
        return RecordProblem.from_error(position, exc)
    except ValueError as exc:
        return RecordProblem(position, "invalid_record", str(exc)[:300])


def _kind_and_value(pattern: str) -> tuple[IndicatorKind, str] | None:
    found = {(obj.lower(), prop.lower()): (op.upper(), _unquote(v)) for obj, prop, op, v in
             _COMPARISON.findall(pattern)}  # fmt: skip
    if " OR " in pattern.upper() or not found:
        return None
    if ("domain-name", "value") in found:
        return IndicatorKind.DOMAIN, found["domain-name", "value"][1]
    if ("url", "value") in found:
        op, value = found["url", "value"]
        return IndicatorKind.URL_PREFIX, value.rstrip("%") if op == "LIKE" else value
    if ("user-account", "account_login") in found:
        return IndicatorKind.BOT_HANDLE, found["user-account", "account_login"][1]
    if ("x-shieldwall-keyword", "value") in found:
        return IndicatorKind.KEYWORD, found["x-shieldwall-keyword", "value"][1]
    if ("software", "x_shieldwall_app_id") in found:
        return IndicatorKind.APP_ID, found["software", "x_shieldwall_app_id"][1]
    return None

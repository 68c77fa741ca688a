"""MISP event JSON: indicators as Attributes of one Event.

Attribute types map to kinds as follows; anything else (``comment``, ``md5``, ``ip-dst``...) is
skipped without being an error, because a MISP event legitimately mixes many kinds of data.

=========================================  ==========
MISP attribute type                        kind
=========================================  ==========
``domain``, ``hostname``                   domain
``url``, ``uri``, ``link``                 url_prefix
``text`` (in a ``telegram-account``        bot_handle
object as ``username``)
``text``, ``pattern-in-traffic``           keyword
``mobile-application-id``                  app_id
=========================================  ==========

On export every attribute carries machine tags (``shieldwall:kind="bot_handle"``,
``shieldwall:id``, ``shieldwall:source``, ``shieldwall:confidence``, ``shieldwall:expires-at``)
so Shieldwall-to-Shieldwall exchange is lossless and the tags win over the type mapping. From
other producers: the id is the attribute's ``uuid`` (or its position), the source is the
event's ``Orgc.name`` (or ``default_source``) and the confidence is ``default_confidence``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator
from typing import IO, Any

from shieldwall.exchange.indicators.records import (
    DEFAULT_MAX_BYTES,
    ImportItem,
    RecordProblem,
    format_time,
    load_json_document,
    parse_confidence,
    parse_time,
)
from shieldwall.signals.text import Indicator, IndicatorKind, InvalidIndicatorError

TYPE_TO_KIND: dict[str, IndicatorKind] = {
    "domain": IndicatorKind.DOMAIN,
    "hostname": IndicatorKind.DOMAIN,
    "url": IndicatorKind.URL_PREFIX,
    "uri": IndicatorKind.URL_PREFIX,
    "link": IndicatorKind.URL_PREFIX,
    "text": IndicatorKind.KEYWORD,
    "pattern-in-traffic": IndicatorKind.KEYWORD,
    "mobile-application-id": IndicatorKind.APP_ID,
}
KIND_TO_TYPE: dict[IndicatorKind, str] = {
    IndicatorKind.DOMAIN: "domain",
    IndicatorKind.URL_PREFIX: "url",
    IndicatorKind.BOT_HANDLE: "text",
    IndicatorKind.KEYWORD: "text",
    IndicatorKind.APP_ID: "mobile-application-id",
}
_TAG = re.compile(r'^shieldwall:([a-z-]+)="(.*)"$', re.DOTALL)
_NAMESPACE = uuid.UUID("0f3d1f65-52f6-4b7e-8f1c-4f1e6a6b9c20")


def to_misp_event(indicators: Iterable[Indicator], *, info: str = "Shieldwall indicators") -> Any:
    """A MISP event document (``{"Event": {...}}``) with one Attribute per indicator."""
    attributes = []
    for ind in indicators:
        tags = {
            "kind": ind.kind.value,
            "id": ind.id,
            "source": ind.source,
            "confidence": repr(ind.confidence),
        }
        if ind.expires_at is not None:
            tags["expires-at"] = format_time(ind.expires_at)
        value = ind.value
        if ind.kind is IndicatorKind.URL_PREFIX:
            value = "https://" + value
        attributes.append(
            {
                "uuid": str(uuid.uuid5(_NAMESPACE, f"{ind.source}/{ind.id}")),
                "type": KIND_TO_TYPE[ind.kind],
                "category": "Network activity",
                "to_ids": True,
                "value": value,
                "comment": ind.description,
                "Tag": [{"name": f'shieldwall:{k}="{v}"'} for k, v in tags.items()],
            }
        )
    return {"Event": {"info": info, "Attribute": attributes, "Object": []}}


def write_misp(
    indicators: Iterable[Indicator], stream: IO[str], *, info: str = "Shieldwall indicators"
) -> None:
    json.dump(to_misp_event(indicators, info=info), stream, ensure_ascii=False)


def read_misp(
    data: bytes | str | IO[bytes] | IO[str],
    *,
    default_source: str | None = None,
    default_confidence: float = 0.7,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[ImportItem]:
    """Indicators and per-attribute problems from one MISP event."""
    doc, problem = load_json_document(data, max_bytes=max_bytes)
    if problem is not None:
        yield problem
        return
    event = doc.get("Event", doc) if isinstance(doc, dict) else None
    if not isinstance(event, dict):
        yield RecordProblem("file", "invalid_record", "not a MISP event (no Event object)")
        return
    org = event.get("Orgc")
    source = default_source or (org.get("name") if isinstance(org, dict) else None) or "misp"
    context = (str(source), default_confidence)
    attributes = event.get("Attribute") or []
    if not isinstance(attributes, list):
        yield RecordProblem("Event.Attribute", "invalid_record", "Attribute must be a list")
        attributes = []
    for i, attr in enumerate(attributes):
        item = _read_attribute(attr, f"Event.Attribute[{i}]", context, None)
        if item is not None:
            yield item
    objects = event.get("Object") or []
    for j, obj in enumerate(objects if isinstance(objects, list) else []):
        attrs = obj.get("Attribute") if isinstance(obj, dict) else None
        telegram = isinstance(obj, dict) and obj.get("name") == "telegram-account"
        for i, attr in enumerate(attrs if isinstance(attrs, list) else []):
            hint = None
            if telegram and isinstance(attr, dict) and attr.get("object_relation") == "username":
                hint = IndicatorKind.BOT_HANDLE
            elif telegram:
                continue
            item = _read_attribute(attr, f"Event.Object[{j}].Attribute[{i}]", context, hint)
            if item is not None:
                yield item


def _read_attribute(
    attr: object, position: str, context: tuple[str, float], hint: IndicatorKind | None
) -> ImportItem | None:
    if not isinstance(attr, dict):
        return RecordProblem(position, "invalid_record", "an Attribute must be an object")
    tags: dict[str, str] = {}
    for tag in attr.get("Tag") or []:
        m = _TAG.match(str(tag.get("name", ""))) if isinstance(tag, dict) else None
        if m:
            tags[m.group(1)] = m.group(2)
    kind_name = tags.get("kind") or hint or TYPE_TO_KIND.get(str(attr.get("type", "")))
    if kind_name is None:
        return None  # a type that is not a text indicator (comment, hashes, IPs...)
    source, confidence = context
    try:
        return Indicator(
            id=tags.get("id") or str(attr.get("uuid") or position),
            kind=IndicatorKind(kind_name),
            value=str(attr.get("value", "")),
            source=tags.get("source") or source,
            confidence=parse_confidence(tags.get("confidence", confidence)),
            expires_at=parse_time(tags.get("expires-at")),
            description=str(attr.get("comment") or ""),
        )
    except InvalidIndicatorError as exc:
        return RecordProblem.from_error(position, exc)
    except ValueError as exc:
        return RecordProblem(position, "invalid_record", str(exc)[:300])

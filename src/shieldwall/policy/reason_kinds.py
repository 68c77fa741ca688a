"""Which of a policy's reasons (categories) fit which kind of item.

A moderator deciding on an image should choose among image reasons, and one deciding on a
text post among text reasons: a reason that can never apply to the item (a nudify-promotion
text reason on a photo match) makes a wrong statement of reasons to the uploader. The fit is
read from the rules themselves: a category whose rules look at bank matches or image
detectors fits images (and video frames); one whose rules look at text signals fits text. A
category no rule names, or whose rules look only at surface, country or metadata, fits both.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from shieldwall.policy.model import Policy

IMAGE = "image"
TEXT = "text"
KINDS = (IMAGE, TEXT)
_IMAGE_SIGNALS = frozenset(
    {"nudity", "faces", "provenance", "watermark", "intimate_real_person", "generation_guard"}
)


def _leaves(node: Any) -> Iterator[tuple[str, Any]]:
    """Every predicate (name, arguments) in a rule's ``when`` tree (all / any / not)."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in ("all", "any"):
                for child in value or ():
                    yield from _leaves(child)
            elif key == "not":
                yield from _leaves(value)
            else:
                yield key, value
    elif isinstance(node, list | tuple):
        for child in node:
            yield from _leaves(child)


def _kinds_of_predicate(name: str, args: Any) -> set[str]:
    if name == "match":
        return {IMAGE}
    if name == "signal" and isinstance(args, Mapping):
        signal = str(args.get("name") or "")
        if "text" in signal:
            return {TEXT}
        if signal in _IMAGE_SIGNALS:
            return {IMAGE}
    return set()


def category_kinds(policy: Policy) -> dict[str, frozenset[str]]:
    """Each category with the kinds of item it fits."""
    found: dict[str, set[str]] = {c: set() for c in policy.categories}
    for rule in policy.rules:
        kinds = found.setdefault(rule.category, set())
        for name, args in _leaves(rule.to_data().get("when")):
            kinds |= _kinds_of_predicate(name, args)
    return {c: frozenset(k) if k else frozenset(KINDS) for c, k in found.items()}


def categories_for(policy: Policy, kind: str) -> dict[str, str]:
    """The policy's categories (code → text) that fit an item of ``kind``, in policy order."""
    fits = category_kinds(policy)
    return {c: text for c, text in policy.categories.items() if kind in fits.get(c, KINDS)}


__all__ = ["IMAGE", "KINDS", "TEXT", "categories_for", "category_kinds"]

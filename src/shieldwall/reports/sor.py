"""DSA statements of reasons (Article 17) for restrictions, and the uploader's notice.

One statement per restricting decision (verdict ``block``, ``remove`` or
``hold``), in the DSA Transparency Database's submission format, validated
against ``dsa_statement_of_reasons.schema.json`` in this package. Statements
carry no personal data: no uploader id, no URL, no free text from the item; the
``puid`` is the decision id (a random UUID). The uploader's plain-language
notice is rendered from the same statement, so the two can never disagree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import IO, Any

from shieldwall.errors import InputError
from shieldwall.reports.clocks import EU_MEMBER_STATES
from shieldwall.store.service_records import DecisionInfo, ItemInfo

RESTRICTIONS = ("block", "remove", "hold", "escalate_child_safety")
"""Verdicts that restrict content and so need a statement of reasons (an escalation to child
safety disables access while the report is prepared)."""

EEA = tuple(sorted(EU_MEMBER_STATES | {"IS", "LI", "NO"}))

VISIBILITY = {
    "remove": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
    "block": ["DECISION_VISIBILITY_CONTENT_DISABLED"],
    "hold": ["DECISION_VISIBILITY_OTHER"],
    "escalate_child_safety": ["DECISION_VISIBILITY_CONTENT_DISABLED"],
}

SOURCE_TYPE = {
    "notice": "SOURCE_ARTICLE_16",
    "case": "SOURCE_ARTICLE_16",
    "user_notice": "SOURCE_ARTICLE_16",
    "victim_request": "SOURCE_ARTICLE_16",
    "trusted_flagger": "SOURCE_TRUSTED_FLAGGER",
    "authority": "SOURCE_TYPE_OTHER_NOTIFICATION",
    "authority_order": "SOURCE_TYPE_OTHER_NOTIFICATION",
}
"""Decision or item source -> DSA source type; anything else (scans, retro-hunts) is voluntary."""

DEEPFAKE_CATEGORIES = frozenset({"synthetic_intimate", "ncii_synthetic", "deepfake"})
CHILD_CATEGORIES = frozenset({"child_safety", "csam", "csam_known_match", "minor"})
"""Policy categories that make a statement one about the protection of minors."""
CONTENT_TYPE_OTHER_TEXT = "Content identified only by its reported location or hashes"

_PLAIN_CATEGORY = {
    "ncii_known_match": "it matches an image that the person shown reported as shared without "
    "their consent",
    "ncii_possible": "it appears to be an intimate image shared without the consent of the "
    "person shown",
    "synthetic_intimate": "it appears to be a fabricated (deepfake) intimate image of a real "
    "person, shared without their consent",
    "nudify_promotion": "it promotes a service that creates fake intimate images of real people",
}


class StatementInvalidError(InputError):
    """A statement of reasons does not meet the Transparency Database schema."""

    code = "invalid_statement_of_reasons"


@dataclass(frozen=True, slots=True)
class SorSettings:
    """How this platform words its statements (legal texts are the platform's to choose)."""

    illegal_content_legal_ground: str = (
        "Non-consensual sharing of intimate or manipulated material (Directive (EU) 2024/1385, "
        "Article 5, as transposed in national law)"
    )
    incompatible_content_ground: str = "Terms of service: intimate images shared without consent"
    ground: str = "illegal"
    """``illegal`` or ``incompatible``: which DSA ground the platform relies on."""
    hold_description: str = "Content withheld from view pending human review"
    appeal_url: str = "https://platform.example/appeals"


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema statements are checked against (shipped in this package)."""
    text = (
        resources.files("shieldwall.reports")
        .joinpath("dsa_statement_of_reasons.schema.json")
        .read_text("utf-8")
    )
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def validate(statement: Mapping[str, Any]) -> None:
    """Raise :class:`StatementInvalidError` naming the first schema violation."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(statement), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.path) or "(top level)"
        raise StatementInvalidError(f"statement of reasons: {where}: {first.message}")


def categories_of(decision: DecisionInfo) -> list[str]:
    return list(dict.fromkeys(str(f.get("category")) for f in decision.fired if f.get("category")))


def _content_types(item: ItemInfo, synthetic: bool) -> list[str]:
    media = (item.media_type or "").lower()
    types = []
    if media.startswith("video/"):
        types.append("CONTENT_TYPE_VIDEO")
    elif media.startswith("image/") or item.pdq or item.md5 or item.sha256:
        types.append("CONTENT_TYPE_IMAGE")
    if item.text and not types:
        types.append("CONTENT_TYPE_TEXT")
    if synthetic:
        types.append("CONTENT_TYPE_SYNTHETIC_MEDIA")
    return types or ["CONTENT_TYPE_OTHER"]


def _keyword(*, minors: bool, synthetic: bool) -> str:
    if minors:
        return (
            "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE"
            if synthetic
            else "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"
        )
    return (
        "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE"
        if synthetic
        else "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING"
    )


def _territory(item: ItemInfo) -> list[str]:
    named = sorted({j.upper() for j in item.jurisdictions} & set(EEA))
    return named or list(EEA)  # hash matches are restricted everywhere, not per country


def _facts(decision: DecisionInfo, categories: Sequence[str]) -> str:
    sentences = [
        f"The content was restricted because {_PLAIN_CATEGORY.get(c, c.replace('_', ' '))}."
        for c in categories
    ] or ["The content was restricted under the platform's policy on intimate images."]
    matched = [m for m in decision.matches if not m.get("suppressed_by")]
    if matched:
        kinds = sorted({str(m.get("signal_type", "hash")).upper() for m in matched})
        sentences.append(
            f"It was identified by comparing its {'/'.join(kinds)} hash with a list of hashes of "
            "images reported by the people shown in them; the images themselves are not kept."
        )
    if decision.source == "detectors":
        sentences.append(
            "Automated detectors that examine the image itself flagged it after it was uploaded."
        )
    if decision.source == "retro_hunt":
        sentences.append(
            "The match was found when a newly reported image was compared with "
            "content already on the service."
        )
    return " ".join(sentences)


def _scrub(text: str) -> str:
    # Decision facts are built from fixed sentences; this is a second line of defence.
    text = re.sub(r"[\w.+-]+@[\w-]+\.[\w.-]+", "[redacted]", text)
    return re.sub(r"https?://\S+", "[link]", text)


def statement_of_reasons(
    decision: DecisionInfo, item: ItemInfo, *, settings: SorSettings | None = None
) -> dict[str, Any]:
    """The Transparency Database statement for one restricting decision (validated)."""
    if decision.verdict not in RESTRICTIONS:
        raise InputError("only restrictions need a statement of reasons", value=decision.verdict)
    cfg = settings or SorSettings()
    categories = categories_of(decision)
    synthetic = any(c in DEEPFAKE_CATEGORIES for c in categories)
    minors = decision.verdict == "escalate_child_safety" or any(
        c in CHILD_CATEGORIES for c in categories
    )
    human = decision.decided_by not in ("", "automated")
    automated_source = decision.source in ("upload", "lookup", "retro_hunt", "detectors")
    source = SOURCE_TYPE.get(decision.source) or SOURCE_TYPE.get(item.source, "SOURCE_VOLUNTARY")
    if source == "SOURCE_VOLUNTARY" and any(
        m.get("bank_purpose") == "victim" and not m.get("suppressed_by") for m in decision.matches
    ):
        # A match with a hash the person shown reported: the decision follows their notice.
        source = "SOURCE_ARTICLE_16"
    explanation = _scrub(_facts(decision, categories))
    statement: dict[str, Any] = {
        "decision_visibility": VISIBILITY[decision.verdict],
        "category": (
            "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
            if minors
            else "STATEMENT_CATEGORY_CYBER_VIOLENCE"
        ),
        "category_specification": [_keyword(minors=minors, synthetic=synthetic)],
        "content_type": _content_types(item, synthetic),
        "territorial_scope": _territory(item),
        "decision_facts": explanation,
        "source_type": source,
        "automated_detection": "Yes" if automated_source or decision.matches else "No",
        "automated_decision": (
            "AUTOMATED_DECISION_FULLY"
            if not human
            else "AUTOMATED_DECISION_PARTIALLY"
            if automated_source or decision.matches
            else "AUTOMATED_DECISION_NOT_AUTOMATED"
        ),
        "application_date": decision.created_at.date().isoformat(),
        "content_date": item.created_at.date().isoformat(),
        "puid": decision.id,
    }
    if "CONTENT_TYPE_OTHER" in statement["content_type"]:
        statement["content_type_other"] = CONTENT_TYPE_OTHER_TEXT
    if decision.verdict == "hold":
        statement["decision_visibility_other"] = cfg.hold_description
    if cfg.ground == "incompatible":
        statement["decision_ground"] = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
        statement["incompatible_content_ground"] = cfg.incompatible_content_ground
        statement["incompatible_content_explanation"] = explanation
        statement["incompatible_content_illegal"] = "Yes"
    else:
        statement["decision_ground"] = "DECISION_GROUND_ILLEGAL_CONTENT"
        statement["illegal_content_legal_ground"] = cfg.illegal_content_legal_ground
        statement["illegal_content_explanation"] = explanation
    if source == "SOURCE_TRUSTED_FLAGGER":
        statement["source_identity"] = str(item.metadata.get("flagger", "trusted flagger"))[:500]
    validate(statement)
    return statement


def uploader_notice(statement: Mapping[str, Any], *, settings: SorSettings | None = None) -> str:
    """The plain-language notice to the uploader, carrying the statement's own reasons."""
    cfg = settings or SorSettings()
    what = {
        "DECISION_VISIBILITY_CONTENT_REMOVED": "We removed your content.",
        "DECISION_VISIBILITY_CONTENT_DISABLED": "We blocked your content; it is not visible.",
        "DECISION_VISIBILITY_OTHER": str(statement.get("decision_visibility_other", "")) + ".",
    }[statement["decision_visibility"][0]]
    ground = (
        f"This is not allowed by law: {statement['illegal_content_legal_ground']}."
        if statement["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
        else f"This is not allowed by our terms: {statement['incompatible_content_ground']}."
    )
    how = {
        "AUTOMATED_DECISION_FULLY": "This decision was made automatically.",
        "AUTOMATED_DECISION_PARTIALLY": "Automated tools flagged it and a person decided.",
        "AUTOMATED_DECISION_NOT_AUTOMATED": "A person made this decision.",
    }[statement["automated_decision"]]
    return "\n\n".join(
        [
            what,
            str(statement["decision_facts"]),
            ground,
            how,
            f"You can ask us to look again at {cfg.appeal_url} (reference {statement['puid']}). "
            "You may also use an out-of-court dispute settlement body or go to court.",
        ]
    )


def write_csv(statements: Iterable[Mapping[str, Any]], fp: IO[str]) -> int:
    """One statement per row, one column per database field (lists joined with commas, the
    way the database's own CSV exports write them); returns the count."""
    import csv

    fields = list(schema()["properties"])
    writer = csv.DictWriter(fp, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    count = 0
    for statement in statements:
        writer.writerow(
            {k: ",".join(map(str, v)) if isinstance(v, list) else v for k, v in statement.items()}
        )
        count += 1
    return count


def write_jsonl(statements: Iterable[Mapping[str, Any]], fp: IO[str]) -> int:
    """One statement per line, ready for batch submission; returns the count."""
    count = 0
    for statement in statements:
        fp.write(json.dumps(statement, sort_keys=True, ensure_ascii=False) + "\n")
        count += 1
    return count

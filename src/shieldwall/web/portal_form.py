"""The takedown request a victim sends, and exactly what it still lacks.

The elements follow what both laws ask of a valid request:

- US TAKE IT DOWN Act: a physical or electronic signature; identification of the
  depiction and information to locate it; a brief statement of good-faith belief that
  it is not consensual; contact information.
- UK Online Safety Act (intimate image content reports, Ofcom guidance): a declaration
  that the content is intimate and shared without consent, and that the person
  reporting is the person shown or acts for them.

:func:`check_request` never raises on user input: it returns the cleaned request and
a list of missing elements, each with the plain words the form shows next to the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shieldwall.hashing.robust import BANK_WINDOWS, MAX_BANK_VARIANTS

JURISDICTIONS = {
    "GB": "United Kingdom",
    "US": "United States",
    "AU": "Australia",
    "other": "Somewhere else",
}
RELATIONSHIPS = {
    "self": "I am the person shown",
    "authorised": "I am acting for the person shown, with their permission or legal authority",
}
UNDER_18 = {
    "yes": "Yes, they were under 18",
    "no": "No",
    "unsure": "I am not sure",
}
MAX_FILES = 50
MAX_LOCATIONS = 50
MAX_TEXT = 2000

MESSAGES: dict[str, str] = {
    "declare_intimate": "Tick the box to confirm the image or video is intimate.",
    "declare_nonconsensual": "Tick the box to confirm it was shared without consent.",
    "relationship": "Tell us whether you are the person shown or acting for them.",
    "good_faith": "Tick the box for the good-faith statement.",
    "signature": "Type your full name as your signature.",
    "contact": "Give an email address or a phone number so we can reach you.",
    "content": "Add at least one photo or video (it stays on your device) or one link or "
    "username where it appears.",
    "jurisdiction": "Choose the country whose law applies to you.",
    "hashes": "The fingerprints sent by the page could not be read. Choose the files again.",
    "variants": "The extra fingerprints of parts of your photos could not be read. "
    "Choose the files again (reload the page first if it has been open a long time).",
    "email": "The email address does not look right.",
    "too_many_files": "One request can carry only a limited number of files. Send the rest "
    "in a second request, or add links or usernames instead.",
}
"""What to tell the requester for each missing element, in the words the form uses."""

FIELD_IDS: dict[str, str] = {
    "jurisdiction": "jurisdiction",
    "declare_intimate": "declare_intimate",
    "declare_nonconsensual": "declare_nonconsensual",
    "relationship": "rel-self",
    "good_faith": "good_faith",
    "signature": "signature",
    "contact": "email",
    "email": "email",
    "content": "files",
    "hashes": "files",
    "variants": "files",
    "too_many_files": "files",
}
"""The field each error-summary line links to (the element a person fixes)."""

_TEXT_FIELDS = ("jurisdiction", "relationship", "signature", "email", "phone", "notes", "under_18")
_FLAG_FIELDS = ("declare_intimate", "declare_nonconsensual", "good_faith")

_HEX = re.compile(r"^[0-9a-f]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class FileHashes:
    """What the browser computed for one chosen file."""

    md5: str
    sha256: str
    pdq: str | None = None
    quality: int | None = None
    variants: tuple[tuple[str, str], ...] = ()
    """PDQ hashes of regions of the photo, ``(window name, hex)``: kept with the plain PDQ
    so that cropped copies match once the request is approved (``robust.bank_variants``)."""


@dataclass
class TakedownRequest:
    jurisdiction: str = ""
    relationship: str = ""
    declare_intimate: bool = False
    declare_nonconsensual: bool = False
    good_faith: bool = False
    signature: str = ""
    email: str = ""
    phone: str = ""
    locations: list[str] = field(default_factory=list)
    files: list[FileHashes] = field(default_factory=list)
    notes: str = ""
    under_18: str = ""
    """``yes``, ``no`` or ``unsure``: was the person shown under 18 when it was made? Asked,
    never required (a ``yes`` routes the case to child-safety review)."""

    def details(self) -> dict[str, Any]:
        """What the case keeps (the hashes go to their own table)."""
        return {
            "relationship": self.relationship,
            "declare_intimate": self.declare_intimate,
            "declare_nonconsensual": self.declare_nonconsensual,
            "good_faith": self.good_faith,
            "signature": self.signature,
            "email": self.email,
            "phone": self.phone,
            "locations": list(self.locations),
            "notes": self.notes,
            "files": len(self.files),
            "under_18": self.under_18,
        }

    def hash_rows(self) -> list[tuple[str, str, int | None]]:
        rows: list[tuple[str, str, int | None]] = []
        for f in self.files:
            if f.pdq:
                rows.append(("pdq", f.pdq, f.quality))
            rows.append(("md5", f.md5, None))
            rows.append(("sha256", f.sha256, None))
        return rows

    def pdq_variants(self) -> dict[str, tuple[tuple[str, str], ...]]:
        """Each PDQ's region hashes, keyed by the PDQ (the first file wins on a repeat)."""
        out: dict[str, tuple[tuple[str, str], ...]] = {}
        for f in self.files:
            if f.pdq and f.variants and f.pdq not in out:
                out[f.pdq] = f.variants
        return out


class HashFieldError(ValueError):
    """The ``hashes`` field from the page is unusable; ``key`` is the MESSAGES key to show
    (``"hashes"`` for the list itself, ``"variants"`` for a file's region hashes)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _flag(form: Mapping[str, Any], name: str) -> bool:
    return str(form.get(name, "")).lower() in ("on", "yes", "true", "1")


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    return str(value).strip()[:MAX_TEXT] if isinstance(value, str) else ""


def parse_files(raw: str, *, max_files: int = MAX_FILES) -> list[FileHashes]:
    """The ``hashes`` field (JSON list from the page); raises :class:`HashFieldError` when
    any part of it is malformed, so a request is never kept with half of its hashes, and
    when it carries more than ``max_files`` files (``too_many_files``): the cap keeps one
    anonymous request from banking an unbounded number of hashes."""
    if not raw.strip():
        return []
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested thousands deep
        raise HashFieldError("hashes", "not JSON") from None
    if not isinstance(data, list):
        raise HashFieldError("hashes", "not a list of files")
    if len(data) > min(max_files, MAX_FILES):
        raise HashFieldError("too_many_files", f"more than {min(max_files, MAX_FILES)} files")
    files = []
    for entry in data:
        if not isinstance(entry, dict):
            raise HashFieldError("hashes", "a file is not an object")
        md5, sha, pdq = entry.get("md5"), entry.get("sha256"), entry.get("pdq")
        quality = entry.get("quality")
        if not _is_hex(md5, 32) or not _is_hex(sha, 64):
            raise HashFieldError("hashes", "md5 or sha256 is not hex of the right length")
        if pdq is not None and not _is_hex(pdq, 64):
            raise HashFieldError("hashes", "pdq is not 64 hex digits")
        if not _is_quality(quality):
            raise HashFieldError("hashes", "quality is not 0..100")
        variants = parse_variants(entry.get("variants"), has_pdq=pdq is not None)
        files.append(
            FileHashes(md5=str(md5), sha256=str(sha), pdq=pdq, quality=quality, variants=variants)
        )
    return files


_WINDOW_NAMES = frozenset(w.name for w in BANK_WINDOWS)


def parse_variants(raw: Any, *, has_pdq: bool) -> tuple[tuple[str, str], ...]:
    """One file's region hashes: ``[{"name", "pdq", "quality"?}, ...]`` as the page sends.

    Names must be windows of ``robust.BANK_WINDOWS`` (the list the page was given), each
    at most once, at most ``MAX_BANK_VARIANTS``, and only on a file that has a PDQ."""
    if raw is None or raw == []:
        return ()
    if not has_pdq:
        raise HashFieldError("variants", "region hashes on a file without a PDQ")
    if not isinstance(raw, list) or len(raw) > MAX_BANK_VARIANTS:
        raise HashFieldError("variants", f"not a list of at most {MAX_BANK_VARIANTS}")
    out: list[tuple[str, str]] = []
    for v in raw:
        if not isinstance(v, dict):
            raise HashFieldError("variants", "a region hash is not an object")
        name, pdq = v.get("name"), v.get("pdq")
        if not isinstance(name, str) or name not in _WINDOW_NAMES:
            raise HashFieldError("variants", f"unknown region {str(name)[:40]!r}")
        if any(name == seen for seen, _ in out):
            raise HashFieldError("variants", f"region {name!r} twice")
        if not _is_hex(pdq, 64) or not _is_quality(v.get("quality")):
            raise HashFieldError("variants", f"region {name!r}: pdq or quality malformed")
        out.append((name, str(pdq)))
    return tuple(out)


def _is_quality(value: Any) -> bool:
    return value is None or (
        isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100
    )


def _is_hex(value: Any, length: int) -> bool:
    return isinstance(value, str) and len(value) == length and bool(_HEX.match(value))


def check_request(
    form: Mapping[str, Any], *, max_files: int = MAX_FILES
) -> tuple[TakedownRequest, list[str]]:
    """Clean a submitted form; returns it with the keys of MESSAGES that are missing."""
    req = TakedownRequest(
        jurisdiction=_text(form, "jurisdiction"),
        relationship=_text(form, "relationship"),
        declare_intimate=_flag(form, "declare_intimate"),
        declare_nonconsensual=_flag(form, "declare_nonconsensual"),
        good_faith=_flag(form, "good_faith"),
        signature=_text(form, "signature")[:200],
        email=_text(form, "email")[:254],
        phone=_text(form, "phone")[:40],
        locations=[
            line.strip()[:500] for line in _text(form, "locations").splitlines() if line.strip()
        ][:MAX_LOCATIONS],
        notes=_text(form, "notes"),
        under_18=_text(form, "under_18") if _text(form, "under_18") in UNDER_18 else "",
    )
    missing: list[str] = []
    files: list[FileHashes] | None
    try:
        files = parse_files(str(form.get("hashes", "")), max_files=max_files)
    except HashFieldError as err:
        files = None
        missing.append(err.key)
    else:
        req.files = files
    if req.jurisdiction not in JURISDICTIONS:
        missing.append("jurisdiction")
    if not req.declare_intimate:
        missing.append("declare_intimate")
    if not req.declare_nonconsensual:
        missing.append("declare_nonconsensual")
    if req.relationship not in RELATIONSHIPS:
        missing.append("relationship")
    if not req.good_faith:
        missing.append("good_faith")
    if len(req.signature) < 2:
        missing.append("signature")
    if req.email and not _EMAIL.match(req.email):
        missing.append("email")
    elif not req.email and not req.phone:
        missing.append("contact")
    if not req.files and not req.locations and files is not None:
        missing.append("content")
    return req, missing


def saved_answers(
    details: Mapping[str, Any], jurisdiction: str, missing: list[str]
) -> dict[str, str]:
    """A stored request's answers as the form's fields, to fill the "add what was missing"
    form: every saved answer is shown again, so sending it never erases one."""
    out = {k: str(details.get(k) or "") for k in _TEXT_FIELDS if k != "jurisdiction"}
    out.update({k: "on" if details.get(k) else "" for k in _FLAG_FIELDS})
    # A request stored without a country is kept as "other": show "Choose…" then, not that.
    out["jurisdiction"] = "" if "jurisdiction" in missing else jurisdiction
    out["locations"] = "\n".join(str(x) for x in details.get("locations") or [])
    return out


def merged_answers(
    saved: Mapping[str, str], sent: Mapping[str, str], *, answers_open: bool
) -> dict[str, str]:
    """What a request says after the status page's form was sent.

    Places typed in ``add_locations`` are added to those saved (never replacing them);
    photos come in ``hashes`` (new ones only). While the request is incomplete
    (``answers_open``) each answer the form sent replaces the saved one; an answer the
    form did not send (a field missing from it, an unticked box) keeps the saved one, so
    a declaration once made stays made (withdrawing is how a request is taken back)."""
    merged = dict(saved)
    if answers_open:
        for key in _TEXT_FIELDS:
            if key in sent:
                merged[key] = sent[key]
        for key in _FLAG_FIELDS:
            if _flag(sent, key):
                merged[key] = "on"
    places = [p for p in saved.get("locations", "").splitlines() if p.strip()]
    for line in sent.get("add_locations", "").splitlines():
        if line.strip() and line.strip() not in places:
            places.append(line.strip())
    merged["locations"] = "\n".join(places)
    merged["hashes"] = sent.get("hashes", "")
    return merged

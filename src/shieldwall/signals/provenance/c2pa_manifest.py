"""C2PA manifests ("Content Credentials"), read and validated offline with ``c2pa-python``.

A C2PA manifest is a signed statement, embedded in the file, of how the file was made: which
tool made the claim (the claim generator), what was done (``c2pa.created``, ``c2pa.edited``,
...) and, for AI output, a digital source type such as ``trainedAlgorithmicMedia``.

Validation has three outcomes, reported as-is: ``Trusted`` (signature and hashes valid and the
signer chains to a configured trust anchor), ``Valid`` (intact, but the signer is not on a trust
list configured here) and ``Invalid`` (the file changed after signing, or the manifest is
damaged or forged). Network access is switched off: no remote manifests, no OCSP.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

from shieldwall.signals.provenance.findings import Finding, source_type

C2PA_INSTALL_HINT = "pip install 'c2pa-python>=0.38'"

STATE_STRENGTH = {"Trusted": 0.95, "Valid": 0.9, "Invalid": 0.6}
"""How far a synthetic-origin claim is believed, by validation state."""

LABEL_PRESENT = "c2pa_present"
LABEL_INVALID = "c2pa_invalid"
LABEL_TRUSTED = "c2pa_trusted"

_MAX_NAMES = 3


def c2pa_missing() -> str | None:
    """Why C2PA cannot be checked here (its library is missing), or None when it can."""
    try:
        import c2pa  # noqa: F401
    except ImportError as exc:
        return f"C2PA not checked: c2pa-python is not installed ({exc.name})"
    return None


@dataclass(frozen=True)
class C2paSettings:
    """How manifests are validated. ``trust_anchors`` is a PEM bundle of trusted root CAs."""

    trust_anchors: str | None = None


def _context(settings: C2paSettings) -> Any:
    import c2pa

    config: dict[str, Any] = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    if settings.trust_anchors:
        config["trust"] = {"trust_anchors": settings.trust_anchors}
    return c2pa.Context(c2pa.Settings.from_dict(config))


def _generators(manifest: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for info in manifest.get("claim_generator_info") or []:
        if isinstance(info, dict) and info.get("name"):
            version = info.get("version")
            names.append(f"{info['name']} {version}" if version else str(info["name"]))
    if not names and manifest.get("claim_generator"):
        names.append(str(manifest["claim_generator"]))
    return names


def _actions(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for assertion in manifest.get("assertions") or []:
        if not isinstance(assertion, dict):
            continue
        label = str(assertion.get("label", ""))
        if label.startswith("c2pa.actions"):
            data = assertion.get("data") or {}
            found += [a for a in data.get("actions") or [] if isinstance(a, dict)]
    return found


def _failures(reader: Any) -> list[str]:
    try:
        results = reader.get_validation_results() or {}
    except Exception:
        return []
    active = results.get("activeManifest") or {}
    return [str(f.get("code")) for f in active.get("failure") or [] if isinstance(f, dict)]


def c2pa_findings(
    media: bytes, media_type: str, settings: C2paSettings, *, manifest_seen: bool = True
) -> list[Finding]:
    """What the C2PA manifest store of ``media`` says; empty when there is none.

    A manifest that is present but cannot be read becomes a ``c2pa_invalid`` finding, not an
    exception: a broken manifest is itself worth telling a moderator about. When the caller
    walked the container and saw no manifest (``manifest_seen=False``), a reader error is
    about the file's own damage, which the caller reports, so nothing is claimed here.
    """
    import c2pa

    try:
        reader = c2pa.Reader.try_create(media_type, io.BytesIO(media), context=_context(settings))
    except c2pa.C2paError as exc:
        message = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        if not manifest_seen or "NotSupported" in message or "type is unsupported" in message:
            return []
        return [
            Finding(
                "c2pa",
                0.0,
                (LABEL_PRESENT, LABEL_INVALID),
                f"C2PA manifest present but unreadable: {message}",
            )
        ]
    if reader is None:
        return []
    with reader:
        store = json.loads(reader.json())
        state = str(reader.get_validation_state() or "Invalid")
        failures = _failures(reader)
    return _describe_store(store, state, failures)


def _describe_store(store: dict[str, Any], state: str, failures: list[str]) -> list[Finding]:
    manifests: dict[str, Any] = store.get("manifests") or {}
    active_label = store.get("active_manifest")
    active = manifests.get(active_label) if isinstance(active_label, str) else None
    labels = [LABEL_PRESENT]
    if state == "Invalid":
        labels.append(LABEL_INVALID)
    elif state == "Trusted":
        labels.append(LABEL_TRUSTED)
    generators = _generators(active) if isinstance(active, dict) else []
    signature = (active or {}).get("signature_info") or {}
    signer = signature.get("common_name") or signature.get("issuer") or "unknown signer"
    if state == "Trusted":
        how = f"signed by {signer} (trusted)"
    elif state == "Valid":
        how = f"signed by {signer}; signature valid, signer not on a trust list configured here"
    else:
        # Integrity failures first: an untrusted signer matters less than a broken hash.
        ordered_codes = sorted(failures, key=lambda c: c.startswith("signingCredential"))
        codes = ", ".join(ordered_codes[:_MAX_NAMES]) or "no details"
        how = f"does not validate ({codes}): changed after signing, damaged or forged"
    made_by = f"claim generator {', '.join(generators[:_MAX_NAMES])}; " if generators else ""
    findings = [Finding("c2pa", 0.0, tuple(labels), f"C2PA manifest: {made_by}{how}")]
    believed = STATE_STRENGTH.get(state, STATE_STRENGTH["Invalid"])
    ordered = [(active_label, active)] + [(k, m) for k, m in manifests.items() if k != active_label]
    for label, manifest in ordered:
        if not isinstance(manifest, dict):
            continue
        where = "this image" if label == active_label else "an ingredient of this image"
        for action in _actions(manifest):
            kind = action.get("digitalSourceType")
            if not isinstance(kind, str):
                continue
            code, meaning = source_type(kind)
            if meaning is None:
                continue
            name = str(action.get("action", "an action"))
            findings.append(
                Finding(
                    "c2pa",
                    round(believed * meaning.weight, 3),
                    meaning.labels,
                    f"C2PA {name} on {where} declares digitalSourceType {code}: "
                    f"{meaning.phrase} (manifest {state.lower()})",
                )
            )
    return findings

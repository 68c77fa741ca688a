"""Unsigned provenance metadata: XMP DigitalSourceType, generator settings in PNG text, EXIF.

Generators and editors that follow the IPTC guidance write
``Iptc4xmpExt:DigitalSourceType = trainedAlgorithmicMedia`` into XMP; Stable Diffusion front
ends write their generation settings into PNG text chunks (AUTOMATIC1111 and its forks:
``parameters``; ComfyUI: ``prompt`` and ``workflow`` JSON; InvokeAI: ``invokeai_metadata``) or,
for JPEG and WebP, into EXIF UserComment; some name themselves in EXIF Software or XMP
CreatorTool. None of this is signed, so it is weaker evidence than a valid C2PA manifest, but a
file that carries its own generation settings is rarely anything but generated.

Prompts are never copied into evidence: they can name real people.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from PIL import Image

from shieldwall.signals.provenance.containers import ContainerMetadata
from shieldwall.signals.provenance.findings import (
    LABEL_AI_GENERATED,
    LABEL_SYNTHETIC,
    Finding,
    generator_named,
    source_type,
)

XMP_STRENGTH = 0.8
"""An unsigned DigitalSourceType claim: self-declared, but nobody types it by accident."""
SETTINGS_STRENGTH = 0.85
"""Generation settings (sampler, steps, seed, node graph) embedded in the file."""
SOFTWARE_STRENGTH = 0.7
"""A generator's name in a software field; editors sometimes keep it after heavy edits."""

MAX_XMP_BYTES = 2 * 1024 * 1024

_IPTC_EXT_NS = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
_XMP_NS = "http://ns.adobe.com/xap/1.0/"
_RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_SD_KEYS = ("Steps", "Sampler", "CFG scale", "Seed", "Model hash", "Model", "Size")
_SD_KEY_RE = re.compile(r"(?:^|[,\n]\s*)(" + "|".join(map(re.escape, _SD_KEYS)) + r"): ")
_SETTINGS_KEYS = {"parameters", "invokeai_metadata", "sd-metadata", "dream", "generation_data"}
_EXIF_IFD = 0x8769
_TAG_SOFTWARE = 0x0131
_TAG_USER_COMMENT = 0x9286


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def xmp_findings(packet: bytes) -> list[Finding]:
    """DigitalSourceType and CreatorTool from one XMP packet."""
    if len(packet) > MAX_XMP_BYTES:
        return [Finding("xmp", 0.0, (), f"XMP packet of {len(packet)} bytes is too large to read")]
    if b"<!DOCTYPE" in packet or b"<!ENTITY" in packet:
        # XMP never declares entities; a packet that does is an attack, not metadata.
        return [Finding("xmp", 0.0, (), "XMP packet declares XML entities; not read")]
    start = packet.find(b"<")
    try:
        root = ET.fromstring(packet[start:].rstrip(b"\x00 \r\n\t") if start >= 0 else packet)
    except ET.ParseError as exc:
        return [Finding("xmp", 0.0, (), f"XMP packet is not well-formed XML ({exc}); not read")]
    values: list[tuple[str, str]] = []
    for element in root.iter():
        for key, value in element.attrib.items():
            values.append((key, value))
        if element.text and element.text.strip():
            values.append((element.tag, element.text))
        resource = element.attrib.get(f"{{{_RDF_NS}}}resource")
        if resource:
            values.append((element.tag, resource))
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for key, value in values:
        ns, local = _local(key)
        if (local, value) in seen:
            continue
        seen.add((local, value))
        if ns == _IPTC_EXT_NS and local == "DigitalSourceType":
            code, meaning = source_type(value)
            if meaning is None:
                findings.append(
                    Finding("xmp", 0.0, (), f"XMP DigitalSourceType {code!r} (not a known code)")
                )
            else:
                findings.append(
                    Finding(
                        "xmp",
                        round(XMP_STRENGTH * meaning.weight, 3),
                        meaning.labels,
                        f"XMP Iptc4xmpExt:DigitalSourceType is {code}: {meaning.phrase} "
                        "(unsigned metadata)",
                    )
                )
        elif ns == _XMP_NS and local == "CreatorTool":
            name = generator_named(value)
            if name:
                findings.append(_software_finding("xmp", "XMP xmp:CreatorTool", value, name))
    return findings


def _software_finding(source: str, field: str, value: str, name: str) -> Finding:
    shown = value.strip()[:80]
    return Finding(
        source,
        SOFTWARE_STRENGTH,
        (LABEL_AI_GENERATED, LABEL_SYNTHETIC, "generator_software"),
        f"{field} names the image generator {name!r} ({shown!r})",
    )


def _sd_settings(text: str) -> list[str]:
    """The Stable Diffusion setting names found in an AUTOMATIC1111-style parameters text."""
    return sorted({m.group(1) for m in _SD_KEY_RE.finditer(text)}, key=_SD_KEYS.index)


def _model_name(text: str) -> str | None:
    match = re.search(r"(?:^|[,\n]\s*)Model: ([^,\n]{1,60})", text)
    return match.group(1).strip() if match else None


def _settings_finding(where: str, text: str) -> Finding | None:
    keys = _sd_settings(text)
    if len(keys) < 2:  # one word "Seed: " in a caption is not a generator's settings block
        return None
    model = _model_name(text)
    suffix = f"; model {model!r}" if model else ""
    return Finding(
        "png_text" if where.startswith("PNG") else "exif",
        SETTINGS_STRENGTH,
        (LABEL_AI_GENERATED, LABEL_SYNTHETIC, "generator_settings"),
        f"{where} holds Stable Diffusion generation settings ({', '.join(keys)}{suffix}); "
        "prompt not shown",
    )


def _comfy_finding(keyword: str, text: str) -> Finding | None:
    try:
        graph = json.loads(text)
    except (ValueError, RecursionError):
        return None
    classes: list[str] = []
    if isinstance(graph, dict) and isinstance(graph.get("nodes"), list):  # "workflow"
        classes = [str(n.get("type")) for n in graph["nodes"] if isinstance(n, dict)]
    elif isinstance(graph, dict):  # "prompt": {node id: {"class_type": ..., "inputs": ...}}
        classes = [str(n.get("class_type")) for n in graph.values() if isinstance(n, dict)]
    classes = [c for c in classes if c and c != "None"]
    if not classes:
        return None
    shown = ", ".join(sorted(set(classes))[:4])
    return Finding(
        "png_text",
        SETTINGS_STRENGTH,
        (LABEL_AI_GENERATED, LABEL_SYNTHETIC, "generator_settings"),
        f"PNG text chunk {keyword!r} holds a ComfyUI node graph ({len(classes)} nodes, e.g. "
        f"{shown}); prompt not shown",
    )


def text_findings(text: list[tuple[str, str]]) -> list[Finding]:
    """Generator settings and generator names in PNG text chunks."""
    findings: list[Finding] = []
    for keyword, value in text:
        key = keyword.strip().lower()
        found: Finding | None = None
        if key in ("prompt", "workflow"):
            found = _comfy_finding(keyword, value)
        if found is None and (key in _SETTINGS_KEYS or key in ("prompt", "comment")):
            found = _settings_finding(f"PNG text chunk {keyword!r}", value)
            if found is None and key in _SETTINGS_KEYS - {"parameters"}:
                found = Finding(
                    "png_text",
                    SETTINGS_STRENGTH,
                    (LABEL_AI_GENERATED, LABEL_SYNTHETIC, "generator_settings"),
                    f"PNG text chunk {keyword!r} is a generator's metadata block; prompt not shown",
                )
        if found is None and key in ("software", "source"):
            name = generator_named(value)
            if name:
                found = _software_finding("png_text", f"PNG text chunk {keyword!r}", value, name)
        if found is not None:
            findings.append(found)
    return findings


def _user_comment(raw: object) -> str | None:
    if isinstance(raw, str):
        return raw
    if not isinstance(raw, bytes):
        return None
    head, body = raw[:8], raw[8:]
    if head.startswith(b"UNICODE"):
        # The EXIF spec leaves the byte order to the file's; writers disagree, so try both.
        for codec in ("utf-16-be", "utf-16-le"):
            text = body.decode(codec, errors="replace")
            if text.isprintable() or "\n" in text:
                return text
        return body.decode("utf-16-be", errors="replace")
    return body.decode("utf-8", errors="replace") if head.startswith(b"ASCII") else None


def exif_findings(blocks: list[bytes], problems: list[str]) -> list[Finding]:
    """Generator names in EXIF Software and generation settings in EXIF UserComment."""
    findings: list[Finding] = []
    for block in blocks:
        exif = Image.Exif()
        try:
            exif.load(block)
            software = exif.get(_TAG_SOFTWARE)
            comment = exif.get_ifd(_EXIF_IFD).get(_TAG_USER_COMMENT)
        except Exception as exc:  # Pillow raises many types on damaged EXIF
            problems.append(f"EXIF block is damaged ({type(exc).__name__}); not read")
            continue
        if isinstance(software, str):
            name = generator_named(software)
            if name:
                findings.append(_software_finding("exif", "EXIF Software", software, name))
        text = _user_comment(comment)
        if text:
            found = _settings_finding("EXIF UserComment", text)
            if found:
                findings.append(found)
    return findings


def metadata_findings(meta: ContainerMetadata) -> list[Finding]:
    """Everything the unsigned metadata of one file says about its origin."""
    findings: list[Finding] = []
    for packet in meta.xmp:
        findings += xmp_findings(packet)
    findings += text_findings(meta.text)
    findings += exif_findings(meta.exif, meta.problems)
    return findings

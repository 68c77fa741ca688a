"""Large progressive JPEGs decoded from their DC scans alone, at 1/8 scale.

Why: PDQ looks at a 64x64 grid of a heavily blurred picture, so the fast path decodes
reduced (libjpeg's DCT scaling). For a baseline JPEG that is cheap, but a progressive
JPEG (a quarter of the benchmark photos, and what many sites and phone galleries
re-encode to) spreads every 8x8 block over several scans, and libjpeg Huffman-decodes
all of them, AC refinements included, whatever the output scale: a 13 MP progressive
photo took 80-120 ms to decode at 1/8, against 10-20 ms for a baseline one.

At 1/8 scale libjpeg uses only each block's DC coefficient (the block's mean). In a
progressive file the DC coefficients come first, in their own scans. So the stream is
rewritten with the AC scans left out, and the picture decoded at 1/8 is the same
picture, for a fraction of the work. One catch: with AC coefficients missing, libjpeg
"smooths" blocks by guessing them from their neighbours (and changes the DC term
while at it); it skips that when the first AC quantisers are zero, and since no AC
coefficient is ever read, zeroing them changes nothing else. Measured on the 26
progressive benchmark JPEGs: the luma (what PDQ reads) is bit-identical to libjpeg's
1/8 decode of the whole file; colour is flat per block where libjpeg would have used AC
terms to upsample chroma.

Anything this parser does not expect (a missing end marker, a truncated segment,
restart markers are fine) returns ``None`` and the caller decodes the whole file as
before, so damaged files keep their precise errors.
"""

from __future__ import annotations

import re

__all__ = ["dc_scans_only"]

_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
"""A marker inside entropy-coded data: 0xFF not followed by a stuffed zero, a restart
marker or fill."""

_SOS, _DQT, _EOI = 0xDA, 0xDB, 0xD9


def _zero_ac_quantisers(segment: bytes) -> bytes | None:
    """A DQT segment with every table's entries 1..63 (the AC terms) set to zero."""
    out = bytearray(segment)
    at = 4
    while at < len(out):
        precision = out[at] >> 4
        width = 2 if precision else 1
        end = at + 1 + 64 * width
        if precision > 1 or end > len(out):
            return None
        out[at + 1 + width : end] = bytes(end - at - 1 - width)
        at = end
    return bytes(out)


def dc_scans_only(data: bytes) -> bytes | None:
    """``data`` (a progressive JPEG) without its AC scans, or ``None`` when unsure."""
    if not data.startswith(b"\xff\xd8"):
        return None
    parts = [data[:2]]
    at, size = 2, len(data)
    while at + 2 <= size:
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if marker == _EOI:
            parts.append(b"\xff\xd9")
            return b"".join(parts)
        if at + 4 > size:
            return None
        end = at + 2 + int.from_bytes(data[at + 2 : at + 4], "big")
        if end > size or end < at + 4:
            return None
        segment = data[at:end]
        if marker == _DQT:
            zeroed = _zero_ac_quantisers(segment)
            if zeroed is None:
                return None
            parts.append(zeroed)
        elif marker == _SOS:
            found = _MARKER.search(data, end)
            if found is None or len(segment) < 6:
                return None  # the scan runs to the end of the file: truncated
            components = segment[4]
            if len(segment) < 5 + 2 * components + 3:
                return None
            spectral_start = segment[5 + 2 * components]
            if spectral_start == 0:  # a DC scan (first pass or refinement): keep it
                parts.append(data[at : found.start()])
            end = found.start()
        else:
            parts.append(segment)
        at = end
    return None

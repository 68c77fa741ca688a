"""Reading a byte stream as lines, safely: bounded length, BOM, CRLF, bad UTF-8.

Import files come from partners and victims' tools, so nothing about them is
trusted: a single 10 MB line is reported as one bad line after reading it in
small pieces (never held in memory whole), and bytes that are not UTF-8 spoil
only their own line.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import IO

from shieldwall.errors import InvalidRecordError

MAX_LINE_BYTES = 64 * 1024
"""Longest line accepted, in bytes, not counting its final newline.

A record with every field at its longest is under 2 KiB.
"""

_DRAIN = 64 * 1024


def iter_lines(
    stream: IO[bytes], *, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, str | InvalidRecordError]]:
    """Yield ``(line_no, text)`` per line, or ``(line_no, error)`` for a line that is unreadable.

    ``text`` has its line ending removed. Blank lines are yielded too (the
    format decides); line numbers are 1-based.
    """
    line_no = 0
    while True:
        raw = stream.readline(max_line_bytes + 1)
        if not raw:
            return
        if not isinstance(raw, bytes):
            raise TypeError("read_entries needs a binary stream (open the file with 'rb')")
        line_no += 1
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            while (more := stream.readline(_DRAIN)) and not more.endswith(b"\n"):
                pass
            yield (
                line_no,
                InvalidRecordError(f"line is longer than {max_line_bytes} bytes", value=raw[:40]),
            )
            continue
        if line_no == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield (
                line_no,
                InvalidRecordError(
                    f"line is not valid UTF-8 (byte {exc.start + 1})", value=raw[:40]
                ),
            )
            continue
        yield line_no, text.rstrip("\r\n")

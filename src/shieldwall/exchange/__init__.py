"""shieldwall.exchange: import and export of hash lists (CSV, JSON Lines, threatexchange).

Pure streaming readers and writers over :class:`shieldwall.types.NewEntry`;
nothing here knows about SQL. The CLI wires a reader to
``BankStore.add_entries`` and a store query to a writer::

    with open(path, "rb") as stream:
        for parsed in read_entries(stream, detect_format(path)):
            ...  # ParsedEntry(line_no, entry) or LineError(line_no, error)

The formats are described for users in ``docs/exchange-formats.md``.
"""

from shieldwall.exchange.formats import (
    FIELDS,
    REQUIRED_FIELDS,
    ExchangeFormat,
    detect_format,
    sniff_format,
)
from shieldwall.exchange.lines import MAX_LINE_BYTES
from shieldwall.exchange.readers import read_entries
from shieldwall.exchange.records import ExportRecord, LineError, ParsedEntry, ParsedLine
from shieldwall.exchange.writers import write_entries

__all__ = [
    "FIELDS",
    "MAX_LINE_BYTES",
    "REQUIRED_FIELDS",
    "ExchangeFormat",
    "ExportRecord",
    "LineError",
    "ParsedEntry",
    "ParsedLine",
    "detect_format",
    "read_entries",
    "sniff_format",
    "write_entries",
]

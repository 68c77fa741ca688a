"""Indicator feed formats: CSV, STIX 2.1 bundles and MISP events, in and out.

Readers yield ``Indicator | RecordProblem`` one record at a time; a bad record is reported
with its position and never aborts the rest. Writers take any iterable of indicators.
"""

from shieldwall.exchange.indicators.csv_feed import COLUMNS, read_csv, write_csv
from shieldwall.exchange.indicators.misp_feed import read_misp, to_misp_event, write_misp
from shieldwall.exchange.indicators.records import (
    DEFAULT_MAX_BYTES,
    ImportItem,
    RecordProblem,
    split_results,
)
from shieldwall.exchange.indicators.stix_feed import (
    pattern_for,
    read_stix,
    to_stix_bundle,
    write_stix,
)

__all__ = [
    "COLUMNS",
    "DEFAULT_MAX_BYTES",
    "ImportItem",
    "RecordProblem",
    "pattern_for",
    "read_csv",
    "read_misp",
    "read_stix",
    "split_results",
    "to_misp_event",
    "to_stix_bundle",
    "write_csv",
    "write_misp",
    "write_stix",
]

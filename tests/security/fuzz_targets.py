"""Coverage-guided fuzz targets (atheris) for the parsers that read untrusted bytes.

Run one target: ``python tests/security/fuzz_targets.py TARGET [libFuzzer options] [corpus]``,
e.g. ``-runs=2000`` (what ``make test`` does, through test_fuzz.py) or ``-max_total_time=600``
(``make soak``). Each target allows only the documented, typed errors; anything else escaping
is a crash, which atheris reports with the input that caused it (exit status non-zero).

Targets: ``decode`` (the image decoder wrapper), ``bank_import`` (CSV, JSON Lines and
ThreatExchange bank feeds), ``indicators`` (CSV, MISP and STIX indicator feeds), ``policy`` (the
YAML policy loader), ``evidence`` (evidence bundle verification).
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable

import atheris

with atheris.instrument_imports(include=["shieldwall"]):
    from shieldwall.errors import ImageError, InputError, ShieldwallError
    from shieldwall.evidence.bundle import verify_bundle
    from shieldwall.exchange.indicators.csv_feed import read_csv
    from shieldwall.exchange.indicators.misp_feed import read_misp
    from shieldwall.exchange.indicators.stix_feed import read_stix
    from shieldwall.exchange.readers import read_entries
    from shieldwall.hashing import hash_image_bytes
    from shieldwall.hashing.decode import DecodeLimits
    from shieldwall.policy.loader import parse_policy

_LIMITS = DecodeLimits(max_pixels=4_000_000, max_bytes=2 * 1024 * 1024)


def decode(data: bytes) -> None:
    with contextlib.suppress(ImageError):
        hash_image_bytes(data, limits=_LIMITS)


def bank_import(data: bytes) -> None:
    for fmt in ("csv", "jsonl", "threatexchange"):
        for _ in read_entries(io.BytesIO(data), fmt):  # bad lines come back as LineError
            pass


def indicators(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    for _ in read_csv(text.splitlines()):
        pass
    for reader in (read_misp, read_stix):
        for _ in reader(data):
            pass


def policy(data: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_policy(data.decode("utf-8", "replace"))


def evidence(data: bytes) -> None:
    with contextlib.suppress(ShieldwallError):
        verify_bundle(data)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "decode": decode,
    "bank_import": bank_import,
    "indicators": indicators,
    "policy": policy,
    "evidence": evidence,
}


def main() -> None:
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

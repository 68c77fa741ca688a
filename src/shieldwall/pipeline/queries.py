"""Files to match queries: the one place that turns image bytes into a :class:`Query`.

Used by the CLI's ``match`` (and batch jobs); the scan use case builds the same
query with :func:`query_for_decoded` from the image it has already decoded for the signals.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from shieldwall.errors import ShieldwallError
from shieldwall.hashing import DecodedImage, DecodeLimits, decode_image, digests
from shieldwall.hashing.files import read_limited
from shieldwall.hashing.local_features import (
    QUERY_FEATURES,
    QUERY_SIDE,
    extract_local_features,
)
from shieldwall.hashing.robust import plain_and_variants
from shieldwall.pipeline.matcher import Query


def query_for_bytes(
    data: bytes,
    *,
    limits: DecodeLimits,
    exact_decode: bool = False,
    robust: bool = True,
    windows: bool = True,
    local_features: bool = False,
) -> Query:
    """Hashes (and, when ``robust``, transformed-copy variants) of one image's bytes;
    ``windows=False`` skips the window grids (no bank entry carries windows);
    ``local_features`` adds the upload's ORB keypoints (some entry holds features)."""
    decoded = decode_image(data, limits=limits, exact=exact_decode, luma=True)  # hashed only
    return query_for_decoded(
        data, decoded, robust=robust, windows=windows, local_features=local_features
    )


def query_for_decoded(
    data: bytes,
    decoded: DecodedImage,
    *,
    robust: bool = True,
    windows: bool = True,
    local_features: bool = False,
) -> Query:
    """The :class:`Query` of an image already decoded from ``data`` (the scan decodes once,
    for the signals too): plain hash, variants, digests and, when asked, keypoints."""
    pdq, quality, variants = plain_and_variants(decoded, robust=robust, windows=windows)
    md5, sha256 = digests(data)
    keypoints = (
        extract_local_features(decoded.pixels, max_features=QUERY_FEATURES, max_side=QUERY_SIDE)
        if local_features
        else None
    )
    return Query(
        pdq=pdq,
        quality=quality,
        md5=md5,
        sha256=sha256,
        variants=variants,
        local_features=keypoints,
    )


def _one(args: tuple[Path, DecodeLimits, bool, bool, bool, bool]) -> Query | ShieldwallError:
    path, limits, exact, robust, windows, local = args
    try:
        data = read_limited(path, limits)
        return query_for_bytes(
            data,
            limits=limits,
            exact_decode=exact,
            robust=robust,
            windows=windows,
            local_features=local,
        )
    except ShieldwallError as exc:
        return exc


def queries_for_files(
    paths: Sequence[Path],
    *,
    limits: DecodeLimits,
    exact_decode: bool = False,
    robust: bool = True,
    windows: bool = True,
    local_features: bool = False,
    workers: int = 1,
) -> Iterator[tuple[Path, Query | ShieldwallError]]:
    """Queries in input order; a bad file yields its error and the others go on."""
    jobs = [(p, limits, exact_decode, robust, windows, local_features) for p in paths]
    if workers <= 1 or len(jobs) < 2:
        for job in jobs:
            yield job[0], _one(job)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from zip(paths, pool.map(_one, jobs, chunksize=8), strict=True)

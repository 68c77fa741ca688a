"""The bucket source (shieldwall.batch.s3) against a real S3-compatible server on loopback.

What a Ray worker does with one listed object, without Ray: the races between listing and
reading (deleted, overwritten), the size limit when the listing's size is not known, and
listing over several pages. The CLI end to end is tests/e2e/batch/test_batch_s3.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from shieldwall.batch.s3 import S3Endpoint, S3Listing, S3Location, S3Reader, windows
from shieldwall.errors import (
    FileTooLargeError,
    InputError,
    ObjectChangedError,
    ObjectMissingError,
)
from shieldwall.hashing import DecodeLimits
from shieldwall.pipeline.corpus_scan import CorpusFile, hash_item_row
from tests.s3_server import S3Server, s3_server

LIMITS = DecodeLimits(max_bytes=1_000_000)


@pytest.fixture(scope="module")
def server() -> Iterator[S3Server]:
    with s3_server() as s:
        s.client.create_bucket(Bucket="src")
        yield s


def _listed(server: S3Server, prefix: str) -> list[CorpusFile]:
    return list(S3Listing(S3Location("src", prefix), S3Endpoint(server.endpoint)))


def _reader(server: S3Server) -> S3Reader:
    return S3Reader(S3Location("src"), S3Endpoint(server.endpoint))


def test_the_listing_walks_every_page_in_key_order(server: S3Server) -> None:
    keys = [f"many/{i:04d}" for i in range(1_001)]  # two ListObjectsV2 pages
    for key in keys:
        server.client.put_object(Bucket="src", Key=key, Body=b"x")
    listed = _listed(server, "many/")
    assert [f.path for f in listed] == [f"s3://src/{k}" for k in keys]
    assert all(f.version.startswith('"') and f.size == 1 for f in listed)
    assert [len(w) for w in windows(iter(listed), 400)] == [400, 400, 201]


def test_an_object_read_is_the_listed_version_or_an_error(
    server: S3Server, photo_paths: list[Path]
) -> None:
    server.client.put_object(Bucket="src", Key="race/a.jpg", Body=photo_paths[0].read_bytes())
    (item,) = _listed(server, "race/")
    assert _reader(server).read(item, LIMITS) == photo_paths[0].read_bytes()
    server.client.put_object(Bucket="src", Key="race/a.jpg", Body=photo_paths[1].read_bytes())
    with pytest.raises(ObjectChangedError):
        _reader(server).read(item, LIMITS)
    server.client.delete_object(Bucket="src", Key="race/a.jpg")
    with pytest.raises(ObjectMissingError):
        _reader(server).read(item, LIMITS)
    # In a worker the error is the object's row, not an exception that fails its batch.
    row = hash_item_row(item, _reader(server), limits=LIMITS)
    assert row["error"] == "object_missing"


def test_an_object_over_the_limit_is_refused_even_when_its_size_was_not_listed(
    server: S3Server,
) -> None:
    server.client.put_object(Bucket="src", Key="big/b.png", Body=bytes(3 * LIMITS.max_bytes))
    (item,) = _listed(server, "big/")
    with pytest.raises(FileTooLargeError, match="3000000 bytes"):
        _reader(server).read(item, LIMITS)  # from the listing: no request made
    with pytest.raises(FileTooLargeError):
        _reader(server).read(replace(item, size=-1, version=""), LIMITS)  # from the answer


def test_an_object_of_another_bucket_is_never_read(server: S3Server) -> None:
    stray = CorpusFile("s3://other/x.png", "s3://other/x.png")
    with pytest.raises(InputError):
        _reader(server).read(stray, LIMITS)


@pytest.mark.parametrize("url", ["s3://", "s3:///key", "s3:// bucket/x", "http://bucket/x"])
def test_a_malformed_url_is_refused(url: str) -> None:
    with pytest.raises(InputError):
        S3Location.parse(url)


def test_a_url_splits_into_bucket_and_prefix() -> None:
    assert S3Location.parse("s3://b/a/b/") == S3Location("b", "a/b/")
    assert S3Location.parse("s3://b") == S3Location("b", "")
    assert S3Location("b").key_of("s3://b/../x y") == "../x y"

"""S3-compatible buckets as a corpus-scan source (``shieldwall batch scan s3://bucket/prefix``).

The driver lists the bucket (ListObjectsV2, a page of up to 1,000 keys at a time) and hands
keys, ETags and sizes to Ray; each worker reads its objects itself with an
:class:`S3Reader`, so image bytes never pass through the driver, exactly as with files.

Identity and resumability: an object's content id is ``s3://bucket/key`` (the whole key,
whatever prefix was scanned, so scanning ``s3://b/2024/`` and later ``s3://b/`` decides
nothing twice). A worker reads with ``If-Match: <listed ETag>``: the bytes hashed are the
version listed, or the object fails as ``object_changed`` and the next run, which lists the
new ETag, scans it. The ETag decided on is kept in the item's metadata.

Credentials are never a Shieldwall setting: boto3's standard chain (environment, profile,
instance or pod role) is resolved separately on the driver and on every worker, like a
folder every Ray node has to mount. Only the endpoint URL and the region travel with the
work. Listing errors about the whole source (no such bucket, refused credentials, an
endpoint that does not answer) become one typed error; everything about one object
(missing, changed, too large, unreadable) becomes that object's error line.

Importing this module never imports boto3 (the optional ``s3`` extra): :func:`require_boto3`
does, and says how to install it when it is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shieldwall.errors import (
    BucketNotFoundError,
    EmptyFileError,
    ExtraMissingError,
    FileTooLargeError,
    InputError,
    ObjectChangedError,
    ObjectMissingError,
    ObjectStoreAccessError,
    ObjectStoreError,
    ObjectStoreUnreachableError,
    ObjectUnreadableError,
    ShieldwallError,
)
from shieldwall.hashing import DecodeLimits
from shieldwall.pipeline.corpus_scan import CorpusFile

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

INSTALL_HINT = "pip install 'shieldwall[s3]'"
SCHEME = "s3://"

CONNECT_TIMEOUT_S = 5.0
"""An endpoint that does not accept a connection in this time is reported unreachable
(after the retries below) instead of holding the command for minutes."""
READ_TIMEOUT_S = 60.0
MAX_ATTEMPTS = 3
"""boto3's "standard" retry mode: throttling and 5xx answers are retried with backoff."""

LIST_WINDOW = 10_000
"""Objects listed before the driver asks which are left and hands those to Ray: keeps the
driver's memory flat for a bucket of any size (a folder is listed whole), for the price of
one Ray Data start (about a second) per window."""

_DENIED = frozenset(
    {
        "AccessDenied",
        "AllAccessDisabled",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "InvalidToken",
        "ExpiredToken",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
        "403",
    }
)
"""Error codes that mean the credentials (or their permissions) were refused."""


@dataclass(frozen=True, slots=True)
class S3Location:
    """``s3://bucket/prefix``: the bucket and the key prefix a scan covers."""

    bucket: str
    prefix: str = ""

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """Split an ``s3://`` URL; refuses one without a bucket name (:class:`InputError`)."""
        if not url.startswith(SCHEME):
            raise InputError("an S3 source starts with s3://", value=url)
        bucket, _, prefix = url[len(SCHEME) :].partition("/")
        if not bucket or any(c.isspace() for c in bucket):
            raise InputError("the S3 URL names no bucket: use s3://BUCKET[/PREFIX]", value=url)
        return cls(bucket, prefix)

    def object_url(self, key: str) -> str:
        """The ``s3://bucket/key`` of one object: its path, and its content id."""
        return f"{SCHEME}{self.bucket}/{key}"

    def key_of(self, url: str) -> str:
        """The key back from :meth:`object_url` (exact: the bucket part is fixed)."""
        head = f"{SCHEME}{self.bucket}/"
        if not url.startswith(head):
            raise InputError("not an object of this bucket", value=url)
        return url[len(head) :]

    def __str__(self) -> str:
        return self.object_url(self.prefix)


@dataclass(frozen=True, slots=True)
class S3Endpoint:
    """Where and how to reach the store; no credentials (each process uses its own chain)."""

    endpoint_url: str | None = None
    region: str | None = None


def _boto3() -> Any:
    try:
        import boto3
        import botocore.config  # noqa: F401  (the client's timeouts and retries)
    except ImportError as exc:
        raise ExtraMissingError(
            f"reading S3 buckets needs boto3, an optional extra: {INSTALL_HINT}",
            value=f"import failed: {exc}",
        ) from exc
    return boto3


def require_boto3() -> None:
    """Raise :class:`ExtraMissingError` (with the pip command) unless boto3 imports."""
    _boto3()


_clients: dict[S3Endpoint, S3Client] = {}
"""One client per endpoint per process: a Ray worker reuses its client (and its connection
pool) for every batch it is given, instead of ~50 ms of set-up per batch."""


def s3_client(endpoint: S3Endpoint) -> S3Client:
    """A boto3 S3 client for ``endpoint`` with short connect timeouts and bounded retries.

    With an endpoint URL (MinIO, Ceph, R2) buckets are addressed path-style, which they all
    accept, so a bucket name never has to resolve as a host name.
    """
    if endpoint in _clients:
        return _clients[endpoint]
    boto3 = _boto3()
    from botocore.config import Config

    config = Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
        s3={"addressing_style": "path"} if endpoint.endpoint_url else None,
    )
    try:
        client: S3Client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint.endpoint_url, region_name=endpoint.region, config=config
        )
    except Exception as exc:  # botocore: ValueError (bad URL), ProfileNotFound, …
        raise _whole_source_error(exc, endpoint.endpoint_url or "AWS S3") from exc
    _clients[endpoint] = client
    return client


@dataclass
class S3Listing:
    """Every object under a location, page by page (ListObjectsV2), as items to scan.

    Keys come back in UTF-8 binary order, the same on every run, so a restarted scan walks
    them in the order the killed one did. A zero-byte key ending in ``/`` is a folder marker
    that consoles create, not an object anyone uploaded: it is counted in :attr:`markers`,
    not scanned; every other key is yielded, whatever it holds.
    """

    location: S3Location
    endpoint: S3Endpoint
    content_prefix: str = ""
    """Put before ``s3://bucket/key`` to make the content id (``--prefix``)."""
    markers: int = 0

    def __iter__(self) -> Iterator[CorpusFile]:
        client = s3_client(self.endpoint)
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=self.location.bucket, Prefix=self.location.prefix
        )
        try:
            for page in pages:
                for obj in page.get("Contents", []):
                    key = obj["Key"]
                    size = int(obj.get("Size", 0))
                    if key.endswith("/") and size == 0:
                        self.markers += 1
                        continue
                    url = self.location.object_url(key)
                    yield CorpusFile(
                        url,
                        f"{self.content_prefix}{url}",
                        version=str(obj.get("ETag", "")),
                        size=size,
                    )
        except ShieldwallError:
            raise
        except Exception as exc:  # botocore's ClientError, connection and credential errors
            raise _whole_source_error(exc, str(self.location)) from exc


def windows(items: Iterable[CorpusFile], size: int) -> Iterator[list[CorpusFile]]:
    """``items`` in lists of ``size`` (the last shorter), listed lazily."""
    window: list[CorpusFile] = []
    for item in items:
        window.append(item)
        if len(window) >= size:
            yield window
            window = []
    if window:
        yield window


def _error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def _whole_source_error(exc: BaseException, where: str) -> ShieldwallError:
    """One clear error for a source that cannot be listed at all."""
    from botocore import exceptions as bx

    code = _error_code(exc)
    if code in ("NoSuchBucket", "404"):
        return BucketNotFoundError(
            "no such bucket at this endpoint (check the name, --endpoint-url and --region)",
            value=where,
        )
    if code in _DENIED:
        return ObjectStoreAccessError(
            f"the store refused the credentials ({code}): check AWS_ACCESS_KEY_ID / "
            "AWS_SECRET_ACCESS_KEY or AWS_PROFILE, and that they may list this bucket",
            value=where,
        )
    if code in ("PermanentRedirect", "301", "AuthorizationHeaderMalformed"):
        return ObjectStoreError(
            f"the bucket is in another region ({code}): pass --region", value=where
        )
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return ObjectStoreAccessError(
            "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
            "AWS_PROFILE, or run where an instance or pod role applies",
            value=where,
        )
    if isinstance(exc, bx.ProfileNotFound):
        return ObjectStoreAccessError(f"AWS profile not found: {exc}", value=where)
    if isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError | bx.ReadTimeoutError):
        return ObjectStoreUnreachableError(
            "the S3 endpoint does not answer (check --endpoint-url / SHIELDWALL_S3_ENDPOINT_URL "
            "and the network)",
            value=where,
        )
    if isinstance(exc, bx.ConnectionError | bx.HTTPClientError):
        return ObjectStoreUnreachableError(f"the S3 endpoint failed: {exc}", value=where)
    if isinstance(exc, ValueError):  # botocore: "Invalid endpoint: …"
        return ObjectStoreUnreachableError(f"bad S3 endpoint: {exc}", value=where)
    return ObjectStoreError(f"the S3 store answered an error: {code or exc}", value=where)


@dataclass(frozen=True, slots=True)
class S3Reader:
    """Reads one listed object inside a Ray worker (a :class:`CorpusReader`).

    Refuses before reading what the listing already says is too large; asks for the listed
    ETag only (``If-Match``); reads at most ``max_bytes + 1`` bytes whatever the server
    claims, then closes the stream, so a huge or lying object costs one bounded read.
    """

    location: S3Location
    endpoint: S3Endpoint

    def read(self, item: CorpusFile, limits: DecodeLimits) -> bytes:
        if item.size > limits.max_bytes:
            raise FileTooLargeError(
                f"object is {item.size} bytes; the limit is {limits.max_bytes} bytes",
                value=item.path,
            )
        key = self.location.key_of(item.path)
        client = s3_client(self.endpoint)
        try:
            if item.version:
                answer = client.get_object(
                    Bucket=self.location.bucket, Key=key, IfMatch=item.version
                )
            else:
                answer = client.get_object(Bucket=self.location.bucket, Key=key)
        except Exception as exc:
            raise _object_error(exc, item.path) from exc
        body = answer["Body"]
        try:
            length = int(answer.get("ContentLength", -1))
            if length > limits.max_bytes:
                raise FileTooLargeError(
                    f"object is {length} bytes; the limit is {limits.max_bytes} bytes",
                    value=item.path,
                )
            data = body.read(limits.max_bytes + 1)
        except (FileTooLargeError, ObjectStoreError):
            raise
        except Exception as exc:  # the connection dropped mid-body
            raise _object_error(exc, item.path) from exc
        finally:
            body.close()
        if len(data) > limits.max_bytes:
            raise FileTooLargeError(f"object is over {limits.max_bytes} bytes", value=item.path)
        if not data:
            raise EmptyFileError("the object is empty (0 bytes)", value=item.path)
        return data


def _object_error(exc: BaseException, where: str) -> ObjectStoreError:
    """One object's error line: gone, changed since listing, or not readable."""
    code = _error_code(exc)
    if code in ("NoSuchKey", "404"):
        return ObjectMissingError("the object was deleted after it was listed", value=where)
    if code in ("PreconditionFailed", "412"):
        return ObjectChangedError(
            "the object changed after it was listed; the next run scans the new version",
            value=where,
        )
    return ObjectUnreadableError(
        f"the store would not give this object: {code or exc}", value=where
    )

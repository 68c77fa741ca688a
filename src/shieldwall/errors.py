"""The exception hierarchy: every error a user can see, each with a stable code.

The code is part of the public contract (CLI ``--json`` output, HTTP
problem+json ``code`` field, per-line import reports), so codes never change
meaning once released. Messages say what to do; ``value`` carries the offending
input, truncated so that an error can never echo a megabyte back.

    ShieldwallError                      code
    ├── InputError                       invalid_input
    │   ├── ImageError                   image_error
    │   │   ├── EmptyFileError           empty_file
    │   │   ├── NotAnImageError          not_an_image
    │   │   ├── UnsupportedFormatError   unsupported_format
    │   │   ├── TruncatedImageError      truncated_image
    │   │   ├── CorruptImageError        corrupt_image
    │   │   ├── DecompressionBombError   decompression_bomb
    │   │   └── FileTooLargeError        file_too_large
    │   ├── InvalidHashError             invalid_hash
    │   ├── InvalidRecordError           invalid_record
    │   ├── InvalidPolicyError           invalid_policy
    │   └── UnsupportedFeatureError      unsupported_feature
    ├── NotFoundError                    not_found
    │   ├── BankNotFoundError            bank_not_found
    │   ├── EntryNotFoundError           entry_not_found
    │   ├── ExchangeNotFoundError        exchange_not_found
    │   └── BucketNotFoundError          bucket_not_found
    ├── ConflictError                    conflict
    │   ├── BankExistsError              bank_exists
    │   ├── FourEyesError                four_eyes
    │   ├── LegalHoldError               legal_hold_conflict
    │   ├── ExchangeExistsError          exchange_exists
    │   └── ExchangeBusyError            exchange_busy
    ├── ExchangeFetchError               exchange_fetch_failed
    ├── ObjectStoreError                 object_store_error  (a bucket scanned by `batch scan`)
    │   ├── ObjectStoreAccessError       object_store_access_denied
    │   ├── ObjectStoreUnreachableError  object_store_unreachable
    │   ├── ObjectMissingError           object_missing
    │   ├── ObjectChangedError           object_changed
    │   └── ObjectUnreadableError        object_unreadable
    ├── AccessError                      access_denied
    │   ├── AuthenticationError          unauthenticated
    │   └── PermissionDeniedError        forbidden
    ├── UnavailableError                 unavailable         (503, Retry-After)
    │   ├── DatabaseUnavailableError     database_unavailable
    │   ├── StorageFullError             storage_full
    │   └── OverloadedError              overloaded
    └── ConfigurationError               configuration
        ├── ExtraMissingError            extra_missing
        ├── DuplicatePredicateError      duplicate_predicate
        └── DuplicateActionKindError     duplicate_action_kind
"""

from __future__ import annotations

from typing import ClassVar, Self

_MAX_VALUE_CHARS = 120


def truncate(value: object, limit: int = _MAX_VALUE_CHARS) -> str:
    """Render ``value`` for an error message, never longer than ``limit`` characters."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ShieldwallError(Exception):
    """Base of every error Shieldwall raises on purpose.

    ``http_status`` is the status the API answers with; the shells read it so
    the mapping lives next to the error, not in a web handler.
    """

    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 400

    def __init__(self, message: str, *, value: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.value = None if value is None else truncate(value)

    def to_dict(self) -> dict[str, str | None]:
        """The error as it appears in JSON output."""
        return {"code": self.code, "message": self.message, "value": self.value}


class InputError(ShieldwallError):
    code = "invalid_input"
    http_status = 422


class ImageError(InputError):
    """An image could not be turned into hashes."""

    code = "image_error"
    http_status = 415


class EmptyFileError(ImageError):
    code = "empty_file"
    http_status = 422


class NotAnImageError(ImageError):
    code = "not_an_image"


class UnsupportedFormatError(ImageError):
    code = "unsupported_format"


class TruncatedImageError(ImageError):
    code = "truncated_image"
    http_status = 422


class CorruptImageError(ImageError):
    code = "corrupt_image"
    http_status = 422


class DecompressionBombError(ImageError):
    """More pixels than the configured limit: refused before decoding."""

    code = "decompression_bomb"
    http_status = 413


class FileTooLargeError(ImageError):
    code = "file_too_large"
    http_status = 413


class InvalidHashError(InputError):
    code = "invalid_hash"


class InvalidRecordError(InputError):
    """A line of an import file (or an API item) that cannot be read."""

    code = "invalid_record"


class InvalidPolicyError(InputError):
    code = "invalid_policy"


class UnsupportedFeatureError(InputError):
    """A well-formed request for something Shieldwall deliberately does not do (e.g. an
    HMA-compatible call that would fetch a URL server-side); the message says what to
    do instead."""

    code = "unsupported_feature"
    http_status = 400


class NotFoundError(ShieldwallError):
    code = "not_found"
    http_status = 404


class BankNotFoundError(NotFoundError):
    code = "bank_not_found"


class EntryNotFoundError(NotFoundError):
    code = "entry_not_found"


class ConflictError(ShieldwallError):
    code = "conflict"
    http_status = 409


class DuplicateDecisionError(ConflictError):
    """A decision with this id is already stored: deterministic ids (an escalation, a case's
    action) make a repeat, or two people acting at once, a no-op instead of a second row."""


class FourEyesError(ConflictError):
    """The same person tried to be both eyes (approve their own request, decide on an appeal
    against their own decision); see :mod:`shieldwall.casework`."""

    code = "four_eyes"


class LegalHoldError(ConflictError):
    """A hold that is already in force was placed again, one that is not in force released,
    or a hold that a filed child-safety report still requires released early."""

    code = "legal_hold_conflict"


class BankExistsError(ConflictError):
    code = "bank_exists"


class ExchangeNotFoundError(NotFoundError):
    code = "exchange_not_found"


class ExchangeExistsError(ConflictError):
    code = "exchange_exists"


class ExchangeBusyError(ConflictError):
    """Another fetcher holds this exchange's lease (one fetcher per exchange at a time)."""

    code = "exchange_busy"


class ExchangeFetchError(ShieldwallError):
    """The exchange could not be fetched (unreachable, refused, answered nonsense); what was
    applied before the fault stays applied and the next fetch resumes from the checkpoint."""

    code = "exchange_fetch_failed"
    http_status = 502


class BucketNotFoundError(NotFoundError):
    """The bucket a scan names does not exist at the endpoint (a typo, the wrong endpoint or
    region)."""

    code = "bucket_not_found"


class ObjectStoreError(ShieldwallError):
    """An S3-compatible object store did not give what a corpus scan asked for.

    The first three are about the whole source and end the scan before it decides anything;
    the per-object ones (missing, changed, unreadable) become that object's error line and
    the scan goes on.
    """

    code = "object_store_error"
    http_status = 502


class ObjectStoreAccessError(ObjectStoreError):
    """The store refused the credentials (unknown key, bad signature, no permission)."""

    code = "object_store_access_denied"
    http_status = 403


class ObjectStoreUnreachableError(ObjectStoreError):
    """No answer from the endpoint (wrong URL, DNS, a firewall, the store is down)."""

    code = "object_store_unreachable"
    http_status = 503


class ObjectMissingError(ObjectStoreError):
    """The object was listed but was gone when a worker came to read it (deleted since)."""

    code = "object_missing"
    http_status = 404


class ObjectChangedError(ObjectStoreError):
    """The object was overwritten between listing and reading (its ETag moved): the listed
    version is not what would be hashed, so it is reported and the next run scans it."""

    code = "object_changed"
    http_status = 409


class ObjectUnreadableError(ObjectStoreError):
    """The store would not hand over this one object (archived storage class, permission on
    this key, a server error after retries)."""

    code = "object_unreadable"


class AccessError(ShieldwallError):
    code = "access_denied"
    http_status = 403


class AuthenticationError(AccessError):
    code = "unauthenticated"
    http_status = 401


class PermissionDeniedError(AccessError):
    code = "forbidden"
    http_status = 403


class UnavailableError(ShieldwallError):
    """A temporary fault on Shieldwall's side: nothing was acknowledged, retrying is safe.

    ``retry_after_s`` becomes the HTTP ``Retry-After`` header.
    """

    code = "unavailable"
    http_status = 503
    retry_after_s: ClassVar[int] = 5


class DatabaseUnavailableError(UnavailableError):
    """The database is down, unreachable, or locked past its timeout."""

    code = "database_unavailable"


class StorageFullError(UnavailableError):
    """The disk under the database (or the data folder) is full."""

    code = "storage_full"
    retry_after_s = 60


class ConfigurationError(ShieldwallError):
    """Settings that cannot work (or are unsafe in production)."""

    code = "configuration"
    http_status = 500


class ExtraMissingError(ConfigurationError):
    """A command needs an optional extra that is not installed; ``value`` is what to install
    (the message says how)."""

    code = "extra_missing"


class DuplicateProvidedError(ConfigurationError):
    """Two providers (built-in or plug-in) register the same name in one registry (signals,
    policy predicates, action kinds); :meth:`between` words it the same way for all."""

    @classmethod
    def between(cls, what: str, name: str, taken: str, provider: str) -> Self:
        """``what`` names the registry's item (``"signal name"``, ``"action kind"``...)."""
        return cls(
            f"{what} {name!r} is provided by both {taken} and {provider}; uninstall or rename one",
            value=name,
        )


class DuplicatePredicateError(DuplicateProvidedError):
    """Two providers (built-in or plug-in) register the same policy predicate name; a rule
    naming it would be ambiguous, so the set is refused."""

    code = "duplicate_predicate"


class DuplicateActionKindError(DuplicateProvidedError):
    """Two providers (built-in or plug-in) register the same action kind; which one performs
    a stored row would be ambiguous, so the set is refused."""

    code = "duplicate_action_kind"


class OverloadedError(UnavailableError):
    """More work is waiting than the service takes on: come back after ``retry_after`` s.

    Raised instead of queueing without bound (threads and memory piling up until every
    request is slow); the API answers 503 with ``Retry-After``, and nothing was stored.
    """

    code = "overloaded"
    http_status = 503

    def __init__(self, message: str, *, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after

"""From image files to :class:`~shieldwall.types.ImageHashes`: one file, or many in parallel.

``hash_image_bytes`` is the one place that turns bytes into the three hashes
Shieldwall stores (PDQ for near-duplicates, MD5 and SHA-256 for exact copies).
``hash_files`` runs it over many files, optionally in worker processes (PDQ is
CPU-bound and mostly holds the GIL), yielding results in input order and
reporting each failure in place so one bad file never stops a batch.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from shieldwall.errors import EmptyFileError, FileTooLargeError, InputError, ShieldwallError
from shieldwall.hashing.decode import DecodeLimits, decode_image
from shieldwall.hashing.pdq import pdq_from_reduced
from shieldwall.types import ImageHashes

__all__ = [
    "IMAGE_SUFFIXES",
    "UnreadableFileError",
    "digests",
    "hash_files",
    "hash_image_bytes",
    "hash_image_file",
    "iter_image_files",
]

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".gif", ".bmp", ".dib", ".tif", ".tiff"}
    | {".heic", ".heif", ".hif"}
)
"""File name endings that directory walks pick up (case-insensitive)."""


class UnreadableFileError(InputError):
    """The file could not be read at all (missing, a directory, no permission)."""

    code = "unreadable_file"
    http_status = 422


def digests(data: bytes) -> tuple[str, str]:
    """(MD5, SHA-256) of ``data`` as lowercase hex."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest(), hashlib.sha256(data).hexdigest()


def hash_image_bytes(
    data: bytes, *, limits: DecodeLimits = DecodeLimits(), exact_decode: bool = False
) -> ImageHashes:
    """PDQ (with quality), MD5 and SHA-256 of an image file's bytes.

    The PDQ is that of the image as displayed (EXIF orientation applied). By
    default it is computed from a reduced decode (of a JPEG's luma plane alone)
    weighted to reproduce the full-resolution hash; ``exact_decode=True`` decodes
    every pixel in RGB, as the reference hasher does.
    """
    decoded = decode_image(data, limits=limits, exact=exact_decode, luma=True)  # hashed only
    pdq, quality = pdq_from_reduced(decoded.pixels, decoded.rows, decoded.cols)
    md5, sha256 = digests(data)
    return ImageHashes(
        pdq=pdq,
        quality=quality,
        md5=md5,
        sha256=sha256,
        width=decoded.original_width,
        height=decoded.original_height,
        format=decoded.format,
    )


def read_limited(path: Path, limits: DecodeLimits) -> bytes:
    """A file's bytes, refusing it (typed errors) when missing, not a regular file, empty or
    too large. Opened non-blocking and checked with ``fstat`` before reading, so a FIFO,
    socket or device in a folder is an error line instead of a hang."""
    try:
        if path.is_dir():
            raise UnreadableFileError("expected a file but found a directory", value=str(path))
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise UnreadableFileError(
                    "not a regular file (a FIFO, socket or device)", value=str(path)
                )
            if info.st_size > limits.max_bytes:
                # Refuse before reading a huge file into memory.
                raise FileTooLargeError(
                    f"file is {info.st_size} bytes; the limit is {limits.max_bytes} bytes",
                    value=str(path),
                )
            data = handle.read(limits.max_bytes + 1)
    except OSError as exc:
        raise UnreadableFileError(
            f"cannot read file: {exc.strerror or exc}", value=str(path)
        ) from exc
    if len(data) > limits.max_bytes:  # grew while we read it
        raise FileTooLargeError(f"file is over {limits.max_bytes} bytes", value=str(path))
    if not data:
        raise EmptyFileError("the file is empty (0 bytes)", value=str(path))
    return data


def hash_image_file(
    path: str | os.PathLike[str],
    *,
    limits: DecodeLimits = DecodeLimits(),
    exact_decode: bool = False,
) -> ImageHashes:
    """:func:`hash_image_bytes` of a file, refusing oversized files before reading them."""
    data = read_limited(Path(path), limits)
    return hash_image_bytes(data, limits=limits, exact_decode=exact_decode)


def iter_image_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Expand files and directories into the files to hash.

    A path given explicitly is always yielded (so a mistyped name is reported,
    not silently skipped). Directories are walked recursively in sorted order,
    skipping hidden files and directories (names starting with ``.``), and every
    other file is yielded: images by their suffix, anything else (``.txt``, ``.svg``,
    no suffix) is sniffed by content and gets its own error line, never silence.
    Symbolic links inside a walked directory are followed only when they stay
    inside it: a link out of the tree (``../../etc/passwd``, a home folder) is not
    read, and a linked directory is never descended into.
    """
    for path in paths:
        path = Path(path)
        if not path.is_dir():
            yield path
            continue
        top = path.resolve()
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    continue
                found = Path(root) / name
                if found.is_symlink() and not _stays_inside(found, top):
                    continue
                yield found


def _stays_inside(link: Path, top: Path) -> bool:
    """Whether a symbolic link points inside ``top``. A link loop resolves to nowhere: it is
    yielded, so reading it gives the file its own error line instead of a traceback."""
    try:
        return link.resolve().is_relative_to(top)
    except (OSError, RuntimeError):  # ELOOP: Python 3.11 raises RuntimeError, later OSError
        return True


_Outcome = ImageHashes | tuple[type[ShieldwallError], str, str | None]


def _hash_one(path: Path, limits: DecodeLimits, exact_decode: bool) -> _Outcome:
    """Worker body; errors travel back as (class, message, value) because
    ShieldwallError's keyword-only ``value`` does not survive pickling."""
    try:
        return hash_image_file(path, limits=limits, exact_decode=exact_decode)
    except ShieldwallError as exc:
        return type(exc), exc.message, exc.value


def _outcome(result: _Outcome) -> ImageHashes | ShieldwallError:
    if isinstance(result, ImageHashes):
        return result
    cls, message, value = result
    error = cls(message)
    error.value = value
    return error


def hash_files(
    paths: Iterable[Path],
    *,
    workers: int = 1,
    limits: DecodeLimits = DecodeLimits(),
    exact_decode: bool = False,
) -> Iterator[tuple[Path, ImageHashes | ShieldwallError]]:
    """Hash many files, yielding ``(path, hashes or the error)`` in input order.

    ``workers > 1`` spreads the work over that many processes; results are
    still yielded in input order, and a bad file yields its error in its place.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    items = [Path(p) for p in paths]
    if workers == 1:
        for path in items:
            yield path, _outcome(_hash_one(path, limits, exact_decode))
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = pool.map(
            _hash_one,
            items,
            [limits] * len(items),
            [exact_decode] * len(items),
            chunksize=max(1, min(16, len(items) // (workers * 4) or 1)),
        )
        for path, result in zip(items, results, strict=True):
            yield path, _outcome(result)

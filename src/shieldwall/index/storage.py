"""Saving indexes as plain ``.npy`` arrays plus a JSON manifest, and loading them back safely.

Never pickle: a saved index is data, so whoever can write the snapshot directory
cannot make the service run code (the weakness of pickled ThreatExchange/HMA
indexes). Arrays are read with ``allow_pickle=False`` and may be memory-mapped,
which makes a cold start cost milliseconds instead of a rebuild. The manifest
records every array's dtype and shape; anything that disagrees is refused with
:class:`CorruptIndexError` before a query can trip over it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shieldwall.index.protocol import CorruptIndexError

MANIFEST = "manifest.json"
FORMAT = "shieldwall.index"
FORMAT_VERSION = 1


def write_index(
    directory: Path, kind: str, params: dict[str, Any], arrays: dict[str, NDArray[Any]]
) -> None:
    """Write ``arrays`` and a manifest naming ``kind``; the manifest goes last.

    Each file is written under a temporary name and renamed into place, so an
    index currently memory-mapped from the same directory keeps reading its old
    (unlinked) files instead of seeing them change underneath.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    entries: dict[str, Any] = {}
    for name, arr in arrays.items():
        file = f"{name}.npy"
        tmp = directory / f".{file}.tmp"
        with open(tmp, "wb") as fh:
            np.save(fh, np.ascontiguousarray(arr), allow_pickle=False)
        os.replace(tmp, directory / file)
        entries[name] = {"file": file, "dtype": arr.dtype.str, "shape": list(arr.shape)}
    manifest = {"format": FORMAT, "version": FORMAT_VERSION, "kind": kind, "params": params}
    manifest["arrays"] = entries
    tmp = directory / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    os.replace(tmp, directory / MANIFEST)


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of a saved index, checked for format and version."""
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise CorruptIndexError("no saved index here (manifest.json missing)", value=path) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptIndexError("index manifest is not valid JSON", value=path) from exc
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("kind"), str)
        or not isinstance(manifest.get("params"), dict)
        or not isinstance(manifest.get("arrays"), dict)
    ):
        raise CorruptIndexError("not a Shieldwall index manifest", value=path)
    if manifest.get("version") != FORMAT_VERSION:
        raise CorruptIndexError(
            f"index format version {manifest.get('version')!r} is not supported "
            f"(this build reads {FORMAT_VERSION}); rebuild the index",
            value=path,
        )
    return manifest


def load_array(
    directory: Path,
    manifest: dict[str, Any],
    name: str,
    *,
    dtype: np.dtype[Any] | type[np.generic],
    shape: tuple[int | None, ...],
    mmap: bool,
) -> NDArray[Any]:
    """Load one array named in the manifest, refusing any dtype or shape surprise.

    ``shape`` gives the expected shape, ``None`` where any length is allowed;
    the array must also agree with the shape the manifest recorded.
    """
    entry = manifest["arrays"].get(name)
    if not isinstance(entry, dict) or entry.get("file") != f"{name}.npy":
        raise CorruptIndexError(f"index manifest does not describe array {name!r}")
    path = Path(directory) / entry["file"]
    try:
        arr: NDArray[Any] = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except FileNotFoundError as exc:
        raise CorruptIndexError(f"index array {name!r} is missing", value=path) from exc
    except (OSError, ValueError, EOFError) as exc:
        # ValueError covers object arrays (which would need pickle) and bad headers.
        raise CorruptIndexError(f"index array {name!r} cannot be read", value=path) from exc
    want = np.dtype(dtype)
    shape_ok = len(arr.shape) == len(shape) and all(
        e is None or e == a for e, a in zip(shape, arr.shape, strict=True)
    )
    if arr.dtype != want or not shape_ok or list(arr.shape) != entry.get("shape"):
        raise CorruptIndexError(
            f"index array {name!r} has dtype {arr.dtype} and shape {arr.shape}, "
            f"expected {want} and {shape}",
            value=path,
        )
    return arr


def param(manifest: dict[str, Any], name: str, kind: type[Any] = int) -> Any:
    """A manifest parameter of the expected type, or :class:`CorruptIndexError`."""
    value = manifest["params"].get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise CorruptIndexError(f"index manifest parameter {name!r} is missing or invalid")
    return value

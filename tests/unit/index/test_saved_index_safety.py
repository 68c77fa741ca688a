"""Loading a saved index never trusts it: bad manifests and arrays are refused, pickle never runs.

A snapshot directory is data that other processes write; a bad one must fail
with :class:`CorruptIndexError` (so the matcher can rebuild from the store), not
with an IndexError mid-query, and certainly not by executing code.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from shieldwall.index import (
    CorruptIndexError,
    LinearPdqIndex,
    MihPdqIndex,
    open_pdq_index,
)


def saved(kind: str, where: Path) -> Path:
    index = MihPdqIndex() if kind == "mih" else LinearPdqIndex()
    codes = np.random.default_rng(0).integers(0, 256, (50, 32), dtype=np.uint8)
    index.add(np.arange(50, dtype=np.int64), codes)
    if isinstance(index, MihPdqIndex):
        index.compact()
        index.add(np.array([99], np.int64), codes[:1])  # something in the delta too
    index.save(where)
    return where


def edit_manifest(directory: Path, **changes: object) -> None:
    path = directory / "manifest.json"
    manifest = json.loads(path.read_text())
    for key, value in changes.items():
        if key in manifest:
            manifest[key] = value
        else:
            manifest["params"][key] = value
    path.write_text(json.dumps(manifest))


KINDS = ["mih", "linear"]


@pytest.mark.parametrize("kind", KINDS)
def test_missing_or_garbled_manifest(kind: str, tmp_path: Path) -> None:
    with pytest.raises(CorruptIndexError, match="missing"):
        open_pdq_index(tmp_path)
    where = saved(kind, tmp_path / "i")
    (where / "manifest.json").write_text("{not json")
    with pytest.raises(CorruptIndexError, match="JSON"):
        open_pdq_index(where)
    (where / "manifest.json").write_text("[1, 2]")
    with pytest.raises(CorruptIndexError, match="not a Shieldwall"):
        open_pdq_index(where)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"version": 99}, "version"),
        ({"kind": "hnsw"}, "unknown PDQ index kind"),
        ({"count": 51}, "shape"),
        ({"count": "50"}, "parameter 'count'"),
        ({"chunk_bits": 40}, "chunking"),
        ({"delta_count": -1}, "negative"),
    ],
)
def test_manifest_that_disagrees_is_refused(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    where = saved("mih", tmp_path / "i")
    edit_manifest(where, **changes)
    with pytest.raises(CorruptIndexError, match=message):
        open_pdq_index(where)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "replacement",
    [
        np.zeros((50, 31), np.uint8),  # wrong shape
        np.zeros((50, 32), np.int16),  # wrong dtype
        np.zeros(50 * 32, np.uint8),  # flattened
    ],
    ids=["shape", "dtype", "ndim"],
)
def test_array_with_wrong_shape_or_dtype(
    kind: str, tmp_path: Path, replacement: np.ndarray
) -> None:
    where = saved(kind, tmp_path / "i")
    np.save(where / "codes.npy", replacement)
    with pytest.raises(CorruptIndexError, match="codes"):
        open_pdq_index(where)


@pytest.mark.parametrize("kind", KINDS)
def test_missing_or_truncated_array(kind: str, tmp_path: Path) -> None:
    where = saved(kind, tmp_path / "i")
    (where / "ids.npy").unlink()
    with pytest.raises(CorruptIndexError, match="missing"):
        open_pdq_index(where)
    where = saved(kind, tmp_path / "j")
    (where / "ids.npy").write_bytes((where / "ids.npy").read_bytes()[:100])
    with pytest.raises(CorruptIndexError, match="cannot be read"):
        open_pdq_index(where)


class _Boom:
    """Unpickling this would create a file: proof that loading ran code."""

    marker: Path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (str(self.marker),))


@pytest.mark.parametrize("kind", KINDS)
def test_pickled_array_is_never_unpickled(kind: str, tmp_path: Path) -> None:
    where = saved(kind, tmp_path / "i")
    boom = _Boom()
    boom.marker = tmp_path / "pwned"
    np.save(where / "ids.npy", np.array([boom] * 50, dtype=object), allow_pickle=True)
    with pytest.raises(CorruptIndexError):
        open_pdq_index(where)
    assert not boom.marker.exists()


def test_inconsistent_tables_are_refused(tmp_path: Path) -> None:
    where = saved("mih", tmp_path / "i")
    offsets = np.load(where / "offsets.npy")
    offsets[:, -1] = 7
    np.save(where / "offsets.npy", offsets)
    with pytest.raises(CorruptIndexError, match="offsets"):
        open_pdq_index(where)
    where = saved("mih", tmp_path / "j")
    np.save(where / "ids.npy", np.arange(50, dtype=np.int64)[::-1].copy())
    with pytest.raises(CorruptIndexError, match="increasing"):
        open_pdq_index(where)


def test_loaded_index_answers_like_the_original(tmp_path: Path) -> None:
    where = saved("mih", tmp_path / "i")
    for mmap in (True, False):
        index = MihPdqIndex.load(where, mmap=mmap)
        assert len(index) == 51
        code = np.load(where / "codes.npy")[0]
        assert [h.id for h in index.search_one(code, 0)] == [0, 99]

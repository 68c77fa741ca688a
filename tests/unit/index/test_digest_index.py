"""The MD5/SHA-256 index: exact lookup by bytes, with replace, remove and a safe round trip."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldwall.errors import InvalidHashError
from shieldwall.index import DigestIndex


def md5(text: str) -> bytes:
    return hashlib.md5(text.encode()).digest()


def test_lookup_add_remove_readd(tmp_path: Path) -> None:
    index = DigestIndex()
    index.add(np.array([1, 2, 3], np.int64), [md5("a"), md5("b"), md5("a")])
    assert index.lookup(md5("a")) == [1, 3]
    assert index.lookup(md5("zzz")) == []
    assert index.remove([3, 42]) == 1
    index.add(np.array([2], np.int64), [md5("c")])  # re-adding an id replaces it
    assert index.lookup_many([md5("a"), md5("b"), md5("c")]) == [[1], [], [2]]
    assert len(index) == 2
    index.save(tmp_path / "d")
    loaded = DigestIndex.load(tmp_path / "d")
    assert loaded.lookup_many([md5("a"), md5("c")]) == [[1], [2]]
    loaded.remove([1])
    loaded.add(np.array([9], np.int64), [md5("c")])
    assert loaded.lookup(md5("c")) == [2, 9]
    assert loaded.lookup(md5("a")) == []


def test_wrong_sizes_are_refused() -> None:
    index = DigestIndex()
    index.add(np.array([1], np.int64), [hashlib.sha256(b"x").digest()])
    with pytest.raises(InvalidHashError):
        index.lookup(md5("x"))
    with pytest.raises(InvalidHashError):
        DigestIndex().add(np.array([1], np.int64), [b"short"])


@settings(max_examples=30, deadline=None)
@given(
    ops=st.lists(
        st.tuples(
            st.sampled_from(["add", "remove", "compact"]), st.integers(0, 30), st.integers(0, 6)
        ),
        max_size=40,
    )
)
def test_behaves_like_a_dict(ops: list[tuple[str, int, int]]) -> None:
    # Digests that differ only in trailing zero bytes catch fixed-width string pitfalls.
    digests = [bytes([v]) + bytes(15) if v else bytes(16) for v in range(7)]
    index, model = DigestIndex(delta_limit=5), {}
    for op, key, value in ops:
        if op == "add":
            index.add(np.array([key], np.int64), [digests[value]])
            model[key] = digests[value]
        elif op == "remove":
            assert index.remove([key]) == int(model.pop(key, None) is not None)
        else:
            index.compact()
        assert len(index) == len(model)
    for digest in digests:
        assert index.lookup(digest) == sorted(k for k, v in model.items() if v == digest)

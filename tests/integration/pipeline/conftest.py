"""Fixtures for the pipeline tests: a benign photo, a copy cropped at the borders, a store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from shieldwall.hashing.pdq import pdq_from_pixels
from shieldwall.hashing.robust import bank_variants
from shieldwall.store import BankStore, make_engine, session_factory, upgrade
from shieldwall.types import HashKind, NewEntry


@pytest.fixture(scope="module")
def photo(photo_paths: list[Path]) -> Image.Image:
    image = Image.open(next(p for p in photo_paths if "castle" in p.name)).convert("RGB")
    image.thumbnail((640, 640))
    return image


@pytest.fixture(scope="module")
def cropped(photo: Image.Image) -> Image.Image:
    """The central 80% of the photo: 10% of each side cut away."""
    w, h = photo.size
    return photo.crop((w // 10, h // 10, w - w // 10, h - h // 10))


@pytest.fixture(scope="module")
def plain_entry(photo: Image.Image) -> NewEntry:
    return NewEntry(HashKind.PDQ, pdq_from_pixels(np.asarray(photo))[0])


@pytest.fixture(scope="module")
def entry_with_variants(photo: Image.Image, plain_entry: NewEntry) -> NewEntry:
    pairs = tuple((v.name, v.pdq) for v in bank_variants(np.asarray(photo)))
    assert pairs, "the photo should give bank-side variants"
    return NewEntry(HashKind.PDQ, plain_entry.value, variants=pairs)


@pytest.fixture
def store(database_url: str) -> Iterator[BankStore]:
    upgrade(database_url)
    engine = make_engine(database_url)
    yield BankStore(session_factory(engine))
    engine.dispose()

"""Image signal fixtures: the models load once per session; benign photos only."""

from __future__ import annotations

from pathlib import Path

import pytest

from shieldwall.signals.faces import FaceSignal
from shieldwall.signals.intimate import IntimateRealPersonSignal
from shieldwall.signals.nudity import NuditySignal


@pytest.fixture(scope="session")
def nudity() -> NuditySignal:
    signal = NuditySignal()
    signal.warm_up()
    return signal


@pytest.fixture(scope="session")
def faces() -> FaceSignal:
    signal = FaceSignal()
    signal.warm_up()
    return signal


@pytest.fixture(scope="session")
def intimate(nudity: NuditySignal, faces: FaceSignal) -> IntimateRealPersonSignal:
    return IntimateRealPersonSignal(nudity=nudity, faces=faces)


@pytest.fixture(scope="session")
def photo(photos_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in photos_dir.iterdir() if p.suffix in {".jpg", ".png"}}

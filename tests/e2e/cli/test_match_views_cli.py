"""Through the real ``shieldwall match``: a plain-hash bank (one PDQ per image, as partners
send) finds a benign photo reposted as one tile of a 2x2 grid post, through the tile view;
a distinct photo posted the same way does not match."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageOps

from shieldwall.hashing import decode_image
from shieldwall.hashing.pdq import pdq_from_reduced

EXE = str(Path(sys.executable).with_name("shieldwall"))


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHIELDWALL_DATA_DIR": str(data_dir)}
    env.pop("SHIELDWALL_DATABASE_URL", None)
    return subprocess.run([EXE, *args], env=env, capture_output=True, text=True, timeout=120)


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _grid_post(photo: Image.Image, fillers: list[Image.Image], path: Path) -> Path:
    """The photo in the top-right cell of a 2x2 grid with thin white gutters."""
    tw, th = photo.width // 2, photo.height // 2
    g = 5
    canvas = Image.new("RGB", (2 * tw + 3 * g, 2 * th + 3 * g), (255, 255, 255))
    tiles = [ImageOps.fit(f, (tw, th)) for f in fillers[:3]]
    tiles.insert(1, photo.resize((tw, th)))
    for k, tile in enumerate(tiles):
        r, c = divmod(k, 2)
        canvas.paste(tile, (g + c * (tw + g), g + r * (th + g)))
    canvas.save(path, "PNG")
    return path


def test_a_grid_post_of_a_banked_photo_matches_a_plain_hash_bank(
    tmp_path: Path, photo_paths: list[Path]
) -> None:
    data_dir = tmp_path / "state"
    images = []
    for p in photo_paths[:6]:
        image = Image.open(p).convert("RGB")
        image.thumbnail((640, 640))
        images.append(image)
    banked, distinct, fillers = images[0], images[1], images[2:]
    decoded = decode_image(_png(banked))
    plain = pdq_from_reduced(decoded.pixels, decoded.rows, decoded.cols)[0]
    assert run(data_dir, "bank", "create", "partner", "--purpose", "victim").returncode == 0
    added = run(data_dir, "bank", "add", "partner", "--pdq", plain, "--json")
    assert added.returncode == 0, added.stderr

    post = _grid_post(banked, fillers, tmp_path / "post.png")
    other_post = _grid_post(distinct, fillers, tmp_path / "other.png")
    result = run(data_dir, "match", "--json", str(post), str(other_post))
    assert result.returncode == 0, result.stderr
    out = {Path(o["path"]).name: o for o in map(json.loads, result.stdout.splitlines())}
    (hit,) = [m for m in out["post.png"]["matches"] if m["signal_type"] == "pdq"]
    assert hit["bank"] == "partner" and hit["variant"] == "tile(2x2,r0c1)"
    assert out["other.png"]["matches"] == []

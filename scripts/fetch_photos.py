#!/usr/bin/env python3
"""Collect Shieldwall's benign test and demo photographs from Debian packages.

Why Debian packages: the photos must be real, openly licensed and benign, and the only
registries a Shieldwall machine reaches at install time are PyPI, Debian and npm. Debian ships
wallpapers, scikit-image's and OpenCV's sample photos and jigsaw-puzzle pictures; `data/photos.tsv`
names each file, the package it comes in, its path there and its SHA-256.

    python3 scripts/fetch_photos.py --small DEST   # 19 photos from 2 small packages (~23 MB)
    python3 scripts/fetch_photos.py DEST           # all 126 photos (~290 MB of packages, once)

Downloaded packages are kept in ``$PHOTOS_CACHE`` (default ``~/.cache/shieldwall-photos``) so a
second run needs no network. A file whose checksum differs (the package was updated) is left out
with a warning rather than copied unchecked; the run fails only if no photo at all was collected.
Needs ``apt-get`` and ``dpkg-deb`` (any Debian or Ubuntu machine); standard library only.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LIST = REPO / "data" / "photos.tsv"
# The two small packages behind `--small`: enough variety (faces, animals, text, textures) for
# the unit tests and the demo bank, at a tenth of the download.
SMALL_PACKAGES = ("python3-skimage", "palapeli-data")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _wanted(small: bool) -> list[dict[str, str]]:
    with LIST.open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [r for r in rows if not small or r["package"] in SMALL_PACKAGES]


def _download(packages: list[str], debs: Path) -> None:
    """Fetch the .deb files not yet cached; refresh apt's lists once if the first try fails."""
    missing = [p for p in packages if not any(debs.glob(f"{p}_*.deb"))]
    if not missing:
        return
    for attempt in (1, 2):
        if attempt == 2 or not any(Path("/var/lib/apt/lists").glob("*Packages*")):
            subprocess.run(["apt-get", "update", "-qq"], check=False)
        done = subprocess.run(["apt-get", "download", "-qq", *missing], cwd=debs, check=False)
        if done.returncode == 0:
            return
    sys.exit(f"fetch_photos: apt-get could not download {' '.join(missing)}")


def _unpack(package: str, debs: Path, unpacked: Path) -> Path:
    target = unpacked / package
    if not target.is_dir():
        deb = sorted(debs.glob(f"{package}_*.deb"))[0]
        tmp = unpacked / f".{package}.partial"
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp)], check=True)
        tmp.rename(target)  # only a complete unpack is ever reused
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="folder to copy the photos into")
    parser.add_argument("--small", action="store_true", help="the 19 photos of two packages")
    args = parser.parse_args(argv)

    cache = Path(os.environ.get("PHOTOS_CACHE", Path.home() / ".cache" / "shieldwall-photos"))
    debs, unpacked = cache / "debs", cache / "ex"
    for folder in (args.dest, debs, unpacked):
        folder.mkdir(parents=True, exist_ok=True)

    rows = _wanted(args.small)
    packages = sorted({r["package"] for r in rows})
    _download(packages, debs)
    roots = {p: _unpack(p, debs, unpacked) for p in packages}

    copied = skipped = 0
    for row in rows:
        source = roots[row["package"]] / row["path"]
        if source.is_file() and _sha256(source) == row["sha256"]:
            shutil.copyfile(source, args.dest / row["name"])
            copied += 1
        else:
            print(
                f"fetch_photos: left out {row['name']} (missing or changed in {row['package']})",
                file=sys.stderr,
            )
            skipped += 1
    print(f"fetch_photos: {copied} photos in {args.dest} ({skipped} left out)")
    return 0 if copied else 1


if __name__ == "__main__":
    sys.exit(main())

"""Folder traps for ``shieldwall hash``: FIFOs, symlinks out of the tree, non-image files.

Before: a FIFO in a folder blocked the walk forever, a symlink to a file outside the
folder was read and hashed, and ``.txt``/``.svg`` files were skipped without a line.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

from shieldwall.hashing.files import hash_files, iter_image_files


def test_a_fifo_is_an_error_line_not_a_hang(tmp_path: Path, photo_paths: list[Path]) -> None:
    folder = tmp_path / "upload"
    folder.mkdir()
    shutil.copy(photo_paths[0], folder / "a.jpg")
    os.mkfifo(folder / "b.jpg")
    results: list[tuple[Path, object]] = []
    walker = threading.Thread(
        target=lambda: results.extend(hash_files(iter_image_files([folder]))), daemon=True
    )
    walker.start()
    walker.join(timeout=60)
    assert not walker.is_alive(), "hashing blocked on the FIFO"
    by_name = {p.name: r for p, r in results}
    assert getattr(by_name["b.jpg"], "code", None) == "unreadable_file"
    assert not hasattr(by_name["a.jpg"], "code")


def test_symlinks_out_of_the_tree_are_not_followed(tmp_path: Path, photo_paths: list[Path]) -> None:
    outside = tmp_path / "private"
    outside.mkdir()
    shutil.copy(photo_paths[1], outside / "secret.jpg")
    folder = tmp_path / "upload"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(photo_paths[0], folder / "sub" / "inside.jpg")
    (folder / "escape.jpg").symlink_to(outside / "secret.jpg")
    (folder / "linked-dir").symlink_to(outside, target_is_directory=True)
    (folder / "ok-link.jpg").symlink_to(folder / "sub" / "inside.jpg")
    found = {p.relative_to(folder).as_posix() for p in iter_image_files([folder])}
    assert found == {"sub/inside.jpg", "ok-link.jpg"}


def test_non_image_files_in_a_folder_get_a_result_line(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a picture")
    (folder / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    results = dict(hash_files(iter_image_files([folder])))
    assert {p.name for p in results} == {"notes.txt", "logo.svg"}
    assert all(hasattr(r, "code") for r in results.values())

"""Review media: kept only where a platform opted in, encrypted at rest, shown blurred first.

Shieldwall stores hashes, not media. A platform that wants its moderators to see the
item inside Shieldwall opts in (``keep_review_media``); then the bytes of each scanned
image are encrypted with AES-GCM under a 256-bit key read from a file in ``data_dir``
(created 0600 on first use) and stored in ``review_media``. A copy of the database
alone reveals nothing.

The browser gets a greyscale, blurred thumbnail made here on the server; the clear
image is served only to a person who has just revealed it, and every reveal goes
through :func:`record_reveal` (the one place the audit trail hooks).
"""

from __future__ import annotations

import io
import os
import secrets
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from PIL import Image, ImageFilter, ImageOps

from shieldwall.pipeline.records import RevealInfo, ReviewStore, utcnow

KEY_FILE = "review_media.key"
PREVIEW_SIDE = 480
BLUR_RADII = (0, 4, 8, 14, 22, 32)
"""Gaussian blur radius for strengths 0 (greyscale only) to 5, on a 480 px thumbnail."""
REVEAL_WINDOW = timedelta(minutes=10)
"""How long after a reveal the clear image may be fetched by the same person."""


class MediaVault:
    """Encrypts media into ``review_media`` and decrypts it back for review."""

    def __init__(self, desk: ReviewStore, data_dir: Path) -> None:
        self._desk = desk
        self._key_path = Path(data_dir) / KEY_FILE
        self._aead: AESGCM | None = None

    def _cipher(self) -> AESGCM:
        if self._aead is None:
            self._aead = AESGCM(_load_or_create_key(self._key_path))
        return self._aead

    def keep(self, item_id: int, data: bytes, media_type: str) -> None:
        nonce = secrets.token_bytes(12)
        # The item id is bound as associated data: a ciphertext moved to another row fails.
        sealed = self._cipher().encrypt(nonce, data, str(item_id).encode())
        self._desk.put_media(item_id=item_id, media_type=media_type, nonce=nonce, ciphertext=sealed)

    def load(self, item_id: int) -> tuple[str, bytes] | None:
        found = self._desk.get_media(item_id)
        if found is None:
            return None
        media_type, nonce, sealed = found
        return media_type, self._cipher().decrypt(nonce, sealed, str(item_id).encode())

    def has(self, item_id: int) -> bool:
        return self._desk.get_media(item_id) is not None


def _load_or_create_key(path: Path) -> bytes:
    if path.exists():
        key = path.read_bytes()
        if len(key) != 32:
            raise ValueError(f"{path} must hold exactly 32 bytes")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = AESGCM.generate_key(bit_length=256)
    # O_EXCL: two processes starting together must not write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    return key


def blurred_preview(data: bytes, strength: int) -> bytes:
    """A greyscale JPEG thumbnail blurred by ``strength`` (0-5)."""
    with Image.open(io.BytesIO(data)) as opened:
        img = ImageOps.exif_transpose(opened)
        img.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
        grey = img.convert("L")
    radius = BLUR_RADII[max(0, min(strength, len(BLUR_RADII) - 1))]
    if radius:
        grey = grey.filter(ImageFilter.GaussianBlur(radius))
    out = io.BytesIO()
    grey.save(out, "JPEG", quality=80)
    return out.getvalue()


def clear_preview(data: bytes) -> bytes:
    """The revealed image, still reduced in size (a moderator never needs full resolution)."""
    with Image.open(io.BytesIO(data)) as opened:
        img = ImageOps.exif_transpose(opened)
        img.thumbnail((PREVIEW_SIDE * 2, PREVIEW_SIDE * 2))
        rgb = img.convert("RGB")
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=85)
    return out.getvalue()


def record_reveal(desk: ReviewStore, *, item_id: int, user_id: int, username: str) -> RevealInfo:
    """Record that ``username`` revealed item ``item_id``: THE hook for the audit trail.

    Every reveal in the review UI goes through here and nowhere else. The desk writes the
    ``media_reveals`` row and chains a ``media.revealed`` event (actor ``staff:<user id>``,
    subject the item's content id, no media) in one transaction: no reveal is unaudited.
    """
    return desk.add_reveal(item_id=item_id, user_id=user_id, username=username)


def recently_revealed(desk: ReviewStore, *, item_id: int, username: str) -> bool:
    since = utcnow() - REVEAL_WINDOW
    return any(
        r.username == username and r.revealed_at >= since
        for r in desk.reveals(item_id=item_id, limit=50)
    )

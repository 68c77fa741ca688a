"""Helpers shared by the browser hashing tests: the server's PDQ as hex, RGBA bytes, distances."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pdqhash
from playwright.sync_api import Page

RGB = np.ndarray[Any, np.dtype[np.uint8]]


def pdq_hex(rgb: RGB) -> tuple[str, int]:
    """The server's PDQ of an RGB array: pdqhash's bit vector as ThreatExchange prints it."""
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb))
    return bits_to_hex(bits), int(quality)


def bits_to_hex(bits: np.ndarray[Any, Any]) -> str:
    """pdqhash returns bit 255 first; the hex is that bit string read as one number."""
    return f"{int(''.join(str(int(b)) for b in bits), 2):064x}"


def rgba_bytes(rgb: RGB) -> bytes:
    """Opaque RGBA bytes of an RGB array, the layout of the browser's ImageData."""
    h, w, _ = rgb.shape
    alpha = np.full((h, w, 1), 255, dtype=np.uint8)
    return np.concatenate([rgb, alpha], axis=2).tobytes()


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


@dataclass
class StaticServer:
    origin: str
    blobs: dict[str, bytes] = field(default_factory=dict)

    def add_blob(self, name: str, data: bytes) -> str:
        """Serve ``data`` at /pixels/<name> and return that path."""
        self.blobs[name] = data
        return f"/pixels/{name}"


@dataclass
class HashPage:
    """The test page, loaded, with every URL it requested so far."""

    page: Page
    origin: str
    requests: list[str]

    def foreign_requests(self) -> list[str]:
        """URLs requested off the loopback server, plus any the page's CSP blocked."""
        blocked: list[str] = self.page.evaluate("window.sw.cspViolations()")
        return [u for u in self.requests if not u.startswith(self.origin + "/")] + blocked

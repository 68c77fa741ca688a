"""An upload handler that refuses an upload when Shieldwall says so.

Run against a local Shieldwall (``make run`` prints a key)::

    SHIELDWALL_KEY=... python examples/upload_handler.py photo.jpg

The media goes to your own Shieldwall only. A platform that hashes on the device
would call ``sw.lookup(content_id=..., pdq=..., md5=...)`` instead and send no media.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from shieldwall.client import ShieldwallAPIError, ShieldwallClient

BLOCKING = {"block", "remove", "hold", "escalate_child_safety"}
"""Verdicts after which the upload is not published (``review`` publishes and queues it)."""


def accept_upload(sw: ShieldwallClient, path: Path, *, content_id: str, uploader: str) -> bool:
    """True to publish. Shieldwall answering an error blocks too: failing closed is the
    safe default for intimate-image abuse (change it if your platform decides otherwise)."""
    try:
        decision = sw.scan(path, content_id=content_id, surface="post", uploader_id=uploader)
    except ShieldwallAPIError as exc:
        print(f"{content_id}: Shieldwall unavailable ({exc.code}); held back", file=sys.stderr)
        return False
    if decision["verdict"] in BLOCKING:
        banks = sorted({m["bank"] for m in decision["matches"]})
        print(f"{content_id}: blocked ({decision['verdict']}; banks {', '.join(banks) or '-'})")
        return False
    return True


def main() -> int:
    url = os.environ.get("SHIELDWALL_URL", "http://127.0.0.1:8000")
    key = os.environ["SHIELDWALL_KEY"]
    with ShieldwallClient(url, key) as sw:
        ok = [
            accept_upload(sw, Path(p), content_id=f"upload:{p}", uploader="u1")
            for p in sys.argv[1:]
        ]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    raise SystemExit(main())

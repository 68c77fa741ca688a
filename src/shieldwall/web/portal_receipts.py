"""One request page, one case: the submission token, and the receipt shown after a redirect.

Every request page carries a random submission token, signed for the visitor's portal
cookie (``rand.mac``). When it is sent, the case is stored with a keyed hash of the
token and the access code sealed (AES-GCM) under a key derived from the token and the
site secret, in the same transaction; the browser is then redirected (303) to
``/report/receipt/<token>``. So:

- reloading the receipt is a GET: it shows the same case and code, and stores nothing;
- sending the same page twice (a double click, the back button, two tabs at once) finds
  the case the first send created and redirects to its receipt: one case, never two;
- the token is good only with the cookie it was signed for, so someone who learns it
  (a shared link, a screenshot of the address bar) cannot read the receipt from another
  browser, and a token never changes a case: a repeat only ever shows the first one;
- the database holds neither the token nor the code in the clear, and the receipt is
  shown for :data:`RECEIPT_SHOWN_FOR` only (after that, the status page asks for the code).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

RECEIPT_SHOWN_FOR = timedelta(hours=24)
"""As long as the portal cookie lives: the receipt is for the moment of sending."""
_RAND_LEN = 22


def _mac(secret: str, purpose: str, text: str) -> bytes:
    return hmac.new(secret.encode(), f"{purpose}:{text}".encode(), hashlib.sha256).digest()


def issue_token(secret: str, nonce: str) -> str:
    """A fresh submission token for one page, good only with the cookie ``nonce``."""
    rand = secrets.token_urlsafe(16)[:_RAND_LEN]
    return f"{rand}.{_mac(secret, 'submission', f'{nonce}:{rand}').hex()[:32]}"


def submission_key(secret: str, nonce: str, token: str) -> str | None:
    """The stored key of a token sent with the cookie ``nonce``; None when the token is
    missing, malformed, or was signed for another cookie."""
    rand, _, mac = token.partition(".")
    if not nonce or len(rand) != _RAND_LEN or len(mac) != 32 or not token.isascii():
        return None
    expected = _mac(secret, "submission", f"{nonce}:{rand}").hex()[:32]
    if not hmac.compare_digest(mac, expected):
        return None
    return _mac(secret, "receipt-id", rand).hex()


def seal(secret: str, token: str, code: str) -> str:
    """The access code, encrypted under a key only the token's holder and the site have."""
    nonce = secrets.token_bytes(12)
    box = AESGCM(_mac(secret, "receipt-seal", token)).encrypt(nonce, code.encode(), None)
    return base64.urlsafe_b64encode(nonce + box).decode()


def unseal(secret: str, token: str, sealed: str) -> str | None:
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
        return (
            AESGCM(_mac(secret, "receipt-seal", token)).decrypt(raw[:12], raw[12:], None).decode()
        )
    except (InvalidTag, ValueError):
        return None

"""One argon2 hasher for every secret Shieldwall keeps: API keys, staff passwords and the
victim portal's access codes.

Why one module: the three must share their cost parameters and the way a lookup of an
unknown name still spends one verification (so a wrong name and a wrong secret take the
same time). The dummy hash is made on first use, not at import, so a CLI command that
never checks a secret does not pay ~0.2 s for it.

Tests replace :data:`HASHER` with argon2-cffi's ``CHEAPEST`` profile in their own process
(``tests/conftest.py``); hashes carry their own parameters, so a stored hash always
verifies with the parameters it was made with.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher()
"""argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile: 64 MiB, 3 passes)."""

_dummies: dict[int, str] = {}


def hash_secret(secret: str) -> str:
    """The argon2 hash to store for ``secret``."""
    return HASHER.hash(secret)


def verify_secret(stored: str | None, secret: str) -> bool:
    """Whether ``secret`` matches ``stored``; ``None`` (no such name) still costs one check."""
    try:
        return HASHER.verify(stored if stored is not None else _dummy(), secret) and (
            stored is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made with other parameters than today's (rehash on login)."""
    return HASHER.check_needs_rehash(stored)


def _dummy() -> str:
    key = id(HASHER)
    if key not in _dummies:
        _dummies[key] = HASHER.hash("not-a-real-secret-only-for-timing")
    return _dummies[key]

"""Shieldwall: proactively stop non-consensual intimate imagery, and prove that you did.

The public API is deliberately small; see ``__all__``. Everything else is reached
through the subpackages (``shieldwall.hashing``, ``shieldwall.index`` …).
"""

from shieldwall.errors import ShieldwallError
from shieldwall.types import BankPurpose, EntryStatus, ImageHashes, Match, SignalType

__version__ = "0.1.0"

__all__ = [
    "BankPurpose",
    "EntryStatus",
    "ImageHashes",
    "Match",
    "ShieldwallError",
    "SignalType",
    "__version__",
]

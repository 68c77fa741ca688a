"""Shieldwall: proactively stop non-consensual intimate imagery, and prove that you did.

The public API is deliberately small; see ``__all__``. Everything else is reached
through the subpackages (``shieldwall.hashing``, ``shieldwall.index`` …).
"""

import os as _os

# Shieldwall's matrix products are small (a 64xN PDQ filter per image) and it scales
# with processes, not BLAS threads: on a busy 2-core machine multi-threaded OpenBLAS
# made hashing 10x slower (27 vs 307 images/s). Set before numpy loads; an
# operator's explicit setting wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_var, "1")
if "numpy" in __import__("sys").modules and _os.environ.get("OPENBLAS_NUM_THREADS") == "1":
    # numpy loaded first (a library user): the variables came too late; limit BLAS directly.
    from threadpoolctl import threadpool_limits as _limits

    _limits(limits=1, user_api="blas")

from shieldwall.errors import ShieldwallError  # noqa: E402
from shieldwall.types import (  # noqa: E402
    BankPurpose,
    EntryStatus,
    HashKind,
    ImageHashes,
    Match,
)

__version__ = "0.1.0"

__all__ = [
    "BankPurpose",
    "EntryStatus",
    "HashKind",
    "ImageHashes",
    "Match",
    "ShieldwallError",
    "__version__",
]

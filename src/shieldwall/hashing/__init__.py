"""Hashing: untrusted image bytes in, PDQ + MD5 + SHA-256 out; nothing is kept.

Decoding is defensive (size and pixel limits checked from the header before
decoding, only supported formats opened, every failure a typed
:class:`~shieldwall.errors.ImageError` with a stable code) and applies the EXIF
orientation before hashing, so an image is hashed as a viewer sees it.

PDQ is computed by :mod:`shieldwall.hashing.pdq`, a matrix formulation of
Meta's reference algorithm that gives ``pdqhash.compute``'s hashes several
times faster. By default JPEGs are decoded at reduced size (libjpeg DCT
scaling, short side >= 512 px) and other formats box-reduced once, with the PDQ
weights adjusted so the result stays within a few bits of the full-resolution
hash; ``exact_decode=True`` decodes every pixel.
"""

from shieldwall.hashing.decode import DecodedImage, DecodeLimits, decode_image
from shieldwall.hashing.files import (
    UnreadableFileError,
    digests,
    hash_files,
    hash_image_bytes,
    hash_image_file,
    iter_image_files,
)
from shieldwall.hashing.pdq import DIHEDRAL_NAMES, pdq_dihedral_from_pixels, pdq_from_pixels

__all__ = [
    "DIHEDRAL_NAMES",
    "DecodeLimits",
    "DecodedImage",
    "UnreadableFileError",
    "decode_image",
    "digests",
    "hash_files",
    "hash_image_bytes",
    "hash_image_file",
    "iter_image_files",
    "pdq_dihedral_from_pixels",
    "pdq_from_pixels",
]

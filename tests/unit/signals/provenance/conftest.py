"""Fixtures for the synthetic-origin tests, all made here from the benign test photos.

- ``stripped_jpeg`` / ``stripped_png``: a photo re-encoded with no metadata at all.
- ``test_ca``: a throwaway certificate chain (root CA -> signer with digitalSignature key usage
  and the emailProtection EKU that C2PA accepts), generated per test session.
- ``sign_c2pa``: embeds a C2PA manifest, signed offline with that chain, in a file's bytes.
- ``imwatermark_embedder``: invisible-watermark's own dwtDct embedder, loaded without the torch
  import its package ``__init__`` does (dwtDct never uses torch).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import c2pa
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def _reencode(path: Path, fmt: str) -> bytes:
    with Image.open(path) as image:
        rgb = image.convert("RGB")
    out = io.BytesIO()
    rgb.save(out, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


@pytest.fixture(scope="session")
def photo(photo_paths: list[Path]) -> Path:
    """A colour photo (the JPEG with the most pixels under 2 MP, for speed)."""
    return next(p for p in photo_paths if p.name.startswith("palapeli__castle"))


@pytest.fixture(scope="session")
def stripped_jpeg(photo: Path) -> bytes:
    return _reencode(photo, "JPEG")


@pytest.fixture(scope="session")
def stripped_png(photo: Path) -> bytes:
    return _reencode(photo, "PNG")


@dataclass(frozen=True)
class CertChain:
    chain_pem: bytes
    key_pem: bytes
    root_pem: str


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Shieldwall tests"),
        ]
    )


def _usage(*, sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not sign,
        crl_sign=not sign,
        encipher_only=False,
        decipher_only=False,
    )


@pytest.fixture(scope="session")
def test_ca() -> CertChain:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Shieldwall Test Root"))
        .issuer_name(_name("Shieldwall Test Root"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("Test Generator Signer"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return CertChain(
        chain_pem=leaf.public_bytes(pem) + ca.public_bytes(pem),
        key_pem=key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        root_pem=ca.public_bytes(pem).decode(),
    )


SignC2pa = Callable[[bytes, str, list[dict[str, Any]]], bytes]


@pytest.fixture(scope="session")
def sign_c2pa(test_ca: CertChain) -> SignC2pa:
    """Sign ``media`` with a manifest holding ``actions``, as a generator would."""

    def sign(media: bytes, media_type: str, actions: list[dict[str, Any]]) -> bytes:
        manifest = {
            "claim_generator_info": [{"name": "Example Image Generator", "version": "2.1"}],
            "title": "generated",
            "assertions": [{"label": "c2pa.actions", "data": {"actions": actions}}],
        }
        info = c2pa.C2paSignerInfo(
            c2pa.C2paSigningAlg.ES256, test_ca.chain_pem, test_ca.key_pem, None
        )
        with c2pa.Signer.from_info(info) as signer, c2pa.Builder(manifest) as builder:
            out = io.BytesIO()
            builder.sign(signer, media_type, io.BytesIO(media), out)
            return out.getvalue()

    return sign


@pytest.fixture(scope="session")
def imwatermark_embedder() -> ModuleType:
    spec = importlib.util.find_spec("imwatermark")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "maxDct.py"
    module_spec = importlib.util.spec_from_file_location("shieldwall_test_imwatermark", path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module

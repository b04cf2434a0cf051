"""Cryptosuites: the small per-suite facts the generic Data Integrity engine needs.

Why so little here: both suites we support (eddsa-rdfc-2022, ecdsa-rdfc-2019) use
RDFC-1.0 and the same "hash(proof config) || hash(document)" recipe, which lives once in
`proofs/data_integrity.py`. A suite only says which keys it accepts, which hash goes
with which key, and how to sign/verify bytes (P7/P8 in STYLE.md).
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ..crypto.keys import KeyPair
from ..errors import EdcIssuerError, SigningError

CANONICALIZATION = "RDFC-1.0"


@dataclass(frozen=True)
class Cryptosuite:
    """One Data Integrity cryptosuite (`name` as it appears in `proof.cryptosuite`)."""

    name: str
    #: key algorithms (KeyPair.algorithm) this suite accepts, mapped to their hash (hashlib name)
    hashes: Mapping[str, str] = field(compare=False)
    canonicalization: str = CANONICALIZATION

    @property
    def key_algorithms(self) -> frozenset[str]:
        return frozenset(self.hashes)

    def hash_name(self, key_algorithm: str) -> str:
        """sha256 for Ed25519 and P-256, sha384 for P-384 (ecdsa-rdfc-2019 section 3.3)."""
        return self.hashes[key_algorithm]

    def hash(self, key_algorithm: str, data: bytes) -> bytes:
        return hashlib.new(self.hashes[key_algorithm], data).digest()

    def key_problem(self, key: KeyPair, *, need_private: bool = False) -> str | None:
        """Why `key` cannot be used with this suite, or None when it can."""
        if key.algorithm not in self.hashes:
            return (f"{self.name} needs a {' or '.join(sorted(self.hashes))} key, "
                    f"got {key.algorithm}")
        if need_private and not key.has_private:
            return f"{self.name} signing needs the private key"
        return None

    def sign(self, key: KeyPair, data: bytes) -> bytes:
        """Signature bytes over the verify data (raw r||s for ECDSA)."""
        problem = self.key_problem(key, need_private=True)
        if problem:
            raise SigningError(problem, field="cryptosuite", value=self.name)
        return key.sign(data)

    def verify(self, public_key: KeyPair, signature: bytes, data: bytes) -> bool:
        if self.key_problem(public_key):
            return False
        return public_key.verify(signature, data)


def make_suite(name: str, hashes: Mapping[str, str]) -> Cryptosuite:
    return Cryptosuite(name, MappingProxyType(dict(hashes)))


_REGISTRY: dict[str, Cryptosuite] = {}


def register(suite: Cryptosuite) -> Cryptosuite:
    _REGISTRY[suite.name] = suite
    return suite


def _load_builtin() -> None:
    # imported here, not at module top: the suite modules import this module
    from . import ecdsa_rdfc_2019, eddsa_rdfc_2022  # noqa: F401


def supported_suites() -> tuple[str, ...]:
    _load_builtin()
    return tuple(sorted(_REGISTRY))


def get_suite(name: object, *, error: type[EdcIssuerError] = SigningError) -> Cryptosuite:
    """The suite called `name`; raises `error` (SigningError, or VerificationError when verifying)."""
    _load_builtin()
    suite = _REGISTRY.get(name) if isinstance(name, str) else None
    if suite is None:
        raise error(f"unsupported cryptosuite {name!r}; supported: {', '.join(sorted(_REGISTRY))}",
                    field="cryptosuite", value=name)
    return suite

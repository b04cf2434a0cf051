"""Ed25519Signature2020 (W3C CCG, vc-di-eddsa Appendix): the legacy Ed25519 proof type.

Why still here: credentials signed before `DataIntegrityProof` carry it. It is
eddsa-rdfc-2022's algorithm (RDFC-1.0 / URDNA2015, SHA-256, multibase base58btc) under
its own proof `type` with no `cryptosuite` member, and its terms come from the
ed25519-2020 context. Issuing still defaults to eddsa-rdfc-2022 (base.DEFAULT_FOR_KEY).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .base import RdfcSuite, register

NAME = "Ed25519Signature2020"
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"


@dataclass(frozen=True)
class LegacyTypeSuite(RdfcSuite):
    """An RDFC suite named by its proof `type` alone (it predates `cryptosuite`)."""

    def matches(self, proof: Mapping[str, Any]) -> bool:
        return proof.get("type") == self.proof_type

    def proof_fields(self) -> dict[str, Any]:
        return {"type": self.proof_type}


SUITE: LegacyTypeSuite = LegacyTypeSuite(NAME, MappingProxyType({"Ed25519": "sha256"}), proof_type=NAME,
                                         proof_contexts=(ED25519_2020_CONTEXT,))
register(SUITE)

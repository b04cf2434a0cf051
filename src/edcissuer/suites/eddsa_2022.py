"""eddsa-2022: the pre-standard name of eddsa-rdfc-2022, verified but never issued.

Why: digitalbazaar's `@digitalbazaar/eddsa-2022-cryptosuite` 1.x (2022-2023, with
`@digitalbazaar/data-integrity` 1.x, as DCC deployed it) signs a `DataIntegrityProof` with
`cryptosuite: "eddsa-2022"` by exactly eddsa-rdfc-2022's algorithm: URDNA2015 (= RDFC-1.0)
canonical N-Quads, SHA-256 of the proof options (the proof without `proofValue`, with the
document's `@context`) followed by SHA-256 of the document without `proof`, an Ed25519
signature as multibase base58btc. Only the name differs. The name is part of the signed
proof options, so an eddsa-2022 proof cannot be renamed to eddsa-rdfc-2022 (or back)
without breaking its signature. Registered as an alias: `issue(proof=...)` never offers it.
"""
from __future__ import annotations

from .base import RdfcSuite, make_suite, register

SUITE: RdfcSuite = make_suite("eddsa-2022", {"Ed25519": "sha256"})
register(SUITE, alias_of="eddsa-rdfc-2022")

"""JAdES e-seal for EDCs (ETSI TS 119 182-1): sealing, reading, and verification at the signing time.

The EU's EDCI issuer seals a European Digital Credential as a JWS in JSON general
serialization, enveloping, with an unencoded payload (RFC 7797, `b64: false`). `seal()`
produces that shape at baseline B; `add_seal()` adds a co-seal (one signature per awarding
body of a joint award, docs/cosealing.md); `verify_seal()` / `verify_seal_detailed()` check
our seals and the EU's own (baseline LTA) ones, every signature of a co-sealed one;
`read_envelope()` / `read_envelopes()` are the one reader of the envelope.

Modules: `sign` (sealing), `envelope` (reading, detection), `verify` (structure, signature,
certificate and chain checks), `unsigned` (etsiU, timestamps, xVals, rVals, level),
`algorithms` (the JWA allow-list both sides share). See docs/jades.md.
"""
from __future__ import annotations

from .algorithms import ALGORITHMS
from .envelope import JadesEnvelope, is_jades, read_envelope, read_envelopes
from .sign import DEFAULT_CONTENT_TYPE, add_seal, default_alg, seal
from .unsigned import LEVELS
from .verify import SealVerification, verify_seal, verify_seal_detailed

__all__ = [
    "ALGORITHMS", "DEFAULT_CONTENT_TYPE", "LEVELS", "JadesEnvelope", "SealVerification", "add_seal", "default_alg",
    "is_jades", "read_envelope", "read_envelopes", "seal", "verify_seal", "verify_seal_detailed",
]

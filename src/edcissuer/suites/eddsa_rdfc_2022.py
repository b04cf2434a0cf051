"""eddsa-rdfc-2022 (W3C VC-DI-EdDSA): Ed25519 keys, SHA-256, RDFC-1.0."""
from __future__ import annotations

from .base import RdfcSuite, make_suite, register

SUITE: RdfcSuite = make_suite("eddsa-rdfc-2022", {"Ed25519": "sha256"})
register(SUITE)

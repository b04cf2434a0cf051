"""ecdsa-rdfc-2019 (W3C VC-DI-ECDSA): P-256 with SHA-256, P-384 with SHA-384, RDFC-1.0."""
from __future__ import annotations

from .base import RdfcSuite, make_suite, register

SUITE: RdfcSuite = make_suite("ecdsa-rdfc-2019", {"P-256": "sha256", "P-384": "sha384"})
register(SUITE)

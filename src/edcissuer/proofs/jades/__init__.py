"""JAdES e-seal for EDCs (ETSI TS 119 182-1); the module moved here unchanged, to be split next."""
from __future__ import annotations

from .verify import (
    ALGORITHMS,
    DEFAULT_CONTENT_TYPE,
    LEVELS,
    _parse,
    _sign,
    _xvals_certificates,
    default_alg,
    is_jades,
    seal,
    verify_seal,
)

__all__ = ["ALGORITHMS", "DEFAULT_CONTENT_TYPE", "LEVELS", "_parse", "_sign", "_xvals_certificates",
           "default_alg", "is_jades", "seal", "verify_seal"]

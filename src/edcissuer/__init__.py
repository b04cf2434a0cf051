"""edcissuer: issue, seal, verify and recognise European micro-credentials.

The recipes (P10): `load_record` -> `issue` -> `verify`; recognition in `edcissuer.recognition`.
Low-level layers (`crypto`, `suites`, `proofs`, `ld`) are importable but not re-exported.
"""
from __future__ import annotations

from .errors import (
    ContextError,
    EdcIssuerError,
    ExportError,
    InputError,
    KeyMaterialError,
    LedgerError,
    MappingError,
    RecordValidationError,
    SigningError,
    VerificationError,
)
from .issue import IssuedCredential, issue, load_signer
from .mapping.extract import extract_elements
from .models.elements import Elements
from .models.records import MicroCredentialRecord, load_record, parse_record
from .results import CheckResult, VerificationResult
from .verify import VerifyOptions, verify, verify_all

__version__ = "0.1.0"

__all__ = [
    "CheckResult", "ContextError", "EdcIssuerError", "Elements", "ExportError", "InputError",
    "IssuedCredential", "KeyMaterialError", "LedgerError", "MappingError", "MicroCredentialRecord",
    "RecordValidationError", "SigningError", "VerificationError", "VerificationResult", "VerifyOptions",
    "extract_elements", "issue", "load_record", "load_signer", "parse_record", "verify", "verify_all",
]

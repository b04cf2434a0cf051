"""Exception hierarchy. Every error names what failed (`field`) so the CLI can say it.

Misuse and refusals raise; an invalid *credential* never raises from verify(): it
returns a VerificationResult with a failed check instead (see results.py).
"""
from __future__ import annotations

from typing import Any


class EdcIssuerError(Exception):
    """Base of every error this library raises on purpose."""

    def __init__(self, message: str, *, field: str | None = None, value: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class RecordValidationError(EdcIssuerError):
    """A micro-credential record misses or breaks one or more elements.

    `problems` lists every (field, message) pair, so a registrar sees all of them at once.
    """

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        text = "; ".join(f"{f}: {m}" for f, m in problems)
        super().__init__(f"record refused: {text}", field=problems[0][0] if problems else None)

    def __str__(self) -> str:
        return self.message


class InputError(EdcIssuerError):
    """A file could not be read or parsed (missing, malformed, too large, wrong type)."""


class ContextError(EdcIssuerError):
    """A JSON-LD context URL is unknown to the offline loader, or a term is undefined."""


class MappingError(EdcIssuerError):
    """A record could not be mapped to an output format."""


class KeyMaterialError(EdcIssuerError):
    """A key could not be generated, loaded or resolved."""


class SigningError(EdcIssuerError):
    """A proof or seal could not be created."""


class VerificationError(EdcIssuerError):
    """A proof or seal could not be checked; verify() turns this into a failed check."""


class LedgerError(EdcIssuerError):
    """The issuance ledger refused an operation."""


class ExportError(EdcIssuerError):
    """A credential could not be exported to the requested carrier."""

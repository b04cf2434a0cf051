"""Verification results: one CheckResult per check, gathered in a VerificationResult."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one named check. `reason` is always a sentence a person can read."""

    name: str
    passed: bool
    reason: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class VerificationResult:
    """All checks run on one credential; `verified` only when every check passed."""

    checks: tuple[CheckResult, ...]
    format: str | None = None
    proof_type: str | None = None
    elements: dict[str, Any] | None = None
    #: awarding bodies (ids) whose signature/proof verified, and those without one: a joint award
    #: co-sealed by every awarding body has `not_signed_by` empty (edcissuer.cosign). Informational:
    #: a recognition policy may require it; verification never fails on it. Empty unless authentic.
    signed_by: tuple[str, ...] = ()
    not_signed_by: tuple[str, ...] = ()

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failures(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "format": self.format,
            "proofType": self.proof_type,
            "checks": [c.to_dict() for c in self.checks],
            "elements": self.elements,
            "signedBy": list(self.signed_by),
            "notSignedBy": list(self.not_signed_by),
        }

    def to_text(self) -> str:
        lines = [f"{'VALID' if self.verified else 'INVALID'} ({self.format or 'unknown format'}, "
                 f"{self.proof_type or 'no proof'})"]
        for c in self.checks:
            lines.append(f"  [{'ok' if c.passed else 'FAIL'}] {c.name}: {c.reason}")
        if len(self.signed_by) + len(self.not_signed_by) > 1:  # a joint award: who of its awarding bodies signed
            lines.append(f"  awarding bodies signed: {', '.join(self.signed_by) or 'none'}"
                         + (f"; not signed: {', '.join(self.not_signed_by)}" if self.not_signed_by else ""))
        return "\n".join(lines)

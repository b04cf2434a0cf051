"""Trust findings as plain data: what the trust checks found, in the shape policies read.

Why a module of its own: `trust.py` needs keys and certificates to *find* these facts,
while `policy.py` must stay pure (no crypto) and only *read* them. Both import this.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..identifiers import normalise_legal_identifier

__all__ = ["normalise_legal_identifier"]

ISSUER = "issuer"
AWARDING_BODY = "awarding body"
DELIVERING_PARTNER = "delivering partner"
ROLES = (ISSUER, AWARDING_BODY, DELIVERING_PARTNER)


@dataclass(frozen=True)
class QAStanding:
    """An institution's quality-assurance standing as the trust list states it."""

    accredited: bool = False
    agency: str | None = None
    agency_registered_in_eqar: bool | None = None
    accreditation: str | None = None
    deqar_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"accredited": self.accredited, "agency": self.agency,
                "agencyRegisteredInEqar": self.agency_registered_in_eqar,
                "accreditation": self.accreditation, "deqarId": self.deqar_id}

    def describe(self) -> str:
        parts = ["accredited" if self.accredited else "no accreditation on record"]
        if self.agency:
            parts.append(f"agency {self.agency}" + (" (EQAR-registered)" if self.agency_registered_in_eqar else ""))
        if self.accreditation:
            parts.append(f"ref. {self.accreditation}")
        if self.deqar_id:
            parts.append(f"DEQAR {self.deqar_id}")
        return ", ".join(parts)


@dataclass(frozen=True)
class PartyTrust:
    """One party of a credential (issuer, awarding body, delivering partner) against the trust list."""

    role: str
    name: str
    id: str | None
    legal_identifier: str | None
    trusted: bool
    reason: str
    institution: str | None = None      # the trust list's name for the matched entry
    country: str | None = None
    qa: QAStanding | None = None
    matched_by: tuple[str, ...] = ()    # e.g. ("id", "certificate fingerprint")

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "name": self.name, "id": self.id, "legalIdentifier": self.legal_identifier,
                "trusted": self.trusted, "reason": self.reason, "institution": self.institution,
                "country": self.country, "qa": self.qa.to_dict() if self.qa else None,
                "matchedBy": list(self.matched_by)}


@dataclass(frozen=True)
class TrustFindings:
    """Everything the trust checks found for one credential.

    `checked` is False when no trust list was given: then nothing is trusted, and a policy
    that requires trust fails with that reason rather than passing silently.
    """

    checked: bool
    issuer: PartyTrust | None = None
    partners: tuple[PartyTrust, ...] = field(default_factory=tuple)

    @property
    def issuer_trusted(self) -> bool:
        return self.checked and self.issuer is not None and self.issuer.trusted

    @property
    def untrusted_partners(self) -> list[PartyTrust]:
        return [p for p in self.partners if not p.trusted]

    def to_dict(self) -> dict[str, Any]:
        return {"checked": self.checked, "issuer": self.issuer.to_dict() if self.issuer else None,
                "partners": [p.to_dict() for p in self.partners]}

"""JAdES e-seal behind the seam: the EU issuer's way of sealing a European Digital Credential.

The seal is a JWS JSON object whose payload is the credential text; the signer is the
seal certificate (x5c[0]) whose key verified the signature. Which organisation that
certificate may seal for is the trust list's decision (recognition/trust.py matches its
fingerprint or organizationIdentifier to the institution the credential names).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography import x509

from ..crypto.x509 import SealIdentity, sha256_thumbprint
from ..errors import SigningError
from ..ld.loader import DocumentLoader
from ..proofs import jades
from ..proofs.jose import loads_strict
from .base import Envelope, ProofOutcome, Secured, Signer, SignerIdentity, VerifyContext
from .registry import register


def _organization_identifier(cert: x509.Certificate) -> str | None:
    values = cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_IDENTIFIER)
    return str(values[0].value) if values else None


class Jades:
    """JAdES baseline-B seal (JWS JSON, b64=false) and verification of sealed EDCs up to LTA."""

    name = "jades"
    kind = "jades"
    suffix = ".jades.json"
    description = "sealed with the issuer's electronic seal (JAdES)"
    oid4vci_format: str | None = None

    def proof_names(self) -> tuple[str, ...]:
        return ("jades",)

    def media_type(self, envelope: Envelope) -> str:
        return "application/jose+json"

    def detect(self, raw: Any) -> bool:
        return jades.is_jades(raw)

    def parse(self, raw: Any) -> Envelope:
        envelope = jades.read_envelope(raw)
        obj = raw if isinstance(raw, dict) else loads_strict(raw)
        return Envelope(self.name, self.kind, obj, envelope.credential, envelope.header)

    def secure(self, credential: dict[str, Any], signer: Signer, *, proof: str, now: datetime,
               loader: DocumentLoader, verification_method: str | None) -> Secured:
        if not isinstance(signer, SealIdentity):
            raise SigningError("a JAdES seal needs an X.509 seal certificate and key (--seal)", field="signer")
        return Secured(credential, jades.seal(credential, signer, signing_time=now))

    def verify(self, raw: Any, ctx: VerifyContext) -> ProofOutcome:
        result = jades.verify_seal_detailed(raw, trust_anchors=list(ctx.trust_anchors) or None, now=ctx.now,
                                            clock_skew=ctx.clock_skew)
        checks = list(result.checks)
        signers = tuple(signer_identity(cert) for cert in result.certificates if cert is not None) \
            if result.certificate is not None else ()
        signer = signer_identity(result.certificate) if result.certificate is not None else None
        return ProofOutcome(tuple(checks), result.credential, signer, signers=signers)


def signer_identity(cert: x509.Certificate) -> SignerIdentity:
    """The seal certificate whose key verified a signature, as the trust layer reads it."""
    return SignerIdentity(fingerprint=sha256_thumbprint(cert).hex(),
                          organization_identifier=_organization_identifier(cert),
                          subject=cert.subject.rfc4514_string(), certificate=cert)


register(Jades())

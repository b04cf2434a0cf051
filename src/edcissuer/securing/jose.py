"""Compact JWS credentials behind the seam: VC-JOSE (`vc+jwt`) and legacy VC-JWT (`vc` claim).

Both forms share one reader and one verifier (`proofs/jwt.py`); they are two mechanisms
because they are two `proof=` choices with different payload shapes and media types.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..checks import CheckId
from ..crypto.did import resolve_verification_method
from ..crypto.keys import KeyPair
from ..errors import InputError, SigningError, VerificationError
from ..identifiers import controller_of, issuer_id
from ..ld.loader import DocumentLoader
from ..proofs import jwt
from ..results import CheckResult
from .base import Envelope, ProofOutcome, Secured, Signer, SignerIdentity, VerifyContext
from .registry import register


class _CompactJws:
    kind = "jwt"
    suffix = ".jwt"
    description = "signed as a VC-JWT"
    oid4vci_format: str | None = "jwt_vc_json"
    form = ""
    proof = ""

    def proof_names(self) -> tuple[str, ...]:
        return (self.proof,)

    def detect(self, raw: Any) -> bool:
        if not (isinstance(raw, str) and jwt.is_jwt(raw)):
            return False
        try:
            return jwt.decode_jwt(raw).form == self.form
        except VerificationError:  # malformed payload: the JOSE form reports it by name
            return self.form == jwt.FORM_JOSE

    def parse(self, raw: Any) -> Envelope:
        try:
            decoded = jwt.decode_jwt(raw)
        except VerificationError as exc:
            raise InputError(exc.message, field=exc.field or "jwt") from exc
        return Envelope(self.name, self.kind, str(raw).strip(), decoded.credential, decoded.header)

    @property
    def name(self) -> str:
        return self.form

    def secure(self, credential: dict[str, Any], signer: Signer, *, proof: str, now: datetime,
               loader: DocumentLoader, verification_method: str | None) -> Secured:
        if not isinstance(signer, KeyPair):
            raise SigningError(f"proof {proof!r} needs a signing key (--key), not a seal certificate",
                               field="signer")
        sign = jwt.sign_jwt if self.form == jwt.FORM_JOSE else jwt.sign_legacy_vc_jwt
        return Secured(credential, sign(credential, signer, kid=verification_method, now=now))

    def verify(self, raw: Any, ctx: VerifyContext) -> ProofOutcome:
        outcome = jwt.verify_jwt_detailed(raw, resolver=ctx.resolver or resolve_verification_method, now=ctx.now,
                                          clock_skew=ctx.clock_skew)
        if outcome.credential is None or outcome.key is None or outcome.kid is None:
            return ProofOutcome((outcome.check,), None)
        issuer = issuer_id(outcome.credential)
        # verify_jwt refuses a kid that is not the issuer's, so a valid proof is a bound one
        binding = CheckResult(CheckId.ISSUER_BINDING, True, f"signed with a key of the issuer {issuer}",
                              {"issuer": issuer, "kid": outcome.kid})
        signer = SignerIdentity(dids=(controller_of(outcome.kid),), keys=(outcome.key.public_multibase,),
                                verification_methods=(outcome.kid,))
        return ProofOutcome((outcome.check, binding), outcome.credential, signer)


class VcJose(_CompactJws):
    """W3C VC-JOSE: the JWS payload is the credential (`application/vc+jwt`)."""

    form = jwt.FORM_JOSE
    proof = "jwt"

    def media_type(self, envelope: Envelope) -> str:
        return "application/vc+jwt"


class LegacyVcJwt(_CompactJws):
    """VC Data Model 1.1 VC-JWT: the credential in the `vc` claim (`application/jwt`)."""

    form = jwt.FORM_LEGACY
    proof = "jwt-legacy"

    def media_type(self, envelope: Envelope) -> str:
        return "application/jwt"


register(VcJose())
register(LegacyVcJwt())

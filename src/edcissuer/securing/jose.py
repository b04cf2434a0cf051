"""Compact JWS credentials behind the seam: VC-JOSE, the Open Badges 3.0 JWT, legacy VC-JWT.

All three forms share one reader and one verifier (`proofs/jwt.py`); they are three
mechanisms because they are three payload shapes with their own media types and `proof=`
choices (`vc-jose`, `jwt-ob3`, `jwt-legacy`). `proof="jwt"` is the format's JWT: the
`DefaultJwt` alias asks `jwt.default_form` (the one place the shape is decided: the
OB 3.0 shape for Open Badges, VC-JOSE otherwise) and never claims an artefact itself.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..checks import CheckId
from ..crypto.did import resolve_verification_method
from ..crypto.keys import KeyPair
from ..errors import InputError, SigningError, VerificationError
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

    def media_type(self, envelope: Envelope) -> str:
        return "application/jwt"

    def secure(self, credential: dict[str, Any], signer: Signer, *, proof: str, now: datetime,
               loader: DocumentLoader, verification_method: str | None) -> Secured:
        if not isinstance(signer, KeyPair):
            raise SigningError(f"proof {proof!r} needs a signing key (--key), not a seal certificate",
                               field="signer")
        return Secured(credential, _SIGNERS[self.form](credential, signer, kid=verification_method, now=now))

    def verify(self, raw: Any, ctx: VerifyContext) -> ProofOutcome:
        outcome = jwt.verify_jwt_detailed(raw, resolver=ctx.resolver or resolve_verification_method, now=ctx.now,
                                          clock_skew=ctx.clock_skew, issuer_keys=ctx.issuer_keys)
        if outcome.credential is None or outcome.key is None or outcome.binding is None:
            return ProofOutcome((outcome.check,), None)
        bound = outcome.binding
        # a kid, or a jwk shown not to be the issuer's, is refused in the proof check; what
        # reaches here is bound, or an embedded key nothing ties to the issuer (reported as such)
        binding = CheckResult(CheckId.ISSUER_BINDING, bound.bound,
                              f"signed with a key of the issuer {bound.issuer}: {bound.reason}" if bound.bound
                              else bound.reason, bound.details())
        signer = SignerIdentity(dids=(bound.issuer,) if bound.bound else (), keys=(outcome.key.public_multibase,),
                                verification_methods=(bound.verification_method,) if bound.verification_method
                                else ())
        return ProofOutcome((outcome.check, binding), outcome.credential, signer)


class VcJose(_CompactJws):
    """W3C VC-JOSE: the JWS payload is the credential (`application/vc+jwt`), for VC 2.0 verifiers."""

    form = jwt.FORM_JOSE
    proof = "vc-jose"

    def media_type(self, envelope: Envelope) -> str:
        return "application/vc+jwt"


class Ob3Jwt(_CompactJws):
    """Open Badges 3.0 JWT: the credential at the top level with iss/jti/sub/nbf/exp, typ JWT."""

    form = jwt.FORM_OB3
    proof = "jwt-ob3"
    description = "signed as an Open Badges 3.0 JWT"

    def media_type(self, envelope: Envelope) -> str:
        return "application/jwt"


class LegacyVcJwt(_CompactJws):
    """VC Data Model 1.1 VC-JWT: the credential in the `vc` claim (`application/jwt`)."""

    form = jwt.FORM_LEGACY
    proof = "jwt-legacy"

    def media_type(self, envelope: Envelope) -> str:
        return "application/jwt"


class DefaultJwt(_CompactJws):
    """`proof="jwt"`: the JWT shape the credential's format expects (`jwt.default_form`).

    An alias for issuing only: it claims no artefact (the form's own mechanism does), so
    detection stays unambiguous.
    """

    form = "jwt"
    proof = "jwt"

    def detect(self, raw: Any) -> bool:
        return False

    def media_type(self, envelope: Envelope) -> str:
        return _BY_FORM[jwt.default_form(envelope.credential)].media_type(envelope)

    def secure(self, credential: dict[str, Any], signer: Signer, *, proof: str, now: datetime,
               loader: DocumentLoader, verification_method: str | None) -> Secured:
        return _BY_FORM[jwt.default_form(credential)].secure(credential, signer, proof=proof, now=now, loader=loader,
                                                              verification_method=verification_method)

    def verify(self, raw: Any, ctx: VerifyContext) -> ProofOutcome:
        try:
            form = jwt.decode_jwt(raw).form
        except VerificationError:
            form = jwt.FORM_JOSE  # the JOSE form names what is malformed
        return _BY_FORM[form].verify(raw, ctx)


_SIGNERS = {jwt.FORM_JOSE: jwt.sign_jwt, jwt.FORM_OB3: jwt.sign_ob3_jwt, jwt.FORM_LEGACY: jwt.sign_legacy_vc_jwt}
_BY_FORM: dict[str, _CompactJws] = {m.form: m for m in (VcJose(), Ob3Jwt(), LegacyVcJwt())}

for _mechanism in (*_BY_FORM.values(), DefaultJwt()):
    register(_mechanism)

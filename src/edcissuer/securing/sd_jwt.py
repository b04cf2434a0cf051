"""SD-JWT VC (`dc+sd-jwt`) behind the seam: detected, read and verified like every other format.

It issues nothing through `issue()`: an SD-JWT VC is made from the record's claims
(`edcissuer.sdjwt.issue_sd_jwt_vc`), not by securing an ELM or OB3 document, so it offers
no `proof=` choice. Verifying checks the issuer JWT and the disclosures here; the key
binding JWT, the Token Status List and the elements are checked by `edcissuer.verify`,
which holds the verifier's nonce, audience and fetcher.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..errors import InputError, SigningError, VerificationError
from ..ld.loader import DocumentLoader
from ..sdjwt.core import is_sd_jwt
from ..sdjwt.issue import SdJwtVc
from ..sdjwt.verify import SD_JWT_KIND, verify_sd_jwt_vc
from .base import Envelope, ProofOutcome, Secured, Signer, SignerIdentity, VerifyContext
from .registry import register

MEDIA_TYPE = "application/dc+sd-jwt"


class SdJwtVcMechanism:
    """IETF SD-JWT VC, as the EU Digital Identity Wallet holds credentials."""

    name = "sd-jwt-vc"
    kind = SD_JWT_KIND
    description = "signed as an SD-JWT VC (selective disclosure)"
    suffix = ".sd-jwt"
    oid4vci_format: str | None = "dc+sd-jwt"

    def proof_names(self) -> tuple[str, ...]:
        return ()

    def media_type(self, envelope: Envelope) -> str:
        return MEDIA_TYPE

    def detect(self, raw: Any) -> bool:
        return is_sd_jwt(raw)

    def parse(self, raw: Any) -> Envelope:
        try:
            parsed = SdJwtVc.parse(raw)
            header, payload = parsed.header, parsed.payload
        except VerificationError as exc:
            raise InputError(exc.message, field=exc.field or "sd-jwt") from exc
        claims = {k: v for k, v in payload.items() if k not in ("_sd", "_sd_alg")} | parsed.disclosed
        return Envelope(self.name, self.kind, str(raw).strip(), claims, header)

    def secure(self, credential: dict[str, Any], signer: Signer, *, proof: str, now: datetime,
               loader: DocumentLoader, verification_method: str | None) -> Secured:
        raise SigningError("an SD-JWT VC is issued from the record (edcissuer.sdjwt.issue_sd_jwt_vc), not by "
                           "securing a mapped credential", field="proof", value=proof)

    def verify(self, raw: Any, ctx: VerifyContext) -> ProofOutcome:
        result = verify_sd_jwt_vc(raw, resolver=ctx.resolver, now=ctx.now, clock_skew=ctx.clock_skew)
        signer = None
        if result.key is not None and result.issuer is not None:
            signer = SignerIdentity(dids=(result.issuer,), keys=(result.key.public_multibase,),
                                    verification_methods=(result.verification_method,)
                                    if result.verification_method else ())
        return ProofOutcome(result.checks, result.claims, signer, signers=(signer,) if signer else ())


register(SdJwtVcMechanism())

"""W3C Data Integrity behind the seam: the credential carries its `proof` (set).

The engine is `proofs/data_integrity.py`; cryptosuites are strategy objects in `suites/`,
so a new suite is one file there and shows up here (and as an `issue(proof=...)` choice)
by registering itself.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..checks import CheckId
from ..crypto.did import did_resolver
from ..crypto.keys import KeyPair
from ..errors import InputError, SigningError
from ..identifiers import controller_of, issuer_id
from ..ld.loader import DocumentLoader
from ..proofs.data_integrity import add_proof, verify_proof_set
from ..results import CheckResult
from ..suites.base import match_suite, supported_suites
from .base import Envelope, ProofOutcome, Secured, Signer, SignerIdentity, VerifyContext

VC2 = "https://www.w3.org/ns/credentials/v2"


def expands_strictly(credential: Any) -> bool:
    """Whether verifying every proof of `credential` expands it strictly (an undefined term fails it).

    RDFC suites canonicalize, which expands strictly; JCS suites never expand, so a credential
    with any JCS proof gets the verifier's separate contexts check. A proof no suite matches
    fails the proof check anyway and does not ask for that check.
    """
    proofs = credential.get("proof") if isinstance(credential, dict) else None
    suites = [match_suite(p) for p in (proofs if isinstance(proofs, list) else [proofs]) if isinstance(p, dict)]
    return all(s.expands_json_ld for s in suites if s is not None)


def check_issuer_binding(credential: dict[str, Any]) -> CheckResult:
    """The proof's key must belong to the issuer (digitalbazaar's CredentialIssuancePurpose).

    Without this, anyone could sign a credential naming a university as issuer with their
    own did:key and the signature would still verify.
    """
    issuer = issuer_id(credential)
    proofs = credential.get("proof")
    methods = [p.get("verificationMethod") for p in (proofs if isinstance(proofs, list) else [proofs])
               if isinstance(p, dict)]
    controllers = {controller_of(str(m)) for m in methods if m}
    if not issuer or not controllers:
        return CheckResult(CheckId.ISSUER_BINDING, False, "issuer id or proof verificationMethod is missing")
    if controllers != {issuer}:
        return CheckResult(CheckId.ISSUER_BINDING, False,
                           f"proof key {sorted(controllers)} is not controlled by the issuer {issuer}",
                           {"issuer": issuer, "verificationMethods": methods})
    return CheckResult(CheckId.ISSUER_BINDING, True, f"signed with a key of the issuer {issuer}",
                       {"issuer": issuer, "verificationMethods": methods})


class DataIntegrity:
    """`DataIntegrityProof` with any registered cryptosuite."""

    name = "data-integrity"
    kind = "data-integrity"
    suffix = ".jsonld"
    oid4vci_format: str | None = "ldp_vc"

    def proof_names(self) -> tuple[str, ...]:
        return supported_suites()

    def media_type(self, envelope: Envelope) -> str:
        ctx = envelope.credential.get("@context")
        first = ctx[0] if isinstance(ctx, list) and ctx else ctx
        return "application/vc" if first == VC2 else "application/ld+json"

    def detect(self, raw: Any) -> bool:
        return isinstance(raw, dict) and bool(raw.get("proof"))

    def parse(self, raw: Any) -> Envelope:
        if not self.detect(raw):
            raise InputError("not a Data Integrity credential: a JSON object with a proof", field="proof")
        return Envelope(self.name, self.kind, raw, raw)

    def secure(self, credential: dict[str, Any], signer: Signer, *, proof: str, now: datetime,
               loader: DocumentLoader, verification_method: str | None) -> Secured:
        if not isinstance(signer, KeyPair):
            raise SigningError(f"proof {proof!r} needs a signing key (--key), not a seal certificate",
                               field="signer")
        signed = add_proof(credential, signer, cryptosuite=proof, created=now, loader=loader,
                           verification_method=verification_method)
        return Secured(signed, signed)

    def verify(self, raw: Any, ctx: VerifyContext) -> ProofOutcome:
        resolver = ctx.resolver or did_resolver(purpose="assertionMethod")
        result = verify_proof_set(raw, loader=ctx.loader, resolver=resolver, now=ctx.now,
                                  clock_skew=ctx.clock_skew)
        credential = raw if isinstance(raw, dict) else None
        checks = [result.check]
        if credential is not None:
            checks.append(check_issuer_binding(credential))
        signer = None
        if result.verified:
            vms = tuple(v.verification_method for v in result.verified)
            signer = SignerIdentity(dids=tuple(dict.fromkeys(controller_of(vm) for vm in vms)),
                                    keys=tuple(dict.fromkeys(v.key.public_multibase for v in result.verified)),
                                    verification_methods=vms)
        return ProofOutcome(tuple(checks), credential, signer, expanded_strictly=expands_strictly(raw))

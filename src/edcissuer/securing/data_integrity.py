"""W3C Data Integrity behind the seam: the credential carries its `proof` (set).

The engine is `proofs/data_integrity.py`; cryptosuites are strategy objects in `suites/`,
so a new suite is one file there and shows up here (and as an `issue(proof=...)` choice)
by registering itself.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..crypto.did import did_resolver
from ..crypto.keys import KeyPair
from ..errors import EdcIssuerError, InputError, SigningError
from ..identifiers import controller_of
from ..ld.loader import DocumentLoader
from ..mapping.extract import extract_elements
from ..proofs.data_integrity import add_proof, check_issuer_binding, verify_proof_set
from ..suites.base import DEFAULT_FOR_KEY, match_suite, supported_suites
from .base import Envelope, ProofOutcome, Secured, Signer, SignerIdentity, VerifyContext
from .registry import register

VC2 = "https://www.w3.org/ns/credentials/v2"


def expands_strictly(credential: Any) -> bool:
    """Whether verifying every proof of `credential` expands it strictly (an undefined term fails it).

    RDFC suites canonicalize, which expands strictly; JCS suites never expand, so a credential
    with any JCS proof gets the verifier's separate contexts check. A proof no suite matches
    either fails the proof check or is skipped, having checked nothing: it does not count.
    """
    proofs = credential.get("proof") if isinstance(credential, dict) else None
    suites = [match_suite(p) for p in (proofs if isinstance(proofs, list) else [proofs]) if isinstance(p, dict)]
    return all(s.expands_json_ld for s in suites if s is not None)


class DataIntegrity:
    """`DataIntegrityProof` with any registered cryptosuite."""

    name = "data-integrity"
    kind = "data-integrity"
    suffix = ".jsonld"
    description = "signed with a W3C Data Integrity proof"
    oid4vci_format: str | None = "ldp_vc"

    def proof_names(self) -> tuple[str, ...]:
        """Registered suites: the default ones first, legacy (pre-cryptosuite) ones last."""
        defaults = set(DEFAULT_FOR_KEY.values())
        return tuple(sorted(supported_suites(), key=lambda n: (n not in defaults, n[:1].isupper(), n)))

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
            # skipped proofs establish nothing once the set holds; when it does not, the proof check
            # has already refused the credential and the binding judges the proofs as written
            skipped = result.skipped if result.check.passed else ()
            # a joint award's partners may add their proofs (edcissuer cosign): their keys bind too
            checks.append(check_issuer_binding(credential, skipped=skipped, co_signers=awarding_body_ids(credential)))
        signer = None
        if result.verified:
            vms = tuple(v.verification_method for v in result.verified)
            signer = SignerIdentity(dids=tuple(dict.fromkeys(controller_of(vm) for vm in vms)),
                                    keys=tuple(dict.fromkeys(v.key.public_multibase for v in result.verified)),
                                    verification_methods=vms)
        signers = tuple(SignerIdentity(dids=(controller_of(v.verification_method),), keys=(v.key.public_multibase,),
                                       verification_methods=(v.verification_method,)) for v in result.verified)
        return ProofOutcome(tuple(checks), credential, signer, expanded_strictly=expands_strictly(raw),
                            signers=signers)


def awarding_body_ids(credential: dict[str, Any]) -> tuple[str, ...]:
    """The ids of the awarding bodies the (signed) credential names; () when it names none or is unreadable.

    Read only for a proof set (a single proof binds to the issuer alone), and defensively:
    this runs before the verifier's JSON-LD guard, on a document nothing has vouched for yet.
    """
    proofs = credential.get("proof")
    if not isinstance(proofs, list) or len(proofs) < 2:
        return ()
    try:
        bodies = extract_elements(credential).awarding_bodies
    except (EdcIssuerError, ValueError, TypeError, AttributeError, RecursionError):
        return ()
    return tuple(b.id for b in bodies if b.id)


register(DataIntegrity())

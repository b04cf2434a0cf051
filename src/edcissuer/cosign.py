"""Co-sealing a joint award: every awarding body adds its own signature to the one signed credential.

Why: EADTU's joint qualifications are "signed by all rectors or deans", and under the
joint-award model every partner is an awarding body. The lead issues and seals first
(`issue`); each partner later runs `cosign` on that file, which adds exactly one signature
and never touches what was signed:

* JAdES: one more entry in the general JWS JSON serialization's `signatures`, over the
  same unencoded payload (`proofs.jades.add_seal`).
* Data Integrity: one more proof in the proof **set** (`proofs.data_integrity.add_proof`),
  not a proof chain. Every awarding body attests the credential itself, not the signatures
  before it; set members are independent, so partners can sign in any order, in parallel,
  and one partner's key rotation or a later failure of one proof never changes what another
  proof covers. A chain (`previousProof`) would make each partner sign the lead's proof too
  and serialise the signing, for no gain: the verifier already checks every proof of a set
  and fails the set when one fails.

`cosign` refuses, naming the check (`CosignRefused.check`): PAYLOAD_UNCHANGED when an
existing signature no longer verifies over the payload (the credential was changed after
it was signed), AWARDING_BODY when the signer is none of the awarding bodies the signed
credential names, NOT_YET_SIGNED when that body already signed.

Who is which awarding body (`signer_body`): a key by its DID, i.e. the controller of the
verification method, equal to the body's `id`; a seal certificate by its eIDAS
organizationIdentifier equal to the body's legal identifier, or by a subjectAltName URI
equal to the body's `id`. A certificate's organizationIdentifier is only as good as its CA:
whether that CA is trusted is the `trust.chain` check's business, not this module's.

`cosealing` (used by the verifier) reports which awarding bodies signed and which did not.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from .checks import CheckId
from .crypto.controller import MethodResolver
from .crypto.did import did_web_verification_method
from .crypto.keys import KeyPair
from .crypto.x509 import SealIdentity
from .errors import EdcIssuerError, InputError, SigningError
from .identifiers import normalise_legal_identifier
from .ld.guard import guard_problem
from .ld.loader import DocumentLoader, default_loader
from .mapping.extract import extract_elements
from .models.elements import Body
from .proofs.data_integrity import add_proof
from .proofs.jades import add_seal
from .securing import ProofOutcome, SecuringMechanism, SignerIdentity, VerifyContext, detect
from .securing.artefact import parse_artefact, read_artefact
from .securing.jades import signer_identity
from .suites.base import suite_for_key
from .time import require_aware

__all__ = ["AWARDING_BODY", "NOT_YET_SIGNED", "PAYLOAD_UNCHANGED", "CoSealing", "CosignRefused", "Cosigned",
           "body_label", "cosealing", "cosign", "signer_body"]

#: the refusals of `cosign`, by the check that failed
PAYLOAD_UNCHANGED = "payload-unchanged"
AWARDING_BODY = "awarding-body"
NOT_YET_SIGNED = "not-yet-signed"


class CosignRefused(SigningError):
    """`cosign` would not add the signature; `check` names the rule that failed."""

    def __init__(self, check: str, message: str, *, field: str, value: Any = None) -> None:
        super().__init__(f"{check}: {message}", field=field, value=value)
        self.check = check


# --------------------------------------------------------------------------- who signed


def body_label(body: Body) -> str:
    """How a body is named in reports: its id, else its legal identifier, else its name."""
    return body.id or body.legal_identifier or body.name.get("en") or next(iter(body.name.values()), "(unnamed)")


def _certificate_uris(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [str(u) for u in san.get_values_for_type(x509.UniformResourceIdentifier)]


def signer_body(signer: SignerIdentity, bodies: Sequence[Body]) -> Body | None:
    """The awarding body `signer` is, or None (see the module docstring for the rules)."""
    for body in bodies:
        if body.id and body.id in signer.dids:
            return body
        if signer.certificate is not None:
            if body.id and body.id in _certificate_uris(signer.certificate):
                return body
            if (signer.organization_identifier and body.legal_identifier
                    and normalise_legal_identifier(signer.organization_identifier)
                    == normalise_legal_identifier(body.legal_identifier)):
                return body
    return None


@dataclass(frozen=True)
class CoSealing:
    """Which awarding bodies signed a credential, as the signatures that verified say.

    `signed_by` / `not_signed_by` are body labels (`body_label`) in the credential's order;
    `signatures` lists each verified signature in order with the body it belongs to (None:
    a signer the credential does not name as an awarding body).
    """

    awarding_bodies: tuple[str, ...]
    signed_by: tuple[str, ...]
    not_signed_by: tuple[str, ...]
    signatures: tuple[tuple[str, str | None], ...] = ()   # (signer description, body label or None)

    @property
    def joint(self) -> bool:
        """More than one awarding body: the credential is a joint award."""
        return len(self.awarding_bodies) > 1

    @property
    def complete(self) -> bool:
        """Every awarding body signed."""
        return bool(self.awarding_bodies) and not self.not_signed_by

    def summary(self) -> str:
        text = f"signed by {len(self.signed_by)} of {len(self.awarding_bodies)} awarding bodies"
        if self.signed_by:
            text += f" ({', '.join(self.signed_by)})"
        if self.not_signed_by:
            text += f"; not signed by {', '.join(self.not_signed_by)}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"awardingBodies": list(self.awarding_bodies), "signedBy": list(self.signed_by),
                "notSignedBy": list(self.not_signed_by), "complete": self.complete,
                "signatures": [{"signer": who, "awardingBody": body} for who, body in self.signatures]}


def cosealing(signers: Sequence[SignerIdentity], bodies: Sequence[Body]) -> CoSealing:
    """Match verified signers to the awarding bodies: who signed and who did not."""
    matched = [(s.describe(), signer_body(s, bodies)) for s in signers]
    signed = {body_label(b) for _, b in matched if b is not None}
    labels = tuple(dict.fromkeys(body_label(b) for b in bodies))
    return CoSealing(awarding_bodies=labels,
                     signed_by=tuple(label for label in labels if label in signed),
                     not_signed_by=tuple(label for label in labels if label not in signed),
                     signatures=tuple((who, body_label(b) if b is not None else None) for who, b in matched))


# --------------------------------------------------------------------------- adding a signature


@dataclass(frozen=True)
class Cosigned:
    """The credential with one more signature, the body that added it, and who has signed now."""

    artefact: dict[str, Any]
    kind: str                 # "jades" | "data-integrity"
    body: Body
    cosealing: CoSealing

    def serialize(self) -> str:
        return json.dumps(self.artefact, ensure_ascii=False, indent=2) + "\n"


def _read(source: Path | bytes | str | dict[str, Any]) -> Any:
    data = read_artefact(source) if isinstance(source, Path) else source
    return parse_artefact(data)


def _identity(signer: KeyPair | SealIdentity, did: str | None) -> tuple[SignerIdentity, str | None]:
    """Who is about to sign, and (keys) the verification method the new proof will name."""
    if isinstance(signer, SealIdentity):
        if did is not None:
            raise SigningError("a seal is identified by its certificate; --did is for keys", field="did", value=did)
        return signer_identity(signer.certificate), None
    if did is None or did == signer.did_key:
        return SignerIdentity(dids=(signer.did_key,), keys=(signer.public_multibase,)), signer.verification_method
    if not did.startswith("did:web:"):
        raise SigningError(f"{did!r}: give a did:web whose DID document lists the key (or no DID: the key's did:key)",
                           field="did", value=did)
    return (SignerIdentity(dids=(did,), keys=(signer.public_multibase,)),
            did_web_verification_method(did, signer))


def _signature_check(outcome: ProofOutcome) -> str | None:
    """Why the existing signatures do not cover the payload as it stands, or None when they do."""
    wanted = (CheckId.PROOF_STRUCTURE, CheckId.PROOF)
    failed = [c for c in outcome.checks if c.name in wanted and not c.passed]
    if failed:
        return "; ".join(f"{c.name}: {c.reason}" for c in failed)
    if not any(c.name == CheckId.PROOF for c in outcome.checks):
        return "no signature check ran"
    return None


def cosign(source: Path | bytes | str | dict[str, Any], signer: KeyPair | SealIdentity, *, now: datetime,
           did: str | None = None, cryptosuite: str | None = None, did_web_dir: Path | None = None,
           resolver: MethodResolver | None = None, loader: DocumentLoader = default_loader) -> Cosigned:
    """Add `signer`'s signature (JAdES) or proof (Data Integrity) to an already signed credential.

    `did` is the key's DID (a did:web whose document lists it; default the key's did:key);
    a seal is identified by its certificate. Existing Data Integrity proofs, and the new
    one, are checked with `resolver` (default: did:key, and did:web from `did_web_dir`;
    nothing is fetched). Raises CosignRefused (PAYLOAD_UNCHANGED, AWARDING_BODY,
    NOT_YET_SIGNED), SigningError for a signer that cannot sign this credential, InputError
    for input that is no signed credential.
    """
    when = require_aware(now, SigningError).replace(microsecond=0)
    raw = _read(source)
    mechanism = detect(raw)
    if mechanism is None or mechanism.kind not in ("jades", "data-integrity"):
        what = mechanism.kind if mechanism is not None else "no proof"
        raise InputError(f"co-sealing adds a JAdES signature or a Data Integrity proof; this credential has {what} "
                         "(a JWT carries exactly one signature)", field="proof", value=what)
    if isinstance(signer, SealIdentity) != (mechanism.kind == "jades"):
        need = "a seal certificate and key (--seal-cert/--seal-key or --p12)" if mechanism.kind == "jades" \
            else "a signing key (--key)"
        raise SigningError(f"this credential is secured by {mechanism.kind}: co-sign it with {need}", field="signer")
    resolver = resolver or MethodResolver(did_web_dir=did_web_dir, allow_key_in_fragment=False)
    ctx = VerifyContext(now=when, loader=loader, resolver=resolver)
    before = mechanism.verify(raw, ctx)
    broken = _signature_check(before)
    if broken is not None or before.credential is None:
        raise CosignRefused(PAYLOAD_UNCHANGED, "the credential's existing signatures do not verify over its payload "
                            f"(was it changed after it was signed?): {broken}", field="payload")
    credential = before.credential
    problem = guard_problem(credential)
    if problem is not None:
        raise CosignRefused(PAYLOAD_UNCHANGED, f"the signed credential cannot be read safely: {problem}",
                            field="payload")
    bodies = extract_elements(credential).awarding_bodies
    identity, method = _identity(signer, did)
    body = signer_body(identity, bodies)
    if body is None:
        names = ", ".join(body_label(b) for b in bodies) or "none"
        raise CosignRefused(AWARDING_BODY, f"the signer ({identity.describe()}) is not one of the credential's "
                            f"awarding bodies ({names})", field="awardingBody", value=identity.describe())
    now_signed = cosealing(before.signers, bodies)
    if body_label(body) in now_signed.signed_by:
        raise CosignRefused(NOT_YET_SIGNED, f"{body_label(body)} has already signed this credential",
                            field="signatures", value=body_label(body))
    artefact = _add(mechanism, raw, signer, method, when, cryptosuite, loader)
    after = mechanism.verify(artefact, ctx)
    broken = _signature_check(after)
    result = cosealing(after.signers, bodies)
    if broken is not None or body_label(body) not in result.signed_by:
        raise SigningError(f"the new signature does not verify as {body_label(body)}'s: "
                           f"{broken or 'its signer matches no awarding body'} (does the DID document of "
                           f"{did or identity.describe()} list this key? give --did-web-dir)", field="signer")
    return Cosigned(artefact, mechanism.kind, body, result)


def _add(mechanism: SecuringMechanism, raw: Any, signer: KeyPair | SealIdentity, method: str | None,
         when: datetime, cryptosuite: str | None, loader: DocumentLoader) -> dict[str, Any]:
    """One more signature, the signed payload left exactly as it was."""
    if isinstance(signer, SealIdentity):
        sealed = add_seal(raw, signer, signing_time=when)
        if sealed["payload"] != raw["payload"]:  # add_seal never changes it; refuse loudly if it ever did
            raise SigningError("co-sealing changed the payload", field="payload")
        return sealed
    suite = cryptosuite or suite_for_key(signer.algorithm).name
    try:
        signed = add_proof(raw, signer, cryptosuite=suite, verification_method=method, created=when, loader=loader)
    except EdcIssuerError as exc:
        raise SigningError(f"cannot add the proof: {exc.message}", field=exc.field or "proof") from exc
    if {k: v for k, v in signed.items() if k != "proof"} != {k: v for k, v in raw.items() if k != "proof"}:
        # add_proof adds the data-integrity context when missing: that would change what the others signed
        raise SigningError("adding the proof would change the signed document (its @context lacks the "
                           "Data Integrity terms)", field="@context")
    return signed

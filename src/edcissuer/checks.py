"""Stable check ids: the names every format, the CLI, the report and the service share.

Why an enum: a report consumer (a script, the web page, a recognition policy) keys on
these ids, so they must not drift between formats or modules. The readable `reason`
beside each id is for people and may change; the id may not without a report schema
version bump (docs/recognition-report.md). `CheckId` is a `str`, so
`CheckResult(CheckId.PROOF, ...)` serialises as "proof".
"""
from __future__ import annotations

from enum import StrEnum


class CheckId(StrEnum):
    """One id per check, the same for Data Integrity, JWT and JAdES."""

    INPUT = "input"                          # the bytes could be read and parsed at all
    CARRIER = "carrier"                      # the baked image / presentation it came in
    FORMAT = "format"                        # ELM v3 or OB 3.0, and how it is secured
    PROOF = "proof"                          # the signature over exactly these bytes/this graph
    PROOF_STRUCTURE = "proof.structure"      # envelope rules (JAdES header, crit, x5c, sigT)
    PROOF_CERTIFICATE = "proof.certificate"  # seal certificate: usage, binding, valid at sigT
    PROOF_TIMESTAMPS = "proof.timestamps"    # JAdES unsigned attributes and timestamps
    ISSUER_BINDING = "issuer.binding"        # the signer is the credential's issuer
    CONTEXTS = "contexts"                    # known contexts, every term defined
    VALIDITY = "validity"                    # validFrom / validUntil against now
    STATUS = "status"                        # revocation / suspension
    TRUST_CHAIN = "trust.chain"              # seal certificate chains to an anchor
    TRUST_ISSUER = "trust.issuer"            # issuer on the receiver's trust list
    TRUST_PARTNERS = "trust.partners"        # partners on the receiver's trust list
    CONFORMANCE = "conformance"              # the format's own shape rules (SHACL / schema)
    ELEMENTS = "elements"                    # the eleven Annex I elements
    RECOGNITION = "recognition"              # the receiving institution's policy decision
    PRESENTATION_STRUCTURE = "presentation.structure"
    PRESENTATION_PROOF = "presentation.proof"
    PRESENTATION_REPLAY = "presentation.replay"
    PRESENTATION_HOLDER = "presentation.holder"
    PRESENTATION_BINDING = "presentation.binding"
    DISCLOSURES = "disclosures"              # SD-JWT: every disclosure referenced once by a signed digest
    KEY_BINDING = "key-binding"              # SD-JWT: the KB-JWT (holder key, aud, nonce, iat, sd_hash)


#: checks a recognition policy weighs (whom the receiver trusts) rather than the verifier
#: failing on: a credential can be authentic and complete with an issuer off the list.
#: `trust.chain` is not one of them: an unanchored seal is not verified.
POLICY_WEIGHED: frozenset[CheckId] = frozenset({CheckId.TRUST_ISSUER, CheckId.TRUST_PARTNERS})

"""Issuing recipe: record -> mapped credential -> secured artefact.

The one public way to issue (P1/P10): pick the format, pick the proof, pass the signer.
Data Integrity and JWT proofs take a `KeyPair`; the JAdES seal (the EU's own way of
sealing European Digital Credentials) takes a `SealIdentity` (X.509 certificate + key).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from .crypto.did import did_web_verification_method
from .crypto.keys import KeyPair
from .crypto.x509 import SealIdentity, load_pkcs12, load_seal
from .errors import SigningError
from .ld.loader import DocumentLoader, default_loader
from .mapping.elm import to_elm
from .mapping.ob3 import to_ob3
from .models.records import MicroCredentialRecord
from .securing.registry import default_proof as registry_default_proof
from .securing.registry import for_proof, proof_names
from .status.bitstring import with_status_context
from .time import require_aware

Format = Literal["elm", "ob3"]
FORMATS: tuple[str, ...] = ("elm", "ob3")
#: every `proof=` choice: the registered cryptosuites, "jwt", "jwt-legacy", "jades"
PROOFS: tuple[str, ...] = proof_names()


def default_proof(fmt: str, signer: KeyPair | SealIdentity) -> str:
    """JAdES for ELM when a seal is given (as the EU issuer does), else the DI suite of the key."""
    return registry_default_proof(signer)


@dataclass(frozen=True)
class IssuedCredential:
    """A secured credential: the artefact to hand out plus what it secures."""

    format: str
    proof: str
    credential: dict[str, Any]          # the credential as secured (with `proof` for DI)
    artefact: dict[str, Any] | str      # DI: the credential; JAdES: JWS JSON; JWT: compact string
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def credential_id(self) -> str:
        return str(self.credential.get("id"))

    @property
    def suffix(self) -> str:
        return for_proof(self.proof).suffix

    def serialize(self) -> str:
        """The artefact as text, exactly as it is signed and handed out."""
        if isinstance(self.artefact, str):
            return self.artefact
        return json.dumps(self.artefact, ensure_ascii=False, indent=2) + "\n"


def map_record(record: MicroCredentialRecord, fmt: str, *, ob3_form: str = "standard") -> dict[str, Any]:
    """The unsigned credential of a record in the given format (`ob3_form`: see mapping.ob3)."""
    if fmt == "elm":
        return to_elm(record)
    if fmt == "ob3":
        return to_ob3(record, form=ob3_form)
    raise SigningError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", field="format", value=fmt)


def secure(credential: dict[str, Any], signer: KeyPair | SealIdentity, *, fmt: str, now: datetime,
           proof: str | None = None, loader: DocumentLoader = default_loader,
           status: dict[str, Any] | list[dict[str, Any]] | None = None,
           verification_method: str | None = None) -> IssuedCredential:
    """Secure an already-mapped credential with the chosen proof (never mutates the input).

    The proof's mechanism comes from the securing registry; `now` (timezone-aware) is the
    signing time, in whole seconds.
    """
    when = require_aware(now, SigningError).replace(microsecond=0)
    proof = proof or default_proof(fmt, signer)
    mechanism = for_proof(proof)
    doc = dict(credential)
    if status is not None:
        doc = {**with_status_context(doc), "credentialStatus": status}
    secured = mechanism.secure(doc, signer, proof=proof, now=when, loader=loader,
                               verification_method=verification_method)
    signed, artefact = secured.credential, secured.artefact
    if fmt == "ob3" and isinstance(signed.get("proof"), dict):
        # OB 3.0's schema wants an array of proofs; a one-element set is the same RDF
        signed = {**signed, "proof": [signed["proof"]]}
        artefact = signed
    return IssuedCredential(fmt, proof, signed, artefact)


def with_issuer_id(record: MicroCredentialRecord, issuer_id: str) -> MicroCredentialRecord:
    """The record with the Lead Partner identified by `issuer_id` (the DID the proof binds to)."""
    lead = record.awarding.lead.model_copy(update={"id": issuer_id})
    return record.model_copy(update={"awarding": record.awarding.model_copy(update={"lead": lead})})


def issue(record: MicroCredentialRecord, *, fmt: str, signer: KeyPair | SealIdentity, now: datetime,
          proof: str | None = None, loader: DocumentLoader = default_loader,
          issuer_did: str | None = None,
          status: dict[str, Any] | list[dict[str, Any]] | None = None,
          ob3_form: str = "standard") -> IssuedCredential:
    """Map a validated record to `fmt` and secure it.

    For key-based proofs the issuer must be the DID that controls the key, or no verifier
    can bind proof and issuer: the Lead Partner is identified by `issuer_did` (an
    institution's did:web whose DID document lists the key) or else by the key's did:key.
    A JAdES seal identifies the issuer by its certificate, so the record's id is kept.
    `ob3_form` "extended" adds edcissuer's extension context to OB3 (every language as typed
    terms), which only verifiers that bundle that context can verify.
    """
    proof = proof or default_proof(fmt, signer)
    vm = None
    if isinstance(signer, KeyPair):
        record = with_issuer_id(record, issuer_did or signer.did_key)
        if issuer_did and issuer_did.startswith("did:web:"):
            vm = did_web_verification_method(issuer_did, signer)
    credential = map_record(record, fmt, ob3_form=ob3_form)
    return secure(credential, signer, fmt=fmt, proof=proof, now=now, loader=loader, status=status,
                  verification_method=vm)


def load_signer(*, key: str | Path | None = None, seal_cert: str | Path | None = None,
                seal_key: str | Path | None = None, p12: str | Path | None = None,
                password: bytes | None = None) -> KeyPair | SealIdentity:
    """A signer from files: a key (PEM/JWK) for DI/JWT, or a seal (PEM pair or PKCS#12) for JAdES."""
    chosen = [x for x in (key, seal_cert or seal_key, p12) if x]
    if len(chosen) != 1:
        raise SigningError("give exactly one signer: a key file, a seal certificate + key, or a PKCS#12 file",
                           field="signer")
    if key:
        return KeyPair.load(key, password=password)
    if p12:
        return load_pkcs12(Path(p12), password)
    if not (seal_cert and seal_key):
        raise SigningError("a seal needs both the certificate (--seal-cert) and its key (--seal-key)",
                           field="signer")
    try:
        return load_seal(Path(seal_cert).read_bytes(), Path(seal_key).read_bytes(), password)
    except OSError as exc:
        raise SigningError(f"cannot read seal file: {exc.strerror}", field=str(exc.filename)) from exc

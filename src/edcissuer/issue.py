"""Issuing recipe: record -> mapped credential -> secured artefact.

The one public way to issue (P1/P10): pick the format, pick the proof, pass the signer.
Data Integrity and JWT proofs take a `KeyPair`; the JAdES seal (the EU's own way of
sealing European Digital Credentials) takes a `SealIdentity` (X.509 certificate + key).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from .crypto.did import did_web_verification_method
from .crypto.keys import KeyPair
from .crypto.x509 import SealIdentity, load_pkcs12, load_seal
from .errors import SigningError
from .jsontext import pretty_json
from .ld.loader import DocumentLoader, default_loader
from .mapping.elm import to_elm
from .mapping.ob3 import to_ob3
from .models.records import MicroCredentialRecord, with_issuer_id
from .profiles import Profile, as_profile, check_stated, conform
from .securing.registry import default_proof as registry_default_proof
from .securing.registry import for_proof, proof_names
from .status.bitstring import is_status_reference, with_status_context
from .time import require_aware

Format = Literal["elm", "ob3"]
FORMATS: tuple[str, ...] = ("elm", "ob3")
#: every `proof=` choice: the registered cryptosuites, "jwt", "jwt-legacy", "jades"
PROOFS: tuple[str, ...] = proof_names()
#: what `issue` does when the record's Lead Partner id is not the DID the key binds to
IssuerMismatch = Literal["warn", "refuse"]
ISSUER_ID_FIELD = "awarding.lead.id"


class IssuerIdMismatchError(SigningError):
    """The record names its Lead Partner by a DID the signing key does not belong to."""


class IssuerIdReplaced(UserWarning):
    """The record's Lead Partner id was replaced by the DID of the signing key (see `issue`)."""


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
    #: what the caller should tell the person issuing (e.g. the issuer id that was replaced)
    warnings: tuple[str, ...] = ()

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
        return pretty_json(self.artefact) + "\n"


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
    if isinstance(status, list) and len(status) == 1 and is_status_reference(status[0]):
        status = status[0]   # ELM: the one URI reference EDC-generic-full allows, as a single value
    if is_status_reference(status):
        doc = {**doc, "credentialStatus": status}   # a literal: no entry terms to define
    elif status is not None:
        doc = {**with_status_context(doc), "credentialStatus": status}
    secured = mechanism.secure(doc, signer, proof=proof, now=when, loader=loader,
                               verification_method=verification_method)
    signed, artefact = secured.credential, secured.artefact
    if fmt == "ob3" and isinstance(signed.get("proof"), dict):
        # OB 3.0's schema wants an array of proofs; a one-element set is the same RDF
        signed = {**signed, "proof": [signed["proof"]]}
        artefact = signed
    return IssuedCredential(fmt, proof, signed, artefact)




def issuer_id_mismatch(record: MicroCredentialRecord, signer: KeyPair, issuer_did: str | None) -> str | None:
    """Why the DID the proof will bind to is not the record's Lead Partner id, with the fix; None when it is.

    The key's DID is `issuer_did` when given (a did:web whose document lists the key), else
    the key's own did:key. A record without a lead id takes that DID without question.
    """
    lead_id = record.awarding.lead.id
    bound = issuer_did or signer.did_key
    if not lead_id or lead_id == bound:
        return None
    if issuer_did:
        return (f"the record names the Lead Partner {lead_id} but the issuer DID given (--issuer-did) is "
                f"{issuer_did}; a credential has one issuer: make them the same, or remove awarding.lead.id")
    if lead_id.startswith("did:web:"):
        fix = (f"pass --issuer-did {lead_id} (issue(..., issuer_did=...)) if its DID document lists this key "
               f"(`edcissuer keys did-web {lead_id} KEY` writes one that does), or remove awarding.lead.id")
    else:
        fix = f"sign with the key of {lead_id}, or remove awarding.lead.id"
    return (f"the record names the Lead Partner {lead_id} but the signing key is {bound}; a verifier binds the "
            f"issuer to the key, so the credential names the key's DID as its issuer. Fix: {fix}")


def issue(record: MicroCredentialRecord, *, fmt: str, signer: KeyPair | SealIdentity, now: datetime,
          proof: str | None = None, loader: DocumentLoader = default_loader,
          issuer_did: str | None = None,
          status: dict[str, Any] | list[dict[str, Any]] | None = None,
          ob3_form: str = "standard", on_issuer_mismatch: IssuerMismatch = "warn",
          profile: Profile | str | Path | None = None) -> IssuedCredential:
    """Map a validated record to `fmt` and secure it.

    For key-based proofs the issuer must be the DID that controls the key, or no verifier
    can bind proof and issuer: the Lead Partner is identified by `issuer_did` (an
    institution's did:web whose DID document lists the key) or else by the key's did:key.
    A JAdES seal identifies the issuer by its certificate, so the record's id is kept.
    When the record names its Lead Partner by another DID (`awarding.lead.id`), that id is
    replaced and `on_issuer_mismatch` says what else happens: "warn" (the default, kept for
    scripts that sign sample records with a demo key) emits `IssuerIdReplaced` and lists the
    reason in `IssuedCredential.warnings`; "refuse" raises `IssuerIdMismatchError` naming
    awarding.lead.id and the fix (see `issuer_id_mismatch`).
    `ob3_form` "extended" adds edcissuer's extension context to OB3 (every language as typed
    terms), which only verifiers that bundle that context can verify.
    `profile` (a `profiles.Profile`, a shipped profile's name or a profile file) is an
    alliance profile the record must meet: a record breaking one of its rules is refused
    (`profiles.ProfileViolationError`, naming each rule), else the credential states it
    (`record.profiles`). A record stating a shipped profile itself is checked against it too.
    """
    chosen = as_profile(profile)
    if chosen is not None:
        record = conform(record, chosen)
    check_stated(record)
    proof = proof or default_proof(fmt, signer)
    vm = None
    notes: tuple[str, ...] = ()
    if isinstance(signer, KeyPair):
        mismatch = issuer_id_mismatch(record, signer, issuer_did)
        if mismatch and on_issuer_mismatch == "refuse":
            raise IssuerIdMismatchError(mismatch, field=ISSUER_ID_FIELD, value=record.awarding.lead.id)
        if mismatch:
            notes = (f"{ISSUER_ID_FIELD}: {mismatch}",)
            warnings.warn(IssuerIdReplaced(notes[0]), stacklevel=2)
        record = with_issuer_id(record, issuer_did or signer.did_key)
        if issuer_did and issuer_did.startswith("did:web:"):
            vm = did_web_verification_method(issuer_did, signer)
    credential = map_record(record, fmt, ob3_form=ob3_form)
    issued = secure(credential, signer, fmt=fmt, proof=proof, now=now, loader=loader, status=status,
                    verification_method=vm)
    return replace(issued, warnings=notes) if notes else issued


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

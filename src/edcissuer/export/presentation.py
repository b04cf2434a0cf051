"""Verifiable presentations: the learner shows their own credentials to one verifier, once.

A VC 2.0 `VerifiablePresentation`, signed by the learner's did:key with a Data Integrity
proof (proofPurpose `authentication`) over the verifier's `challenge` and `domain`:

* Data Integrity credentials (OB3 and ELM) are embedded as objects in
  `verifiableCredential`; the presentation's signature covers them as RDF graphs.
* A VC-JWT travels as an `EnvelopedVerifiableCredential` whose id is a data: URL
  (`data:application/vc+jwt,<jwt>`, VC 2.0 §4.13), legacy VC-JWT as `application/jwt`.
* A JAdES-sealed ELM credential (JWS JSON, the Europass form) travels the same way, as
  `data:application/jose+json;base64,<the sealed file>`. Embedding the JWS JSON object
  would put `payload`/`signatures` into the RDF as undefined terms; the data: URL keeps the
  sealed bytes intact and the presentation's signature covers them as one IRI.

The verifier checks the proof (key of the holder, purpose authentication), replay (the
proof's challenge and domain equal the ones it sent), that `holder` names the signer, and
holder binding: the signer's DID is each credential's `credentialSubject.id`. Then each
credential is verified on its own (verify.verify_all does both and reports per credential).
"""
from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..crypto.keys import KeyPair
from ..errors import EdcIssuerError, ExportError
from ..ld.loader import DocumentLoader, default_loader
from ..presentations import (
    ENVELOPE_TYPES,
    ENVELOPED,
    PURPOSE,
    checks_for_credential,
    is_presentation,
    unwrap,
    verify_presentation,
)
from ..proofs.data_integrity import add_proof
from ..suites.base import suite_for_key
from .artefact import SignedArtefact, load_artefact

__all__ = ["ENVELOPE_TYPES", "checks_for_credential", "create_presentation", "envelope", "is_presentation",
           "new_challenge", "unwrap", "verify_presentation"]

VC2 = "https://www.w3.org/ns/credentials/v2"


def new_challenge() -> dict[str, str]:
    """A fresh random challenge for a verifier to send (and remember) before asking for a VP."""
    return {"challenge": secrets.token_urlsafe(24)}


def envelope(art: SignedArtefact) -> dict[str, Any]:
    """The `verifiableCredential` entry for one artefact (embedded object or data: URL)."""
    if art.is_embedded and isinstance(art.raw, dict):
        return art.raw
    if art.is_compact:
        return {"@context": VC2, "id": f"data:{art.media_type},{art.raw}", "type": ENVELOPED}
    data = base64.b64encode(art.text.encode("utf-8")).decode("ascii")
    return {"@context": VC2, "id": f"data:{art.media_type};base64,{data}", "type": ENVELOPED}


def create_presentation(credentials: Sequence[Any], holder: KeyPair, *, challenge: str, domain: str,
                        now: datetime, presentation_id: str | None = None,
                        loader: DocumentLoader = default_loader) -> dict[str, Any]:
    """Wrap the learner's signed credentials in a VP signed by `holder` for one verifier.

    Refuses (ExportError) a credential whose subject is not the holder: the verifier would
    reject it anyway, and a learner should learn that before sending.
    """
    if not challenge or not domain:
        raise ExportError("a presentation needs the verifier's challenge and domain (--challenge, --domain)",
                          field="challenge" if not challenge else "domain")
    if not holder.has_private:
        raise ExportError("the holder key has no private half: the learner signs the presentation",
                          field="holder-key")
    if not credentials:
        raise ExportError("a presentation needs at least one credential", field="verifiableCredential")
    did = holder.did_key
    entries = []
    for index, source in enumerate(credentials):
        art = load_artefact(source)
        subjects = art.subject_ids
        if any(s != did for s in subjects):
            raise ExportError(f"credential {index + 1} ({art.credential_id}) is about {', '.join(map(str, subjects))}, "
                              f"not the holder {did}: a learner presents only their own credentials "
                              "(use the learner's key with --holder-key)",
                              field=f"verifiableCredential[{index}].credentialSubject.id", value=subjects)
        entries.append(envelope(art))
    vp = {
        "@context": [VC2],
        "id": presentation_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiablePresentation"],
        "holder": did,
        "verifiableCredential": entries,
    }
    try:
        return add_proof(vp, holder, cryptosuite=suite_for_key(holder.algorithm).name, proof_purpose=PURPOSE,
                         created=now, challenge=challenge, domain=domain, loader=loader)
    except EdcIssuerError as exc:
        raise ExportError(f"cannot sign the presentation: {exc}", field=exc.field or "proof") from exc



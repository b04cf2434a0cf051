"""The wallet's key proof at the credential endpoint: an `openid4vci-proof+jwt` (OpenID4VCI 1.0 App. F).

Why its own module: the proof decides whose key the credential is bound to, so every check
the spec names is here in one place, in order, and each refusal says which one failed:
typ, an asymmetric algorithm from the allow-list (never `none`, never HMAC), exactly one
key (`jwk`, or a `kid` that is a did:key/did:jwk URL; a `jwk` with private members is
refused), a key type matching the algorithm, the signature (jwcrypto, with the one
algorithm allowed), `aud` = the credential issuer, a fresh `iat`, and a `nonce`. Whether
the nonce is the server's and unused is the store's business (oid4vci_store), after this.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jwcrypto.common import JWException  # type: ignore[import-untyped,unused-ignore]
from jwcrypto.jws import JWS  # type: ignore[import-untyped,unused-ignore]

from ..crypto import multibase as mb
from ..crypto.issuer_keys import public_jwk_problem, self_certified_key
from ..crypto.keys import KeyPair
from ..errors import EdcIssuerError
from ..proofs.jose import b64url_decode_canonical, loads_strict
from ..proofs.jwt import KEY_FOR_ALG

PROOF_TYP = "openid4vci-proof+jwt"
#: what the metadata advertises as proof_signing_alg_values_supported
PROOF_ALGS: tuple[str, ...] = ("ES256", "EdDSA")
#: iat may be this old (seconds) ...
MAX_AGE = 300
#: ... and this far in the future (clock skew, OID4VCI §13.8)
MAX_AHEAD = 60
_JWK_MEMBERS = ("kty", "crv", "x", "y", "n", "e")


class ProofError(Exception):
    """A proof refused: `invalid_proof`, with the check that failed."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass(frozen=True)
class HolderKey:
    """The key a proof was signed with, as the credential binds it."""

    did: str                  # did:key (kid) or did:jwk (jwk header): the OB3 credentialSubject.id
    jwk: dict[str, Any]       # the public JWK (SD-JWT `cnf.jwk`)
    nonce: str


def did_jwk(jwk: dict[str, Any]) -> str:
    """did:jwk of a public JWK (its public members only, compact JSON)."""
    public = {k: jwk[k] for k in _JWK_MEMBERS if k in jwk}
    return "did:jwk:" + mb.b64url_encode(json.dumps(public, separators=(",", ":")).encode("utf-8"))


def _part(text: str, what: str) -> dict[str, Any]:
    try:
        value = loads_strict(b64url_decode_canonical(text))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProofError(f"the proof's {what} is not base64url JSON") from exc
    if not isinstance(value, dict):
        raise ProofError(f"the proof's {what} is not a JSON object")
    return value


def _key(header: dict[str, Any]) -> tuple[KeyPair, str, dict[str, Any]]:
    present = [m for m in ("jwk", "kid", "x5c") if m in header]
    if len(present) != 1:
        raise ProofError("the proof header must carry exactly one of jwk or kid (did:key / did:jwk)")
    try:
        if present[0] == "jwk":
            jwk = header["jwk"]
            if not isinstance(jwk, dict):
                raise ProofError("the proof header's jwk is not a JSON object")
            problem = public_jwk_problem(jwk)
            if problem:
                raise ProofError(f"the proof header's jwk {problem}")
            key = KeyPair.from_jwk(jwk).public_only()
            return key, did_jwk(key.to_jwk()), key.to_jwk()
        if present[0] == "kid":
            kid = header["kid"]
            if not isinstance(kid, str) or not kid.startswith(("did:key:", "did:jwk:")):
                raise ProofError("the proof header's kid must be a did:key or did:jwk URL")
            found = self_certified_key(kid)
            if found is None:  # pragma: no cover - the prefixes above are the self-certified methods
                raise ProofError("the proof header's kid is not a did:key or did:jwk URL")
            key = found[1]
            return key, kid.partition("#")[0], key.to_jwk()
    except EdcIssuerError as exc:
        raise ProofError(f"the proof's key cannot be read: {exc.message}") from exc
    raise ProofError("x5c proofs are not supported: give jwk or kid")


def check_proof(token: Any, *, audience: str, now: datetime) -> HolderKey:
    """The holder key of a valid proof JWT; ProofError naming the failed check otherwise."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise ProofError("the proof is not a compact JWT")
    head, body, _ = token.split(".")
    header, payload = _part(head, "header"), _part(body, "payload")
    if header.get("typ") != PROOF_TYP:
        raise ProofError(f"the proof's typ must be {PROOF_TYP}")
    alg = header.get("alg")
    if alg not in PROOF_ALGS:
        raise ProofError(f"the proof's alg {alg!r} is not allowed (use one of {', '.join(PROOF_ALGS)})")
    if "crit" in header:
        raise ProofError("the proof header has crit parameters this issuer does not understand")
    key, did, jwk = _key(header)
    if KEY_FOR_ALG[str(alg)] != key.algorithm:
        raise ProofError(f"the proof's alg {alg} does not fit its {key.algorithm} key")
    try:
        jws = JWS()
        jws.allowed_algs = [alg]
        jws.deserialize(token)
        jws.verify(key.to_jwcrypto())
    except (JWException, ValueError, TypeError) as exc:
        raise ProofError("the proof's signature does not verify with the key in its header") from exc
    aud = payload.get("aud")
    if not (aud == audience or (isinstance(aud, list) and aud == [audience])):
        raise ProofError(f"the proof's aud must be the credential issuer {audience}")
    iat = payload.get("iat")
    if not isinstance(iat, (int, float)) or isinstance(iat, bool):
        raise ProofError("the proof has no numeric iat")
    moment = now.timestamp()
    if iat < moment - MAX_AGE or iat > moment + MAX_AHEAD:
        raise ProofError(f"the proof's iat is not within {MAX_AGE} s before now ({MAX_AHEAD} s after)")
    nonce = payload.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise ProofError("the proof has no nonce (get one at the nonce endpoint)")
    return HolderKey(did, jwk, nonce)

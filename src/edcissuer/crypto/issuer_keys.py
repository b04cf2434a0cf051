"""Which public keys an issuer DID vouches for: binding a key a JWT carries (`jwk` header) to `iss`.

Why beside `did.py` and not in it: resolving a verification method answers "which key is
behind this id"; binding an embedded key asks the reverse, "is this key one the issuer
lists for assertions", which needs every assertion method of the issuer's DID document.
did:key and did:jwk are self-certifying (the identifier is the key), so they need no
document; did:web is read through `did.resolve_did_web` (local mirror, else the Fetcher,
offline by default).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import KeyMaterialError
from ..fetch import Fetcher
from . import multibase as mb
from .did import did_fetcher, key_from_did_document, method_list, resolve_did_web, resolve_verification_method
from .keys import KeyPair

#: did -> [(verification method id, public key)] the DID lists for assertions
IssuerKeys = Callable[[str], list[tuple[str, KeyPair]]]

#: JWK members that hold secret material (RFC 7518 section 6.2.2, 6.3.2, 6.4): never in a public key
PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def public_jwk_problem(jwk: Any) -> str | None:
    """Why `jwk` is not a public key a verifier may use, or None."""
    if not isinstance(jwk, dict):
        return "must be a JSON object (a JWK)"
    secret = sorted(PRIVATE_JWK_MEMBERS & jwk.keys())
    if secret:
        return f"carries private key member(s) {secret}: a public key never contains them (RFC 7517)"
    if jwk.get("kty") == "oct":
        return "is a symmetric key (kty 'oct'): it cannot identify an issuer"
    return None


def did_jwk_key(did: str) -> KeyPair:
    """The public key a did:jwk DID encodes (did:jwk method: base64url of the JWK's JSON)."""
    encoded = did.partition("#")[0][len("did:jwk:"):]
    try:
        jwk = json.loads(mb.b64url_decode(encoded))
    except ValueError as exc:
        raise KeyMaterialError(f"{did!r} is not a did:jwk (base64url JSON)", field="did", value=did) from exc
    problem = public_jwk_problem(jwk)
    if problem:
        raise KeyMaterialError(f"{did!r}: its JWK {problem}", field="did", value=did)
    return KeyPair.from_jwk(jwk).public_only()


def self_certified_key(did: str) -> tuple[str, KeyPair] | None:
    """(method id, key) for did:key / did:jwk, whose identifier is the key; None for other methods."""
    did = did.partition("#")[0]
    if did.startswith("did:key:"):
        key = resolve_verification_method(did)
        return f"{did}#{did[len('did:key:'):]}", key
    if did.startswith("did:jwk:"):
        return f"{did}#0", did_jwk_key(did)
    return None


def assertion_keys(document: dict[str, Any], purpose: str = "assertionMethod") -> list[tuple[str, KeyPair]]:
    """Every (method id, key) the DID document authorises for `purpose`; unreadable methods are skipped."""
    did = str(document.get("id", ""))
    found: list[tuple[str, KeyPair]] = []
    for ref in method_list(document, purpose, did):
        ref_id = ref if isinstance(ref, str) else ref.get("id") if isinstance(ref, dict) else None
        if not isinstance(ref_id, str):
            continue
        vm_id = did + ref_id if ref_id.startswith("#") else ref_id
        try:
            found.append((vm_id, key_from_did_document(document, vm_id, purpose=purpose)))
        except KeyMaterialError:
            continue  # a key type we cannot read cannot be the one that verified
    return found


def issuer_key_lister(*, did_web_dir: Path | str | None = None, fetcher: Fetcher | None = None) -> IssuerKeys:
    """An `IssuerKeys` reading did:key/did:jwk offline and did:web through the usual resolution."""
    remote = did_fetcher((), fetcher)

    def keys(did: str) -> list[tuple[str, KeyPair]]:
        own = self_certified_key(did)
        if own is not None:
            return [own]
        if did.startswith("did:web:"):
            return assertion_keys(resolve_did_web(did, did_web_dir=did_web_dir, fetcher=remote))
        raise KeyMaterialError(f"cannot list the keys of {did!r}: only did:key, did:jwk and did:web issuers "
                               "are resolvable here", field="issuer", value=did)

    return keys

"""SD-JWT (RFC 9901) building blocks: disclosures, digests, the compact form, signing a JWS.

Why our own and not the `sd-jwt` package: that package is unmaintained since 2024 and its
verifier skips exp/nbf/iat and the issuer `typ`; this is about a hundred lines on top of
`KeyPair` and jwcrypto, with the same explicit algorithm allow-list as our other JWTs
(`proofs.jwt.KEY_FOR_ALG`). The tests cross-check it against `sd-jwt` both ways.

A disclosure is base64url(UTF-8 JSON `[salt, name, value]`) (or `[salt, value]` for an
array element); its digest is base64url(SHA-256(the ASCII disclosure text)).
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from jwcrypto.common import JWException  # type: ignore[import-untyped,unused-ignore]
from jwcrypto.jws import (  # type: ignore[import-untyped,unused-ignore]
    JWS,
    InvalidJWSObject,
    InvalidJWSOperation,
    InvalidJWSSignature,
)

from ..crypto import multibase as mb
from ..crypto.keys import KeyPair
from ..errors import SigningError, VerificationError
from ..proofs.jose import b64url_decode_canonical, loads_strict
from ..proofs.jwt import ALG_FOR_KEY, KEY_FOR_ALG

SD_ALG = "sha-256"
TYP_SD_JWT_VC = "dc+sd-jwt"
#: SD-JWT VC drafts before -06 said vc+sd-jwt; verifiers are asked to accept it for a while
LEGACY_TYPS = frozenset({"vc+sd-jwt"})
TYP_KB_JWT = "kb+jwt"
#: names a disclosure may never carry (RFC 9901 §4.2.1)
RESERVED_NAMES = frozenset({"_sd", "..."})
#: claims SD-JWT VC forbids to disclose selectively (draft §3.2.2.2): a verifier must always see them
NEVER_SELECTIVE = frozenset({"iss", "nbf", "exp", "cnf", "vct", "status", "iat"})
_HMAC = frozenset({"HS256", "HS384", "HS512"})


def b64url(data: bytes) -> str:
    return mb.b64url_encode(data)


def digest_of(disclosure: str) -> str:
    """The `_sd` digest of one encoded disclosure (SHA-256 over its ASCII text)."""
    return b64url(hashlib.sha256(disclosure.encode("ascii")).digest())


def sd_hash(presentation_prefix: str) -> str:
    """KB-JWT `sd_hash`: the digest of everything up to and including the last `~`."""
    return digest_of(presentation_prefix)


@dataclass(frozen=True)
class Disclosure:
    """One disclosure: salt, claim name (None for an array element), value, and its encoding."""

    salt: str
    name: str | None
    value: Any
    encoded: str

    @classmethod
    def make(cls, name: str | None, value: Any) -> Disclosure:
        salt = b64url(secrets.token_bytes(16))   # 128 bits, as RFC 9901 §9.3 recommends
        items = [salt, value] if name is None else [salt, name, value]
        text = json.dumps(items, ensure_ascii=False, separators=(",", ":"))
        return cls(salt, name, value, b64url(text.encode("utf-8")))

    @property
    def digest(self) -> str:
        return digest_of(self.encoded)


def decoy_digest() -> str:
    """A digest of random bytes: hides how many claims are selectively disclosable (RFC 9901 §4.2.5)."""
    return b64url(hashlib.sha256(secrets.token_bytes(32)).digest())


def parse_disclosure(encoded: str) -> Disclosure:
    """A disclosure read strictly; VerificationError (field `disclosures`) naming what is wrong."""
    try:
        text = b64url_decode_canonical(encoded).decode("utf-8")
        items = loads_strict(text)
    except (ValueError, RecursionError) as exc:
        raise VerificationError(f"disclosure {encoded[:16]}... is not base64url JSON: {exc}",
                                field="disclosures") from exc
    if not isinstance(items, list) or len(items) not in (2, 3) or not isinstance(items[0], str):
        raise VerificationError(f"disclosure {encoded[:16]}... is not [salt, name, value] or [salt, value]",
                                field="disclosures")
    if len(items) == 2:
        return Disclosure(items[0], None, items[1], encoded)
    if not isinstance(items[1], str):
        raise VerificationError(f"disclosure {encoded[:16]}... has a claim name that is not a string",
                                field="disclosures")
    return Disclosure(items[0], items[1], items[2], encoded)


def split_compact(text: Any) -> tuple[str, list[str], str | None]:
    """`<jwt>~<d1>~...~<dn>~[<kb-jwt>]` -> (issuer JWT, disclosures, KB-JWT or None)."""
    if not isinstance(text, str) or "~" not in text:
        raise VerificationError("not an SD-JWT: no '~' separates the JWT from its disclosures", field="sd-jwt")
    parts = text.strip().split("~")
    jwt, disclosures, last = parts[0], parts[1:-1], parts[-1]
    if not jwt or any(not d for d in disclosures):
        raise VerificationError("an SD-JWT part is empty ('~~'): truncated or garbled", field="sd-jwt")
    return jwt, disclosures, last or None


def is_sd_jwt(text: Any) -> bool:
    """Loose detection for routing: a compact JWS with an `alg`, followed by `~`."""
    if not isinstance(text, str) or "~" not in text:
        return False
    head = text.strip().split("~", 1)[0].split(".")
    if len(head) != 3 or not head[0]:
        return False
    try:
        header = json.loads(mb.b64url_decode(head[0]))
    except ValueError:
        return False
    return isinstance(header, dict) and isinstance(header.get("alg"), str)


# --- JWS ------------------------------------------------------------------------------------

def alg_for(key: KeyPair) -> str:
    """The JOSE algorithm of a key: ES256 for P-256, EdDSA for Ed25519, ES384 for P-384."""
    try:
        return ALG_FOR_KEY[key.algorithm]
    except KeyError as exc:  # pragma: no cover - KeyPair builds only known types
        raise SigningError(f"no JOSE algorithm for {key.algorithm} keys", field="key") from exc


def sign_compact(header: dict[str, Any], payload: dict[str, Any], key: KeyPair) -> str:
    """A compact JWS signed with `key` (raw JOSE signatures, as `proofs.jwt` signs)."""
    try:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise SigningError(f"claims are not JSON-serialisable: {exc}", field="claims") from exc
    protected = json.dumps(header, separators=(",", ":")).encode("utf-8")
    signing_input = f"{b64url(protected)}.{b64url(body)}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode('ascii')))}"


@dataclass(frozen=True)
class Jws:
    """A compact JWS read, not yet verified."""

    token: str
    header: dict[str, Any]
    payload: dict[str, Any]


def read_jws(token: str, what: str) -> Jws:
    """Header and payload of a compact JWS, strictly decoded; VerificationError naming `what`."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise VerificationError(f"the {what} is not a compact JWS (three non-empty segments)", field=what)
    objects = []
    for name, part in zip(("header", "payload"), parts[:2]):
        try:
            value = loads_strict(b64url_decode_canonical(part).decode("utf-8"))
        except (ValueError, RecursionError) as exc:
            raise VerificationError(f"the {what} {name} is not base64url JSON: {exc}", field=name) from exc
        if not isinstance(value, dict):
            raise VerificationError(f"the {what} {name} is not a JSON object", field=name)
        objects.append(value)
    try:
        b64url_decode_canonical(parts[2])
    except ValueError as exc:
        raise VerificationError(f"the {what} signature is not canonical base64url", field="signature") from exc
    return Jws(token, objects[0], objects[1])


def check_alg(header: dict[str, Any], what: str) -> str:
    """The allow-list (EdDSA, ES256, ES384, RS256, PS256): `none` and HMAC refused by name; no `crit`."""
    alg = header.get("alg")
    if not isinstance(alg, str) or not alg:
        raise VerificationError(f"the {what} header has no alg", field="alg")
    if alg.lower() == "none":
        raise VerificationError(f"alg 'none' refused: an unsigned {what} proves nothing", field="alg", value=alg)
    if alg.upper() in _HMAC:
        raise VerificationError(f"alg {alg!r} refused: a shared-secret MAC is no signature", field="alg", value=alg)
    if alg not in KEY_FOR_ALG:
        raise VerificationError(f"alg {alg!r} is not accepted (only {', '.join(KEY_FOR_ALG)})", field="alg",
                                value=alg)
    if "crit" in header:
        raise VerificationError(f"crit header {header['crit']!r} names extensions this verifier does not "
                                "understand (RFC 7515 §4.1.11)", field="crit")
    return alg


def check_signature(jws: Jws, key: KeyPair, alg: str, what: str) -> None:
    """The signature with the one algorithm the key allows (never the token's free choice)."""
    if KEY_FOR_ALG[alg] != key.algorithm:
        raise VerificationError(f"alg {alg} does not fit the {key.algorithm} key that signs the {what}",
                                field="alg", value=alg)
    verifier = JWS()
    verifier.allowed_algs = [alg]
    try:
        verifier.deserialize(jws.token)
        verifier.verify(key.to_jwcrypto(), alg=alg)
    except InvalidJWSSignature as exc:
        raise VerificationError(f"the {what} signature does not verify: altered, or signed by another key",
                                field="signature") from exc
    except (InvalidJWSObject, InvalidJWSOperation, JWException, ValueError) as exc:
        raise VerificationError(f"the {what} could not be checked: {exc}", field="signature") from exc


def media_type(value: Any) -> str | None:
    """`typ` compared case-insensitively without `application/` (RFC 7515 §4.1.9)."""
    if not isinstance(value, str):
        return None
    text = value.lower()
    return text.removeprefix("application/")

"""Compact JWS credentials in three shapes: VC-JOSE, Open Badges 3.0 JWT, legacy VC-JWT.

Three forms, because wallets and badge platforms meet all of them:

* **VC-JOSE** (W3C "Securing Verifiable Credentials using JOSE and COSE", §3.1.1): the
  JWS payload *is* the unsecured VC 2.0 credential. Header `typ: vc+jwt`, `cty: vc`,
  `kid`. We add no JWT claims: the spec makes `iat`/`exp` the signature's times (not
  `validFrom`/`validUntil`) and calls `nbf` NOT RECOMMENDED.
* **Open Badges 3.0 JWT** (OB 3.0 "JSON Web Token Proof Format", #joseheader, "JWT
  Payload Format", #jwt-verify-credential): the credential at the top level of the
  payload together with `iss` (issuer id), `jti` (id), `sub` (credentialSubject.id),
  `nbf` (validFrom) and `exp` (validUntil); header `alg`, `kid` or `jwk`, `typ: JWT`,
  and nothing else. OB 3.0 verifiers (openbadgeslib, the 1EdTech validator) require it.
* **Legacy VC-JWT** (VC Data Model 1.1 §6.3.1): the credential sits in the `vc` claim,
  mirrored by `iss`, `sub`, `jti`, `nbf`, `exp` and an `iat`; header `typ: JWT`.

The registered claims at the top level are the JWT's, not the credential's: they are
checked against the credential and left out of the credential returned (so JSON-LD never
reads them as terms); any other top-level member stays in the credential.

Verification never trusts the token to choose its own algorithm, and never accepts a key
it cannot tie to the issuer: a `kid` must be a method of the issuer's DID and is resolved;
a `jwk` must be the issuer's did:key/did:jwk key or one of its DID document's assertion
keys, else the binding is reported as missing (see `Binding`). Only EdDSA, ES256, ES384,
RS256 and PS256 are accepted, and the algorithm must fit the key. Every refusal is a failed
`CheckResult` named "proof" with a sentence saying why (see docs/jwt.md).
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from jwcrypto.common import JWException  # type: ignore[import-untyped,unused-ignore]
from jwcrypto.jws import (  # type: ignore[import-untyped,unused-ignore]
    JWS,
    InvalidJWSObject,
    InvalidJWSOperation,
    InvalidJWSSignature,
)

from ..checks import CheckId
from ..crypto import multibase as mb
from ..crypto.did import resolve_verification_method
from ..crypto.issuer_keys import IssuerKeys, public_jwk_problem, self_certified_key
from ..crypto.keys import RSA, KeyPair
from ..errors import EdcIssuerError, SigningError, VerificationError
from ..identifiers import controller_of as _controller
from ..identifiers import issuer_id as _issuer_id
from ..results import CheckResult
from ..time import CLOCK_SKEW, iso_z, parse_xsd_datetime, require_aware
from .jose import b64url_decode_canonical, loads_strict

Resolver = Callable[[str], KeyPair]

FORM_JOSE = "vc-jose"
FORM_OB3 = "ob3-jwt"
FORM_LEGACY = "vc-jwt-legacy"
FORM_LABELS = {FORM_JOSE: "VC-JOSE (vc+jwt)", FORM_OB3: "Open Badges 3.0 JWT", FORM_LEGACY: "legacy VC-JWT"}
#: VC-JOSE §3.1.1: "The typ header parameter SHOULD be vc+jwt ... the cty ... SHOULD be vc"
TYP_VC_JOSE = "vc+jwt"
CTY_VC = "vc"
#: OB 3.0 #joseheader: "typ: If present, MUST be set to JWT"
TYP_LEGACY = "JWT"
TYP_OB3 = "JWT"
#: OB 3.0 #joseheader: "Additional JOSE Headers are NOT allowed"
OB3_HEADER_MEMBERS = frozenset({"alg", "kid", "jwk", "typ"})
#: the JWT claims that mirror credential properties (OB 3.0 "JWT Payload Format"), plus iat
REGISTERED_CLAIMS = ("iss", "jti", "sub", "nbf", "exp", "iat")
_IDENTITY_CLAIMS = frozenset({"iss", "jti", "sub", "nbf", "exp"})
#: credential types that make `proof="jwt"` choose the OB 3.0 shape
OB3_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential", "EndorsementCredential"})
#: JOSE algorithm we sign with for each key type
ALG_FOR_KEY: dict[str, str] = {"Ed25519": "EdDSA", "P-256": "ES256", "P-384": "ES384", RSA: "RS256"}
#: the explicit allow-list, and which key type each algorithm needs; nothing else is ever accepted
KEY_FOR_ALG: dict[str, str] = {"EdDSA": "Ed25519", "ES256": "P-256", "ES384": "P-384", "RS256": RSA, "PS256": RSA}
ALLOWED_ALGS: tuple[str, ...] = tuple(KEY_FOR_ALG)
MAX_CLOCK_SKEW = CLOCK_SKEW  # kept for callers; the verifier passes its own
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"

# typ / cty compared case-insensitively without "application/" (RFC 7515 §4.1.9-10)
_VC_JOSE_TYPS = frozenset({"vc+jwt", "vc+ld+jwt"})  # vc+ld+jwt: 2023 drafts
_JOSE_TYPS = _VC_JOSE_TYPS | {"jwt"}                 # jwt: a claim-less token with typ JWT
_LEGACY_TYPS = frozenset({"jwt"})
_OB3_TYPS = frozenset({"jwt"})
#: members that make a top-level object a credential (VC DM: @context, type, credentialSubject)
_CREDENTIAL_MEMBERS = frozenset({"@context", "type", "credentialSubject"})
_CREDENTIAL_CTYS = frozenset({"vc", "vc+ld+json", "credential+ld+json"})
_SEGMENT = re.compile(r"^[A-Za-z0-9_-]*$")
_HMAC = frozenset({"HS256", "HS384", "HS512"})


# --- signing -----------------------------------------------------------------------------

def sign_jwt(credential: dict[str, Any], key: KeyPair, *, kid: str | None = None, now: datetime) -> str:
    """VC-JOSE compact JWS: the credential itself is the payload (VC-JOSE-COSE §3.1.1).

    `now` is only checked (timezone-aware): the payload carries no time claims, so a
    verifier gets back exactly the credential that was signed.
    """
    require_aware(now, SigningError)
    if not isinstance(credential, dict):
        raise SigningError("a credential must be a JSON object", field="credential")
    clash = sorted({"vc", "vp"} & credential.keys())
    if clash:
        raise SigningError(f"VC-JOSE payloads must not carry the JWT claim(s) {clash} (VC-JOSE-COSE §3.1.3)",
                           field=clash[0])
    kid = _signing_kid(credential, key, kid)
    header = {"alg": _alg_of(key), "typ": TYP_VC_JOSE, "cty": CTY_VC, "kid": kid}
    return _sign(credential, key, header)


def sign_legacy_vc_jwt(credential: dict[str, Any], key: KeyPair, *, kid: str | None = None,
                       now: datetime) -> str:
    """VC DM 1.1 §6.3.1 VC-JWT: `vc` claim plus `iss`, `sub`, `jti`, `nbf`, `iat`, `exp`.

    The registered claims are added "in addition to" (not instead of) the credential's own
    properties, so the `vc` claim alone is the whole credential. `nbf`/`exp` mirror
    validFrom/validUntil (issuanceDate/expirationDate for VC 1.1), as OB 3.0 "JWT Payload Format" requires.
    """
    require_aware(now, SigningError)
    if not isinstance(credential, dict):
        raise SigningError("a credential must be a JSON object", field="credential")
    kid = _signing_kid(credential, key, kid)
    claims: dict[str, Any] = {"iss": _issuer_id(credential)}
    subject = _single_subject_id(credential)
    if subject is not None:
        claims["sub"] = subject
    if isinstance(credential.get("id"), str):
        claims["jti"] = credential["id"]
    start_name, end_name = _date_names(credential)
    for claim, name in (("nbf", start_name), ("exp", end_name)):
        if name in credential:
            claims[claim] = _numeric_date_of(credential, name)
    claims["iat"] = math.floor(now.timestamp())
    payload = {**claims, "vc": credential}
    header = {"alg": _alg_of(key), "typ": TYP_LEGACY, "kid": kid}
    return _sign(payload, key, header)


def sign_ob3_jwt(credential: dict[str, Any], key: KeyPair, *, kid: str | None = None, now: datetime,
                 embed_jwk: bool = False) -> str:
    """Open Badges 3.0 JWT: the credential at the top level plus iss/jti/sub/nbf/exp (OB 3.0 #jwt-proof).

    Header `{alg, kid, typ: "JWT"}` (or `jwk` instead of `kid` when `embed_jwk`; its public
    members only), and no other member: OB 3.0 allows no additional JOSE headers. `nbf` and
    `exp` are validFrom/validUntil as NumericDates (whole seconds), so `now` only has to be
    timezone-aware. The credential must not already use a claim name at its top level.
    """
    require_aware(now, SigningError)
    if not isinstance(credential, dict):
        raise SigningError("a credential must be a JSON object", field="credential")
    clash = sorted(({"vc", "vp"} | set(REGISTERED_CLAIMS)) & credential.keys())
    if clash:
        raise SigningError(f"the credential already has top-level member(s) {clash}, which are JWT claims in "
                           "the Open Badges 3.0 JWT shape", field=clash[0])
    kid = _signing_kid(credential, key, kid)
    if not isinstance(credential.get("id"), str):
        raise SigningError("an Open Badges 3.0 JWT needs the credential id for its jti claim", field="id")
    claims: dict[str, Any] = {"iss": _issuer_id(credential), "jti": credential["id"]}
    subject = _single_subject_id(credential)
    if subject is not None:
        claims["sub"] = subject
    start_name, end_name = _date_names(credential)
    if start_name not in credential:
        raise SigningError(f"an Open Badges 3.0 JWT needs {start_name} for its nbf claim", field=start_name)
    for claim, name in (("nbf", start_name), ("exp", end_name)):
        if name in credential:
            claims[claim] = _numeric_date_of(credential, name)
    header: dict[str, Any] = {"alg": _alg_of(key), "typ": TYP_OB3}
    if embed_jwk:
        header["jwk"] = key.to_jwk()
    else:
        header["kid"] = kid
    return _sign({**credential, **claims}, key, header)


def default_form(credential: dict[str, Any]) -> str:
    """The one shape decision for `proof="jwt"`: OB 3.0 credentials get the OB 3.0 JWT, others VC-JOSE.

    OB 3.0 verifiers require iss/jti/nbf/sub claims that VC-JOSE does not add; VC 2.0
    verifiers of other credentials expect `vc+jwt`. `vc-jose` stays an explicit choice.
    """
    types = credential.get("type")
    names = {t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)}
    return FORM_OB3 if names & OB3_TYPES else FORM_JOSE


def _numeric_date_of(credential: dict[str, Any], name: str) -> int:
    moment = parse_xsd_datetime(credential[name])
    if moment is None:
        raise SigningError(f"{name} {credential[name]!r} is not an xsd:dateTime with a timezone",
                           field=name, value=credential[name])
    return math.floor(moment.timestamp())


def _signing_kid(credential: dict[str, Any], key: KeyPair, kid: str | None) -> str:
    """The header kid; refuse one whose DID is not the issuer (no verifier would accept it)."""
    kid = kid or key.verification_method
    issuer = _issuer_id(credential)
    if issuer is None:
        raise SigningError("the credential has no issuer id to bind the signing key to", field="issuer")
    if _controller(kid) != issuer:
        raise SigningError(f"kid {kid!r} does not belong to the issuer {issuer!r}", field="kid", value=kid)
    return kid


def _alg_of(key: KeyPair) -> str:
    try:
        return ALG_FOR_KEY[key.algorithm]
    except KeyError as exc:  # pragma: no cover - KeyPair only builds the three types
        raise SigningError(f"no JOSE algorithm for {key.algorithm} keys", field="key") from exc


def _sign(payload: dict[str, Any], key: KeyPair, header: dict[str, Any]) -> str:
    """Compact JWS signed with the key directly.

    JWS wants exactly what `KeyPair.sign` gives: Ed25519 for EdDSA, for ES256/ES384
    the raw r||s signature over SHA-256/SHA-384 (RFC 7518 section 3.4), and for RSA keys
    RSASSA-PKCS1-v1_5 with SHA-256 (RS256, RFC 7518 section 3.3). Building a jwcrypto
    JWS per token cost two thirds of the signing time; verification still goes through
    jwcrypto, an independent implementation, with an explicit algorithm allow-list.
    """
    try:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise SigningError(f"credential is not JSON-serialisable: {exc}", field="credential") from exc
    protected = json.dumps(header, separators=(",", ":")).encode("utf-8")
    signing_input = f"{mb.b64url_encode(protected)}.{mb.b64url_encode(body)}"
    signature = key.sign(signing_input.encode("ascii"))  # KeyMaterialError without the private half
    return f"{signing_input}.{mb.b64url_encode(signature)}"


# --- detection -----------------------------------------------------------------------------

def is_jwt(text: str) -> bool:
    """True for a compact JWS whose header is a JSON object with an `alg` string.

    Deliberately loose on everything else (alg "none", empty signature, bad payload), so
    such tokens reach `verify_jwt` and get a named refusal instead of "not a credential".
    """
    if not isinstance(text, str):
        return False
    parts = text.strip().split(".")
    if len(parts) != 3 or not parts[0] or not parts[1] or not all(_SEGMENT.match(p) for p in parts):
        return False
    try:
        header = json.loads(mb.b64url_decode(parts[0]))
    except ValueError:
        return False
    return isinstance(header, dict) and isinstance(header.get("alg"), str)


# --- verification ----------------------------------------------------------------------------

@dataclass(frozen=True)
class DecodedJwt:
    """A compact JWS read but NOT verified: for routing and display, never for trust."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signature_b64: str
    form: str                     # FORM_JOSE, FORM_OB3 or FORM_LEGACY
    credential: dict[str, Any]    # the credential the payload carries (vc claim completed; claims left out)


def decode_jwt(token: Any) -> DecodedJwt:
    """The one JWT reader: strict base64url, JSON objects, no repeated members.

    Raises VerificationError naming the segment that is malformed. Verification uses this
    same reader, so what is displayed is what the signature check read.
    """
    header_b64, payload_b64, signature_b64 = _split(token)
    header = _json_object(_decode(header_b64, "header"), "header")
    payload = _json_object(_decode(payload_b64, "payload"), "payload")
    if "vp" in payload:
        raise VerificationError("the JWT carries a presentation (vp claim), not a credential", field="vp")
    if "vc" in payload:
        stray = sorted(_CREDENTIAL_MEMBERS & payload.keys())
        if stray:  # two credentials in one payload: what is shown must be the one and only signed one
            raise VerificationError(f"the payload carries a vc claim and credential member(s) {stray} at its top "
                                    "level: which one is the credential is ambiguous", field="vc")
        return DecodedJwt(header, payload, signature_b64, FORM_LEGACY, _legacy_credential(payload))
    credential = {k: v for k, v in payload.items() if k not in REGISTERED_CLAIMS}
    return DecodedJwt(header, payload, signature_b64, _top_level_form(header, payload), credential)


def _top_level_form(header: dict[str, Any], payload: dict[str, Any]) -> str:
    """VC-JOSE when the header says so (typ vc+jwt, a cty) or no claim mirrors the credential, else OB 3.0."""
    typ = header.get("typ")
    media = typ.lower().removeprefix("application/") if isinstance(typ, str) else None
    if media in _VC_JOSE_TYPS or "cty" in header:
        return FORM_JOSE
    return FORM_OB3 if _IDENTITY_CLAIMS & payload.keys() else FORM_JOSE


@dataclass(frozen=True)
class Binding:
    """What the key that verified was bound to, and how (reported by the issuer.binding check).

    `method`: `kid-did-vm` (the kid is a method of the issuer's DID, resolved),
    `jwk-did-key` / `jwk-did-jwk` (the header jwk is the key the issuer's DID encodes),
    `jwk-did-document` (the jwk is an assertion key of the issuer's DID document), or
    `jwk-unbound` (nothing ties the jwk to the issuer: `bound` is False).
    """

    bound: bool
    method: str
    issuer: str
    verification_method: str | None
    reason: str

    def details(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "method": self.method, "verificationMethod": self.verification_method}


@dataclass(frozen=True)
class JwtVerification:
    """The "proof" check, the credential, the key that verified the signature and its binding (or None)."""

    check: CheckResult
    credential: dict[str, Any] | None
    key: KeyPair | None
    kid: str | None
    binding: Binding | None = None


def verify_jwt(token: str, *, resolver: Resolver | None = None, now: datetime,
               clock_skew: timedelta = CLOCK_SKEW,
               issuer_keys: IssuerKeys | None = None) -> tuple[CheckResult, dict[str, Any] | None]:
    """Check a VC-JOSE, OB 3.0 or legacy VC-JWT token; return ("proof" check, credential or None)."""
    outcome = verify_jwt_detailed(token, resolver=resolver, now=now, clock_skew=clock_skew, issuer_keys=issuer_keys)
    return outcome.check, outcome.credential


def verify_jwt_detailed(token: str, *, resolver: Resolver | None = None, now: datetime,
                        clock_skew: timedelta = CLOCK_SKEW,
                        issuer_keys: IssuerKeys | None = None) -> JwtVerification:
    """Like verify_jwt, also returning the key the signature check itself established and its binding.

    `resolver` resolves a header `kid`; `issuer_keys` lists a DID's assertion keys, to bind
    a header `jwk` to a did:web issuer (did:key and did:jwk need none). Never raises for a
    bad token (every refusal is a failed check naming the reason); raises
    `VerificationError` only for misuse (a naive `now`).
    """
    require_aware(now, VerificationError)
    info: dict[str, Any] = {"jwt_form": None, "alg": None, "kid": None}
    try:
        credential, key, binding = _verify(token, resolver or resolve_verification_method, issuer_keys, now,
                                           clock_skew, info)
    except VerificationError as exc:
        return JwtVerification(CheckResult(CheckId.PROOF, False, exc.message, {**info, "field": exc.field}),
                               None, None, info.get("kid"))
    signer = info["kid"] or "the key in the header jwk"
    check = CheckResult(CheckId.PROOF, True,
                        f"{FORM_LABELS[info['jwt_form']]} signature ({info['alg']}) by {signer} is valid", dict(info))
    return JwtVerification(check, credential, key, info["kid"], binding)


def _verify(token: str, resolve: Resolver, issuer_keys: IssuerKeys | None, now: datetime, skew: timedelta,
            info: dict[str, Any]) -> tuple[dict[str, Any], KeyPair, Binding]:
    """The ordered checks; each raises VerificationError(reason, field) on refusal."""
    header_b64, _, signature_b64 = _split(token)
    header = _json_object(_decode(header_b64, "header"), "header")
    alg = _check_alg(header.get("alg"))
    info["alg"] = alg
    _check_crit(header)
    typ = _media_type(header.get("typ"), "typ")
    cty = _media_type(header.get("cty"), "cty")
    if cty is not None and cty not in _CREDENTIAL_CTYS:
        raise VerificationError(f"cty {header['cty']!r} does not announce a credential (expected 'vc')",
                                field="cty", value=header["cty"])
    kid, jwk = _key_members(header)
    info["kid"] = kid
    if jwk is not None:
        info["jwk"] = jwk
    if not signature_b64:
        raise VerificationError("the JWT has an empty signature", field="signature")
    _decode(signature_b64, "signature")  # canonical encoding: no malleable trailing bits
    decoded = decode_jwt(token)
    payload, credential = decoded.payload, decoded.credential
    form = info["jwt_form"] = decoded.form
    claims = {c: payload[c] for c in REGISTERED_CLAIMS if c in payload}
    if claims:
        info["claims"] = claims
    if form == FORM_LEGACY:
        if typ is not None and typ not in _LEGACY_TYPS:
            raise VerificationError(f"typ {header['typ']!r} must not carry a vc claim (VC-JOSE-COSE §3.1.3: the "
                                    "JWT claim names vc and vp MUST NOT be present)", field="typ", value=header["typ"])
    elif form == FORM_OB3:
        if typ is not None and typ not in _OB3_TYPS:
            raise VerificationError(f"typ {header['typ']!r} is not a credential JWT (expected 'JWT')",
                                    field="typ", value=header["typ"])
        extra = sorted(set(header) - OB3_HEADER_MEMBERS)
        if extra:
            raise VerificationError(f"header member(s) {extra} are not allowed in an Open Badges 3.0 JWT (OB 3.0 "
                                    "#joseheader: additional JOSE headers are NOT allowed)", field=extra[0])
    elif typ is not None and typ not in _JOSE_TYPS:
        raise VerificationError(f"typ {header['typ']!r} is not a credential JWT (expected 'vc+jwt')",
                                field="typ", value=header["typ"])

    issuer = _issuer_id(credential)
    if issuer is None:
        raise VerificationError("the credential has no issuer id to bind the header key to", field="issuer")
    if kid is not None and _controller(kid) != issuer:   # before resolution: never fetch what a token names
        raise VerificationError(f"mismatch between the header key and the issuer: kid {kid!r} is not a key of "
                                f"the issuer {issuer!r}", field="kid", value=kid)
    _check_identity_claims(payload, credential, issuer)
    if form == FORM_OB3:
        _require_ob3_claims(payload, credential)

    key, binding = _key_and_binding(kid, jwk, issuer, resolve, issuer_keys)
    if KEY_FOR_ALG[alg] != key.algorithm:
        source = repr(kid) if kid is not None else "the header jwk"
        raise VerificationError(f"alg {alg} does not match the {key.algorithm} key of {source} "
                                f"(which signs with {_algs_of(key)})", field="alg", value=alg)
    _check_signature(token.strip(), key, alg)

    _check_times(payload, now, skew)
    if form in (FORM_LEGACY, FORM_OB3):
        _check_claim_dates(payload, credential)
    return credential, key, binding


def _key_members(header: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
    """The header's kid and/or public jwk (OB 3.0 #joseheader: kid, else jwk; a jwk never holds "d")."""
    kid, jwk = header.get("kid"), header.get("jwk")
    if kid is None and jwk is None:
        raise VerificationError("the JWT header has no kid and no jwk: the issuer's key cannot be identified",
                                field="kid")
    if kid is not None and (not isinstance(kid, str) or not kid):
        raise VerificationError("the JWT header kid must be a non-empty string", field="kid", value=kid)
    if jwk is not None:
        problem = public_jwk_problem(jwk)
        if problem:
            raise VerificationError(f"the header jwk {problem}", field="jwk")
    return kid, jwk


def _key_and_binding(kid: str | None, jwk: dict[str, Any] | None, issuer: str, resolve: Resolver,
                     issuer_keys: IssuerKeys | None) -> tuple[KeyPair, Binding]:
    """The verifying key and what ties it to the issuer; refuses a key shown not to be the issuer's."""
    embedded = None
    if jwk is not None:
        try:
            embedded = KeyPair.from_jwk(jwk).public_only()
        except EdcIssuerError as exc:
            raise VerificationError(f"the header jwk is not a usable public key: {exc.message}", field="jwk") from exc
    if kid is not None:
        try:
            key = resolve(kid)
        except EdcIssuerError as exc:
            raise VerificationError(f"cannot resolve the header kid {kid!r}: {exc.message}", field="kid",
                                    value=kid) from exc
        if embedded is not None and embedded != key.public_only():
            raise VerificationError(f"the header jwk is not the key the kid {kid!r} resolves to", field="jwk")
        return key, Binding(True, "kid-did-vm", issuer, kid,
                            f"kid {kid} is a verification method of the issuer {issuer}, resolved")
    assert embedded is not None  # _key_members requires kid or jwk
    try:
        own = self_certified_key(issuer)
    except EdcIssuerError as exc:
        raise VerificationError(f"the issuer {issuer!r} is not a valid DID: {exc.message}", field="issuer") from exc
    if own is not None:
        vm, issuer_key = own
        method = "did:key" if issuer.startswith("did:key:") else "did:jwk"
        if issuer_key != embedded:
            raise VerificationError(f"the header jwk is not the key of the issuer's {method} {issuer!r}: the "
                                    "credential was signed by someone else's key", field="jwk")
        return embedded, Binding(True, f"jwk-{method.replace(':', '-')}", issuer, vm,
                                 f"the header jwk is the key the issuer's {method} encodes")
    if issuer_keys is None:
        return embedded, _unbound(issuer, "no DID resolution was configured for the issuer")
    try:
        listed = issuer_keys(issuer)
    except EdcIssuerError as exc:
        return embedded, _unbound(issuer, exc.message)
    vm_id = next((vm for vm, listed_key in listed if listed_key.public_only() == embedded), None)
    if vm_id is None:
        raise VerificationError(f"the header jwk is not one of the assertion keys the DID document of the issuer "
                                f"{issuer!r} lists", field="jwk")
    return embedded, Binding(True, "jwk-did-document", issuer, vm_id,
                             f"the header jwk is the assertion method {vm_id} of the issuer's DID document")


def _unbound(issuer: str, why: str) -> Binding:
    return Binding(False, "jwk-unbound", issuer, None,
                   f"key not bound to iss: the header jwk verified the signature, but nothing ties it to the "
                   f"issuer {issuer} ({why})")


def _algs_of(key: KeyPair) -> str:
    return " or ".join(alg for alg, key_type in KEY_FOR_ALG.items() if key_type == key.algorithm)


def _split(token: Any) -> tuple[str, str, str]:
    if not isinstance(token, str):
        raise VerificationError("a JWT must be text", field="jwt")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise VerificationError(f"not a compact JWS: {len(parts)} dot-separated segment(s) instead of 3 "
                                "(truncated, garbled, or an encrypted JWE)", field="jwt")
    for name, part in zip(("header", "payload", "signature"), parts):
        if not _SEGMENT.match(part):
            raise VerificationError(f"the JWT {name} segment has characters outside base64url (garbled token)",
                                    field=name)
    return parts[0], parts[1], parts[2]


def _decode(segment: str, name: str) -> bytes:
    """Strict, canonical base64url: a re-encoding must give the same text (no malleability)."""
    try:
        raw = b64url_decode_canonical(segment)
    except ValueError as exc:
        problem = ("is not canonical base64url (altered or truncated token)"
                   if "canonical" in str(exc) or "padded" in str(exc)
                   else "is not valid base64url (truncated or garbled token)")
        raise VerificationError(f"the JWT {name} {problem}", field=name) from exc
    if not raw:
        raise VerificationError(f"the JWT {name} is empty (truncated token)", field=name)
    return raw


def _json_object(raw: bytes, name: str) -> dict[str, Any]:
    try:
        value = loads_strict(raw.decode("utf-8"))
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise VerificationError(f"the JWT {name} is not a UTF-8 JSON object ({exc}): altered or garbled token",
                                field=name) from exc
    if not isinstance(value, dict):
        raise VerificationError(f"the JWT {name} is JSON but not an object", field=name)
    return value


def _check_alg(alg: Any) -> str:
    """The explicit allow-list (EdDSA, ES256, ES384, RS256, PS256); `none` and HMAC refused by name."""
    if not isinstance(alg, str) or not alg:
        raise VerificationError("the JWT header has no alg", field="alg", value=alg)
    if alg.lower() == "none":
        raise VerificationError("alg 'none' refused: an unsigned JWT proves nothing about its issuer",
                                field="alg", value=alg)
    if alg.upper() in _HMAC:
        raise VerificationError(f"alg {alg!r} refused: HMAC is a shared-secret MAC, so anyone able to verify "
                                "it could forge it; credentials need an issuer signature", field="alg", value=alg)
    if alg not in ALLOWED_ALGS:
        raise VerificationError(f"alg {alg!r} is not accepted (only {', '.join(ALLOWED_ALGS)})",
                                field="alg", value=alg)
    return alg


def _check_crit(header: dict[str, Any]) -> None:
    """RFC 7515 §4.1.11: a critical extension we do not implement means we must refuse."""
    if "crit" in header:
        raise VerificationError(f"crit header {header['crit']!r} names extensions this verifier does not "
                                "understand (RFC 7515 §4.1.11)", field="crit", value=header["crit"])
    if "b64" in header:
        raise VerificationError("b64 header (unencoded payload) is not used by credential JWTs", field="b64")


def _media_type(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise VerificationError(f"the JWT header {name} must be a string", field=name, value=value)
    text = value.lower()
    return text[len("application/"):] if text.startswith("application/") else text


def _check_signature(token: str, key: KeyPair, alg: str) -> None:
    jws = JWS()
    jws.allowed_algs = [alg]  # the one algorithm the resolved key implies, never the token's choice
    try:
        jws.deserialize(token)
        jws.verify(key.to_jwcrypto(), alg=alg)
    except InvalidJWSSignature as exc:
        raise VerificationError("the JWT signature does not verify with the issuer's key: the token was "
                                "altered or signed by another key", field="signature") from exc
    except (InvalidJWSObject, InvalidJWSOperation, JWException, ValueError) as exc:
        raise VerificationError(f"the JWS could not be checked: {exc}", field="jwt") from exc


# --- claims ----------------------------------------------------------------------------------

def _legacy_credential(payload: dict[str, Any]) -> dict[str, Any]:
    """VC DM 1.1 §6.3.2: the `vc` claim, completed from iss/jti/sub/nbf/exp where it lacks them.

    Claims that contradict the credential are refused in `_check_identity_claims`; here
    only absent properties are filled in ("instead of" encodings).
    """
    vc = payload["vc"]
    if not isinstance(vc, dict):
        raise VerificationError("the vc claim must be a JSON object", field="vc")
    credential = dict(vc)
    if "issuer" not in credential and isinstance(payload.get("iss"), str):
        credential["issuer"] = payload["iss"]
    if "id" not in credential and isinstance(payload.get("jti"), str):
        credential["id"] = payload["jti"]
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and "id" not in subject and isinstance(payload.get("sub"), str):
        credential["credentialSubject"] = {"id": payload["sub"], **subject}
    start_name, end_name = _date_names(credential)
    for claim, name in (("nbf", start_name), ("exp", end_name)):
        if name not in credential and _is_numeric_date(payload.get(claim)):
            moment = _from_numeric(payload[claim], claim)
            credential[name] = moment.isoformat().replace("+00:00", "Z")
    return credential


def _check_identity_claims(payload: dict[str, Any], credential: dict[str, Any], issuer: str) -> None:
    """iss/jti/sub must equal issuer/id/credentialSubject.id (VC-JOSE-COSE §3.1.3, OB 3.0 #jwt-verify-credential).

    A jti or sub the credential does not state is refused too: the claim is left out of the
    credential shown, so it must say nothing the credential does not (signed means shown).
    """
    iss = payload.get("iss")
    if iss is not None and iss != issuer:
        raise VerificationError(f"iss claim {iss!r} does not match the credential issuer {issuer!r}",
                                field="iss", value=iss)
    jti = payload.get("jti")
    if jti is not None and jti != credential.get("id"):
        stated = f"the credential id {credential['id']!r}" if "id" in credential else "the credential, which has no id"
        raise VerificationError(f"jti claim {jti!r} does not match {stated}", field="jti", value=jti)
    sub = payload.get("sub")
    if sub is not None:
        subjects = credential.get("credentialSubject")
        ids = [s["id"] for s in (subjects if isinstance(subjects, list) else [subjects])
               if isinstance(s, dict) and "id" in s]   # a list: an id may be any JSON value, hashable or not
        if sub not in ids:
            raise VerificationError(f"sub claim {sub!r} is not the id of any credentialSubject", field="sub",
                                    value=sub)


def _check_times(payload: dict[str, Any], now: datetime, skew: timedelta) -> None:
    """exp / nbf / iat (RFC 7519 §4.1.4-6) against `now`, with the allowed clock skew."""
    now_ts, slack = now.timestamp(), skew.total_seconds()
    for claim in ("exp", "nbf", "iat"):
        if claim in payload and not _is_numeric_date(payload[claim]):
            raise VerificationError(f"{claim} claim {payload[claim]!r} is not a NumericDate", field=claim,
                                    value=payload[claim])
    if "exp" in payload and payload["exp"] < now_ts - slack:
        raise VerificationError(f"the JWT expired at {_show(payload['exp'])} (exp), before {iso_z(now)}",
                                field="exp", value=payload["exp"])
    if "nbf" in payload and payload["nbf"] > now_ts + slack:
        raise VerificationError(f"the JWT is not valid before {_show(payload['nbf'])} (nbf), after {iso_z(now)}",
                                field="nbf", value=payload["nbf"])
    if "iat" in payload and payload["iat"] > now_ts + slack:
        raise VerificationError(f"the JWT claims to be issued at {_show(payload['iat'])} (iat), after {iso_z(now)}",
                                field="iat", value=payload["iat"])


def _require_ob3_claims(payload: dict[str, Any], credential: dict[str, Any]) -> None:
    """OB 3.0 #jwt-verify-credential: iss and nbf MUST be there; jti, sub and exp when id, subject id, validUntil are."""
    missing = [claim for claim in ("iss", "nbf") if claim not in payload]
    if "id" in credential and "jti" not in payload:
        missing.append("jti")
    if _single_subject_id(credential) is not None and "sub" not in payload:
        missing.append("sub")
    if _date_names(credential)[1] in credential and "exp" not in payload:
        missing.append("exp")
    if missing:
        raise VerificationError(f"the Open Badges 3.0 JWT lacks the required claim(s) {missing} "
                                "(OB 3.0 #jwt-verify-credential)", field=missing[0])


def _check_claim_dates(payload: dict[str, Any], credential: dict[str, Any]) -> None:
    """OB 3.0 #jwt-verify-credential: nbf MUST equal validFrom, exp sets validUntil; a contradiction is refused."""
    start_name, end_name = _date_names(credential)
    for claim, name in (("nbf", start_name), ("exp", end_name)):
        if claim not in payload or name not in credential:
            continue
        moment = parse_xsd_datetime(credential[name])
        if moment is None or math.floor(moment.timestamp()) != math.floor(payload[claim]):
            raise VerificationError(f"{claim} claim {_show(payload[claim])} does not match {name} "
                                    f"{credential[name]!r}", field=claim, value=payload[claim])


# --- small helpers ------------------------------------------------------------------------------

def _single_subject_id(credential: dict[str, Any]) -> str | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    value = subject.get("id") if isinstance(subject, dict) else None
    return value if isinstance(value, str) else None


def _date_names(credential: dict[str, Any]) -> tuple[str, str]:
    """VC 1.1 credentials use issuanceDate/expirationDate, VC 2.0 validFrom/validUntil."""
    if {"validFrom", "validUntil"} & credential.keys():
        return "validFrom", "validUntil"
    if {"issuanceDate", "expirationDate"} & credential.keys():
        return "issuanceDate", "expirationDate"
    context = credential.get("@context")
    contexts = context if isinstance(context, list) else [context]
    return ("validFrom", "validUntil") if VC_V2_CONTEXT in contexts else ("issuanceDate", "expirationDate")


def _is_numeric_date(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _from_numeric(value: float, claim: str) -> datetime:
    try:
        return datetime.fromtimestamp(value, timezone.utc)
    except (OverflowError, OSError, ValueError) as exc:
        raise VerificationError(f"{claim} claim {value!r} is out of range", field=claim, value=value) from exc


def _show(value: float) -> str:
    try:
        return iso_z(datetime.fromtimestamp(value, timezone.utc))
    except (OverflowError, OSError, ValueError):
        return repr(value)

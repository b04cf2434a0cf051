"""Verifying an SD-JWT VC and its key binding JWT: every refusal a named check, never an exception.

Checks, in order (`checks.CheckId`):

* `proof`: the issuer JWT: `typ` dc+sd-jwt, alg on the allow-list, the key its `kid`
  names (resolved through the verifier's resolver: a DID URL as is, a bare kid as
  `{iss}#{kid}`, see `jwks_resolver` for a jwt-vc-issuer metadata document), the
  signature, and `iss`, `vct`, `_sd_alg` (sha-256 only).
* `issuer.binding`: the key belongs to `iss`.
* `validity`: `exp`, `nbf`, `iat` against now, with the clock skew.
* `disclosures`: every disclosure is referenced by exactly one digest, none twice, no
  reserved name (`_sd`, `...`), no claim SD-JWT VC forbids to hide, no claim disclosed
  over one the issuer stated in the clear.
* `key-binding` (`check_key_binding`): the KB-JWT's typ, signature by `cnf.jwk`, `aud`,
  `nonce`, a fresh `iat` and `sd_hash`.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import jsonschema  # type: ignore[import-untyped,unused-ignore]

from ..checks import CheckId
from ..crypto.issuer_keys import public_jwk_problem, self_certified_key
from ..crypto.keys import KeyPair
from ..errors import EdcIssuerError, VerificationError
from ..models.elements import Elements
from ..results import CheckResult
from ..time import CLOCK_SKEW, iso_z
from .claims import EDC_VCT, EUDI_VCT, elements_from_claims, withheld
from .core import (
    LEGACY_TYPS,
    NEVER_SELECTIVE,
    RESERVED_NAMES,
    SD_ALG,
    TYP_KB_JWT,
    TYP_SD_JWT_VC,
    Disclosure,
    Jws,
    check_alg,
    check_signature,
    media_type,
    parse_disclosure,
    read_jws,
    sd_hash,
    split_compact,
)
from .typemeta import claims_schema

KeyResolver = Callable[[str], KeyPair]
#: how old a key binding JWT may be (its iat), beyond the clock skew
KB_MAX_AGE = timedelta(minutes=5)
SD_JWT_KIND = "sd-jwt"


@dataclass(frozen=True)
class SdJwtVerification:
    """The checks on an SD-JWT VC, and what they established (claims only when authentic)."""

    checks: tuple[CheckResult, ...]
    claims: dict[str, Any] | None = None       # the processed claim set: disclosed claims, no `_sd`
    header: dict[str, Any] = field(default_factory=dict)
    key: KeyPair | None = None
    verification_method: str | None = None
    issuer: str | None = None
    undisclosed: int = 0                       # digests no disclosure opened (withheld claims or decoys)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)


def _fail(check: str, exc: VerificationError, **details: Any) -> CheckResult:
    return CheckResult(check, False, exc.message, {**details, "field": exc.field})


def verify_sd_jwt_vc(text: Any, *, resolver: KeyResolver | None, now: datetime,
                     clock_skew: timedelta = CLOCK_SKEW) -> SdJwtVerification:
    """Check the issuer part of an SD-JWT VC (signature, times, disclosures); KB-JWT: `check_key_binding`."""
    try:
        jwt, encoded, _ = split_compact(text)
        jws = read_jws(jwt, "SD-JWT")
    except VerificationError as exc:
        return SdJwtVerification((_fail(CheckId.PROOF, exc),))
    header, payload = jws.header, jws.payload
    info: dict[str, Any] = {"alg": header.get("alg"), "kid": header.get("kid"), "typ": header.get("typ")}
    try:
        alg = check_alg(header, "SD-JWT")
        typ = media_type(header.get("typ"))
        if typ != TYP_SD_JWT_VC and typ not in LEGACY_TYPS:
            raise VerificationError(f"typ {header.get('typ')!r} is not {TYP_SD_JWT_VC!r}: not an SD-JWT VC",
                                    field="typ", value=header.get("typ"))
        issuer = payload.get("iss")
        if not isinstance(issuer, str) or not issuer:
            raise VerificationError("the SD-JWT VC has no iss (issuer) claim", field="iss")
        if not isinstance(payload.get("vct"), str) or not payload["vct"]:
            raise VerificationError("the SD-JWT VC has no vct (type) claim", field="vct")
        if payload.get("_sd_alg", SD_ALG) != SD_ALG:
            raise VerificationError(f"_sd_alg {payload.get('_sd_alg')!r} is not supported (only {SD_ALG})",
                                    field="_sd_alg", value=payload.get("_sd_alg"))
        key, vm = _issuer_key(header, issuer, resolver)
        check_signature(jws, key, alg, "SD-JWT")
    except VerificationError as exc:
        return SdJwtVerification((_fail(CheckId.PROOF, exc, **info),), header=header)
    proof = CheckResult(CheckId.PROOF, True, f"SD-JWT VC signature ({alg}) by {vm} is valid",
                        {**info, "vct": payload["vct"]})
    binding = CheckResult(CheckId.ISSUER_BINDING, True, f"signed with a key of the issuer {issuer} ({vm})",
                          {"issuer": issuer, "verificationMethod": vm})
    validity = _check_times(payload, now, clock_skew)
    undisclosed = 0
    claims: dict[str, Any] | None = None
    try:
        claims, undisclosed = _disclose(payload, [parse_disclosure(d) for d in encoded])
        disclosed = CheckResult(CheckId.DISCLOSURES, True,
                                f"{len(encoded)} disclosure(s), each referenced once by the signed digests",
                                {"disclosed": sorted(_names(encoded)), "undisclosed": undisclosed})
    except VerificationError as exc:
        disclosed = _fail(CheckId.DISCLOSURES, exc)
    except RecursionError:
        disclosed = CheckResult(CheckId.DISCLOSURES, False, "the claims are nested too deeply to be a credential",
                                {"field": "disclosures"})
    return SdJwtVerification((proof, binding, validity, disclosed), claims if disclosed.passed else None, header,
                             key, vm, issuer, undisclosed)


def _names(encoded: list[str]) -> list[str]:
    return [d.name for d in (parse_disclosure(e) for e in encoded) if d.name is not None]


def _issuer_key(header: dict[str, Any], issuer: str, resolver: KeyResolver | None) -> tuple[KeyPair, str]:
    """The key the header names, tied to `iss`: a kid (a DID URL, or bare: `{iss}#{kid}`), else did:key/jwk."""
    kid = header.get("kid")
    if "jwk" in header or "x5c" in header:
        raise VerificationError("the SD-JWT names its key by jwk/x5c; this verifier resolves a kid of the issuer",
                                field="kid")
    if kid is None:
        try:
            own = self_certified_key(issuer)
        except EdcIssuerError as exc:
            raise VerificationError(f"the issuer {issuer!r} is not a valid DID: {exc.message}", field="iss") from exc
        if own is None:
            raise VerificationError("the SD-JWT header has no kid naming the issuer's key", field="kid")
        return own[1], own[0]
    if not isinstance(kid, str) or not kid:
        raise VerificationError("the SD-JWT header kid must be a non-empty string", field="kid")
    vm = kid if ":" in kid else f"{issuer}#{kid}"
    if vm.partition("#")[0] != issuer:
        raise VerificationError(f"kid {kid!r} is not a key of the issuer {issuer!r}", field="kid", value=kid)
    if resolver is None:
        raise VerificationError(f"no key resolution configured for {vm}", field="kid", value=kid)
    try:
        return resolver(vm), vm
    except EdcIssuerError as exc:
        raise VerificationError(f"cannot resolve the issuer key {vm!r}: {exc.message}", field="kid",
                                value=kid) from exc


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _when(value: float) -> str:
    try:
        return iso_z(datetime.fromtimestamp(value, timezone.utc))
    except (OverflowError, OSError, ValueError):
        return repr(value)


def _check_times(payload: dict[str, Any], now: datetime, skew: timedelta) -> CheckResult:
    at, slack = now.timestamp(), skew.total_seconds()
    problems = []
    for claim in ("exp", "nbf", "iat"):
        if claim in payload and not _numeric(payload[claim]):
            problems.append(f"{claim} {payload[claim]!r} is not a NumericDate")
    if not problems:
        if "exp" in payload and payload["exp"] < at - slack:
            problems.append(f"expired at {_when(payload['exp'])} (exp)")
        if "nbf" in payload and payload["nbf"] > at + slack:
            problems.append(f"not valid before {_when(payload['nbf'])} (nbf)")
        if "iat" in payload and payload["iat"] > at + slack:
            problems.append(f"issued in the future, at {_when(payload['iat'])} (iat)")
    details = {k: payload[k] for k in ("iat", "nbf", "exp") if k in payload} | {"now": iso_z(now)}
    if problems:
        return CheckResult(CheckId.VALIDITY, False, "; ".join(problems), details)
    return CheckResult(CheckId.VALIDITY, True, "within its validity period (iat, nbf, exp)", details)


def _disclose(payload: dict[str, Any], disclosures: list[Disclosure]) -> tuple[dict[str, Any], int]:
    """The claim set with every disclosure put in place (RFC 9901 §7.1 steps 3-5), and the unopened count."""
    by_digest: dict[str, Disclosure] = {}
    for d in disclosures:
        if d.digest in by_digest:
            raise VerificationError(f"disclosure for {d.name or 'an array element'!r} is given twice",
                                    field="disclosures")
        by_digest[d.digest] = d
    used: set[str] = set()
    unopened = [0]

    def take(digest: Any) -> Disclosure | None:
        if not isinstance(digest, str):
            raise VerificationError("a digest in _sd or '...' is not a string", field="_sd")
        if digest in used:
            raise VerificationError("a digest is referenced more than once", field="_sd")
        found = by_digest.get(digest)
        if found is None:
            unopened[0] += 1
            return None
        used.add(digest)
        return found

    def walk(node: Any, top: bool) -> Any:
        if isinstance(node, dict):
            out = {k: walk(v, False) for k, v in node.items() if k not in ("_sd", "_sd_alg" if top else "_sd")}
            digests = node.get("_sd", [])
            if not isinstance(digests, list):
                raise VerificationError("_sd is not an array of digests", field="_sd")
            for digest in digests:
                found = take(digest)
                if found is None:
                    continue
                if found.name is None:
                    raise VerificationError("an array-element disclosure is referenced from _sd", field="_sd")
                if found.name in RESERVED_NAMES:
                    raise VerificationError(f"a disclosure uses the reserved name {found.name!r}",
                                            field="disclosures")
                if top and found.name in NEVER_SELECTIVE:
                    raise VerificationError(f"claim {found.name!r} must not be disclosed selectively (SD-JWT VC)",
                                            field=found.name)
                if found.name in out:
                    raise VerificationError(f"disclosed claim {found.name!r} is also in the clear: ambiguous",
                                            field=found.name)
                out[found.name] = walk(found.value, False)
            return out
        if isinstance(node, list):
            items = []
            for item in node:
                if isinstance(item, dict) and set(item) == {"..."}:
                    found = take(item["..."])
                    if found is None:
                        continue
                    if found.name is not None:
                        raise VerificationError(f"claim disclosure {found.name!r} is referenced as an array "
                                                "element", field="disclosures")
                    items.append(walk(found.value, False))
                else:
                    items.append(walk(item, False))
            return items
        return node

    claims = walk(payload, True)
    stray = [d for digest, d in by_digest.items() if digest not in used]
    if stray:
        names = ", ".join(repr(d.name or "array element") for d in stray)
        raise VerificationError(f"disclosure(s) {names} are referenced by no digest the issuer signed",
                                field="disclosures")
    return claims, unopened[0]


def check_key_binding(presentation: str, claims: Mapping[str, Any] | None, *, audience: str | None,
                      nonce: str | None, now: datetime, clock_skew: timedelta = CLOCK_SKEW,
                      max_age: timedelta = KB_MAX_AGE) -> CheckResult | None:
    """The `key-binding` check of a presentation; None when it has no KB-JWT and the verifier expects none.

    `claims` is the verified claim set (`SdJwtVerification.claims`: its `cnf.jwk` is the holder key).
    """
    try:
        _, _, kb = split_compact(presentation)
    except VerificationError as exc:
        return _fail(CheckId.KEY_BINDING, exc)
    if kb is None:
        if audience is None and nonce is None:
            return None
        return CheckResult(CheckId.KEY_BINDING, False, "the verifier expects a key binding JWT (nonce/audience "
                           "given) but the SD-JWT carries none: anyone holding a copy could present it",
                           {"field": "kb-jwt"})
    text = presentation.strip()
    try:
        _key_binding(text[:len(text) - len(kb)], claims, kb, audience, nonce, now, clock_skew, max_age)
    except VerificationError as exc:
        return _fail(CheckId.KEY_BINDING, exc)
    return CheckResult(CheckId.KEY_BINDING, True, f"key binding JWT signed by the holder's key (cnf), for "
                       f"{audience} with the expected nonce", {"aud": audience})


def _key_binding(prefix: str, verified: Mapping[str, Any] | None, kb: str, audience: str | None,
                 nonce: str | None, now: datetime, skew: timedelta, max_age: timedelta) -> None:
    if audience is None or nonce is None:
        raise VerificationError("the SD-JWT carries a key binding JWT but the verifier gave no audience and nonce "
                                "to check it against (--domain, --challenge): a replay cannot be told apart",
                                field="nonce")
    if verified is None:
        raise VerificationError("the SD-JWT itself did not verify, so its holder key is unknown", field="cnf")
    jws: Jws = read_jws(kb, "KB-JWT")
    alg = check_alg(jws.header, "KB-JWT")
    if media_type(jws.header.get("typ")) != TYP_KB_JWT:
        raise VerificationError(f"KB-JWT typ {jws.header.get('typ')!r} is not {TYP_KB_JWT!r}", field="typ")
    cnf = verified.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, Mapping) else None
    problem = public_jwk_problem(jwk)
    if jwk is None or problem:
        raise VerificationError("the SD-JWT names no usable holder key (cnf.jwk" + (f" {problem})" if problem
                                                                                 else ")"), field="cnf")
    try:
        holder = KeyPair.from_jwk(dict(jwk)).public_only()
    except EdcIssuerError as exc:
        raise VerificationError(f"cnf.jwk is not a usable public key: {exc.message}", field="cnf") from exc
    check_signature(jws, holder, alg, "KB-JWT")
    claims = jws.payload
    if claims.get("aud") != audience:
        raise VerificationError(f"KB-JWT aud {claims.get('aud')!r} is not this verifier ({audience!r})",
                                field="aud", value=claims.get("aud"))
    if claims.get("nonce") != nonce:
        raise VerificationError("KB-JWT nonce is not the one this verifier sent: a replayed presentation",
                                field="nonce")
    iat = claims.get("iat")
    if not _numeric(iat) or iat is None:
        raise VerificationError("KB-JWT has no NumericDate iat", field="iat")
    iat = float(iat)
    at = now.timestamp()
    if iat > at + skew.total_seconds() or iat < at - (max_age + skew).total_seconds():
        raise VerificationError(f"KB-JWT iat {_when(iat)} is not within {max_age} of now ({iso_z(now)})",
                                field="iat", value=iat)
    if claims.get("sd_hash") != sd_hash(prefix):
        raise VerificationError("KB-JWT sd_hash does not match the presentation: disclosures were added, "
                                "removed or changed after the holder signed", field="sd_hash")


def jwks_resolver(metadata: Mapping[str, Any], *, issuer: str | None = None) -> KeyResolver:
    """A resolver from a jwt-vc-issuer metadata document (`{issuer, jwks: {keys: [...]}}`) given locally.

    It answers `{issuer}#{kid}` for every key with a kid; the document's `issuer` must be
    `issuer` when one is given (SD-JWT VC §5: the metadata of exactly that issuer).
    """
    stated = metadata.get("issuer")
    if not isinstance(stated, str) or (issuer is not None and stated != issuer):
        raise VerificationError(f"the issuer metadata is for {stated!r}, not {issuer!r}", field="issuer")
    jwks = metadata.get("jwks")
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list):
        raise VerificationError("the issuer metadata has no jwks.keys", field="jwks")
    table: dict[str, KeyPair] = {}
    for jwk in keys:
        if isinstance(jwk, Mapping) and isinstance(jwk.get("kid"), str) and public_jwk_problem(dict(jwk)) is None:
            table[f"{stated}#{jwk['kid']}"] = KeyPair.from_jwk({k: v for k, v in jwk.items()
                                                                if k in ("kty", "crv", "x", "y", "n", "e")})

    def resolve(vm: str) -> KeyPair:
        try:
            return table[vm]
        except KeyError as exc:
            raise VerificationError(f"{vm} is not in the issuer's jwks", field="kid", value=vm) from exc
    return resolve


def issuer_metadata(issuer: str, keys: Mapping[str, KeyPair]) -> dict[str, Any]:
    """The jwt-vc-issuer metadata document (`/.well-known/jwt-vc-issuer`) for `kid -> key`."""
    return {"issuer": issuer, "jwks": {"keys": [{**k.public_only().to_jwk(), "kid": kid} for kid, k in keys.items()]}}


def conformance_check(claims: Mapping[str, Any]) -> CheckResult:
    """The `conformance` check: the disclosed claim set against the JSON Schema of its type (typemeta)."""
    vct = claims.get("vct")
    if vct not in (EDC_VCT, EUDI_VCT):
        return CheckResult(CheckId.CONFORMANCE, False, f"no JSON Schema is known for the type {vct!r}: its "
                           f"claims cannot be read as a micro-credential (types known: {EDC_VCT}, {EUDI_VCT})",
                           {"vct": vct})
    validator = jsonschema.Draft202012Validator(claims_schema(str(vct)), format_checker=jsonschema.FormatChecker())
    found = validator.iter_errors(dict(claims))  # type: ignore[no-untyped-call,unused-ignore]
    errors = sorted(found, key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        shown = "; ".join(f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
                          for e in errors[:5])
        return CheckResult(CheckId.CONFORMANCE, False, f"the disclosed claims do not match the schema of {vct}: "
                           f"{shown}", {"vct": vct, "errors": len(errors)})
    return CheckResult(CheckId.CONFORMANCE, True, f"the disclosed claims match the JSON Schema of {vct}", {"vct": vct})


def disclosed_elements_check(claims: Mapping[str, Any], undisclosed: int = 0) -> tuple[CheckResult, Elements]:
    """The `elements` check of disclosed claims: withheld elements are reported, not counted missing.

    Details carry `withheld` (Annex I elements the holder chose not to show) and
    `withheldClaims` (mandatory selectively disclosable claims not disclosed), so a
    recognition policy can require some to be disclosed.
    """
    data = dict(claims)
    elements = elements_from_claims(data)
    vct = data.get("vct") if isinstance(data.get("vct"), str) else ""
    claim_names, element_names = withheld(data, str(vct))
    missing = [m for m in elements.missing() if m not in element_names]
    details: dict[str, Any] = {"sources": elements.sources, "withheld": element_names,
                               "withheldClaims": claim_names, "undisclosed": undisclosed}
    if missing:
        return CheckResult(CheckId.ELEMENTS, False, "missing mandatory element(s): " + "; ".join(missing),
                           {**details, "missing": missing}), elements
    if element_names:
        return CheckResult(CheckId.ELEMENTS, True, "every mandatory element was issued; withheld by the holder: "
                           + "; ".join(element_names), details), elements
    return CheckResult(CheckId.ELEMENTS, True, "all eleven mandatory elements disclosed", details), elements

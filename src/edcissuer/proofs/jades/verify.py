"""JAdES e-seal for EDCs (ETSI TS 119 182-1) and its verification at the signing time.

The EU's EDCI issuer seals a European Digital Credential as a JWS in JSON general
serialization, enveloping, with an unencoded payload (RFC 7797, `b64: false`): the signing
input is ASCII(protected_b64url) + "." + UTF-8(payload JSON text). `seal()` produces that
shape at baseline B (the levels above need a TSA and revocation data, which are out of
scope); `verify_seal()` checks our seals and the EU's own (baseline LTA) ones.

A seal is judged at its signing time `sigT`, not "now": EU seal certificates last two
years while a credential lasts a lifetime. See docs/jades.md for what is and is not checked.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp

from edcissuer.crypto.multibase import b64url_encode
from edcissuer.crypto.x509 import (
    SealIdentity,
    SealPrivateKey,
    TimestampToken,
    as_utc,
    check_seal_key_usage,
    check_validity,
    describe,
    issuer_serial_der,
    iso_z,
    parse_certificate,
    parse_issuer_serial,
    parse_timestamp_token,
    sha256_thumbprint,
    verify_chain,
)
from edcissuer.errors import SigningError, VerificationError
from edcissuer.results import CheckResult

from ..jose import b64url_decode_canonical, loads_strict


@dataclass(frozen=True)
class _Alg:
    family: str  # "RS" (PKCS#1 v1.5), "PS" (RSASSA-PSS), "ES" (ECDSA, raw r||s)
    hash: type[hashes.HashAlgorithm]
    curve: type[ec.EllipticCurve] | None = None
    coord: int = 0  # bytes per ECDSA coordinate


ALGORITHMS: dict[str, _Alg] = {
    "RS256": _Alg("RS", hashes.SHA256), "RS384": _Alg("RS", hashes.SHA384), "RS512": _Alg("RS", hashes.SHA512),
    "PS256": _Alg("PS", hashes.SHA256), "PS384": _Alg("PS", hashes.SHA384), "PS512": _Alg("PS", hashes.SHA512),
    "ES256": _Alg("ES", hashes.SHA256, ec.SECP256R1, 32),
    "ES384": _Alg("ES", hashes.SHA384, ec.SECP384R1, 48),
    "ES512": _Alg("ES", hashes.SHA512, ec.SECP521R1, 66),
}
"""Asymmetric JWA algorithms accepted; `none` and HMAC can never seal for an organisation."""

DEFAULT_CONTENT_TYPE = "octet-stream"  # what the EU's EDCI issuer writes in `cty`
LEVELS = ("B", "T", "LT", "LTA")

# crit names whose processing we implement. Anything else listed in crit fails the seal.
_UNDERSTOOD_CRIT = frozenset({"b64", "sigT", "adoTst"})
# JAdES signed header parameters that TS 119 182-1 requires to be listed in crit when present.
_JADES_SIGNED = frozenset({"sigT", "adoTst", "sigX5ts", "x5t#o", "srCms", "sigPl", "srAts", "sigPId", "sigD"})
# RFC 7515 4.1.11: names defined by JWS/JWA must not appear in crit.
_JWS_REGISTERED = frozenset({"alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit"})
_SIGT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_CLOCK_SKEW = timedelta(minutes=5)


# --------------------------------------------------------------------------- encodings


_b64u = b64url_encode


# --------------------------------------------------------------------------- sealing


def default_alg(key: SealPrivateKey) -> str:
    """RS256 for RSA keys (as the EU seals), ES256 for P-256 keys."""
    return "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256"


def _key_mismatch(key: object, alg: str, spec: _Alg) -> str | None:
    """Why `key` cannot be used with `alg`, or None when it fits."""
    if spec.family in ("RS", "PS"):
        if not isinstance(key, rsa.RSAPublicKey):
            return f"{alg} needs an RSA key, the certificate holds {type(key).__name__}"
        if key.key_size < 2048:
            return f"RSA key of {key.key_size} bits is too small (2048 minimum)"
        return None
    if not isinstance(key, ec.EllipticCurvePublicKey) or spec.curve is None or not isinstance(key.curve, spec.curve):
        return f"{alg} needs an EC key on {spec.curve.name if spec.curve else '?'}"
    return None


def _sign(key: SealPrivateKey, spec: _Alg, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        pad: padding.AsymmetricPadding = (
            padding.PKCS1v15() if spec.family == "RS"
            else padding.PSS(mgf=padding.MGF1(spec.hash()), salt_length=padding.PSS.DIGEST_LENGTH))
        return key.sign(data, pad, spec.hash())
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(spec.hash())))
    return r.to_bytes(spec.coord, "big") + s.to_bytes(spec.coord, "big")


def seal(
    credential: dict[str, Any],
    identity: SealIdentity,
    *,
    signing_time: datetime,
    alg: str | None = None,
    content_type: str = DEFAULT_CONTENT_TYPE,
    include_chain: bool = True,
) -> dict[str, Any]:
    """JAdES baseline-B seal of `credential`: the JWS JSON object, ready to write as the EDC file.

    The header mirrors EDCI's (alg, cty, kid = IssuerSerial, x5t#S256, x5c, typ, b64, sigT,
    crit). Refuses (SigningError) a certificate that is not valid at `signing_time` or not
    meant for sealing, so we never produce a seal that fails its own verification.
    """
    if not isinstance(credential, dict):
        raise SigningError("the credential to seal must be a JSON object", field="credential")
    name = alg or default_alg(identity.private_key)
    spec = ALGORITHMS.get(name)
    if spec is None:
        raise SigningError(f"unsupported alg {name!r}; use one of {', '.join(ALGORITHMS)}", field="alg", value=name)
    cert = identity.certificate
    mismatch = _key_mismatch(identity.private_key.public_key(), name, spec)
    if mismatch:
        raise SigningError(mismatch, field="alg", value=name)
    try:
        check_validity(cert, signing_time)
        check_seal_key_usage(cert)
    except VerificationError as exc:
        raise SigningError(f"refusing to seal: {exc.message}", field=exc.field, value=exc.value) from exc
    chain = [cert, *identity.chain] if include_chain else [cert]
    header = {
        "alg": name,
        "cty": content_type,
        "kid": base64.b64encode(issuer_serial_der(cert)).decode("ascii"),
        "x5t#S256": _b64u(sha256_thumbprint(cert)),
        "x5c": [base64.b64encode(c.public_bytes(Encoding.DER)).decode("ascii") for c in chain],
        "typ": "jose+json",
        "b64": False,
        "sigT": iso_z(signing_time),
        "crit": ["b64", "sigT"],
    }
    try:
        payload = json.dumps(credential, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SigningError(f"credential is not plain JSON: {exc}", field="credential") from exc
    protected = _b64u(json.dumps(header, separators=(",", ":")).encode("utf-8"))
    signature = _sign(identity.private_key, spec, protected.encode("ascii") + b"." + payload.encode("utf-8"))
    return {"payload": payload, "signatures": [{"protected": protected, "signature": _b64u(signature)}]}


# --------------------------------------------------------------------------- detection and parsing


def _as_object(obj: Any) -> Any:
    if isinstance(obj, (str, bytes)):
        try:
            return loads_strict(obj)
        except ValueError:
            return None
    return obj


def _signature_entries(obj: Any) -> list[Any] | None:
    """The signature objects of a general or flattened JWS JSON serialization."""
    if not isinstance(obj, dict) or not isinstance(obj.get("payload"), str):
        return None
    if isinstance(obj.get("signatures"), list):
        return list(obj["signatures"])
    if "signature" in obj and "protected" in obj:
        return [{k: obj[k] for k in ("protected", "header", "signature") if k in obj}]
    return None


def is_jades(obj: Any) -> bool:
    """True for a JWS JSON object (dict or its text) whose protected header names an `alg`.

    Deliberately loose: a broken JAdES should reach verify_seal() and get named failures.
    """
    entries = _signature_entries(_as_object(obj))
    if not entries or not isinstance(entries[0], dict) or not isinstance(entries[0].get("protected"), str):
        return False
    try:
        header = loads_strict(b64url_decode_canonical(entries[0]["protected"]))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and "alg" in header


@dataclass
class _Jws:
    """One parsed signature with everything the checks need."""

    protected_b64: str
    header: dict[str, Any]
    unprotected: dict[str, Any]
    signed_payload: bytes  # the payload part of the signing input, as signed
    signature_b64: str
    credential: dict[str, Any]
    certificates: list[x509.Certificate]
    signing_time: datetime

    @property
    def signing_input(self) -> bytes:
        return self.protected_b64.encode("ascii") + b"." + self.signed_payload


def _parse(obj: Any, now: datetime) -> tuple[_Jws | None, list[str], dict[str, Any]]:
    """Parse and check the structure; returns (jws or None, problems, details)."""
    details: dict[str, Any] = {}
    doc = _as_object(obj)
    entries = _signature_entries(doc)
    if entries is None:
        return None, ["not a JWS JSON serialization (needs a 'payload' string and 'signatures')"], details
    if len(entries) != 1:
        return None, [f"expected exactly one signature, found {len(entries)}"], details
    entry = entries[0]
    if not isinstance(entry, dict) or not isinstance(entry.get("protected"), str) \
            or not isinstance(entry.get("signature"), str):
        return None, ["signature entry needs 'protected' and 'signature' strings"], details
    try:
        header = loads_strict(b64url_decode_canonical(entry["protected"]))
    except (ValueError, UnicodeDecodeError) as exc:
        return None, [f"protected header is not base64url JSON: {exc}"], details
    if not isinstance(header, dict):
        return None, ["protected header is not a JSON object"], details
    unprotected = entry.get("header", {})
    if not isinstance(unprotected, dict):
        return None, ["unprotected 'header' is not a JSON object"], details
    details.update({k: header[k] for k in ("alg", "typ", "cty", "sigT", "crit", "b64") if k in header})

    problems = _header_problems(header, unprotected)
    payload_text: str = doc["payload"]
    b64 = header.get("b64", True)
    signed_payload = payload_text.encode("utf-8")
    credential: Any = None
    try:
        credential = loads_strict(payload_text if b64 is False else b64url_decode_canonical(payload_text))
    except (ValueError, UnicodeDecodeError) as exc:
        problems.append(f"payload is not {'JSON' if b64 is False else 'base64url JSON'}: {exc}")
    if credential is not None and not isinstance(credential, dict):
        problems.append("payload is not a JSON object")
    certs = _x5c(header, problems)
    signing_time = _signing_time(header, now, problems)
    if problems or signing_time is None or not isinstance(credential, dict):
        return None, problems or ["malformed seal"], details
    return _Jws(entry["protected"], header, unprotected, signed_payload, entry["signature"], credential,
                certs, signing_time), [], details


def _header_problems(header: dict[str, Any], unprotected: dict[str, Any]) -> list[str]:
    """crit, b64 and placement rules of RFC 7515/7797 and TS 119 182-1."""
    problems = []
    overlap = set(header) & set(unprotected)
    if overlap:
        problems.append(f"header parameters {sorted(overlap)} appear both protected and unprotected")
    crit = header.get("crit", [])
    well_formed = (isinstance(crit, list) and (crit or "crit" not in header)
                   and all(isinstance(c, str) and c for c in crit) and len(set(crit)) == len(crit))
    if not well_formed:
        return [*problems, "crit must be a non-empty list of distinct header names"]
    for name in crit:
        if name in _JWS_REGISTERED:
            problems.append(f"crit lists '{name}', a JWS-defined name that must not be critical")
        elif name not in header:
            problems.append(f"crit lists '{name}' but the protected header does not contain it")
        elif name not in _UNDERSTOOD_CRIT:
            problems.append(f"unsupported critical header parameter '{name}'")
    b64 = header.get("b64", True)
    if not isinstance(b64, bool):
        problems.append("b64 must be a boolean")
    elif b64 is False and "b64" not in crit:
        problems.append("missing crit entry 'b64' (RFC 7797 requires it with b64=false)")
    for name in sorted(_JADES_SIGNED & set(header) - set(crit)):
        problems.append(f"missing crit entry '{name}' (TS 119 182-1 requires it)")
    return problems


def _x5c(header: dict[str, Any], problems: list[str]) -> list[x509.Certificate]:
    chain = header.get("x5c")
    if not isinstance(chain, list) or not chain:
        problems.append("x5c missing: the seal certificate must be embedded")
        return []
    certs = []
    for i, item in enumerate(chain):
        try:
            certs.append(parse_certificate(base64.b64decode(item, validate=True)))
        except (TypeError, ValueError, binascii.Error) as exc:
            problems.append(f"x5c[{i}] is not a base64 DER certificate: {exc}")
        except VerificationError as exc:
            problems.append(f"x5c[{i}] is not a base64 DER certificate: {exc.message}")
    return certs


def _signing_time(header: dict[str, Any], now: datetime, problems: list[str]) -> datetime | None:
    sig_t = header.get("sigT")
    if not isinstance(sig_t, str) or not _SIGT.match(sig_t):
        problems.append("sigT missing or not UTC 'YYYY-MM-DDThh:mm:ssZ' (required at baseline B)")
        return None
    try:
        moment = datetime.strptime(sig_t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        problems.append(f"sigT {sig_t!r} is not a valid date-time")
        return None
    if moment > as_utc(now) + _CLOCK_SKEW:
        problems.append(f"sigT {sig_t} lies in the future (now is {iso_z(now)})")
    return moment


# --------------------------------------------------------------------------- checks


def verify_seal(
    obj: Any,
    *,
    trust_anchors: Sequence[x509.Certificate] | None,
    now: datetime,
) -> tuple[list[CheckResult], dict[str, Any] | None]:
    """Check a JAdES seal; returns the named checks and the sealed credential.

    Checks: seal.structure, seal.signature, seal.certificate (key usage, validity at sigT),
    seal.chain (to `trust_anchors` at sigT; without anchors it fails as "unchecked"),
    seal.timestamps (etsiU attributes, JAdES level). Never raises for a bad seal. The
    credential is None when the structure is broken; otherwise it is returned even when a
    later check fails, so callers must decide on the checks, not on the credential.
    """
    jws, problems, details = _parse(obj, now)
    if jws is None:
        return [CheckResult("seal.structure", False, "; ".join(problems), details)], None
    structure = CheckResult(
        "seal.structure", True,
        f"JWS JSON serialization, {'unencoded' if jws.header.get('b64') is False else 'base64url'} payload, "
        f"crit {jws.header.get('crit', [])} understood", details)
    checks = [structure, _check_signature(jws), _check_certificate(jws, now), _check_chain(jws, trust_anchors),
              _check_timestamps(jws)]
    return checks, jws.credential


def _check_signature(jws: _Jws) -> CheckResult:
    name = "seal.signature"
    alg = jws.header.get("alg")
    spec = ALGORITHMS.get(alg) if isinstance(alg, str) else None
    if spec is None or not isinstance(alg, str):
        return CheckResult(name, False, f"alg {alg!r} is not allowed for a seal (allowed: {', '.join(ALGORITHMS)})",
                           {"alg": alg})
    cert = jws.certificates[0]
    key = cert.public_key()
    mismatch = _key_mismatch(key, alg, spec)
    if mismatch:
        return CheckResult(name, False, f"x5c[0] key does not fit alg: {mismatch}", {"alg": alg})
    try:
        signature = b64url_decode_canonical(jws.signature_b64)
    except ValueError:
        return CheckResult(name, False, "signature is not base64url", {"alg": alg})
    details = {"alg": alg, "key": describe(cert)}
    try:
        if isinstance(key, rsa.RSAPublicKey):
            pad: padding.AsymmetricPadding = (
                padding.PKCS1v15() if spec.family == "RS"
                else padding.PSS(mgf=padding.MGF1(spec.hash()), salt_length=padding.PSS.DIGEST_LENGTH))
            key.verify(signature, jws.signing_input, pad, spec.hash())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            if len(signature) != 2 * spec.coord:
                return CheckResult(name, False, f"{alg} signature must be {2 * spec.coord} bytes (r||s), "
                                                f"got {len(signature)}", details)
            r = int.from_bytes(signature[:spec.coord], "big")
            s = int.from_bytes(signature[spec.coord:], "big")
            key.verify(encode_dss_signature(r, s), jws.signing_input, ec.ECDSA(spec.hash()))
    except InvalidSignature:
        return CheckResult(name, False, f"{alg} signature does not verify over the protected header and payload "
                                        f"with the key of x5c[0] ('{describe(cert)}')", details)
    return CheckResult(name, True, f"{alg} signature verifies with the key of x5c[0] ('{describe(cert)}')", details)


def _check_certificate(jws: _Jws, now: datetime) -> CheckResult:
    """Seal certificate: bound by x5t#S256/kid, meant for sealing, valid at sigT."""
    cert = jws.certificates[0]
    sig_t = jws.signing_time
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    org_ids = [str(a.value) for a in cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_IDENTIFIER)]
    details: dict[str, Any] = {
        "subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(),
        "serialNumber": str(cert.serial_number), "notBefore": iso_z(start), "notAfter": iso_z(end),
        "signingTime": iso_z(sig_t), "organizationIdentifier": org_ids[0] if org_ids else None,
    }
    problems = []
    thumb = jws.header.get("x5t#S256")
    if thumb is None:
        problems.append("x5t#S256 missing: the signing certificate is not referenced (TS 119 182-1)")
    elif thumb != _b64u(sha256_thumbprint(cert)):
        problems.append("x5t#S256 does not match x5c[0]")
    details["kid"] = _kid_state(jws.header.get("kid"), cert)
    if details["kid"].startswith("mismatch"):
        problems.append("kid (IssuerSerial) does not identify x5c[0]")
    try:
        details["keyUsage"] = check_seal_key_usage(cert)
    except VerificationError as exc:
        problems.append(exc.message)
    try:
        check_validity(cert, sig_t)
    except VerificationError as exc:
        problems.append(f"not valid at signing time: {exc.message}")
    now_utc = as_utc(now)
    details["expiredNow"] = now_utc > end
    if problems:
        return CheckResult("seal.certificate", False, "; ".join(problems), details)
    about = (f"'{describe(cert)}' ({', '.join(details['keyUsage'])}; valid "
             f"{start.date().isoformat()} to {end.date().isoformat()})")
    if details["expiredNow"]:
        reason = (f"certificate expired {end.date().isoformat()} but was valid at signing time "
                  f"{iso_z(sig_t)}: {about}")
    else:
        reason = f"certificate valid at signing time {iso_z(sig_t)}: {about}"
    return CheckResult("seal.certificate", True, reason, details)


def _kid_state(kid: Any, cert: x509.Certificate) -> str:
    if kid is None:
        return "absent"
    if not isinstance(kid, str):
        return "not a string; not checked"
    try:
        raw = base64.b64decode(kid, validate=True)
        issuer, serial = parse_issuer_serial(raw)
    except (ValueError, binascii.Error):
        return "not an IssuerSerial; not checked"
    if raw == issuer_serial_der(cert) or (issuer == cert.issuer.public_bytes() and serial == cert.serial_number):
        return "IssuerSerial matches x5c[0]"
    return "mismatch: IssuerSerial names another certificate"


def _check_chain(jws: _Jws, trust_anchors: Sequence[x509.Certificate] | None) -> CheckResult:
    """Never pass silently: without anchors the chain is reported as unchecked (failed)."""
    if not trust_anchors:
        return CheckResult("seal.chain", False,
                           "no trust anchor configured: the seal certificate chain was not checked",
                           {"state": "unchecked"})
    intermediates = jws.certificates[1:] + _xvals_certificates(jws)
    try:
        path = verify_chain(jws.certificates[0], intermediates, trust_anchors, at=jws.signing_time)
    except VerificationError as exc:
        return CheckResult("seal.chain", False, exc.message,
                           {"state": "failed", "at": iso_z(jws.signing_time)})
    names = [describe(c) for c in path]
    return CheckResult("seal.chain", True,
                       f"chains to trust anchor '{names[-1]}' at signing time {iso_z(jws.signing_time)}",
                       {"state": "valid", "path": names, "at": iso_z(jws.signing_time)})


# --------------------------------------------------------------------------- etsiU and timestamps


def _etsi_u(jws: _Jws) -> tuple[list[tuple[str, Any, str | None]], list[str]]:
    """etsiU entries as (name, value, raw base64url text or None for clear JSON), plus problems."""
    raw = jws.unprotected.get("etsiU")
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], ["etsiU is not an array"]
    out: list[tuple[str, Any, str | None]] = []
    problems = []
    if len({isinstance(e, str) for e in raw}) > 1:
        problems.append("etsiU mixes base64url and clear JSON entries")
    for i, entry in enumerate(raw):
        try:
            value = loads_strict(b64url_decode_canonical(entry)) if isinstance(entry, str) else entry
        except (ValueError, UnicodeDecodeError) as exc:
            problems.append(f"etsiU[{i}] is not base64url JSON: {exc}")
            continue
        if not isinstance(value, dict) or len(value) != 1:
            problems.append(f"etsiU[{i}] is not a JSON object with one attribute")
            continue
        name, inner = next(iter(value.items()))
        out.append((name, inner, entry if isinstance(entry, str) else None))
    return out, problems


def _val(obj: Any, *path: str) -> str | None:
    """The string at `path` inside nested JSON objects, or None when anything is off."""
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj if isinstance(obj, str) else None


def _list(obj: Any) -> list[Any]:
    return obj if isinstance(obj, list) else []


def _xvals_certificates(jws: _Jws) -> list[x509.Certificate]:
    """Certificates carried in xVals: untrusted path-building candidates, nothing more."""
    certs = []
    for name, value, _ in _etsi_u(jws)[0]:
        if name != "xVals" or not isinstance(value, list):
            continue
        for item in value:
            val = _val(item, "x509Cert", "val")
            try:
                certs.append(parse_certificate(base64.b64decode(val or "", validate=True)))
            except (TypeError, ValueError, binascii.Error, VerificationError):
                continue
    return certs


def _tokens(attr: str, value: Any, expected_input: bytes | None, jws: _Jws,
            problems: list[str]) -> list[dict[str, Any]]:
    """Report each RFC 3161 token of a timestamp attribute; imprint checked when input is known."""
    items = value.get("tstTokens") if isinstance(value, dict) else None
    if not isinstance(items, list) or not items:
        problems.append(f"{attr} has no tstTokens")
        return []
    out = []
    for i, item in enumerate(items):
        val = _val(item, "val")
        if val is None:
            problems.append(f"{attr} token {i} has no 'val' string")
            continue
        try:
            token: TimestampToken = parse_timestamp_token(base64.b64decode(val, validate=True))
        except (TypeError, ValueError, binascii.Error) as exc:
            problems.append(f"{attr} token {i} unreadable: {exc}")
            continue
        except VerificationError as exc:
            problems.append(f"{attr} token {i}: {exc.message}")
            continue
        entry: dict[str, Any] = {"attribute": attr, "genTime": iso_z(token.gen_time),
                                 "tsa": describe(token.tsa_certificate) if token.tsa_certificate else None}
        if expected_input is None:
            entry["imprint"] = "not checked"
        elif token.imprint_of(expected_input) == token.message_imprint:
            entry["imprint"] = "matches"
        else:
            entry["imprint"] = "does not match"
            problems.append(f"{attr} token {i} message imprint does not match the seal")
        if token.signature_valid is True:
            entry["tsaSignature"] = "valid (embedded TSA certificate; TSA not chained to a trust anchor)"
            if token.tsa_certificate is not None:
                try:
                    check_validity(token.tsa_certificate, token.gen_time)
                except VerificationError as exc:
                    problems.append(f"{attr} token {i}: TSA {exc.message}")
        elif token.signature_valid is False:
            entry["tsaSignature"] = f"invalid: {token.problem}"
            problems.append(f"{attr} token {i}: {token.problem}")
        else:
            entry["tsaSignature"] = f"not checked: {token.problem}"
        if attr == "sigTst" and token.gen_time + _CLOCK_SKEW < jws.signing_time:
            problems.append(f"sigT {iso_z(jws.signing_time)} is later than the signature timestamp "
                            f"{iso_z(token.gen_time)}")
        out.append(entry)
    return out


def _revocation(value: Any, cert: x509.Certificate, problems: list[str]) -> dict[str, Any]:
    """Read rVals: counts, and what embedded OCSP/CRL data say about the seal certificate."""
    if not isinstance(value, dict):
        problems.append("rVals is not an object")
        return {}
    report: dict[str, Any] = {"crl": 0, "ocsp": 0, "sealCertificateStatus": []}
    problems += [f"rVals {key} is not an array" for key in ("ocspVals", "crlVals")
                 if key in value and not isinstance(value[key], list)]
    for i, item in enumerate(_list(value.get("ocspVals"))):
        try:
            resp = ocsp.load_der_ocsp_response(base64.b64decode(_val(item, "val") or "", validate=True))
            singles = list(resp.responses) if resp.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL else []
        except (TypeError, KeyError, ValueError, binascii.Error) as exc:
            problems.append(f"rVals OCSP response {i} unreadable: {exc}")
            continue
        report["ocsp"] += 1
        for single in singles:
            if single.serial_number == cert.serial_number:
                status = single.certificate_status.name.lower()
                report["sealCertificateStatus"].append(
                    f"OCSP {status} at {iso_z(single.this_update_utc)} (response not signature-checked)")
                if single.certificate_status == ocsp.OCSPCertStatus.REVOKED:
                    problems.append("embedded OCSP response says the seal certificate is revoked")
    for i, item in enumerate(_list(value.get("crlVals"))):
        try:
            crl = x509.load_der_x509_crl(base64.b64decode(_val(item, "val") or "", validate=True))
            same_issuer = crl.issuer == cert.issuer
            revoked = crl.get_revoked_certificate_by_serial_number(cert.serial_number) if same_issuer else None
        except (TypeError, KeyError, ValueError, binascii.Error) as exc:
            problems.append(f"rVals CRL {i} unreadable: {exc}")
            continue
        report["crl"] += 1
        if same_issuer:
            report["sealCertificateStatus"].append(
                f"CRL of {iso_z(crl.last_update_utc)}: {'revoked' if revoked else 'not listed'} "
                "(CRL not signature-checked)")
            if revoked is not None:
                problems.append("embedded CRL lists the seal certificate as revoked")
    return report


def _level(names: set[str]) -> str:
    if "sigTst" not in names:
        return "B"
    if not ({"xVals", "axVals"} & names and {"rVals", "arVals"} & names):
        return "T"
    return "LTA" if "arcTst" in names else "LT"


def _check_timestamps(jws: _Jws) -> CheckResult:
    """Read the unsigned attributes: which are present, their times, and the level they make."""
    components, problems = _etsi_u(jws)
    found: list[dict[str, Any]] = []
    summary: list[str] = []
    sig_b64 = jws.signature_b64.encode("utf-8")  # may be junk; then no imprint matches
    if "adoTst" in jws.header:
        found += _tokens("adoTst", jws.header["adoTst"], jws.signed_payload, jws, problems)
    preceding: list[str] = []
    all_base64 = all(raw is not None for _, _, raw in components)
    for name, value, raw in components:
        if name == "sigTst":
            found += _tokens(name, value, sig_b64, jws, problems)
        elif name == "arcTst":
            arc_input = (jws.signed_payload + b"." + jws.protected_b64.encode("ascii") + b"." + sig_b64 + b"."
                         + "".join(preceding).encode("ascii")) if all_base64 else None
            found += _tokens(name, value, arc_input, jws, problems)
        elif name == "xVals":
            if not isinstance(value, list):
                problems.append("xVals is not an array")
            summary.append(f"xVals ({len(_list(value))} certificates)")
        elif name == "rVals":
            rev = _revocation(value, jws.certificates[0], problems)
            summary.append(f"rVals ({rev.get('crl', 0)} CRL, {rev.get('ocsp', 0)} OCSP)")
            summary += rev.get("sealCertificateStatus", [])
        else:
            summary.append(f"{name} (present, not interpreted)")
        if raw is not None:
            preceding.append(raw)
    names = {n for n, _, _ in components} | ({"adoTst"} if "adoTst" in jws.header else set())
    level = _level(names)
    details: dict[str, Any] = {"level": level, "attributes": [n for n, _, _ in components],
                               "signedAttributes": ["adoTst"] if "adoTst" in jws.header else [],
                               "timestamps": found, "validationData": summary}
    times = [f"{t['attribute']} {t['genTime']}" for t in found]
    listed = ", ".join(times + summary)
    text = f"JAdES-BASELINE-{level}: " + (listed or "no timestamps or validation data (sigT is the signer's claim)")
    if problems:
        return CheckResult("seal.timestamps", False, f"{text}; problems: {'; '.join(problems)}", details)
    if found:
        complete = all(t["imprint"] == "matches" and t["tsaSignature"].startswith("valid") for t in found)
        text += ("; every timestamp imprint matches and every TSA signature verifies" if complete
                 else "; some timestamps could not be fully checked (see details)")
        text += " with the embedded TSA certificates (TSA not chained to a trust anchor)"
    if summary:
        text += "; validation data read, not validated"
    return CheckResult("seal.timestamps", True, text, details)

"""JAdES seal verification at the signing time: structure, signature, certificate, chain.

A seal is judged at its signing time `sigT`, not "now": EU seal certificates last two
years while a credential lasts a lifetime. The envelope is read once by `envelope._read`;
this module applies the JWS/JAdES header rules, verifies the signature over exactly the
bytes read, and reports the signer only when that signature verified with its key.
See docs/jades.md for what is and is not checked.
"""
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from edcissuer.checks import CheckId
from edcissuer.crypto.multibase import b64url_encode
from edcissuer.crypto.x509 import (
    check_seal_key_usage,
    check_validity,
    describe,
    issuer_serial_der,
    parse_issuer_serial,
    sha256_thumbprint,
    verify_chain,
)
from edcissuer.errors import VerificationError
from edcissuer.results import CheckResult
from edcissuer.time import CLOCK_SKEW, as_utc, iso_z, parse_xsd_datetime

from ..jose import b64url_decode_canonical
from .algorithms import ALGORITHMS, key_mismatch
from .envelope import JadesEnvelope, _read_all, _Reading
from .unsigned import check_timestamps, xvals_certificates

# crit names whose processing we implement. Anything else listed in crit fails the seal.
_UNDERSTOOD_CRIT = frozenset({"b64", "sigT", "adoTst"})
# JAdES signed header parameters that TS 119 182-1 requires to be listed in crit when present.
_JADES_SIGNED = frozenset({"sigT", "adoTst", "sigX5ts", "x5t#o", "srCms", "sigPl", "srAts", "sigPId", "sigD"})
# RFC 7515 4.1.11: names defined by JWS/JWA must not appear in crit.
_JWS_REGISTERED = frozenset({"alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit"})
_SIGT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@dataclass(frozen=True)
class SealVerification:
    """The checks, the credential read from the signed payload, and the signer they establish.

    `certificate` is x5c[0] only when the seal's signature verified with its key (the
    `proof` check passed), else None: callers deciding *who sealed* use this, never x5c as
    read. It says nothing about trust; that is the `trust.chain` check.
    """

    checks: list[CheckResult]
    credential: dict[str, Any] | None
    certificate: x509.Certificate | None
    #: per signature, in order: its x5c[0] when that signature verified, else None (a co-sealed
    #: credential has one signature per awarding body; `certificate` is the first's, the lead's)
    certificates: tuple[x509.Certificate | None, ...] = ()


@dataclass(frozen=True)
class _Jws:
    """A structurally sound seal: the envelope and its parsed signing time."""

    envelope: JadesEnvelope
    signing_time: datetime


# --------------------------------------------------------------------------- structure


def _parse(obj: Any, now: datetime, clock_skew: timedelta) -> tuple[_Jws | None, list[str], dict[str, Any]]:
    """Read the first signature and apply the header rules; returns (jws or None, problems, details)."""
    return _parse_reading(_read_all(obj)[0], now, clock_skew)


def _parse_reading(reading: _Reading, now: datetime,
                   clock_skew: timedelta) -> tuple[_Jws | None, list[str], dict[str, Any]]:
    """Apply the header rules to one signature's reading; returns (jws or None, problems, details)."""
    header = reading.header
    if header is None:
        return None, [p.message for p in reading.problems], {}
    details: dict[str, Any] = {k: header[k] for k in ("alg", "typ", "cty", "sigT", "crit", "b64") if k in header}
    problems = _header_problems(header, reading.unprotected) + [p.message for p in reading.problems]
    signing_time = _signing_time(header, now, clock_skew, problems)
    if problems or signing_time is None or reading.envelope is None:
        return None, problems or ["malformed seal"], details
    return _Jws(reading.envelope, signing_time), [], details


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


def _signing_time(header: dict[str, Any], now: datetime, clock_skew: timedelta, problems: list[str]) -> datetime | None:
    sig_t = header.get("sigT")
    if not isinstance(sig_t, str) or not _SIGT.match(sig_t):
        problems.append("sigT missing or not UTC 'YYYY-MM-DDThh:mm:ssZ' (required at baseline B)")
        return None
    moment = parse_xsd_datetime(sig_t)
    if moment is None:
        problems.append(f"sigT {sig_t!r} is not a valid date-time")
        return None
    if moment > as_utc(now) + clock_skew:
        problems.append(f"sigT {sig_t} lies in the future (now is {iso_z(now)})")
    return moment


# --------------------------------------------------------------------------- checks


def verify_seal_detailed(
    obj: Any,
    *,
    trust_anchors: Sequence[x509.Certificate] | None,
    now: datetime,
    clock_skew: timedelta = CLOCK_SKEW,
) -> SealVerification:
    """Check a JAdES seal; the named checks, the sealed credential and the verified signer.

    Checks, in order: proof.structure, proof (the signature), proof.certificate (binding, key
    usage, validity at sigT), trust.chain (to `trust_anchors` at sigT; without anchors it
    fails as "unchecked"), proof.timestamps (etsiU attributes, JAdES level). `clock_skew` is
    the tolerance for sigT in the future and for sigT after the signature timestamp.
    Never raises for a bad seal. The credential is None when the structure is broken;
    otherwise it is returned even when a later check fails, so callers must decide on the
    checks, not on the credential.

    A co-sealed credential (several signatures over one payload) gets every check per
    signature, combined: a check passes only when it passed for every signature
    (`details.signatures` lists each); `certificates` holds each signature's verified signer.
    """
    readings = _read_all(obj)
    per_signature = [_verify_signature(r, trust_anchors, now, clock_skew) for r in readings]
    if len(per_signature) == 1:
        checks, credential, cert = per_signature[0]
        return SealVerification(checks, credential, cert, (cert,))
    repeated = _repeated_sealer(readings)
    if repeated is not None:
        return SealVerification([CheckResult(CheckId.PROOF_STRUCTURE, False, repeated, {})], None, None,
                                tuple(None for _ in readings))
    checks = _combine([c for c, _, _ in per_signature])
    credentials = [cred for _, cred, _ in per_signature]
    credential = credentials[0] if all(c is not None for c in credentials) else None
    certificates = tuple(cert for _, _, cert in per_signature)
    proof = next((c for c in checks if c.name == CheckId.PROOF), None)
    lead = certificates[0] if proof is not None and proof.passed else None
    return SealVerification(checks, credential, lead, certificates)


def _verify_signature(reading: _Reading, trust_anchors: Sequence[x509.Certificate] | None, now: datetime,
                      clock_skew: timedelta) -> tuple[list[CheckResult], dict[str, Any] | None, x509.Certificate | None]:
    """The five checks of one signature, the credential it read and its signer (x5c[0] once it verified)."""
    jws, problems, details = _parse_reading(reading, now, clock_skew)
    if jws is None:
        return [CheckResult(CheckId.PROOF_STRUCTURE, False, "; ".join(problems), details)], None, None
    env = jws.envelope
    structure = CheckResult(
        CheckId.PROOF_STRUCTURE, True,
        f"JWS JSON serialization, {'unencoded' if env.header.get('b64') is False else 'base64url'} payload, "
        f"crit {env.header.get('crit', [])} understood", details)
    signature = _check_signature(env)
    checks = [structure, signature, _check_certificate(jws, now), _check_chain(jws, trust_anchors),
              check_timestamps(env, signing_time=jws.signing_time, clock_skew=clock_skew)]
    return checks, env.credential, env.certificates[0] if signature.passed else None


def _repeated_sealer(readings: list[_Reading]) -> str | None:
    """Why one certificate seals twice, or None: a co-sealed credential has one signature per sealer."""
    seen: dict[bytes, int] = {}
    for index, reading in enumerate(readings):
        if reading.envelope is None or not reading.envelope.certificates:
            continue
        thumb = sha256_thumbprint(reading.envelope.certificates[0])
        if thumb in seen:
            return (f"signatures[{index}] is sealed with the same certificate as signatures[{seen[thumb]}] "
                    f"('{describe(reading.envelope.certificates[0])}'): one signature per sealer")
        seen[thumb] = index
    return None


def _combine(per_signature: list[list[CheckResult]]) -> list[CheckResult]:
    """One result per check id over every signature: it passes only when it passed for each.

    A signature whose structure is broken has only its structure check; then only the
    combined structure check is returned, as for a single broken seal. Each combined check
    lists every signature's outcome in `details.signatures`, and its reason names the
    signatures that failed (or, when all passed, each one's reason).
    """
    if any(not checks[0].passed for checks in per_signature):
        names: list[str] = [CheckId.PROOF_STRUCTURE]
    else:
        names = [c.name for c in per_signature[0]]
    combined = []
    for name in names:
        found = [(i, next((c for c in checks if c.name == name), None)) for i, checks in enumerate(per_signature)]
        entries = [{"index": i, "passed": c is not None and c.passed,
                    "reason": c.reason if c is not None else "not checked", **(c.details if c else {})}
                   for i, c in found]
        failed = [e for e in entries if not e["passed"]]
        shown = failed or entries
        reason = "; ".join(f"signature[{e['index']}]: {e['reason']}" for e in shown)
        if not failed:
            reason = f"all {len(entries)} signatures: {reason}"
        first = {k: v for k, v in shown[0].items() if k not in ("index", "passed", "reason")}
        combined.append(CheckResult(name, not failed, reason, {**first, "signatures": entries}))
    return combined


def verify_seal(
    obj: Any,
    *,
    trust_anchors: Sequence[x509.Certificate] | None,
    now: datetime,
    clock_skew: timedelta = CLOCK_SKEW,
) -> tuple[list[CheckResult], dict[str, Any] | None]:
    """`verify_seal_detailed` as (checks, credential), for callers that need no signer."""
    result = verify_seal_detailed(obj, trust_anchors=trust_anchors, now=now, clock_skew=clock_skew)
    return result.checks, result.credential


def _check_signature(env: JadesEnvelope) -> CheckResult:
    """The signature over exactly the bytes read, with the key of x5c[0] and an allowed alg."""
    name = CheckId.PROOF
    alg = env.header.get("alg")
    spec = ALGORITHMS.get(alg) if isinstance(alg, str) else None
    if spec is None or not isinstance(alg, str):
        return CheckResult(name, False, f"alg {alg!r} is not allowed for a seal (allowed: {', '.join(ALGORITHMS)})",
                           {"alg": alg})
    cert = env.certificates[0]
    key = cert.public_key()
    mismatch = key_mismatch(key, alg, spec)
    if mismatch:
        return CheckResult(name, False, f"x5c[0] key does not fit alg: {mismatch}", {"alg": alg})
    try:
        signature = b64url_decode_canonical(env.signature)
    except ValueError:
        return CheckResult(name, False, "signature is not base64url", {"alg": alg})
    details = {"alg": alg, "key": describe(cert)}
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, env.signing_input, spec.rsa_padding(), spec.hash())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            if len(signature) != 2 * spec.coord:
                return CheckResult(name, False, f"{alg} signature must be {2 * spec.coord} bytes (r||s), "
                                                f"got {len(signature)}", details)
            r = int.from_bytes(signature[:spec.coord], "big")
            s = int.from_bytes(signature[spec.coord:], "big")
            key.verify(encode_dss_signature(r, s), env.signing_input, ec.ECDSA(spec.hash()))
        else:  # key_mismatch admits only RSA and EC keys; never let another type read as verified
            return CheckResult(name, False, f"x5c[0] holds an unsupported key type {type(key).__name__}", details)
    except InvalidSignature:
        return CheckResult(name, False, f"{alg} signature does not verify over the protected header and payload "
                                        f"with the key of x5c[0] ('{describe(cert)}')", details)
    return CheckResult(name, True, f"{alg} signature verifies with the key of x5c[0] ('{describe(cert)}')", details)


def _check_certificate(jws: _Jws, now: datetime) -> CheckResult:
    """Seal certificate: bound by x5t#S256/kid, meant for sealing, valid at sigT."""
    cert = jws.envelope.certificates[0]
    sig_t = jws.signing_time
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    org_ids = [str(a.value) for a in cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_IDENTIFIER)]
    details: dict[str, Any] = {
        "subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(),
        "serialNumber": str(cert.serial_number), "notBefore": iso_z(start), "notAfter": iso_z(end),
        "signingTime": iso_z(sig_t), "organizationIdentifier": org_ids[0] if org_ids else None,
    }
    problems = []
    thumb = jws.envelope.header.get("x5t#S256")
    if thumb is None:
        problems.append("x5t#S256 missing: the signing certificate is not referenced (TS 119 182-1)")
    elif thumb != b64url_encode(sha256_thumbprint(cert)):
        problems.append("x5t#S256 does not match x5c[0]")
    details["kid"] = _kid_state(jws.envelope.header.get("kid"), cert)
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
        return CheckResult(CheckId.PROOF_CERTIFICATE, False, "; ".join(problems), details)
    about = (f"'{describe(cert)}' ({', '.join(details['keyUsage'])}; valid "
             f"{start.date().isoformat()} to {end.date().isoformat()})")
    if details["expiredNow"]:
        reason = (f"certificate expired {end.date().isoformat()} but was valid at signing time "
                  f"{iso_z(sig_t)}: {about}")
    else:
        reason = f"certificate valid at signing time {iso_z(sig_t)}: {about}"
    return CheckResult(CheckId.PROOF_CERTIFICATE, True, reason, details)


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
        return CheckResult(CheckId.TRUST_CHAIN, False,
                           "no trust anchor configured: the seal certificate chain was not checked",
                           {"state": "unchecked"})
    intermediates = jws.envelope.certificates[1:] + xvals_certificates(jws.envelope)
    try:
        path = verify_chain(jws.envelope.certificates[0], intermediates, trust_anchors, at=jws.signing_time)
    except VerificationError as exc:
        return CheckResult(CheckId.TRUST_CHAIN, False, exc.message,
                           {"state": "failed", "at": iso_z(jws.signing_time)})
    names = [describe(c) for c in path]
    return CheckResult(CheckId.TRUST_CHAIN, True,
                       f"chains to trust anchor '{names[-1]}' at signing time {iso_z(jws.signing_time)}",
                       {"state": "valid", "path": names, "at": iso_z(jws.signing_time)})

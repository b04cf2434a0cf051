"""Unsigned attributes of a JAdES seal: etsiU, timestamps, xVals, rVals and the level they make.

Why apart from the signature check: these attributes are added after sealing by anyone
(a TSA, an archive service) and prove time and validation data, not the issuer's intent.
They are read and partly verified here (RFC 3161 imprints and TSA signatures); nothing in
them is trusted: TSA certificates are not chained and OCSP/CRL data are not signature-checked.
"""
from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.x509 import ocsp

from edcissuer.checks import CheckId
from edcissuer.crypto.x509 import (
    TimestampToken,
    check_validity,
    describe,
    parse_certificate,
    parse_timestamp_token,
)
from edcissuer.errors import VerificationError
from edcissuer.results import CheckResult
from edcissuer.time import iso_z

from ..jose import b64url_decode_canonical, loads_strict
from .envelope import JadesEnvelope

LEVELS = ("B", "T", "LT", "LTA")


def _etsi_u(env: JadesEnvelope) -> tuple[list[tuple[str, Any, str | None]], list[str]]:
    """etsiU entries as (name, value, raw base64url text or None for clear JSON), plus problems."""
    raw = env.unprotected.get("etsiU")
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


def _der(obj: Any, *path: str) -> bytes:
    """The base64 DER at `path` (ETSI `val` members); ValueError/binascii.Error when absent or not base64."""
    return base64.b64decode(_val(obj, *path) or "", validate=True)


def xvals_certificates(env: JadesEnvelope) -> list[x509.Certificate]:
    """Certificates carried in xVals: untrusted path-building candidates, nothing more."""
    certs = []
    for name, value, _ in _etsi_u(env)[0]:
        if name != "xVals" or not isinstance(value, list):
            continue
        for item in value:
            try:
                certs.append(parse_certificate(_der(item, "x509Cert", "val")))
            except (TypeError, ValueError, binascii.Error, VerificationError):
                continue
    return certs


def _tokens(attr: str, value: Any, expected_input: bytes | None, problems: list[str],
            signing_time: datetime, clock_skew: timedelta) -> list[dict[str, Any]]:
    """Report each RFC 3161 token of a timestamp attribute; imprint checked when input is known."""
    items = value.get("tstTokens") if isinstance(value, dict) else None
    if not isinstance(items, list) or not items:
        problems.append(f"{attr} has no tstTokens")
        return []
    out = []
    for i, item in enumerate(items):
        if _val(item, "val") is None:
            problems.append(f"{attr} token {i} has no 'val' string")
            continue
        try:
            token: TimestampToken = parse_timestamp_token(_der(item, "val"))
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
        if attr == "sigTst" and token.gen_time + clock_skew < signing_time:
            problems.append(f"sigT {iso_z(signing_time)} is later than the signature timestamp "
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
            resp = ocsp.load_der_ocsp_response(_der(item, "val"))
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
            crl = x509.load_der_x509_crl(_der(item, "val"))
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


def check_timestamps(env: JadesEnvelope, *, signing_time: datetime, clock_skew: timedelta) -> CheckResult:
    """Read the unsigned attributes: which are present, their times, and the level they make."""
    components, problems = _etsi_u(env)
    found: list[dict[str, Any]] = []
    summary: list[str] = []
    sig_b64 = env.signature.encode("utf-8")  # may be junk; then no imprint matches
    if "adoTst" in env.header:
        found += _tokens("adoTst", env.header["adoTst"], env.payload, problems, signing_time, clock_skew)
    preceding: list[str] = []
    all_base64 = all(raw is not None for _, _, raw in components)
    for name, value, raw in components:
        if name == "sigTst":
            found += _tokens(name, value, sig_b64, problems, signing_time, clock_skew)
        elif name == "arcTst":
            arc_input = (env.payload + b"." + env.protected.encode("ascii") + b"." + sig_b64 + b"."
                         + "".join(preceding).encode("ascii")) if all_base64 else None
            found += _tokens(name, value, arc_input, problems, signing_time, clock_skew)
        elif name == "xVals":
            if not isinstance(value, list):
                problems.append("xVals is not an array")
            summary.append(f"xVals ({len(_list(value))} certificates)")
        elif name == "rVals":
            rev = _revocation(value, env.certificates[0], problems)
            summary.append(f"rVals ({rev.get('crl', 0)} CRL, {rev.get('ocsp', 0)} OCSP)")
            summary += rev.get("sealCertificateStatus", [])
        else:
            summary.append(f"{name} (present, not interpreted)")
        if raw is not None:
            preceding.append(raw)
    names = {n for n, _, _ in components} | ({"adoTst"} if "adoTst" in env.header else set())
    level = _level(names)
    details: dict[str, Any] = {"level": level, "attributes": [n for n, _, _ in components],
                               "signedAttributes": ["adoTst"] if "adoTst" in env.header else [],
                               "timestamps": found, "validationData": summary}
    times = [f"{t['attribute']} {t['genTime']}" for t in found]
    listed = ", ".join(times + summary)
    text = f"JAdES-BASELINE-{level}: " + (listed or "no timestamps or validation data (sigT is the signer's claim)")
    if problems:
        return CheckResult(CheckId.PROOF_TIMESTAMPS, False, f"{text}; problems: {'; '.join(problems)}", details)
    if found:
        complete = all(t["imprint"] == "matches" and t["tsaSignature"].startswith("valid") for t in found)
        text += ("; every timestamp imprint matches and every TSA signature verifies" if complete
                 else "; some timestamps could not be fully checked (see details)")
        text += " with the embedded TSA certificates (TSA not chained to a trust anchor)"
    if summary:
        text += "; validation data read, not validated"
    return CheckResult(CheckId.PROOF_TIMESTAMPS, True, text, details)

"""X.509 material for EDC e-seals: demo CA, seal certificates, loading, chain checks.

An EDC is sealed with an organisation's (qualified) electronic-seal certificate, not a DID key.
This module is the low-level layer for that: it makes a *demo* PKI for tests and the demo
(clearly named as untrusted, never claiming qualified status), loads real seal material from
PEM or PKCS#12, checks a certificate chain against configured trust anchors *at a given time*
(a seal is judged at its signing time, not "now"), and holds the few DER helpers JAdES needs:
the IssuerSerial used as `kid` and a reader for RFC 3161 timestamp tokens.

Chain validation uses `cryptography.x509.verification.PolicyBuilder` with a custom time and
custom extension policies (cryptography >= 45): path building, signatures of each link,
validity of every certificate at the given time and name chaining come from it; the seal rules
(keyUsage of the leaf, basicConstraints CA for issuers) are our extension-policy callbacks.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    Policy,
    PolicyBuilder,
    Store,
)
from cryptography.x509.verification import VerificationError as PathError

from edcissuer.errors import KeyMaterialError, VerificationError

SealPrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
"""Key types a JAdES seal may use here: RSA (RS256/PS256) and P-256 (ES256)."""

KEY_TYPES = ("rsa3072", "rsa2048", "p256")
DEMO_MARK = "DEMO - NOT TRUSTED"

# qcStatements (RFC 3739) with only QcType = eSeal (ETSI EN 319 412-5). QcCompliance is never
# written: a demo certificate must not claim to be qualified.
OID_QC_STATEMENTS = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3")
_QC_TYPE = "0.4.0.1862.1.6"
_QC_TYPE_ESEAL = "0.4.0.1862.1.6.2"


def as_utc(moment: datetime) -> datetime:
    """Naive datetimes are read as UTC so callers can pass either kind."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def iso_z(moment: datetime) -> str:
    """The one textual form of instants in reasons and headers: `YYYY-MM-DDThh:mm:ssZ`."""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- identities


@dataclass(frozen=True)
class SealIdentity:
    """What a sealer holds: private key, its seal certificate, and the issuing chain.

    `chain` lists the issuing CA certificates, nearest first, without the leaf.
    """

    private_key: SealPrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()


@dataclass(frozen=True)
class DemoCA:
    """A self-signed demo CA; its certificate is the trust anchor in tests and the demo."""

    private_key: SealPrivateKey
    certificate: x509.Certificate


def generate_private_key(key_type: str = "rsa3072") -> SealPrivateKey:
    """New RSA 3072/2048 or P-256 key; other types are refused because JAdES here signs RS/PS/ES256."""
    if key_type == "rsa3072":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    if key_type == "rsa2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_type == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    raise KeyMaterialError(f"unsupported key type {key_type!r}; use one of {', '.join(KEY_TYPES)}",
                           field="key_type", value=key_type)


def _check_window(not_before: datetime, not_after: datetime) -> None:
    if as_utc(not_after) <= as_utc(not_before):
        raise KeyMaterialError("validity window is empty: not_after must be after not_before",
                               field="not_after", value=iso_z(not_after))


def generate_demo_ca(
    *,
    not_before: datetime,
    not_after: datetime,
    common_name: str = f"edcissuer Demo Seal CA ({DEMO_MARK})",
    organization: str = "edcissuer demo",
    country: str = "BE",
    key_type: str = "rsa3072",
    path_length: int | None = 0,
) -> DemoCA:
    """Self-signed CA for tests and the demo; its name says it is not to be trusted.

    `path_length` 0 lets it issue only end-entity certificates; None allows intermediates.
    """
    _check_window(not_before, not_after)
    key = generate_private_key(key_type)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, country),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(as_utc(not_before))
        .not_valid_after(as_utc(not_after))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    return DemoCA(private_key=key, certificate=cert)


def _key_usage(*, cert_sign: bool = False, seal: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=seal, content_commitment=seal, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign,
        encipher_only=False, decipher_only=False,
    )


def issue_seal_certificate(
    ca: DemoCA,
    *,
    organization: str,
    organization_identifier: str,
    country: str,
    not_before: datetime,
    not_after: datetime,
    common_name: str | None = None,
    key_type: str = "rsa3072",
    qc_statements: bool = False,
) -> SealIdentity:
    """A seal certificate (keyUsage digitalSignature + nonRepudiation) issued by the demo CA.

    `organization_identifier` is the eIDAS legal-person identifier (OID 2.5.4.97), e.g.
    "VATBE-0123456789"; EDCI derives the credential's `eIDASIdentifier` from it.
    """
    _check_window(not_before, not_after)
    if len(country) != 2:
        raise KeyMaterialError("country must be a two-letter ISO 3166 code", field="country", value=country)
    key = generate_private_key(key_type)
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, country),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, organization_identifier),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name or f"{organization} ({DEMO_MARK})"),
    ])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(as_utc(not_before))
        .not_valid_after(as_utc(not_after))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(seal=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.private_key.public_key()),
                       critical=False)
    )
    if qc_statements:
        builder = builder.add_extension(
            x509.UnrecognizedExtension(OID_QC_STATEMENTS, _qc_type_eseal_der()), critical=False)
    cert = builder.sign(ca.private_key, hashes.SHA256())
    return SealIdentity(private_key=key, certificate=cert, chain=(ca.certificate,))


def generate_demo_pki(
    *,
    now: datetime,
    organization: str = "Demo University",
    organization_identifier: str = "VATBE-0123456789",
    country: str = "BE",
    key_type: str = "rsa3072",
    validity_days: int = 730,
    qc_statements: bool = False,
) -> tuple[DemoCA, SealIdentity]:
    """Demo CA (10 years) and a seal certificate valid from `now` for `validity_days`."""
    start = as_utc(now) - timedelta(minutes=5)
    ca = generate_demo_ca(not_before=start, not_after=start + timedelta(days=3650),
                          country=country, key_type=key_type)
    identity = issue_seal_certificate(
        ca, organization=organization, organization_identifier=organization_identifier,
        country=country, not_before=start, not_after=start + timedelta(days=validity_days),
        key_type=key_type, qc_statements=qc_statements,
    )
    return ca, identity


# --------------------------------------------------------------------------- loading and saving


def _as_seal_key(key: object, source: str) -> SealPrivateKey:
    if isinstance(key, rsa.RSAPrivateKey):
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise KeyMaterialError(f"EC seal keys must be P-256 (ES256), got {key.curve.name}", field=source)
        return key
    raise KeyMaterialError(f"seal keys must be RSA or P-256, got {type(key).__name__}", field=source)


def _same_public_key(key: SealPrivateKey, cert: x509.Certificate) -> bool:
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key.public_key().public_bytes(*fmt) == cert.public_key().public_bytes(*fmt)


def _identity(key: SealPrivateKey, certs: Sequence[x509.Certificate], source: str) -> SealIdentity:
    """Pick the certificate that matches the key as leaf; the rest become the chain."""
    for i, cert in enumerate(certs):
        if _same_public_key(key, cert):
            return SealIdentity(private_key=key, certificate=cert, chain=tuple(c for j, c in enumerate(certs) if j != i))
    raise KeyMaterialError("no certificate matches the private key", field=source)


def _password_bytes(password: bytes | str | None) -> bytes | None:
    return password.encode("utf-8") if isinstance(password, str) else password


def load_seal(pem_cert: bytes, pem_key: bytes, password: bytes | str | None = None) -> SealIdentity:
    """Seal identity from PEM: `pem_cert` holds the leaf and optionally its chain (any order)."""
    try:
        certs = x509.load_pem_x509_certificates(pem_cert)
    except ValueError as exc:
        raise KeyMaterialError(f"certificate PEM could not be read: {exc}", field="pem_cert") from exc
    try:
        key = serialization.load_pem_private_key(pem_key, password=_password_bytes(password))
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyMaterialError(f"private key PEM could not be read (wrong or missing password?): {exc}",
                               field="pem_key") from exc
    return _identity(_as_seal_key(key, "pem_key"), certs, "pem_cert")


def load_pkcs12(path_or_bytes: str | os.PathLike[str] | bytes, password: bytes | str | None) -> SealIdentity:
    """Seal identity from a PKCS#12 (.p12/.pfx) file or its bytes, as QTSPs deliver seals."""
    if isinstance(path_or_bytes, bytes):
        data = path_or_bytes
    else:
        try:
            data = Path(path_or_bytes).read_bytes()
        except OSError as exc:
            raise KeyMaterialError(f"cannot read PKCS#12 file: {exc}", field="pkcs12",
                                   value=str(path_or_bytes)) from exc
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, _password_bytes(password))
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyMaterialError(f"PKCS#12 could not be opened (wrong password or damaged file): {exc}",
                               field="pkcs12") from exc
    if key is None or cert is None:
        raise KeyMaterialError("PKCS#12 holds no private key or no certificate", field="pkcs12")
    return _identity(_as_seal_key(key, "pkcs12"), [cert, *extra], "pkcs12")


def parse_certificate(der: bytes) -> x509.Certificate:
    """Load a DER certificate from untrusted input and touch its lazily parsed parts now.

    cryptography decodes names, extensions and the key on first use; doing it here turns a
    malformed or unsupported certificate into one VerificationError instead of a later crash.
    """
    try:
        cert = x509.load_der_x509_certificate(der)
        _ = (cert.subject, cert.issuer, cert.extensions, cert.public_key())
    except (ValueError, UnsupportedAlgorithm, x509.InvalidVersion, x509.DuplicateExtension,
            x509.UnsupportedGeneralNameType) as exc:
        raise VerificationError(f"certificate is malformed or unsupported: {exc}", field="certificate") from exc
    return cert


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates from PEM (one or many) or a single DER blob, e.g. a trust-anchor file."""
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise KeyMaterialError(f"certificate data could not be read: {exc}", field="certificates") from exc


def write_private_file(path: str | os.PathLike[str], data: bytes) -> None:
    """Write secret material readable by the owner only (0600), also when the file existed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)


def certificates_pem(certs: Sequence[x509.Certificate]) -> bytes:
    """PEM text of several certificates, in the given order."""
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def _key_encryption(password: bytes | str | None) -> serialization.KeySerializationEncryption:
    pw = _password_bytes(password)
    return serialization.BestAvailableEncryption(pw) if pw else serialization.NoEncryption()


def save_seal(identity: SealIdentity, *, cert_path: str | os.PathLike[str],
              key_path: str | os.PathLike[str], password: bytes | str | None = None) -> None:
    """Leaf + chain PEM (public) and PKCS#8 key PEM (0600, encrypted when a password is given)."""
    Path(cert_path).write_bytes(certificates_pem([identity.certificate, *identity.chain]))
    key_pem = identity.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, _key_encryption(password))
    write_private_file(key_path, key_pem)


def save_pkcs12(identity: SealIdentity, path: str | os.PathLike[str], password: bytes | str,
                *, friendly_name: bytes = b"edc-seal") -> None:
    """PKCS#12 bundle (0600) that `load_pkcs12` reads back."""
    if not password:
        raise KeyMaterialError("a PKCS#12 seal bundle needs a password", field="password")
    data = pkcs12.serialize_key_and_certificates(
        friendly_name, identity.private_key, identity.certificate, list(identity.chain) or None,
        _key_encryption(password))
    write_private_file(path, data)


# --------------------------------------------------------------------------- certificate checks


def describe(cert: x509.Certificate) -> str:
    """Short readable subject for reasons: CN and O when present, else the full RFC 4514 name."""
    parts = [f"{label}={attr.value!s}" for oid, label in ((NameOID.COMMON_NAME, "CN"),
                                                          (NameOID.ORGANIZATION_NAME, "O"))
             for attr in cert.subject.get_attributes_for_oid(oid)]
    return ", ".join(parts) or cert.subject.rfc4514_string()


def check_validity(cert: x509.Certificate, at: datetime) -> None:
    """Raise VerificationError when `at` lies outside the certificate's validity window."""
    moment = as_utc(at)
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    if moment < start:
        raise VerificationError(
            f"certificate '{describe(cert)}' was not yet valid at {iso_z(moment)} (valid from {iso_z(start)})",
            field="notBefore", value=iso_z(start))
    if moment > end:
        raise VerificationError(
            f"certificate '{describe(cert)}' had expired at {iso_z(moment)} (valid until {iso_z(end)})",
            field="notAfter", value=iso_z(end))


def check_seal_key_usage(cert: x509.Certificate) -> list[str]:
    """The seal certificate must allow signing: digitalSignature and/or nonRepudiation.

    Returns the usages found; raises VerificationError when the extension is missing or
    allows neither (e.g. a CA or encryption certificate).
    """
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound as exc:
        raise VerificationError("seal certificate has no keyUsage extension", field="keyUsage") from exc
    found = [name for name, on in (
        ("digitalSignature", usage.digital_signature), ("nonRepudiation", usage.content_commitment),
        ("keyEncipherment", usage.key_encipherment), ("dataEncipherment", usage.data_encipherment),
        ("keyAgreement", usage.key_agreement), ("keyCertSign", usage.key_cert_sign),
        ("cRLSign", usage.crl_sign)) if on]
    if not (usage.digital_signature or usage.content_commitment):
        raise VerificationError(
            f"seal certificate keyUsage allows neither digitalSignature nor nonRepudiation (has: "
            f"{', '.join(found) or 'nothing'})", field="keyUsage", value=found)
    return found


def _ee_key_usage(_policy: Policy, cert: x509.Certificate, _ext: x509.KeyUsage) -> None:
    check_seal_key_usage(cert)


def _ee_not_ca(_policy: Policy, _cert: x509.Certificate, ext: x509.BasicConstraints | None) -> None:
    if ext is not None and ext.ca:
        raise VerificationError("seal certificate is a CA certificate", field="basicConstraints")


def _ca_is_ca(_policy: Policy, cert: x509.Certificate, ext: x509.BasicConstraints) -> None:
    if not ext.ca:
        raise VerificationError(f"issuer '{describe(cert)}' is not a CA (basicConstraints cA=false)",
                                field="basicConstraints")


def _ca_can_sign_certs(_policy: Policy, cert: x509.Certificate, ext: x509.KeyUsage | None) -> None:
    if ext is not None and not ext.key_cert_sign:
        raise VerificationError(f"issuer '{describe(cert)}' keyUsage lacks keyCertSign", field="keyUsage")


def _policies() -> tuple[ExtensionPolicy, ExtensionPolicy]:
    """Seal rules instead of web-PKI ones: no SAN/EKU demands; CA flag and key usages enforced."""
    ca = (ExtensionPolicy.permit_all()
          .require_present(x509.BasicConstraints, Criticality.AGNOSTIC, _ca_is_ca)
          .may_be_present(x509.KeyUsage, Criticality.AGNOSTIC, _ca_can_sign_certs))
    ee = (ExtensionPolicy.permit_all()
          .require_present(x509.KeyUsage, Criticality.AGNOSTIC, _ee_key_usage)
          .may_be_present(x509.BasicConstraints, Criticality.AGNOSTIC, _ee_not_ca))
    return ca, ee


def verify_chain(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    trust_anchors: Sequence[x509.Certificate],
    *,
    at: datetime,
    max_depth: int = 4,
) -> list[x509.Certificate]:
    """Path from `leaf` to one of `trust_anchors`, every certificate valid at `at`.

    `intermediates` are untrusted path-building candidates (x5c, xVals). Returns the path,
    leaf first, anchor last. Raises VerificationError naming why no path exists.
    """
    if not trust_anchors:
        raise VerificationError("no trust anchor configured", field="trust_anchors")
    leaf_der = leaf.public_bytes(serialization.Encoding.DER)
    if any(a.public_bytes(serialization.Encoding.DER) == leaf_der for a in trust_anchors):
        check_validity(leaf, at)  # the seal certificate itself is pinned as an anchor
        return [leaf]
    ca_policy, ee_policy = _policies()
    verifier = (
        PolicyBuilder()
        .store(Store(list(trust_anchors)))
        .time(as_utc(at))
        .max_chain_depth(max_depth)
        .extension_policies(ca_policy=ca_policy, ee_policy=ee_policy)
        .build_client_verifier()
    )
    try:
        return list(verifier.verify(leaf, list(intermediates)).chain)
    except PathError as exc:
        raise VerificationError(_path_error_reason(leaf, intermediates, trust_anchors, at, str(exc)),
                                field="x5c") from exc
    except x509.UnsupportedGeneralNameType as exc:
        raise VerificationError(f"chain uses an unsupported general name type: {exc}", field="x5c") from exc


def _path_error_reason(leaf: x509.Certificate, intermediates: Sequence[x509.Certificate],
                       anchors: Sequence[x509.Certificate], at: datetime, detail: str) -> str:
    """Name the likely cause by walking issuer names from the leaf; else quote the path builder."""
    anchor_names = {a.subject.public_bytes() for a in anchors}
    by_subject = {c.subject.public_bytes(): c for c in intermediates if c.subject != c.issuer}
    current = leaf
    for _ in range(len(by_subject) + 1):
        try:
            check_validity(current, at)
        except VerificationError as exc:
            return f"a certificate in the chain is outside its validity: {exc.message}"
        issuer = current.issuer.public_bytes()
        if issuer in anchor_names:
            break
        if issuer not in by_subject:
            return (f"does not chain to a configured trust anchor: issuer '{current.issuer.rfc4514_string()}' "
                    f"of '{describe(current)}' is neither a trust anchor nor an available intermediate")
        current = by_subject.pop(issuer)
    return f"does not chain to a configured trust anchor at {iso_z(at)} ({detail})"


# --------------------------------------------------------------------------- DER helpers


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _der(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_len(len(content)) + content


def _der_int(value: int) -> bytes:
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True)
    return _der(0x02, raw)


def _der_oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    out = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out.extend(reversed(chunk))
    return _der(0x06, bytes(out))


def _qc_type_eseal_der() -> bytes:
    qc_type = _der(0x30, _der_oid(_QC_TYPE) + _der(0x30, _der_oid(_QC_TYPE_ESEAL)))
    return _der(0x30, qc_type)


def issuer_serial_der(cert: x509.Certificate) -> bytes:
    """DER of IssuerSerial (RFC 5035): what EDCI puts, base64-encoded, in the JAdES `kid`."""
    general_names = _der(0x30, _der(0xA4, cert.issuer.public_bytes()))
    return _der(0x30, general_names + _der_int(cert.serial_number))


def parse_issuer_serial(der: bytes) -> tuple[bytes, int]:
    """(issuer Name DER, serial) from an IssuerSerial; ValueError when `der` is not one."""
    try:
        return _parse_issuer_serial(der)
    except IndexError as exc:
        raise ValueError("truncated IssuerSerial") from exc


def _parse_issuer_serial(der: bytes) -> tuple[bytes, int]:
    _, start, end = _tlv(der, 0)
    if end != len(der):
        raise ValueError("trailing bytes after IssuerSerial")
    names, serial = _children(der, start, end)[:2]
    directory = _children(der, names[2], names[3])[0]
    if directory[0] != 0xA4 or serial[0] != 0x02:
        raise ValueError("not an IssuerSerial with a directoryName issuer")
    name = _children(der, directory[2], directory[3])[0]
    return der[name[1]:name[3]], int.from_bytes(der[serial[2]:serial[3]], "big", signed=True)


def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER element at `pos`; ValueError if malformed."""
    if pos + 2 > len(data):
        raise ValueError("truncated DER element")
    tag, first = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:
        raise ValueError("multi-byte DER tags are not supported")
    pos += 2
    if first & 0x80:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise ValueError("bad DER length")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    else:
        length = first
    if pos + length > len(data):
        raise ValueError("DER element overruns its container")
    return tag, pos, pos + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """Children of a constructed element as (tag, element start, content start, content end)."""
    out = []
    pos = start
    while pos < end:
        tag, cstart, cend = _tlv(data, pos)
        out.append((tag, pos, cstart, cend))
        pos = cend
    if pos != end:
        raise ValueError("DER children overrun their parent")
    return out


def _oid_text(raw: bytes) -> str:
    if not raw:
        raise ValueError("empty OID")
    arcs = [min(raw[0] // 40, 2)]
    arcs.append(raw[0] - 40 * arcs[0])
    value = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    return ".".join(map(str, arcs))


# --------------------------------------------------------------------------- RFC 3161 tokens

_OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
_OID_TST_INFO = "1.2.840.113549.1.9.16.1.4"
_OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "2.16.840.1.101.3.4.2.1": hashes.SHA256,
    "2.16.840.1.101.3.4.2.2": hashes.SHA384,
    "2.16.840.1.101.3.4.2.3": hashes.SHA512,
    "1.3.14.3.2.26": hashes.SHA1,
}
_RSA_PKCS1: dict[str, type[hashes.HashAlgorithm] | None] = {"1.2.840.113549.1.1.1": None, "1.2.840.113549.1.1.11": hashes.SHA256,
              "1.2.840.113549.1.1.12": hashes.SHA384, "1.2.840.113549.1.1.13": hashes.SHA512}
_ECDSA: dict[str, type[hashes.HashAlgorithm]] = {"1.2.840.10045.4.3.2": hashes.SHA256, "1.2.840.10045.4.3.3": hashes.SHA384,
          "1.2.840.10045.4.3.4": hashes.SHA512}


@dataclass(frozen=True)
class TimestampToken:
    """The parts of an RFC 3161 token a JAdES verifier reports.

    `signature_valid` is True when the TSA's CMS signature verifies with the certificate
    embedded in the token, False when it does not, None when it could not be checked
    (`problem` says why). The TSA certificate is *not* chained to any trust anchor here.
    """

    gen_time: datetime
    hash_name: str
    message_imprint: bytes
    serial_number: int
    policy: str
    tsa_certificate: x509.Certificate | None
    signature_valid: bool | None
    problem: str | None = None

    def imprint_of(self, data: bytes) -> bytes:
        """Digest of `data` with the token's imprint algorithm, to compare with `message_imprint`."""
        digest = hashes.Hash(_HASHES_BY_NAME[self.hash_name]())
        digest.update(data)
        return digest.finalize()


_HASHES_BY_NAME = {h().name: h for h in _HASHES.values()}


def _gen_time(raw: bytes) -> datetime:
    text = raw.decode("ascii")
    if not text.endswith("Z") or len(text) < 15:
        raise ValueError(f"genTime {text!r} is not a UTC GeneralizedTime")
    stamp = datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
    frac = text[14:-1]
    if frac:
        stamp += timedelta(seconds=float("0" + frac))
    return stamp


def parse_timestamp_token(der: bytes) -> TimestampToken:
    """Read TSTInfo and check the TSA signature with the embedded certificate.

    Raises VerificationError when the token is not a readable RFC 3161 SignedData.
    """
    try:
        return _parse_timestamp_token(der)
    except (ValueError, IndexError, UnicodeDecodeError) as exc:
        raise VerificationError(f"timestamp token is not a readable RFC 3161 token: {exc}",
                                field="tstTokens") from exc


def _parse_timestamp_token(der: bytes) -> TimestampToken:
    _, start, end = _tlv(der, 0)
    content_info = _children(der, start, end)
    if _oid_text(der[content_info[0][2]:content_info[0][3]]) != _OID_SIGNED_DATA:
        raise ValueError("not a CMS SignedData")
    _, _, sd_start, sd_end = _children(der, content_info[1][2], content_info[1][3])[0]
    signed_data = _children(der, sd_start, sd_end)
    encap = _children(der, signed_data[2][2], signed_data[2][3])
    if _oid_text(der[encap[0][2]:encap[0][3]]) != _OID_TST_INFO:
        raise ValueError("encapsulated content is not TSTInfo")
    explicit = _children(der, encap[1][2], encap[1][3])[0]
    tst_bytes = der[explicit[2]:explicit[3]]
    tst = _children(tst_bytes, *_tlv(tst_bytes, 0)[1:])
    policy = _oid_text(tst_bytes[tst[1][2]:tst[1][3]])
    imprint = _children(tst_bytes, tst[2][2], tst[2][3])
    alg_id = _children(tst_bytes, imprint[0][2], imprint[0][3])
    hash_oid = _oid_text(tst_bytes[alg_id[0][2]:alg_id[0][3]])
    if hash_oid not in _HASHES:
        raise ValueError(f"unsupported imprint hash {hash_oid}")
    certs = []
    for tag, _, start, end in signed_data:
        if tag == 0xA0:  # [0] IMPLICIT CertificateSet; only plain certificates are used
            certs += [parse_certificate(der[el_start:el_end])
                      for ctag, el_start, _, el_end in _children(der, start, end) if ctag == 0x30]
    signer, valid, problem = _check_signer(der, signed_data[-1], certs, tst_bytes)
    return TimestampToken(
        gen_time=_gen_time(tst_bytes[tst[4][2]:tst[4][3]]),
        hash_name=_HASHES[hash_oid]().name,
        message_imprint=tst_bytes[imprint[1][2]:imprint[1][3]],
        serial_number=int.from_bytes(tst_bytes[tst[3][2]:tst[3][3]], "big", signed=True),
        policy=policy,
        tsa_certificate=signer,
        signature_valid=valid,
        problem=problem,
    )


def _check_signer(der: bytes, signer_infos: tuple[int, int, int, int], certs: list[x509.Certificate],
                  tst_bytes: bytes) -> tuple[x509.Certificate | None, bool | None, str | None]:
    """CMS SignerInfo check: messageDigest over TSTInfo, then the signature over signedAttrs."""
    infos = _children(der, signer_infos[2], signer_infos[3])
    if len(infos) != 1:
        return None, None, f"{len(infos)} SignerInfos (exactly one expected)"
    parts = _children(der, infos[0][2], infos[0][3])
    sid, digest_alg, attrs = parts[1], parts[2], parts[3]
    signer = _find_signer(der, sid, certs)
    if signer is None:
        return None, None, "TSA certificate not embedded in the token"
    if attrs[0] != 0xA0:
        return signer, False, "no signed attributes"
    hash_oid = _first_oid(der, digest_alg)
    hash_cls = _HASHES.get(hash_oid)
    if hash_cls is None:
        return signer, None, f"unsupported digest algorithm {hash_oid}"
    digest = hashes.Hash(hash_cls())
    digest.update(tst_bytes)
    if _message_digest(der, attrs) != digest.finalize():
        return signer, False, "messageDigest does not match TSTInfo"
    sig_alg = _first_oid(der, parts[4])
    signature = der[parts[5][2]:parts[5][3]]
    signed = b"\x31" + der[attrs[1] + 1:attrs[3]]
    key = signer.public_key()
    try:
        if sig_alg in _RSA_PKCS1 and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signed, padding.PKCS1v15(), (_RSA_PKCS1[sig_alg] or hash_cls)())
        elif sig_alg in _ECDSA and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed, ec.ECDSA(_ECDSA[sig_alg]()))
        else:
            return signer, None, f"unsupported TSA signature algorithm {sig_alg}"
    except InvalidSignature:
        return signer, False, "TSA signature does not verify"
    return signer, True, None


def _first_oid(der: bytes, element: tuple[int, int, int, int]) -> str:
    first = _children(der, element[2], element[3])[0]
    return _oid_text(der[first[2]:first[3]])


def _find_signer(der: bytes, sid: tuple[int, int, int, int],
                 certs: list[x509.Certificate]) -> x509.Certificate | None:
    if sid[0] == 0x30:  # issuerAndSerialNumber
        issuer, serial = _children(der, sid[2], sid[3])
        name = der[issuer[1]:issuer[3]]
        number = int.from_bytes(der[serial[2]:serial[3]], "big", signed=True)
        return next((c for c in certs if c.serial_number == number and c.issuer.public_bytes() == name), None)
    if sid[0] == 0x80:  # [0] subjectKeyIdentifier
        ski = der[sid[2]:sid[3]]
        for cert in certs:
            try:
                if cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest == ski:
                    return cert
            except x509.ExtensionNotFound:
                continue
    return None


def _message_digest(der: bytes, attrs: tuple[int, int, int, int]) -> bytes | None:
    for _, _, start, end in _children(der, attrs[2], attrs[3]):
        oid, values = _children(der, start, end)
        if _oid_text(der[oid[2]:oid[3]]) == _OID_MESSAGE_DIGEST:
            value = _children(der, values[2], values[3])[0]
            return der[value[2]:value[3]]
    return None


def sha256_thumbprint(cert: x509.Certificate) -> bytes:
    """SHA-256 of the certificate DER: the `x5t#S256` value before base64url."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()

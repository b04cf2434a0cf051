"""X.509 material for EDC e-seals: loading, certificate checks, chains, IssuerSerial, RFC 3161.

An EDC is sealed with an organisation's (qualified) electronic-seal certificate, not a DID key.
This module is the low-level layer for that: it loads real seal material from PEM or PKCS#12,
checks a certificate chain against configured trust anchors *at a given time* (a seal is judged
at its signing time, not "now"), and reads the ASN.1 structures JAdES needs: the IssuerSerial
used as `kid` and RFC 3161 timestamp tokens. Demo certificates are made in `crypto.demo_pki`.

Chain validation uses `cryptography.x509.verification.PolicyBuilder` with a custom time and
custom extension policies (cryptography >= 45): path building, signatures of each link,
validity of every certificate at the given time and name chaining come from it; the seal rules
(keyUsage of the leaf, basicConstraints CA for issuers) are our extension-policy callbacks.
ASN.1 (CMS, TSTInfo, IssuerSerial) is parsed and built with asn1crypto, never by hand;
signatures are verified with cryptography.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from asn1crypto import cms, core, tsp
from asn1crypto import x509 as asn1_x509
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

# as_utc / iso_z are re-exported (`X as X`) for modules that still import them from here
from edcissuer.time import as_utc as as_utc
from edcissuer.time import iso_z as iso_z

SealPrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
"""Key types a JAdES seal may use here: RSA (RS256/PS256) and P-256 (ES256)."""


# --------------------------------------------------------------------------- identities


@dataclass(frozen=True)
class SealIdentity:
    """What a sealer holds: private key, its seal certificate, and the issuing chain.

    `chain` lists the issuing CA certificates, nearest first, without the leaf.
    """

    private_key: SealPrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()


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
    except (ValueError, TypeError, UnsupportedAlgorithm, x509.InvalidVersion, x509.DuplicateExtension,
            x509.UnsupportedGeneralNameType) as exc:  # TypeError: e.g. a BIT STRING where a name wants text
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


def sha256_thumbprint(cert: x509.Certificate) -> bytes:
    """SHA-256 of the certificate DER: the `x5t#S256` value before base64url."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()


# --------------------------------------------------------------------------- ASN.1 (asn1crypto)

# What asn1crypto raises on malformed input. It parses lazily, so these come from the first
# access to a damaged part as well as from load(); every reader below catches exactly these.
_ASN1_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, UnicodeDecodeError)


@lru_cache(maxsize=64)
def issuer_serial_der(cert: x509.Certificate) -> bytes:
    """DER of IssuerSerial (RFC 5035): what EDCI puts, base64-encoded, in the JAdES `kid`.

    Cached per certificate: a batch seals thousands of credentials with one seal.
    """
    issuer = asn1_x509.GeneralName(name="directory_name", value=asn1_x509.Name.load(cert.issuer.public_bytes()))
    return cast(bytes, tsp.IssuerSerial({"issuer": [issuer], "serial_number": cert.serial_number}).dump())


def parse_issuer_serial(der: bytes) -> tuple[bytes, int]:
    """(issuer Name DER, serial) from an IssuerSerial; ValueError when `der` is not one."""
    try:
        value = tsp.IssuerSerial.load(der, strict=True)
        names = value["issuer"]
        if len(names) == 0 or names[0].name != "directory_name":
            raise ValueError("not an IssuerSerial with a directoryName issuer")
        return cast(bytes, names[0].chosen.untag().dump()), cast(int, value["serial_number"].native)
    except _ASN1_ERRORS as exc:
        raise ValueError(f"not a readable IssuerSerial: {_first_line(exc)}") from exc


# --------------------------------------------------------------------------- RFC 3161 tokens

_OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
_OID_TST_INFO = "1.2.840.113549.1.9.16.1.4"
_OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512, "sha1": hashes.SHA1,
}
"""Imprint and CMS digest algorithms read here, by asn1crypto's name (= cryptography's name)."""
# CMS signature algorithms checked here; None: the hash is the SignerInfo's digestAlgorithm
_RSA_PKCS1: dict[str, str | None] = {"rsassa_pkcs1v15": None, "sha256_rsa": "sha256", "sha384_rsa": "sha384",
                                     "sha512_rsa": "sha512"}
_ECDSA: dict[str, str] = {"sha256_ecdsa": "sha256", "sha384_ecdsa": "sha384", "sha512_ecdsa": "sha512"}


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
        return _digest(_HASHES[self.hash_name], data)


def _digest(algorithm: type[hashes.HashAlgorithm], data: bytes) -> bytes:
    digest = hashes.Hash(algorithm())
    digest.update(data)
    return digest.finalize()


def parse_timestamp_token(der: bytes) -> TimestampToken:
    """Read TSTInfo and check the TSA signature with the embedded certificate.

    Raises VerificationError when the token is not a readable RFC 3161 SignedData.
    """
    try:
        return _read_timestamp_token(der)
    except _ASN1_ERRORS as exc:
        raise VerificationError(f"timestamp token is not a readable RFC 3161 token: {_first_line(exc)}",
                                field="tstTokens") from exc


def _first_line(exc: Exception) -> str:
    """asn1crypto appends a 'while parsing ...' trail on further lines; a reason is one line."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _read_timestamp_token(der: bytes) -> TimestampToken:
    info = cms.ContentInfo.load(der, strict=True)
    if info["content_type"].dotted != _OID_SIGNED_DATA:
        raise ValueError("not a CMS SignedData")
    signed_data = info["content"]
    encap = signed_data["encap_content_info"]
    if encap["content_type"].dotted != _OID_TST_INFO or isinstance(encap["content"], core.Void):
        raise ValueError("encapsulated content is not TSTInfo")
    tst_bytes: bytes = encap["content"].contents  # the DER the messageDigest covers
    tst = tsp.TSTInfo.load(tst_bytes, strict=True)
    imprint = tst["message_imprint"]
    hash_name = imprint["hash_algorithm"]["algorithm"].native
    if hash_name not in _HASHES:
        raise ValueError(f"unsupported imprint hash {imprint['hash_algorithm']['algorithm'].dotted}")
    gen_time = tst["gen_time"]
    if not gen_time.contents.endswith(b"Z") or not isinstance(gen_time.native, datetime):
        raise ValueError(f"genTime {gen_time.contents!r} is not a UTC GeneralizedTime")
    # [0] IMPLICIT CertificateSet; only plain certificates are used
    choices = signed_data["certificates"]
    certs = [] if isinstance(choices, core.Void) else [
        parse_certificate(choice.chosen.dump()) for choice in choices if choice.name == "certificate"]
    signer, valid, problem = _check_signer(signed_data["signer_infos"], certs, tst_bytes)
    return TimestampToken(
        gen_time=gen_time.native,
        hash_name=hash_name,
        message_imprint=imprint["hashed_message"].native,
        serial_number=tst["serial_number"].native,
        policy=tst["policy"].dotted,
        tsa_certificate=signer,
        signature_valid=valid,
        problem=problem,
    )


def _check_signer(signer_infos: Any, certs: list[x509.Certificate],
                  tst_bytes: bytes) -> tuple[x509.Certificate | None, bool | None, str | None]:
    """CMS SignerInfo check: messageDigest over TSTInfo, then the signature over signedAttrs."""
    if len(signer_infos) != 1:
        return None, None, f"{len(signer_infos)} SignerInfos (exactly one expected)"
    info = signer_infos[0]
    signer = _find_signer(info["sid"], certs)
    if signer is None:
        return None, None, "TSA certificate not embedded in the token"
    attrs = info["signed_attrs"]
    if isinstance(attrs, core.Void):
        return signer, False, "no signed attributes"
    digest_alg = info["digest_algorithm"]["algorithm"]
    hash_cls = _HASHES.get(digest_alg.native)
    if hash_cls is None:
        return signer, None, f"unsupported digest algorithm {digest_alg.dotted}"
    if _message_digest(attrs) != _digest(hash_cls, tst_bytes):
        return signer, False, "messageDigest does not match TSTInfo"
    sig_alg = info["signature_algorithm"]["algorithm"]
    signature: bytes = info["signature"].native
    signed = attrs.untag().dump()  # RFC 5652 5.4: signed as a SET OF, not as the [0] it is stored in
    key = signer.public_key()
    try:
        if sig_alg.native in _RSA_PKCS1 and isinstance(key, rsa.RSAPublicKey):
            rsa_hash = _RSA_PKCS1[sig_alg.native]
            key.verify(signature, signed, padding.PKCS1v15(), (_HASHES[rsa_hash] if rsa_hash else hash_cls)())
        elif sig_alg.native in _ECDSA and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed, ec.ECDSA(_HASHES[_ECDSA[sig_alg.native]]()))
        else:
            return signer, None, f"unsupported TSA signature algorithm {sig_alg.dotted}"
    except InvalidSignature:
        return signer, False, "TSA signature does not verify"
    return signer, True, None


def _find_signer(sid: Any, certs: list[x509.Certificate]) -> x509.Certificate | None:
    if sid.name == "issuer_and_serial_number":
        name = sid.chosen["issuer"].dump()
        number = sid.chosen["serial_number"].native
        return next((c for c in certs if c.serial_number == number and c.issuer.public_bytes() == name), None)
    if sid.name == "subject_key_identifier":
        ski = sid.chosen.native
        for cert in certs:
            try:
                if cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest == ski:
                    return cert
            except x509.ExtensionNotFound:
                continue
    return None


def _message_digest(attrs: Any) -> bytes | None:
    for attr in attrs:
        if attr["type"].dotted == _OID_MESSAGE_DIGEST and len(attr["values"]):
            return cast(bytes, attr["values"][0].native)
    return None

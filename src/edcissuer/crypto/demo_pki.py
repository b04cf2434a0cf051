"""Demo/test-only PKI: a self-signed CA and seal certificates issued by it. Never for real seals.

Why a module of its own: making certificates is something only tests and `edcissuer demo` /
`edcissuer keys demo-seal` do; the seal layer (`crypto.x509`) only loads, checks and chains
certificates someone else issued. Every name made here says "DEMO - NOT TRUSTED" and no
certificate claims qualified status (no QcCompliance), so a demo seal cannot pass for a real one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from asn1crypto import core
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from edcissuer.errors import KeyMaterialError
from edcissuer.time import as_utc, iso_z

from .x509 import SealIdentity, SealPrivateKey

KEY_TYPES = ("rsa3072", "rsa2048", "p256")
DEMO_MARK = "DEMO - NOT TRUSTED"

# qcStatements (RFC 3739) with only QcType = eSeal (ETSI EN 319 412-5). QcCompliance is never
# written: a demo certificate must not claim to be qualified.
OID_QC_STATEMENTS = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3")
_QC_TYPE = "0.4.0.1862.1.6"
_QC_TYPE_ESEAL = "0.4.0.1862.1.6.2"


class _QcTypes(core.SequenceOf):  # type: ignore[misc]
    """QcType statementInfo (EN 319 412-5): SEQUENCE OF the type OIDs."""

    _child_spec = core.ObjectIdentifier


class _QcStatement(core.Sequence):  # type: ignore[misc]
    """QCStatement (RFC 3739): statementId and its optional statementInfo."""

    _fields = [("statement_id", core.ObjectIdentifier), ("statement_info", core.Any, {"optional": True})]


class _QcStatements(core.SequenceOf):  # type: ignore[misc]
    _child_spec = _QcStatement


def _qc_type_eseal_der() -> bytes:
    statement = _QcStatement({"statement_id": _QC_TYPE, "statement_info": _QcTypes([_QC_TYPE_ESEAL])})
    return cast(bytes, _QcStatements([statement]).dump())


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
    cert = _builder(name, name, key, key, not_before, not_after, ca=True, path_length=path_length).sign(
        key, hashes.SHA256())
    return DemoCA(private_key=key, certificate=cert)


def _builder(subject: x509.Name, issuer: x509.Name, key: SealPrivateKey, issuer_key: SealPrivateKey,
             not_before: datetime, not_after: datetime, *, ca: bool,
             path_length: int | None = None) -> x509.CertificateBuilder:
    """What every demo certificate has: names, key, random serial, validity, and the profile extensions.

    A CA may sign certificates and CRLs; a seal certificate may sign (digitalSignature +
    nonRepudiation) and nothing else. basicConstraints and keyUsage are marked critical.
    """
    usage = x509.KeyUsage(
        digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
        encipher_only=False, decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(as_utc(not_before))
        .not_valid_after(as_utc(not_after))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
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
    builder = _builder(subject, ca.certificate.subject, key, ca.private_key, not_before, not_after, ca=False)
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

"""crypto.x509: demo seal PKI, loading/saving, chain checks at a given time, DER helpers."""
from __future__ import annotations

import base64
import json
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from edcissuer.crypto import demo_pki as demo
from edcissuer.crypto import x509 as cx
from edcissuer.errors import KeyMaterialError, VerificationError

from conftest import REF  # the one reference folder (EDCISSUER_REFERENCE overrides it)
SAMPLE = REF / "elm" / "samples" / "Sample-MC-Annex1-signed.jsonld"
T0 = datetime(2026, 1, 10, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def pki() -> tuple[demo.DemoCA, cx.SealIdentity]:
    return demo.generate_demo_pki(now=T0, key_type="rsa2048")


def _cert(ca: demo.DemoCA, public_key, *, ca_flag: bool = False, key_usage: x509.KeyUsage | None = None,
          not_before: datetime = T0 - timedelta(days=1), not_after: datetime = T0 + timedelta(days=30),
          cn: str = "test") -> x509.Certificate:
    """A certificate issued by `ca` with chosen flags, for the negative cases."""
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
               .issuer_name(ca.certificate.subject).public_key(public_key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=ca_flag, path_length=None), critical=True))
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    return builder.sign(ca.private_key, hashes.SHA256())


def _usage(**on: bool) -> x509.KeyUsage:
    names = ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"]
    return x509.KeyUsage(**{n: on.get(n, False) for n in names})


# --------------------------------------------------------------------------- generation


@pytest.mark.parametrize("key_type", ["rsa3072", "rsa2048", "p256"])
def test_demo_pki_has_seal_profile(key_type: str) -> None:
    ca, ident = demo.generate_demo_pki(now=T0, key_type=key_type, organization="Uni X",
                                     organization_identifier="VATBE-0123456789", country="BE")
    cert = ident.certificate
    get = cert.subject.get_attributes_for_oid
    assert get(NameOID.ORGANIZATION_NAME)[0].value == "Uni X"
    assert get(NameOID.ORGANIZATION_IDENTIFIER)[0].value == "VATBE-0123456789"
    assert get(NameOID.COUNTRY_NAME)[0].value == "BE"
    assert "NOT TRUSTED" in str(get(NameOID.COMMON_NAME)[0].value)
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.content_commitment
    assert not ku.value.key_cert_sign
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert ca.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert ident.chain == (ca.certificate,)
    if key_type == "p256":
        assert isinstance(ident.private_key, ec.EllipticCurvePrivateKey)
    else:
        assert isinstance(ident.private_key, rsa.RSAPrivateKey)
        assert ident.private_key.key_size == int(key_type[3:])
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_oid(demo.OID_QC_STATEMENTS)


def test_validity_window_and_optional_qc_statements() -> None:
    ca = demo.generate_demo_ca(not_before=T0, not_after=T0 + timedelta(days=3650), key_type="p256")
    ident = demo.issue_seal_certificate(
        ca, organization="Org", organization_identifier="VATFR-123", country="FR",
        not_before=T0, not_after=T0 + timedelta(days=10), key_type="p256", qc_statements=True)
    assert ident.certificate.not_valid_before_utc == T0
    assert ident.certificate.not_valid_after_utc == T0 + timedelta(days=10)
    qc = ident.certificate.extensions.get_extension_for_oid(demo.OID_QC_STATEMENTS).value
    assert isinstance(qc, x509.UnrecognizedExtension)
    assert bytes.fromhex("0604008e460106") in qc.value  # id-etsi-qcs-QcType
    assert bytes.fromhex("0604008e46010101") not in qc.value  # never QcCompliance: a demo is not qualified


def test_generation_refusals() -> None:
    with pytest.raises(KeyMaterialError, match="unsupported key type"):
        demo.generate_private_key("ed25519")
    with pytest.raises(KeyMaterialError, match="validity window is empty"):
        demo.generate_demo_ca(not_before=T0, not_after=T0)
    ca = demo.generate_demo_ca(not_before=T0, not_after=T0 + timedelta(days=1), key_type="p256")
    with pytest.raises(KeyMaterialError) as err:
        demo.issue_seal_certificate(ca, organization="O", organization_identifier="X", country="BEL",
                                  not_before=T0, not_after=T0 + timedelta(days=1))
    assert err.value.field == "country"


# --------------------------------------------------------------------------- loading and saving


@pytest.mark.parametrize("password", [None, "s3cret"])
def test_save_and_load_pem(tmp_path: Path, pki, password: str | None) -> None:
    _, ident = pki
    cert_path, key_path = tmp_path / "seal.pem", tmp_path / "seal.key"
    cx.save_seal(ident, cert_path=cert_path, key_path=key_path, password=password)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    loaded = cx.load_seal(cert_path.read_bytes(), key_path.read_bytes(), password)
    assert loaded.certificate == ident.certificate and loaded.chain == ident.chain


def test_private_file_is_0600_even_when_it_existed(tmp_path: Path) -> None:
    path = tmp_path / "k"
    path.write_bytes(b"old")
    path.chmod(0o644)
    cx.write_private_file(path, b"new")
    assert path.read_bytes() == b"new" and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_load_seal_refusals(pki) -> None:
    ca, ident = pki
    cert_pem = cx.certificates_pem([ident.certificate])
    enc = ident.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.BestAvailableEncryption(b"right"))
    with pytest.raises(KeyMaterialError, match="password"):
        cx.load_seal(cert_pem, enc, b"wrong")
    with pytest.raises(KeyMaterialError):
        cx.load_seal(cert_pem, enc, None)
    other = ca.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
    with pytest.raises(KeyMaterialError, match="no certificate matches"):
        cx.load_seal(cert_pem, other)
    with pytest.raises(KeyMaterialError, match="certificate PEM"):
        cx.load_seal(b"not pem", enc, b"right")


def test_leaf_is_found_whatever_the_pem_order(pki) -> None:
    ca, ident = pki
    key_pem = ident.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption())
    loaded = cx.load_seal(cx.certificates_pem([ca.certificate, ident.certificate]), key_pem)
    assert loaded.certificate == ident.certificate and loaded.chain == (ca.certificate,)


def test_pkcs12_round_trip(tmp_path: Path, pki) -> None:
    _, ident = pki
    path = tmp_path / "seal.p12"
    cx.save_pkcs12(ident, path, "pw")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for source in (path, str(path), path.read_bytes()):
        loaded = cx.load_pkcs12(source, "pw")
        assert loaded.certificate == ident.certificate and loaded.chain == ident.chain
    with pytest.raises(KeyMaterialError, match="PKCS#12"):
        cx.load_pkcs12(path, "nope")
    with pytest.raises(KeyMaterialError, match="cannot read"):
        cx.load_pkcs12(tmp_path / "missing.p12", "pw")
    with pytest.raises(KeyMaterialError, match="needs a password"):
        cx.save_pkcs12(ident, tmp_path / "x.p12", "")


def test_load_certificates_pem_and_der(pki) -> None:
    ca, ident = pki
    assert cx.load_certificates(cx.certificates_pem([ident.certificate, ca.certificate])) == \
        [ident.certificate, ca.certificate]
    assert cx.load_certificates(ca.certificate.public_bytes(serialization.Encoding.DER)) == [ca.certificate]
    with pytest.raises(KeyMaterialError):
        cx.load_certificates(b"\x00garbage")


# --------------------------------------------------------------------------- checks


def test_validity_at_a_time(pki) -> None:
    _, ident = pki
    cert = ident.certificate
    cx.check_validity(cert, T0)
    with pytest.raises(VerificationError, match="had expired") as err:
        cx.check_validity(cert, T0 + timedelta(days=800))
    assert err.value.field == "notAfter"
    with pytest.raises(VerificationError, match="not yet valid"):
        cx.check_validity(cert, T0 - timedelta(days=1))
    cx.check_validity(cert, T0.replace(tzinfo=None))  # naive = UTC


def test_key_usage_rules(pki) -> None:
    ca, ident = pki
    assert cx.check_seal_key_usage(ident.certificate) == ["digitalSignature", "nonRepudiation"]
    key = ident.private_key.public_key()
    with pytest.raises(VerificationError, match="neither digitalSignature nor nonRepudiation"):
        cx.check_seal_key_usage(_cert(ca, key, key_usage=_usage(key_encipherment=True)))
    with pytest.raises(VerificationError, match="no keyUsage"):
        cx.check_seal_key_usage(_cert(ca, key))
    only_nr = _cert(ca, key, key_usage=_usage(content_commitment=True))
    assert cx.check_seal_key_usage(only_nr) == ["nonRepudiation"]


def test_chain_valid_at_time_and_expired_later(pki) -> None:
    ca, ident = pki
    path = cx.verify_chain(ident.certificate, [], [ca.certificate], at=T0)
    assert path == [ident.certificate, ca.certificate]
    with pytest.raises(VerificationError, match="outside its validity: .*had expired"):
        cx.verify_chain(ident.certificate, [], [ca.certificate], at=T0 + timedelta(days=800))
    with pytest.raises(VerificationError, match="not yet valid"):
        cx.verify_chain(ident.certificate, [], [ca.certificate], at=T0 - timedelta(days=2))


def test_chain_refusals(pki) -> None:
    ca, ident = pki
    other_ca, _ = demo.generate_demo_pki(now=T0, key_type="p256")
    with pytest.raises(VerificationError, match="no trust anchor configured"):
        cx.verify_chain(ident.certificate, [], [], at=T0)
    # same demo CA name, other key: the name matches, the signature does not
    with pytest.raises(VerificationError, match="does not chain to a configured trust anchor.*signature"):
        cx.verify_chain(ident.certificate, [], [other_ca.certificate], at=T0)
    stranger = demo.generate_demo_ca(not_before=T0, not_after=T0 + timedelta(days=9), key_type="p256",
                                   common_name="Someone else's CA")
    with pytest.raises(VerificationError, match="neither a trust anchor nor an available intermediate"):
        cx.verify_chain(ident.certificate, [], [stranger.certificate], at=T0)
    bad_usage = _cert(ca, ident.private_key.public_key(), key_usage=_usage(key_encipherment=True))
    with pytest.raises(VerificationError, match="does not chain.*keyUsage"):
        cx.verify_chain(bad_usage, [], [ca.certificate], at=T0)


def test_chain_through_intermediate_and_non_ca_issuer() -> None:
    root = demo.generate_demo_ca(not_before=T0 - timedelta(days=2), not_after=T0 + timedelta(days=99),
                               key_type="p256", path_length=None)
    inter_key = ec.generate_private_key(ec.SECP256R1())
    inter_cert = _cert(root, inter_key.public_key(), ca_flag=True, cn="Intermediate CA",
                       key_usage=_usage(key_cert_sign=True, crl_sign=True))
    inter = demo.DemoCA(private_key=inter_key, certificate=inter_cert)
    leaf = demo.issue_seal_certificate(inter, organization="O", organization_identifier="VATBE-1", country="BE",
                                     not_before=T0 - timedelta(days=1), not_after=T0 + timedelta(days=5),
                                     key_type="p256")
    path = cx.verify_chain(leaf.certificate, [inter_cert], [root.certificate], at=T0)
    assert [cx.describe(c) for c in path][1] == "CN=Intermediate CA"
    with pytest.raises(VerificationError, match="neither a trust anchor nor an available intermediate"):
        cx.verify_chain(leaf.certificate, [], [root.certificate], at=T0)
    # the same issuer name and key, but basicConstraints cA=false: not allowed to issue
    not_ca = demo.DemoCA(private_key=inter_key, certificate=_cert(root, inter_key.public_key(), cn="Intermediate CA",
                                                               key_usage=_usage(key_cert_sign=True)))
    with pytest.raises(VerificationError, match="does not chain"):
        cx.verify_chain(leaf.certificate, [not_ca.certificate], [root.certificate], at=T0)


def test_pinned_leaf_as_anchor(pki) -> None:
    _, ident = pki
    assert cx.verify_chain(ident.certificate, [], [ident.certificate], at=T0) == [ident.certificate]


def test_issuer_serial_round_trip(pki) -> None:
    _, ident = pki
    der = cx.issuer_serial_der(ident.certificate)
    issuer, serial = cx.parse_issuer_serial(der)
    assert issuer == ident.certificate.issuer.public_bytes() and serial == ident.certificate.serial_number
    with pytest.raises(ValueError):
        cx.parse_issuer_serial(der + b"\x00")
    with pytest.raises(ValueError):
        cx.parse_issuer_serial(der[:-3])
    with pytest.raises(ValueError):  # a GeneralName other than directoryName
        cx.parse_issuer_serial(bytes.fromhex("300a3005820361626302010a"))


def test_timestamp_token_refuses_garbage() -> None:
    with pytest.raises(VerificationError, match="RFC 3161"):
        cx.parse_timestamp_token(b"\x30\x03\x02\x01\x01")
    with pytest.raises(VerificationError):
        cx.parse_timestamp_token(b"")


# --------------------------------------------------------------------------- official sample


def _sample() -> tuple[x509.Certificate, list[x509.Certificate], dict]:
    if not SAMPLE.exists():
        pytest.skip(f"reference sample not found at {SAMPLE} (shared/reference is not checked out)")
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    sig = doc["signatures"][0]
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    header = json.loads(base64.urlsafe_b64decode(pad(sig["protected"])))
    leaf = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    etsi_u = [json.loads(base64.urlsafe_b64decode(pad(e))) for e in sig["header"]["etsiU"]]
    xvals = [x509.load_der_x509_certificate(base64.b64decode(c["x509Cert"]["val"]))
             for c in etsi_u[1]["xVals"]]
    return leaf, xvals, {"header": header, "etsiU": etsi_u}


def test_official_sample_kid_is_issuer_serial() -> None:
    leaf, _, parts = _sample()
    assert base64.b64decode(parts["header"]["kid"]) == cx.issuer_serial_der(leaf)


def test_official_sample_chain_via_xvals_at_signing_time() -> None:
    leaf, xvals, _ = _sample()
    sig_t = datetime(2023, 9, 27, 11, 54, 17, tzinfo=timezone.utc)
    anf_ca = next(c for c in xvals if c.subject == leaf.issuer)
    path = cx.verify_chain(leaf, xvals, [anf_ca], at=sig_t)
    assert path[0] == leaf and path[-1] == anf_ca
    with pytest.raises(VerificationError, match="had expired"):
        cx.verify_chain(leaf, xvals, [anf_ca], at=datetime(2026, 1, 1, tzinfo=timezone.utc))


def test_official_sample_timestamp_tokens() -> None:
    _, _, parts = _sample()
    token = cx.parse_timestamp_token(base64.b64decode(parts["etsiU"][0]["sigTst"]["tstTokens"][0]["val"]))
    assert token.gen_time == datetime(2023, 9, 27, 11, 54, 20, tzinfo=timezone.utc)
    assert token.hash_name == "sha256" and token.signature_valid is True
    assert token.tsa_certificate is not None and "good-tsa" in cx.describe(token.tsa_certificate)
    raw = bytearray(base64.b64decode(parts["etsiU"][0]["sigTst"]["tstTokens"][0]["val"]))
    raw[-5] ^= 0x01  # inside the TSA's signature value
    assert cx.parse_timestamp_token(bytes(raw)).signature_valid is False
    with pytest.raises(VerificationError, match="RFC 3161"):  # DER is read strictly: no trailing bytes
        cx.parse_timestamp_token(base64.b64decode(parts["etsiU"][0]["sigTst"]["tstTokens"][0]["val"]) + b"\x00")

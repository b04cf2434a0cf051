"""EU trusted lists (ETSI TS 119 612) as JAdES anchors: our own signed LOTL and national lists.

Every list here is built and XML-signed in the test (signxml, enveloped, ECDSA/RSA with
SHA-256) with test certificates, then imported through the library or the CLI exactly as a
downloaded list would be; the official EU sealed sample is anchored through such a list.
"""
from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW, need_reference
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from recognition_helpers import KEYS, TRUST, options
from signxml import XMLSigner, methods
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod

from edcissuer.cli import main
from edcissuer.crypto.demo_pki import DemoCA, generate_demo_ca, issue_seal_certificate
from edcissuer.issue import issue
from edcissuer.proofs import jades
from edcissuer.proofs.jades.unsigned import xvals_certificates
from edcissuer.recognition import assess, load_trust_list
from edcissuer.recognition.trustlists import (
    CA_QC,
    FOR_ESEALS,
    GRANTED,
    LOTL_TYPE,
    QC_FOR_ESEAL,
    WITHDRAWN,
    TrustedListError,
    import_trusted_lists,
    load_anchor_store,
    write_store,
)

TSL = "http://uri.etsi.org/02231/v2#"
TSLX = "http://uri.etsi.org/02231/v2/additionaltypes#"
ECC = "http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/#"
NATIONAL = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric"
FOR_ESIGS = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSignatures"
TSA = "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST"
ISSUED = datetime(2026, 1, 5, tzinfo=timezone.utc)
NEXT = datetime(2027, 6, 5, tzinfo=timezone.utc)
GRANTED_FROM = datetime(2020, 1, 1, tzinfo=timezone.utc)
WITHDRAWN_FROM = datetime(2026, 6, 1, tzinfo=timezone.utc)
BEFORE_WITHDRAWAL = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
SAMPLE = ("elm", "samples", "Sample-MC-Annex1-signed.jsonld")
OFFICIAL_NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
LUSITANIA = "VATPT-500123456"


# --------------------------------------------------------------------------- building lists


def _self_signed(name: str, key: Any) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "EU"), x509.NameAttribute(NameOID.COMMON_NAME, name)])
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(datetime(2025, 1, 1, tzinfo=timezone.utc))
            .not_valid_after(datetime(2030, 1, 1, tzinfo=timezone.utc))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .sign(key, hashes.SHA256()))


@dataclass
class Signer:
    key: Any
    certificate: x509.Certificate

    @classmethod
    def make(cls, name: str, kind: str = "ec") -> Signer:
        key = ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else rsa.generate_private_key(65537, 2048)
        return cls(key, _self_signed(name, key))

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


@dataclass
class Service:
    name: str
    certificates: list[x509.Certificate]
    status: str = GRANTED
    start: datetime = GRANTED_FROM
    type: str = CA_QC
    asi: list[str] = field(default_factory=lambda: [FOR_ESEALS])
    qualifiers: list[str] = field(default_factory=list)
    history: list[tuple[str, datetime]] = field(default_factory=list)


def _el(parent: Any, tag: str, text: str | None = None, ns: str = TSL, **attrs: str) -> Any:
    node = etree.SubElement(parent, f"{{{ns}}}{tag}", **attrs)
    if text is not None:
        node.text = text
    return node


def _name(parent: Any, tag: str, text: str) -> None:
    _el(_el(parent, tag), "Name", text, **{"{http://www.w3.org/XML/1998/namespace}lang": "en"})


def _b64(cert: x509.Certificate) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def _scheme(root: Any, territory: str, kind: str, sequence: int, issued: datetime, next_update: datetime) -> Any:
    scheme = _el(root, "SchemeInformation")
    _el(scheme, "TSLVersionIdentifier", "5")
    _el(scheme, "TSLSequenceNumber", str(sequence))
    _el(scheme, "TSLType", kind)
    _name(scheme, "SchemeOperatorName", f"Supervisory body of {territory}")
    _el(scheme, "SchemeTerritory", territory)
    _el(scheme, "ListIssueDateTime", issued.strftime("%Y-%m-%dT%H:%M:%SZ"))
    _el(_el(scheme, "NextUpdate"), "dateTime", next_update.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return scheme


def _root() -> Any:
    return etree.Element(f"{{{TSL}}}TrustServiceStatusList", nsmap={None: TSL, "tslx": TSLX, "ecc": ECC},
                         Id="tsl", TSLTag="http://uri.etsi.org/19612/TSLTag")


def build_lotl(pointers: dict[str, list[x509.Certificate]], *, sequence: int = 300,
               next_update: datetime = NEXT) -> Any:
    root = _root()
    scheme = _scheme(root, "EU", LOTL_TYPE, sequence, ISSUED, next_update)
    ptrs = _el(scheme, "PointersToOtherTSL")
    for territory, certs in pointers.items():
        for mime in ("application/pdf", "application/vnd.etsi.tsl+xml"):  # real LOTLs point to both
            ptr = _el(ptrs, "OtherTSLPointer")
            ids = _el(ptr, "ServiceDigitalIdentities")
            # the PDF pointer names a foreign certificate: only the XML pointer's may count
            for cert in (certs if "xml" in mime else [Signer.make("pdf signer").certificate]):
                _el(_el(_el(ids, "ServiceDigitalIdentity"), "DigitalId"), "X509Certificate", _b64(cert))
            _el(ptr, "TSLLocation", f"https://tl.example/{territory}.{'xml' if 'xml' in mime else 'pdf'}")
            info = _el(ptr, "AdditionalInformation")
            _el(_el(info, "OtherInformation"), "TSLType", NATIONAL)
            _el(_el(info, "OtherInformation"), "SchemeTerritory", territory)
            _el(_el(info, "OtherInformation"), "MimeType", mime, ns=TSLX)
    return root


def _service_info(parent: Any, tag: str, svc: Service, status: str, start: datetime) -> Any:
    info = _el(parent, tag)
    _el(info, "ServiceTypeIdentifier", svc.type)
    _name(info, "ServiceName", svc.name)
    ident = _el(info, "ServiceDigitalIdentity")
    for cert in svc.certificates:
        _el(_el(ident, "DigitalId"), "X509Certificate", _b64(cert))
    _el(info, "ServiceStatus", status)
    _el(info, "StatusStartingTime", start.strftime("%Y-%m-%dT%H:%M:%SZ"))
    exts = _el(info, "ServiceInformationExtensions")
    for uri in svc.asi:
        _el(_el(_el(exts, "Extension", Critical="false"), "AdditionalServiceInformation"), "URI", uri)
    if svc.qualifiers:
        quals = _el(_el(_el(_el(exts, "Extension", Critical="true"), "Qualifications", ns=ECC),
                        "QualificationElement", ns=ECC), "Qualifiers", ns=ECC)
        for uri in svc.qualifiers:
            _el(quals, "Qualifier", ns=ECC, uri=uri)
    return info


def service_element(svc: Service) -> Any:
    node = etree.Element(f"{{{TSL}}}TSPService")
    _service_info(node, "ServiceInformation", svc, svc.status, svc.start)
    if svc.history:
        hist = _el(node, "ServiceHistory")
        for status, start in svc.history:
            _service_info(hist, "ServiceHistoryInstance", svc, status, start)
    return node


def build_national(territory: str, tsps: dict[str, list[Service]], *, sequence: int = 42,
                   next_update: datetime = NEXT) -> Any:
    root = _root()
    _scheme(root, territory, NATIONAL, sequence, ISSUED, next_update)
    providers = _el(root, "TrustServiceProviderList")
    for tsp_name, services in tsps.items():
        tsp = _el(providers, "TrustServiceProvider")
        _name(_el(tsp, "TSPInformation"), "TSPName", tsp_name)
        box = _el(tsp, "TSPServices")
        for svc in services:
            box.append(service_element(svc))
    return root


def sign(root: Any, signer: Signer) -> bytes:
    alg = SignatureMethod.ECDSA_SHA256 if isinstance(signer.key, ec.EllipticCurvePrivateKey) \
        else SignatureMethod.RSA_SHA256
    xml = XMLSigner(method=methods.enveloped, signature_algorithm=alg, digest_algorithm=DigestAlgorithm.SHA256,
                    c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    signed = xml.sign(copy.deepcopy(root), key=signer.key, cert=[signer.certificate], reference_uri="#tsl")
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))


# --------------------------------------------------------------------------- the PKI


@dataclass
class World:
    lotl_signer: Signer
    es_signer: Signer
    granted_ca: DemoCA
    withdrawn_ca: DemoCA
    esig_ca: DemoCA
    qualifications_ca: DemoCA

    def services(self) -> dict[str, list[Service]]:
        return {
            "Qualified Seals TSP S.A.": [
                Service("Qualified eSeal CA", [self.granted_ca.certificate]),
                Service("Old eSeal CA", [self.withdrawn_ca.certificate], status=WITHDRAWN, start=WITHDRAWN_FROM,
                        history=[(GRANTED, GRANTED_FROM)]),
                Service("Qualified eSignature CA", [self.esig_ca.certificate], asi=[FOR_ESIGS]),
                Service("Qualified time stamps", [self.esig_ca.certificate], type=TSA, asi=[]),
            ],
            "Another TSP": [Service("Qualifications eSeal CA", [self.qualifications_ca.certificate], asi=[],
                                    qualifiers=[QC_FOR_ESEAL])],
        }

    def lotl(self, **kw: Any) -> bytes:
        return sign(build_lotl({"ES": [self.es_signer.certificate]}, **kw), self.lotl_signer)

    def national(self, signer: Signer | None = None, **kw: Any) -> bytes:
        return sign(build_national("ES", self.services(), **kw), signer or self.es_signer)

    def files(self, **national: Any) -> list[tuple[str, bytes]]:
        return [("lotl.xml", self.lotl()), ("es.xml", self.national(**national))]


def _ca(name: str) -> DemoCA:
    return generate_demo_ca(not_before=datetime(2019, 1, 1, tzinfo=timezone.utc),
                            not_after=datetime(2035, 1, 1, tzinfo=timezone.utc), common_name=name, key_type="p256")


@pytest.fixture(scope="module")
def world() -> World:
    return World(Signer.make("LOTL signer (TEST)", "rsa"), Signer.make("ES trusted list signer (TEST)"),
                 _ca("Qualified eSeal CA (TEST)"), _ca("Old eSeal CA (TEST)"), _ca("eSignature CA (TEST)"),
                 _ca("Qualifications eSeal CA (TEST)"))


def imported(world: World, **kw: Any) -> Any:
    return import_trusted_lists(world.files(**kw), lotl_signers=[world.lotl_signer.certificate], now=NOW)


# --------------------------------------------------------------------------- importing


def test_a_good_lotl_and_national_list_import_the_eseal_services_only(world):
    result = imported(world)
    assert (result.lotl.country, result.lotl.sequence) == ("EU", 300)
    (es,) = result.lists
    assert (es.country, es.sequence, es.location) == ("ES", 42, "https://tl.example/ES.xml")
    assert es.operator == "Supervisory body of ES" and es.next_update == NEXT
    by_name = {s.name: s for s in result.services}
    assert sorted(by_name) == ["Old eSeal CA", "Qualifications eSeal CA", "Qualified eSeal CA"]
    granted = by_name["Qualified eSeal CA"]
    assert (granted.country, granted.tsp, granted.status.status) == ("ES", "Qualified Seals TSP S.A.", GRANTED)
    assert granted.certificates == (world.granted_ca.certificate,) and granted.qualifiers == (FOR_ESEALS,)
    old = by_name["Old eSeal CA"]
    assert [(p.status, p.start) for p in old.periods] == [(GRANTED, GRANTED_FROM), (WITHDRAWN, WITHDRAWN_FROM)]
    assert by_name["Qualifications eSeal CA"].qualifiers == (QC_FOR_ESEAL,)
    skipped = {s.name: s.reason for s in result.skipped}
    assert skipped["Qualified eSignature CA"].startswith("not qualified for e-seals")
    assert skipped["Qualified time stamps"] == f"service type {TSA} is not CA/QC"
    assert result.warnings == ()


def test_the_store_round_trips(world, tmp_path):
    result = imported(world)
    write_store(result, tmp_path / "anchors.json", imported_at=NOW)
    data = json.loads((tmp_path / "anchors.json").read_text())
    svc = next(s for s in data["services"] if s["service"] == "Old eSeal CA")
    assert (svc["country"], svc["tsp"], svc["status"], svc["statusStartingTime"]) == \
        ("ES", "Qualified Seals TSP S.A.", WITHDRAWN, "2026-06-01T00:00:00Z")
    assert svc["list"] == {"country": "ES", "sequenceNumber": 42, "issued": "2026-01-05T00:00:00Z",
                           "nextUpdate": "2027-06-05T00:00:00Z", "operator": "Supervisory body of ES",
                           "location": "https://tl.example/ES.xml"}
    assert load_anchor_store(tmp_path / "anchors.json") == result.services


def _refusal(world: World, files: list[tuple[str, bytes]], **kw: Any) -> TrustedListError:
    with pytest.raises(TrustedListError) as info:
        import_trusted_lists(files, lotl_signers=[world.lotl_signer.certificate], now=kw.pop("now", NOW), **kw)
    return info.value


def test_a_service_added_after_signing_is_refused(world):
    doc = etree.fromstring(world.national())
    box = doc.find(f"{{{TSL}}}TrustServiceProviderList/{{{TSL}}}TrustServiceProvider/{{{TSL}}}TSPServices")
    box.append(service_element(Service("Smuggled eSeal CA", [_ca("Smuggled CA").certificate])))
    error = _refusal(world, [("lotl.xml", world.lotl()), ("es.xml", etree.tostring(doc))])
    assert error.field == "Signature"
    assert "list signature invalid: the trusted list of ES does not verify" in error.message
    assert "Digest mismatch" in error.message


def test_a_signed_list_wrapped_in_a_forged_one_yields_only_what_was_signed(world):
    """Signature wrapping: a forged list around the genuine one, the signature moved to the forgery.

    The reference still finds the genuine list by Id and verifies, so only the element the
    signature covers may be read: the forged service never becomes an anchor.
    """
    genuine = etree.fromstring(world.national())
    signature = genuine.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
    genuine.remove(signature)
    forged = build_national("ES", {"Forger": [Service("Forged eSeal CA", [_ca("Forged CA").certificate])]})
    forged.set("Id", "forged")
    forged.append(genuine)
    forged.append(signature)
    result = import_trusted_lists([("lotl.xml", world.lotl()), ("es.xml", etree.tostring(forged))],
                                  lotl_signers=[world.lotl_signer.certificate], now=NOW)
    names = {s.name for s in result.services}
    assert "Forged eSeal CA" not in names and "Qualified eSeal CA" in names


def test_a_list_signed_by_a_key_the_lotl_does_not_name_is_refused(world):
    stranger = Signer.make("ES trusted list signer (STRANGER)")
    error = _refusal(world, [("lotl.xml", world.lotl()), ("es.xml", world.national(signer=stranger))])
    assert error.field == "Signature" and "with any of the 1 signing certificate(s) named for it" in error.message


def test_the_pdf_pointers_certificate_does_not_sign_the_xml_list(world):
    """The LOTL's PDF pointer for ES names another certificate: it never becomes an XML list signer."""
    from edcissuer.recognition.trustlists import lotl_pointers
    root = etree.fromstring(world.lotl())
    assert lotl_pointers(root, "lotl")["ES"].signers == (world.es_signer.certificate,)


def test_a_lotl_not_signed_by_the_given_certificate_is_refused(world):
    with pytest.raises(TrustedListError) as info:
        import_trusted_lists(world.files(), lotl_signers=[world.es_signer.certificate], now=NOW)
    assert info.value.field == "Signature" and "the EU (LOTL) does not verify" in info.value.message


def test_an_unsigned_list_is_refused(world):
    unsigned = etree.tostring(build_national("ES", world.services()))
    error = _refusal(world, [("lotl.xml", world.lotl()), ("es.xml", unsigned)])
    assert (error.field, error.message) == ("Signature", "es.xml: trusted list of ES is not signed "
                                                         "(no ds:Signature element)")


def test_a_list_for_a_territory_the_lotl_does_not_point_to_is_refused(world):
    fr = sign(build_national("FR", world.services()), world.es_signer)
    error = _refusal(world, [("lotl.xml", world.lotl()), ("fr.xml", fr)])
    assert error.field == "SchemeTerritory" and "no pointer for territory FR" in error.message


def test_without_a_lotl_nothing_is_imported(world):
    error = _refusal(world, [("es.xml", world.national())])
    assert error.field == "TSLType" and "found 0" in error.message


@pytest.mark.parametrize("sequence", ["\u00b2", "\u0663", "-1", "1.5", ""])
def test_a_sequence_number_that_is_not_ascii_digits_is_refused_by_name(world, sequence):
    """"²" passes str.isdigit() but int() refuses it: a named refusal, never a ValueError."""
    files = [("lotl.xml", world.lotl(sequence=sequence)), ("es.xml", world.national())]
    error = _refusal(world, files)
    assert error.field == "TSLSequenceNumber" and "not a number" in error.message


def test_an_expired_list_is_refused_unless_allowed_and_then_warned_about(world):
    late = NEXT + timedelta(days=1)
    error = _refusal(world, world.files(), now=late)
    assert error.field == "NextUpdate" and "the List of Trusted Lists (sequence 300) expired" in error.message
    files = [("lotl.xml", world.lotl(next_update=late + timedelta(days=30))), ("es.xml", world.national())]
    error = _refusal(world, files, now=late)
    assert error.field == "NextUpdate" and "the trusted list of ES (sequence 42) expired" in error.message
    result = import_trusted_lists(files, lotl_signers=[world.lotl_signer.certificate], now=late, allow_expired=True)
    assert len(result.services) == 3 and "NextUpdate 2027-06-05T00:00:00Z is before" in result.warnings[0]


def test_malformed_xml_and_foreign_roots_are_named(world):
    assert _refusal(world, [("x.xml", b"<oops")]).field == "file"
    assert _refusal(world, [("x.xml", b"<html/>")]).field == "TrustServiceStatusList"


def test_an_entity_expansion_bomb_is_not_expanded(world):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#">&b;</TrustServiceStatusList>')
    from edcissuer.recognition.trustlists import _parse
    assert "aaaaaaaaaa" not in "".join(_parse(bomb, "bomb.xml").itertext())
    assert _refusal(world, [("bomb.xml", bomb)]).field == "TSLType"  # read, not expanded, and not a LOTL


# --------------------------------------------------------------------------- verifying seals


@pytest.fixture(scope="module")
def store(world, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tl") / "eu-anchors.json"
    write_store(imported(world), path, imported_at=NOW)
    return path


def _sealed(folder: Path, records: Any, ca: DemoCA, at: datetime, name: str) -> Path:
    seal = issue_seal_certificate(ca, organization="University of Lusitania", organization_identifier=LUSITANIA,
                                  country="PT", not_before=datetime(2025, 1, 1, tzinfo=timezone.utc),
                                  not_after=datetime(2028, 1, 1, tzinfo=timezone.utc), key_type="p256",
                                  qc_statements=True)
    path = folder / f"{name}.elm.jades.json"
    path.write_text(issue(records["model1-single"], fmt="elm", signer=seal, proof="jades", now=at).serialize())
    return path


def _trust_with_store(tmp_path: Path, store: Path) -> Path:
    """The sample trust list (its institutions) plus the imported EU trusted lists."""
    path = tmp_path / "trust.toml"
    text = TRUST.read_text().replace("../keys", str(KEYS))
    path.write_text(text.replace("\n[[anchor]]\n", f'\n[trusted_lists]\nstores = ["{store}"]\n\n[[anchor]]\n', 1))
    return path


def _issuer_check(path: Path, trust: Path | str) -> tuple[Any, Any]:
    (entry,) = assess(path, trust=trust, options=options()).credentials
    return entry, next(c for c in entry.checks if c.name == "trust.issuer")


def test_a_seal_under_a_granted_service_is_a_qualified_eseal_and_vouches_for_its_organisation(
        world, store, records, tmp_path):
    credential = _sealed(tmp_path, records, world.granted_ca, NOW - timedelta(hours=1), "granted")
    entry, issuer = _issuer_check(credential, _trust_with_store(tmp_path, store))
    assert next(c for c in entry.checks if c.name == "trust.chain").passed
    assert issuer.passed, issuer.reason
    # named by id and legal identifier; signed with a seal only the trusted-list service vouches for
    assert issuer.details["matchedBy"][-1] == "seal organizationIdentifier"
    assert "seal certificate fingerprint" not in issuer.details["matchedBy"]
    assert ("qualified e-seal per trusted list of country ES (TSP Qualified Seals TSP S.A., service Qualified "
            "eSeal CA): granted since 2020-01-01T00:00:00Z") in issuer.reason
    q = issuer.details["qualifiedSeal"]
    assert (q["qualified"], q["country"], q["tsp"], q["service"], q["status"]) == \
        (True, "ES", "Qualified Seals TSP S.A.", "Qualified eSeal CA", GRANTED)
    assert q["list"]["sequenceNumber"] == 42


def test_the_qualifications_extension_alone_makes_an_eseal_service(world, store, records, tmp_path):
    credential = _sealed(tmp_path, records, world.qualifications_ca, NOW - timedelta(hours=1), "quals")
    _, issuer = _issuer_check(credential, store)  # the store alone, as --trust
    assert issuer.details["qualifiedSeal"]["service"] == "Qualifications eSeal CA"
    assert not issuer.passed and "not on the trust list" in issuer.reason  # no institutions in a bare store


def test_a_seal_made_after_its_service_was_withdrawn_is_not_anchored(world, store, records, tmp_path):
    credential = _sealed(tmp_path, records, world.withdrawn_ca, NOW - timedelta(hours=1), "withdrawn")
    _, issuer = _issuer_check(credential, _trust_with_store(tmp_path, store))
    assert not issuer.passed
    assert ("not a qualified e-seal: service Old eSeal CA of TSP Qualified Seals TSP S.A. (trusted list of ES "
            "(sequence 42, issued 2026-01-05T00:00:00Z)) withdrawn since 2026-06-01T00:00:00Z, before the "
            "signing time") in issuer.reason
    assert "the seal certificate is not anchored" in issuer.reason
    assert issuer.details["qualifiedSeal"]["qualified"] is False


def test_a_seal_made_while_its_service_was_granted_stays_qualified_after_withdrawal(world, store, records, tmp_path):
    credential = _sealed(tmp_path, records, world.withdrawn_ca, BEFORE_WITHDRAWAL, "before")
    _, issuer = _issuer_check(credential, _trust_with_store(tmp_path, store))
    assert issuer.passed, issuer.reason
    assert "qualified e-seal per trusted list of country ES (TSP Qualified Seals TSP S.A., service Old eSeal CA)" \
        in issuer.reason


def test_a_service_without_the_eseal_qualifier_is_not_an_anchor_for_seals(world, store, records, tmp_path):
    credential = _sealed(tmp_path, records, world.esig_ca, NOW - timedelta(hours=1), "esig")
    entry, issuer = _issuer_check(credential, _trust_with_store(tmp_path, store))
    assert not next(c for c in entry.checks if c.name == "trust.chain").passed
    assert not issuer.passed
    assert issuer.reason.endswith("not a qualified e-seal: the seal's chain does not reach any service of an "
                                  "imported trusted list")


def test_an_expired_list_no_longer_qualifies_at_verification(world, store, records, tmp_path):
    credential = _sealed(tmp_path, records, world.granted_ca, NOW - timedelta(hours=1), "late")
    (entry,) = assess(credential, trust=_trust_with_store(tmp_path, store),
                      options=options(now=NEXT + timedelta(days=1))).credentials
    issuer = next(c for c in entry.checks if c.name == "trust.issuer")
    assert not issuer.passed and "expired on 2027-06-05T00:00:00Z (its NextUpdate)" in issuer.reason


def test_a_damaged_store_is_refused_naming_it(tmp_path):
    bad = tmp_path / "anchors.json"
    bad.write_text('{"format": "something else"}')
    with pytest.raises(TrustedListError, match="not an anchor store written by"):
        load_trust_list(bad)


# --------------------------------------------------------------------------- the official sample


@pytest.mark.reference
def test_the_official_sample_is_a_qualified_eseal_once_its_ca_is_in_an_imported_list(world, tmp_path):
    sample = need_reference(*SAMPLE)
    official = json.loads(sample.read_text(encoding="utf-8"))
    anf = next(c for c in xvals_certificates(jades.read_envelope(official))
               if "ANF AC Qualified Certificates for eSeal" in c.subject.rfc4514_string()
               and "Responder" not in c.subject.rfc4514_string())
    services = {"ANF Autoridad de Certificación": [Service("ANF AC Qualified Certificates for eSeal", [anf],
                                                           start=datetime(2016, 7, 1, tzinfo=timezone.utc))]}
    files = [("lotl.xml", world.lotl()), ("es.xml", sign(build_national("ES", services), world.es_signer))]
    result = import_trusted_lists(files, lotl_signers=[world.lotl_signer.certificate], now=NOW)
    write_store(result, tmp_path / "anchors.json", imported_at=NOW)
    trust = load_trust_list(tmp_path / "anchors.json")
    # without the list, the chain fails (tests/test_jades.py); with it, it holds at sigT
    checks, _ = jades.verify_seal(official, trust_anchors=list(trust.anchors), now=OFFICIAL_NOW)
    assert {c.name: c.passed for c in checks}["trust.chain"]
    copy_path = tmp_path / "sample.jsonld"
    copy_path.write_bytes(sample.read_bytes())
    (entry,) = assess(copy_path, trust=trust, options=options(now=OFFICIAL_NOW)).credentials
    issuer = next(c for c in entry.checks if c.name == "trust.issuer")
    assert ("qualified e-seal per trusted list of country ES (TSP ANF Autoridad de Certificación, service ANF AC "
            "Qualified Certificates for eSeal): granted since 2016-07-01T00:00:00Z, in force at the signing time "
            "2023-09-27T11:54:17Z") in issuer.reason
    assert issuer.details["qualifiedSeal"]["qualified"] is True


# --------------------------------------------------------------------------- the CLI


def test_cli_import_tl_writes_the_store_and_verify_trust_uses_it(world, records, tmp_path, capsys):
    (tmp_path / "lotl.xml").write_bytes(world.lotl())
    (tmp_path / "es.xml").write_bytes(world.national())
    (tmp_path / "lotl-signer.pem").write_bytes(world.lotl_signer.pem)
    out = tmp_path / "anchors.json"
    code = main(["trust", "import-tl", str(tmp_path / "lotl.xml"), str(tmp_path / "es.xml"),
                 "--lotl-signer", str(tmp_path / "lotl-signer.pem"), "--out", str(out),
                 "--now", "2026-11-24T12:00:00Z"])
    printed = capsys.readouterr().out
    assert code == 0 and "trusted list of ES (sequence 42, issued 2026-01-05T00:00:00Z): signature valid" in printed
    assert "skipped: ES Qualified Seals TSP S.A. / Qualified eSignature CA: not qualified for e-seals" in printed
    assert out.exists() and len(load_anchor_store(out)) == 3
    credential = _sealed(tmp_path, records, world.granted_ca, NOW - timedelta(hours=1), "cli")
    code = main(["verify", str(credential), "--trust", str(_trust_with_store(tmp_path, out)), "--json",
                 "--now", "2026-11-24T12:00:00Z"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    issuer = next(c for c in report["credentials"][0]["checks"] if c["name"] == "trust.issuer")
    assert issuer["details"]["qualifiedSeal"]["tsp"] == "Qualified Seals TSP S.A."


def test_cli_import_tl_json_summarises_what_it_wrote(world, tmp_path, capsys):
    (tmp_path / "lotl.xml").write_bytes(world.lotl())
    (tmp_path / "es.xml").write_bytes(world.national())
    (tmp_path / "lotl-signer.pem").write_bytes(world.lotl_signer.pem)
    out = tmp_path / "anchors.json"
    code = main(["trust", "import-tl", str(tmp_path / "lotl.xml"), str(tmp_path / "es.xml"),
                 "--lotl-signer", str(tmp_path / "lotl-signer.pem"), "-o", str(out),
                 "--now", "2026-11-24T12:00:00Z", "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["out"] == str(out) and len(summary["anchors"]) == len(load_anchor_store(out)) == 3
    assert summary["lists"][0]["signature"] == "valid" and summary["lists"][0]["services"] == 3
    assert any(s["reason"].startswith("not qualified for e-seals") for s in summary["skipped"])


def test_cli_refuses_a_tampered_list_by_name_without_a_traceback(world, tmp_path, capsys):
    (tmp_path / "lotl.xml").write_bytes(world.lotl())
    (tmp_path / "es.xml").write_bytes(world.national().replace(b"Qualified eSeal CA", b"Qualified eSeal CB", 1))
    (tmp_path / "lotl-signer.pem").write_bytes(world.lotl_signer.pem)
    code = main(["trust", "import-tl", str(tmp_path / "lotl.xml"), str(tmp_path / "es.xml"),
                 "--lotl-signer", str(tmp_path / "lotl-signer.pem"), "--out", str(tmp_path / "a.json"),
                 "--now", "2026-11-24T12:00:00Z"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: Signature: ") and "list signature invalid" in err
    assert "Traceback" not in err and not (tmp_path / "a.json").exists()


def test_cli_names_an_unwritable_store_and_an_unreadable_signer(world, tmp_path, capsys):
    (tmp_path / "lotl.xml").write_bytes(world.lotl())
    (tmp_path / "lotl-signer.pem").write_bytes(world.lotl_signer.pem)
    args = ["trust", "import-tl", str(tmp_path / "lotl.xml"), "--now", "2026-11-24T12:00:00Z"]
    signer = str(tmp_path / "lotl-signer.pem")
    assert main([*args, "--lotl-signer", signer, "--out", str(tmp_path / "no" / "a.json")]) == 2  # usage error
    assert capsys.readouterr().err.startswith("error: --out: cannot write the anchor store")
    assert main([*args, "--lotl-signer", str(tmp_path / "missing.pem"), "--out", str(tmp_path / "a.json")]) == 2
    assert capsys.readouterr().err.startswith(f"error: --lotl-signer {tmp_path / 'missing.pem'}: cannot read")

"""OID4VCI 1.0 credential offer (pre-authorized code) and credential issuer metadata."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from edcissuer.errors import ExportError
from edcissuer.export.offer import (
    CONFIGURATIONS,
    PRE_AUTH_GRANT,
    configuration_for,
    credential_offer,
    issuer_metadata,
    metadata_url,
    offer_qr,
    offer_uri,
    parse_offer_uri,
)

ISSUER = "https://credentials.example.edu"


def test_offer_has_the_pre_authorized_code_grant_and_a_random_code():
    a = credential_offer(ISSUER, ["OpenBadgeCredential_ldp_vc"])
    b = credential_offer(ISSUER, ["OpenBadgeCredential_ldp_vc"])
    assert a.offer == {"credential_issuer": ISSUER, "credential_configuration_ids": ["OpenBadgeCredential_ldp_vc"],
                       "grants": {PRE_AUTH_GRANT: {"pre-authorized_code": a.pre_authorized_code}}}
    assert a.pre_authorized_code != b.pre_authorized_code and len(a.pre_authorized_code) >= 43
    assert a.tx_code is None


def test_transaction_code_is_described_in_the_offer_and_kept_out_of_it():
    bundle = credential_offer(ISSUER, ["EuropeanDigitalCredential_ldp_vc"], tx_code_length=6)
    grant = bundle.offer["grants"][PRE_AUTH_GRANT]
    assert grant["tx_code"]["input_mode"] == "numeric" and grant["tx_code"]["length"] == 6
    assert bundle.tx_code is not None and bundle.tx_code.isdigit() and len(bundle.tx_code) == 6
    assert bundle.tx_code not in bundle.to_json()


def test_offer_uri_and_qr_round_trip_to_the_offer():
    zxingcpp = pytest.importorskip("zxingcpp")
    bundle = credential_offer(ISSUER, ["OpenBadgeCredential_jwt_vc_json"], tx_code_length=4)
    assert bundle.uri.startswith("openid-credential-offer://?credential_offer=%7B")
    assert parse_offer_uri(bundle.uri) == bundle.offer
    # QR only: on some random codes the scanner also "sees" a Codabar in the modules
    [scanned] = zxingcpp.read_barcodes(Image.open(io.BytesIO(offer_qr(bundle))), formats=zxingcpp.BarcodeFormat.QRCode)
    assert parse_offer_uri(scanned.text) == bundle.offer
    by_ref = offer_uri(bundle.offer, by_reference=f"{ISSUER}/offers/123")
    assert by_ref == "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fcredentials.example.edu%2Foffers%2F123"


def test_issuer_metadata_lists_ob3_and_edc_configurations():
    meta = issuer_metadata(ISSUER + "/", name="Demo University")
    assert meta["credential_issuer"] == ISSUER
    assert meta["credential_endpoint"] == f"{ISSUER}/credential"
    configs = meta["credential_configurations_supported"]
    assert set(configs) == set(CONFIGURATIONS)
    ldp = configs["OpenBadgeCredential_ldp_vc"]
    assert ldp["format"] == "ldp_vc"
    assert ldp["credential_definition"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert ldp["credential_definition"]["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert "eddsa-rdfc-2022" in ldp["credential_signing_alg_values_supported"]
    jwt = configs["EuropeanDigitalCredential_jwt_vc_json"]
    assert jwt["format"] == "jwt_vc_json" and "EdDSA" in jwt["credential_signing_alg_values_supported"]
    assert "@context" not in jwt["credential_definition"]
    assert ldp["cryptographic_binding_methods_supported"] == ["did:key"]
    assert metadata_url("https://example.edu/tenant") == "https://example.edu/.well-known/openid-credential-issuer/tenant"


def test_configuration_for_issued_credentials():
    assert configuration_for("ob3", "eddsa-rdfc-2022") == "OpenBadgeCredential_ldp_vc"
    assert configuration_for("elm", "jwt") == "EuropeanDigitalCredential_jwt_vc_json"
    with pytest.raises(ExportError, match="Europass"):
        configuration_for("elm", "jades")


@pytest.mark.parametrize("url", ["http://credentials.example.edu", "https://x.example?y=1", "credentials.example.edu"])
def test_issuer_must_be_an_https_url(url):
    with pytest.raises(ExportError) as err:
        credential_offer(url, ["OpenBadgeCredential_ldp_vc"])
    assert err.value.field == "credential-issuer"


def test_offer_needs_a_configuration_and_a_sane_pin_length():
    with pytest.raises(ExportError):
        credential_offer(ISSUER, [])
    with pytest.raises(ExportError):
        credential_offer(ISSUER, ["OpenBadgeCredential_ldp_vc"], tx_code_length=40)

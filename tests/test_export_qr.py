"""QR codes: a verification link (decoded back with zxing-cpp and resolved to the credential),
a compact JWT when it fits, and a clear refusal naming size and limit when it does not."""
from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
from lxml import etree
from PIL import Image

from conftest import NOW
from edcissuer.errors import ExportError
from edcissuer.export.qr import CAPACITY, credential_qr, make_qr, qr_payload, verification_url
from edcissuer.issue import issue
from edcissuer.proofs.jwt import sign_jwt
from edcissuer.verify import VerifyOptions, verify_all

zxingcpp = pytest.importorskip("zxingcpp")
PATTERN = "https://verify.example.edu/c/{id}"


def decode(png: bytes) -> str:
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode)
    return str(found.text)


@pytest.fixture(scope="module")
def ob3(records, demo_keys):
    return issue(records["model1-single"], fmt="ob3", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW)


def test_link_qr_decodes_to_the_link_that_names_the_credential(ob3, tmp_path):
    png, kind, text = credential_qr(ob3, verify_url=PATTERN)
    assert kind == "link" and decode(png) == text
    assert text == "https://verify.example.edu/c/" + ob3.credential_id.replace(":", "%3A")
    # the institution's verification page serves the credential by id; here: the issued file
    served = {ob3.credential_id: ob3.serialize()}
    [result] = verify_all(served[unquote(text.rsplit("/", 1)[1])], VerifyOptions(now=NOW))
    assert result.verified


def test_svg_qr_is_svg(ob3):
    svg, _, _ = credential_qr(ob3, verify_url=PATTERN, fmt="svg")
    assert etree.fromstring(svg).tag.endswith("svg")


def test_uuid_placeholder_gives_short_links(ob3):
    assert verification_url("https://v.example.eu/{uuid}", ob3.credential_id) == \
        "https://v.example.eu/" + ob3.credential_id.removeprefix("urn:uuid:")


def test_too_large_credential_is_refused_naming_size_limit_and_alternatives(ob3):
    with pytest.raises(ExportError) as err:
        credential_qr(ob3)                      # no link configured, 10 KB credential
    assert err.value.field == "qr"
    size = len(ob3.serialize().encode())
    assert err.value.value == size
    assert f"{size} bytes" in err.value.message and str(CAPACITY["L"]) in err.value.message
    assert "--verify-url" in err.value.message and "--as png" in err.value.message
    with pytest.raises(ExportError, match="only a compact VC-JWT"):
        qr_payload(ob3, mode="jwt")


def test_large_jwt_falls_back_to_the_link_or_is_refused(records, demo_keys):
    token = issue(records["model1-single"], fmt="ob3", signer=demo_keys.issuer, proof="jwt", now=NOW)
    assert qr_payload(token, verify_url=PATTERN)[0] == "link"
    with pytest.raises(ExportError, match="compact JWT is .* too large"):
        qr_payload(token, mode="jwt")


def test_small_jwt_goes_in_whole_and_verifies_after_scanning(demo_keys):
    issuer = demo_keys.issuer
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:6a1f7c2e-0b1d-4c55-9d0e-2f6b7a0c9e11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer.did_key, "type": ["Profile"], "name": "Demo University"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Badge",
        "credentialSubject": {"id": demo_keys.learners["ana"].did_key, "type": ["AchievementSubject"],
                              "achievement": {"id": "urn:uuid:0d2c1b7e-8a55-4b0e-9a3a-1f2e3d4c5b6a",
                                              "type": ["Achievement"], "name": "Badge",
                                              "description": "A tiny badge.", "criteria": {"narrative": "Attend."}}},
    }
    token = sign_jwt(credential, issuer, now=NOW)
    png, kind, text = credential_qr(token)
    assert kind == "jwt" and text == token and decode(png) == token
    [result] = verify_all(decode(png), VerifyOptions(now=NOW))
    assert next(c for c in result.checks if c.name == "proof").passed  # the signature survives scanning


@pytest.mark.parametrize("pattern", ["http://verify.example.edu/{id}", "https://verify.example.edu/c/"])
def test_bad_link_patterns_are_refused(ob3, pattern):
    with pytest.raises(ExportError) as err:
        credential_qr(ob3, verify_url=pattern)
    assert err.value.field == "verify-url"


def test_make_qr_refuses_overflow():
    with pytest.raises(ExportError) as err:
        make_qr("x" * 2400, error_correction="M")
    assert "2400 bytes" in err.value.message and "2331" in err.value.message

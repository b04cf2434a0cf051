"""A certificate made for a learner with a wallet offer carries an "add to your wallet" QR code
holding exactly that offer, next to the verification QR code."""
from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp

from edcissuer.errors import ExportError
from edcissuer.export.certificate import certificate_html, certificate_pdf
from edcissuer.issue import issue
from edcissuer.models.records import load_record

ROOT = Path(__file__).resolve().parents[1]
OFFER = "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fverify.example.edu%2Foffers%2Fab12"
VERIFY = "https://verify.example.edu/c/{id}"


@pytest.fixture(scope="module")
def credential(demo_keys):  # type: ignore[no-untyped-def]
    record = load_record(ROOT / "samples" / "records" / "model1-single.yaml")
    return issue(record, fmt="ob3", signer=demo_keys.issuer, now=datetime(2026, 7, 1, tzinfo=timezone.utc)).artefact


def _codes(pdf: bytes) -> list[str]:
    texts = []
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    for page in document:
        image = page.render(scale=3).to_pil()
        texts += [r.text for r in zxingcpp.read_barcodes(image)]
    return texts


def test_the_pdf_has_the_offer_qr_beside_the_verification_qr(credential) -> None:  # type: ignore[no-untyped-def]
    codes = _codes(certificate_pdf(credential, verify_url=VERIFY, wallet_offer=OFFER))
    assert OFFER in codes and any(c.startswith("https://verify.example.edu/c/") for c in codes)
    assert OFFER not in _codes(certificate_pdf(credential, verify_url=VERIFY))


def test_the_html_says_how_to_add_it_and_that_the_pin_comes_separately(credential) -> None:  # type: ignore[no-untyped-def]
    page = certificate_html(credential, verify_url=VERIFY, wallet_offer=OFFER, lang="fr")
    assert "Ajouter à votre portefeuille" in page and "séparément" in page
    assert 'class="wallet"' not in certificate_html(credential, verify_url=VERIFY)


def test_anything_but_an_offer_uri_is_refused_naming_the_field(credential) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ExportError) as err:
        certificate_pdf(credential, verify_url=VERIFY, wallet_offer="https://evil.example/x")
    assert err.value.field == "wallet_offer"

"""Exports refuse credentials that do not verify: a tampered or forged credential never becomes a
certificate, badge, QR code, presentation, offer or Europass file; `unverified=True` lets it into
a human-read carrier only, stamped NOT VERIFIED; an untouched credential exports as before."""
from __future__ import annotations

import base64
import copy
import io
import json
import struct
import zlib
from datetime import timedelta

import pytest
from lxml import etree
from PIL import Image

from conftest import NOW, ROOT
from edcissuer.cli import main
from edcissuer.crypto.demo_pki import generate_demo_ca
from edcissuer.crypto.keys import KeyPair
from edcissuer.errors import ExportError
from edcissuer.export.artefact import load_artefact
from edcissuer.export.authentic import check_authenticity
from edcissuer.export.baking import extract_png
from edcissuer.export.run import STAMPABLE, TARGETS, export_credential
from edcissuer.issue import issue, secure
from edcissuer.mapping.ob3 import to_ob3

PATTERN = "https://verify.example.edu/c/{id}"
ISSUER_URL = "https://credentials.example.edu"
KEYS = ROOT / "keys"


@pytest.fixture(scope="module")
def ob3(records, demo_keys):
    return issue(records["model1-single"], fmt="ob3", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW)


@pytest.fixture(scope="module")
def tampered(ob3):
    """The DI credential with its title changed after signing."""
    forged = copy.deepcopy(ob3.artefact)
    forged["name"] = "Doctorate in Everything"
    return forged


@pytest.fixture(scope="module")
def forged_issuer(records):
    """Signed correctly, but by a stranger's key while naming the university as issuer."""
    return secure(to_ob3(records["model1-single"]), KeyPair.generate("Ed25519"), fmt="ob3",
                  proof="eddsa-rdfc-2022", now=NOW).artefact


@pytest.fixture(scope="module")
def sealed(records, demo_keys):
    return issue(records["model1-single"], fmt="elm", signer=demo_keys.seal, now=NOW)


@pytest.fixture(scope="module")
def tampered_seal(sealed):
    forged = copy.deepcopy(sealed.artefact)
    forged["payload"] = forged["payload"].replace("Data Literacy", "Data Wizardry", 1)
    assert forged["payload"] != sealed.artefact["payload"]
    return forged


@pytest.fixture(scope="module")
def tampered_jwt(records, demo_keys):
    token = issue(records["model1-single"], fmt="ob3", signer=demo_keys.issuer, proof="jwt", now=NOW).artefact
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["name"] = "Doctorate in Everything"
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{body}.{signature}"


def export(source, target, **kw):
    defaults = {"verify_url": PATTERN, "credential_issuer": ISSUER_URL}
    if target == "vp":
        defaults.update(holder=kw.pop("holder"), challenge="n-1", domain="uni.example")
    return export_credential([source], target, now=NOW, **{**defaults, **kw})


def pdf_text(pdf: bytes) -> str:
    pdfium = pytest.importorskip("pypdfium2")
    doc = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def text_chunks(png: bytes) -> dict[bytes, bytes]:
    out, pos = {}, 8
    while pos < len(png):
        length, ctype = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + length]
        if ctype == b"tEXt":
            key, _, value = body.partition(b"\x00")
            out[key] = value
        pos += 12 + length
    return out


# --- refused ---------------------------------------------------------------------------------

@pytest.mark.parametrize("target", [t for t in TARGETS if t != "europass"])
def test_tampered_credential_is_refused_for_every_carrier_naming_the_proof_check(tampered, demo_keys, target):
    with pytest.raises(ExportError) as err:
        export(tampered, target, holder=demo_keys.learners["ana"])
    assert err.value.field == "proof"
    assert "does not verify" in err.value.message and "proof:" in err.value.message


def test_tampered_seal_is_refused_as_a_europass_file_and_a_certificate(tampered_seal, demo_keys):
    for target in ("europass", "pdf"):
        with pytest.raises(ExportError) as err:
            export(tampered_seal, target, trust_anchors=demo_keys.trust_anchors)
        assert err.value.field == "proof"


def test_credential_signed_by_a_stranger_is_refused_naming_issuer_binding(forged_issuer):
    with pytest.raises(ExportError) as err:
        export(forged_issuer, "pdf")
    assert err.value.field == "issuer.binding"
    assert "not controlled by the issuer" in err.value.message


def test_tampered_jwt_is_refused(tampered_jwt):
    for target in ("qr", "png"):
        with pytest.raises(ExportError) as err:
            export(tampered_jwt, target)
        assert err.value.field == "proof"


def test_one_tampered_credential_refuses_the_whole_presentation(ob3, tampered, demo_keys):
    with pytest.raises(ExportError) as err:
        export_credential([ob3, tampered], "vp", now=NOW, holder=demo_keys.learners["ana"], challenge="n-1",
                          domain="uni.example")
    assert err.value.field == "proof" and "credential 2" in err.value.message


def test_seal_chained_to_an_anchor_other_than_its_ca_is_refused(sealed):
    stranger = generate_demo_ca(not_before=NOW - timedelta(days=1), not_after=NOW + timedelta(days=365))
    with pytest.raises(ExportError) as err:
        export(sealed, "pdf", trust_anchors=[stranger.certificate])
    assert err.value.field == "trust.chain"


def test_now_is_required():
    with pytest.raises(TypeError):
        export_credential([{}], "pdf")  # type: ignore[call-arg]


# --- --unverified: stamped, or refused for machine-read carriers -----------------------------

def test_unverified_pdf_says_not_verified_on_the_page(tampered):
    out = export(tampered, "pdf", unverified=True)
    text = pdf_text(out.content)
    assert text.count("NOT VERIFIED") >= 2          # the banner and the watermark at least
    assert "The signature did not verify: proof:" in " ".join(text.split())
    assert any(n.startswith("NOT VERIFIED: exported with --unverified") for n in out.notes)


def test_unverified_html_carries_a_banner_and_the_reason(tampered):
    page = export(tampered, "html", unverified=True).content.decode()
    assert '<div class="unverified" role="alert"><strong>NOT VERIFIED</strong>' in page
    assert "<title>NOT VERIFIED - " in page
    assert "proof:" in page.split('class="unverified"', 1)[1][:600]


def test_unverified_png_badge_is_stamped_in_pixels_and_metadata(tampered):
    png = export(tampered, "png", unverified=True).content
    assert text_chunks(png)[b"Warning"].startswith(b"NOT VERIFIED: proof:")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.getpixel((image.width // 8, image.height // 2)) == (176, 0, 32)   # the red band
    assert json.loads(extract_png(png)) == tampered           # the credential itself is carried unchanged


def test_unverified_png_stamps_a_given_image_too(tampered):
    buf = io.BytesIO()
    Image.new("RGB", (120, 120), "white").save(buf, format="PNG")
    png = export(tampered, "png", unverified=True, image=buf.getvalue()).content
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.getpixel((5, 60)) == (176, 0, 32) and image.getpixel((5, 5)) == (255, 255, 255)


def test_unverified_svg_badge_draws_not_verified_on_top(tampered):
    svg = export(tampered, "svg", unverified=True).content
    root = etree.fromstring(svg)
    stamp = root[-1]                                       # drawn last, so on top
    assert stamp.get("id") == "edcissuer-not-verified"
    texts = [t.text for t in stamp.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["NOT VERIFIED"]
    assert stamp[0].text.startswith("NOT VERIFIED: proof:")


@pytest.mark.parametrize("target", [t for t in TARGETS if t not in STAMPABLE])
def test_unverified_is_refused_for_machine_read_carriers(tampered, ob3, demo_keys, target):
    for source in (tampered, ob3):   # refused whatever the credential: no stamp would reach a wallet
        with pytest.raises(ExportError) as err:
            export(source, target, unverified=True, holder=demo_keys.learners["ana"])
        assert err.value.field == "unverified"


def test_unverified_on_a_credential_that_verifies_stamps_nothing(ob3):
    page = export(ob3, "html", unverified=True).content.decode()
    assert "NOT VERIFIED" not in page
    assert b"Warning" not in text_chunks(export(ob3, "png", unverified=True).content)


# --- untouched credentials export as before --------------------------------------------------

def test_untouched_credential_exports_with_no_verification_notes(ob3):
    for target in ("pdf", "html", "png", "svg"):
        out = export(ob3, target)
        assert not [n for n in out.notes if "VERIFIED" in n or "not checked" in n], out.notes
    assert "NOT VERIFIED" not in export(ob3, "html").content.decode()


def test_seal_without_anchors_is_exported_saying_its_chain_was_not_checked(sealed, demo_keys):
    out = export(sealed, "europass")
    assert out.content == sealed.serialize().encode("utf-8")
    assert any(n.startswith("trust.chain not checked") and "--trust-anchor" in n for n in out.notes)
    anchored = export(sealed, "europass", trust_anchors=demo_keys.trust_anchors)
    assert not [n for n in anchored.notes if "not checked" in n]


def test_check_authenticity_reports_checks_failures_and_unchecked(sealed, tampered, demo_keys):
    seal = check_authenticity(load_artefact(sealed), now=NOW)
    assert seal.verified and [c.name for c in seal.unchecked] == ["trust.chain"]
    assert check_authenticity(load_artefact(sealed), now=NOW, trust_anchors=demo_keys.trust_anchors).unchecked == ()
    bad = check_authenticity(load_artefact(tampered), now=NOW)
    assert not bad.verified and [c.name for c in bad.failures] == ["proof"]


# --- the command line ------------------------------------------------------------------------

def run(capsys, *args: object) -> tuple[int, str]:
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


def test_cli_refuses_a_tampered_credential_and_stamps_it_with_unverified(tampered, tmp_path, capsys):
    source = tmp_path / "tampered.jsonld"
    source.write_text(json.dumps(tampered), encoding="utf-8")
    out = tmp_path / "c.pdf"
    code, err = run(capsys, "export", source, "--as", "pdf", "-o", out, "--verify-url", PATTERN,
                    "--now", "2026-11-24T12:00:00Z")
    assert code == 1 and err.startswith("error: proof: refusing to export") and not out.exists()
    code, err = run(capsys, "export", source, "--as", "pdf", "-o", out, "--verify-url", PATTERN, "--unverified")
    assert code == 0 and "note: NOT VERIFIED" in err
    assert "NOT VERIFIED" in pdf_text(out.read_bytes())
    code, err = run(capsys, "export", source, "--as", "qr", "-o", tmp_path / "q.png", "--verify-url", PATTERN,
                    "--unverified")
    assert code == 2 and "error: --unverified:" in err  # a usage error: the option does not apply


def test_cli_checks_a_seal_against_the_given_trust_anchor(sealed, tmp_path, capsys):
    source = tmp_path / "elm.jades.json"
    source.write_text(sealed.serialize(), encoding="utf-8")
    code, err = run(capsys, "export", source, "--as", "europass", "-o", tmp_path)
    assert code == 0 and "note: trust.chain not checked" in err
    code, err = run(capsys, "export", source, "--as", "europass", "-o", tmp_path / "again.jsonld",
                    "--trust-anchor", KEYS / "demo-ca.DEMO-ONLY.pem")
    assert code == 0 and "not checked" not in err, err
    code, err = run(capsys, "export", source, "--as", "europass", "-o", tmp_path / "x.jsonld",
                    "--trust-anchor", tmp_path / "missing.pem")
    assert code == 2 and err.startswith("error: --trust-anchor:")  # a usage error


def test_cli_writes_exports_owner_only(ob3, tmp_path, capsys):
    source = tmp_path / "ob3.jsonld"
    source.write_text(ob3.serialize(), encoding="utf-8")
    out = tmp_path / "c.html"
    code, _ = run(capsys, "export", source, "--as", "html", "-o", out, "--verify-url", PATTERN)
    assert code == 0 and out.stat().st_mode & 0o777 == 0o600

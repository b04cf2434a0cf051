"""Ambiguous carriers are refused: a baked image that two readers could read two ways (two
credentials, attribute and body that differ, the keyword in several PNG text chunks, data after
IEND, markup inside the SVG element) names the carrier and field and never verifies; baking
never produces such an image."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from conftest import NOW
from edcissuer.errors import ExportError
from edcissuer.export.baking import bake_png, bake_svg, extract_credential, extract_png, extract_svg
from edcissuer.issue import issue
from edcissuer.verify import VerifyOptions, verify_all

OB3_NS = "https://purl.imsglobal.org/ob/v3p0"


@pytest.fixture(scope="module")
def ob3(records, demo_keys):
    return issue(records["model1-single"], fmt="ob3", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW)


@pytest.fixture(scope="module")
def other(records, demo_keys):
    return issue(records["model3-joint"], fmt="ob3", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW)


@pytest.fixture(scope="module")
def token(records, demo_keys):
    return issue(records["model1-single"], fmt="ob3", signer=demo_keys.issuer, proof="jwt", now=NOW).artefact


def chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def before_iend(png: bytes, *extra: bytes) -> bytes:
    """`png` with `extra` chunks inserted just before its IEND chunk (the last 12 bytes)."""
    return png[:-12] + b"".join(extra) + png[-12:]


def refused(image: bytes, field: str, words: str) -> ExportError:
    """The image is refused by the reader (naming carrier and field) and by the verifier."""
    with pytest.raises(ExportError) as err:
        extract_credential(image)
    assert err.value.field == field
    assert words in err.value.message
    [result] = verify_all(image, VerifyOptions(now=NOW))
    assert not result.verified and result.checks[0].name == "input"
    assert words in result.checks[0].reason
    return err.value


# --- PNG ---------------------------------------------------------------------------------------

def test_png_with_two_itxt_credential_chunks_is_refused(ob3, other):
    second = extract_png(bake_png(other)).encode()
    png = before_iend(bake_png(ob3), chunk(b"iTXt", b"openbadgecredential\x00\x00\x00\x00\x00" + second))
    error = refused(png, "openbadgecredential", "2 'openbadgecredential' text chunks")
    assert "PNG" in error.message


@pytest.mark.parametrize("ctype,body", [
    (b"tEXt", b"openbadgecredential\x00{}"),
    (b"zTXt", b"openbadgecredential\x00\x00" + zlib.compress(b"{}")),
    (b"tEXt", b"OpenBadgeCredential\x00{}"),          # a variant spelling another reader may accept
    (b"iTXt", b"OPENBADGECREDENTIAL\x00\x00\x00\x00\x00{}"),
])
def test_png_with_the_keyword_in_another_text_chunk_too_is_refused(ob3, ctype, body):
    png = before_iend(bake_png(ob3), chunk(ctype, body))
    error = refused(png, "openbadgecredential", "could be read two ways")
    assert ctype.decode() in error.message


def test_png_with_the_credential_only_in_a_text_chunk_is_refused_not_guessed(ob3):
    base = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(base, format="PNG")
    text = extract_png(bake_png(ob3)).encode()
    png = before_iend(base.getvalue(), chunk(b"tEXt", b"openbadgecredential\x00" + text))
    refused(png, "openbadgecredential", "not the iTXt chunk")


def test_png_with_data_after_iend_is_refused(ob3, other):
    png = bake_png(ob3) + b"{\"hidden\": true}"
    error = refused(png, "image", "bytes after its IEND chunk")
    assert "PNG" in error.message
    # a whole second PNG appended (a polyglot) is refused the same way
    refused(bake_png(ob3) + bake_png(other), "image", "after its IEND chunk")


def test_baking_drops_stray_credential_chunks_and_trailing_bytes_so_its_output_reads_one_way(ob3):
    base = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(base, format="PNG")
    messy = before_iend(base.getvalue(), chunk(b"tEXt", b"openbadgecredential\x00old")) + b"trailer"
    png = bake_png(ob3, messy)
    [result] = verify_all(png, VerifyOptions(now=NOW))
    assert result.verified, result.to_text()


# --- SVG ---------------------------------------------------------------------------------------

def svg(*elements: str) -> bytes:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB3_NS}">'
            + "".join(elements) + '<circle r="4"/></svg>').encode()


def test_svg_with_two_credential_elements_is_refused(ob3, other):
    first, second = extract_svg(bake_svg(ob3)), extract_svg(bake_svg(other))
    image = svg(f"<openbadges:credential><![CDATA[{first}]]></openbadges:credential>",
                f"<g><openbadges:credential><![CDATA[{second}]]></openbadges:credential></g>")
    error = refused(image, "openbadges:credential", "2 <openbadges:credential> elements")
    assert "SVG" in error.message


def test_svg_element_whose_verify_attribute_and_body_differ_is_refused(token, ob3):
    body = extract_svg(bake_svg(ob3))
    image = svg(f'<openbadges:credential verify="{token}"><![CDATA[{body}]]></openbadges:credential>')
    refused(image, "openbadges:credential.verify", "both a verify attribute and a body, and they differ")


def test_svg_element_whose_verify_attribute_and_body_agree_is_read(token):
    image = svg(f'<openbadges:credential verify="{token}">{token}</openbadges:credential>')
    assert extract_svg(image) == token
    [result] = verify_all(image, VerifyOptions(now=NOW))
    assert result.verified, result.to_text()


@pytest.mark.parametrize("inside", ["<!-- note -->", "<openbadges:x/>"])
def test_svg_element_with_markup_inside_is_refused(ob3, inside):
    body = extract_svg(bake_svg(ob3))
    half = len(body) // 2
    image = svg(f"<openbadges:credential><![CDATA[{body[:half]}]]>{inside}<![CDATA[{body[half:]}]]>"
                "</openbadges:credential>")
    refused(image, "openbadges:credential", "markup inside it")


def test_baking_into_an_svg_with_credentials_leaves_exactly_one(ob3, other):
    messy = bake_svg(other).replace(b"<svg", b"<svg", 1)
    messy = messy.replace(b"</svg>", f'<openbadges:credential xmlns:openbadges="{OB3_NS}">x'
                                     "</openbadges:credential></svg>".encode())
    [result] = verify_all(bake_svg(ob3, messy), VerifyOptions(now=NOW))
    assert result.verified, result.to_text()

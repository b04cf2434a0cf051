"""Baked Open Badges: the signed OB3 credential inside a PNG (iTXt) or SVG, read back and verified."""
from __future__ import annotations

import io
import json
import struct
import zlib

import pytest
from lxml import etree
from PIL import Image

from conftest import NOW
from edcissuer.errors import ExportError
from edcissuer.export.baking import (
    OB3_NS,
    bake_png,
    bake_svg,
    default_badge_png,
    extract_credential,
    extract_png,
    extract_svg,
)
from edcissuer.issue import issue
from edcissuer.verify import VerifyOptions, verify, verify_all


@pytest.fixture(scope="module")
def ob3(records, demo_keys):
    return issue(records["model2-cooperative"], fmt="ob3", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW)


@pytest.fixture(scope="module")
def ob3_jwt(records, demo_keys):
    return issue(records["model3-joint"], fmt="ob3", signer=demo_keys.issuer, proof="jwt", now=NOW)


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 8
    while pos < len(png):
        length, ctype = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + length]
        assert struct.unpack(">I", png[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(ctype + body)
        out.append((ctype, body))
        pos += 12 + length
    return out


def plain_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(buf, format="PNG")
    return buf.getvalue()


def test_png_round_trip_verifies_and_carries_the_credential_unchanged(ob3, tmp_path):
    png = bake_png(ob3)
    assert json.loads(extract_png(png)) == ob3.artefact
    itxt = [b for c, b in chunks(png) if c == b"iTXt" and b.startswith(b"openbadgecredential\x00")]
    assert len(itxt) == 1
    assert itxt[0][len(b"openbadgecredential\x00"):][:2] == b"\x00\x00"  # compression flag and method: none
    image = Image.open(io.BytesIO(png))          # an independent PNG reader agrees
    image.load()
    assert json.loads(image.text["openbadgecredential"]) == ob3.artefact
    path = tmp_path / "badge.png"
    path.write_bytes(png)
    [result] = verify_all(path, VerifyOptions(now=NOW))
    assert result.verified, result.to_text()
    assert result.checks[0].name == "carrier" and "PNG" in result.checks[0].reason
    assert verify(path, VerifyOptions(now=NOW)).verified  # plain verify() reads baked images too


def test_baking_into_a_given_png_keeps_its_chunks_and_rebaking_replaces(ob3):
    original = plain_png()
    baked = bake_png(ob3, original)
    before = [c for c in chunks(original) if c[0] != b"IEND"]
    assert [c for c in chunks(baked) if c[0] != b"iTXt"][:-1] == before
    again = bake_png(ob3, baked)
    assert sum(c == b"iTXt" for c, _ in chunks(again)) == 1


def test_svg_round_trip_verifies(ob3, tmp_path):
    svg = bake_svg(ob3)
    root = etree.fromstring(svg)
    assert root.nsmap["openbadges"] == OB3_NS
    assert root[0].tag == f"{{{OB3_NS}}}credential"
    assert b"<![CDATA[" in svg
    assert json.loads(extract_svg(svg)) == ob3.artefact
    path = tmp_path / "badge.svg"
    path.write_bytes(svg)
    [result] = verify_all(path, VerifyOptions(now=NOW))
    assert result.verified, result.to_text()
    assert result.checks[0].name == "carrier" and "SVG" in result.checks[0].reason


def test_jwt_credential_is_baked_as_the_compact_jws(ob3_jwt):
    png, svg = bake_png(ob3_jwt), bake_svg(ob3_jwt)
    assert extract_credential(png) == ob3_jwt.artefact
    assert etree.fromstring(svg)[0].get("verify") == ob3_jwt.artefact
    for baked in (png, svg):
        [result] = verify_all(baked, VerifyOptions(now=NOW))
        assert result.verified and result.proof_type == "jwt", result.to_text()


def test_cdata_terminator_inside_the_credential_survives(records, demo_keys):
    record = records["model1-single"]
    odd = record.model_copy(update={"title": {"en": "Arrays]]>and <tags> & more"}})
    cred = issue(odd, fmt="ob3", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW)
    [result] = verify_all(bake_svg(cred), VerifyOptions(now=NOW))
    assert result.verified, result.to_text()


@pytest.mark.parametrize("image", [plain_png(), b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>'])
def test_image_without_a_credential_is_refused_clearly(image):
    with pytest.raises(ExportError) as err:
        extract_credential(image)
    assert err.value.field in {"openbadgecredential", "openbadges:credential"}
    assert "carries no Open Badges 3.0 credential" in err.value.message
    [result] = verify_all(image, VerifyOptions(now=NOW))
    assert not result.verified and result.checks[0].name == "input"
    assert "no Open Badges 3.0 credential" in result.checks[0].reason


def test_ob2_baked_svg_is_named(tmp_path):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">' \
          b'<openbadges:assertion verify="https://example.org/a.json"/></svg>'
    with pytest.raises(ExportError, match="Open Badges 2.0"):
        extract_svg(svg)


def test_damaged_png_and_tampered_credential(ob3):
    png = bytearray(bake_png(ob3))
    png[40] ^= 0xFF
    with pytest.raises(ExportError, match="CRC|damaged"):
        extract_png(bytes(png))
    text = extract_png(bake_png(ob3)).replace("Data", "Dada", 1)
    body = b"openbadgecredential\x00\x00\x00\x00\x00" + text.encode()
    chunk = struct.pack(">I", len(body)) + b"iTXt" + body + struct.pack(">I", zlib.crc32(b"iTXt" + body))
    base = plain_png()
    forged = base[:-12] + chunk + base[-12:]
    [result] = verify_all(forged, VerifyOptions(now=NOW))
    assert [f.name for f in result.failures] == ["proof"]


def test_elm_and_jades_are_not_baked(records, demo_keys):
    sealed = issue(records["model1-single"], fmt="elm", signer=demo_keys.seal, now=NOW)
    with pytest.raises(ExportError) as err:
        bake_png(sealed)
    assert err.value.field == "format"


def test_default_badge_is_drawn_from_the_signed_credential(ob3):
    image = Image.open(io.BytesIO(default_badge_png(ob3)))
    assert image.size == (400, 400)
    colours = image.convert("RGB").getcolors(maxcolors=100000)
    assert colours is not None and len(colours) > 20    # text was drawn, not an empty disc

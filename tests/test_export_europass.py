"""The Europass file: the JAdES-sealed EDC exactly as sealed, with a Europass-style name."""
from __future__ import annotations

import re

import pytest

from conftest import NOW, need_reference
from edcissuer.errors import ExportError
from edcissuer.export.europass import ascii_slug, europass_export
from edcissuer.issue import issue
from edcissuer.mapping.ob3 import to_ob3
from edcissuer.verify import VerifyOptions, verify_all


def test_sealed_elm_is_exported_byte_for_byte_and_verifies(records, demo_keys, tmp_path):
    sealed = issue(records["model3-joint"], fmt="elm", signer=demo_keys.seal, now=NOW)
    file = europass_export(sealed)
    assert file.name == "Responsible-Artificial-Intelligence-in-Healthcare-2026-09-01.jsonld"
    assert file.content == sealed.serialize().encode("utf-8")
    path = tmp_path / file.name
    path.write_bytes(file.content)
    assert europass_export(path).content == file.content        # re-export of the file is the same file
    [result] = verify_all(path, VerifyOptions(now=NOW, trust_anchors=demo_keys.trust_anchors))
    assert result.verified, result.to_text()


def test_title_language_picks_the_name(records, demo_keys):
    sealed = issue(records["model3-joint"], fmt="elm", signer=demo_keys.seal, now=NOW)
    assert europass_export(sealed, lang="it").name == "Intelligenza-artificiale-responsabile-in-sanita-2026-09-01.jsonld"


@pytest.mark.reference
def test_eu_sample_is_exported_as_is():
    sample = need_reference("elm", "samples", "Sample-MC-Annex1-signed.jsonld")
    file = europass_export(sample)
    assert file.content == sample.read_bytes()
    assert re.fullmatch(r"[A-Za-z0-9-]+(-\d{4}-\d{2}-\d{2})?\.jsonld", file.name), file.name


def test_open_badge_and_unsealed_elm_are_refused(records, demo_keys):
    ob3 = issue(records["model1-single"], fmt="ob3", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW)
    with pytest.raises(ExportError) as err:
        europass_export(ob3)
    assert err.value.field == "format" and "Open Badges" in err.value.message
    elm_di = issue(records["model1-single"], fmt="elm", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW)
    with pytest.raises(ExportError) as err:
        europass_export(elm_di)
    assert err.value.field == "proof" and "--proof jades" in err.value.message
    with pytest.raises(ExportError, match="not signed"):
        europass_export(to_ob3(records["model1-single"]))


def test_ascii_slug():
    assert ascii_slug("Économie circulaire: l'eau / Ωmega") == "Economie-circulaire-l-eau-mega"
    assert len(ascii_slug("x" * 300)) == 80

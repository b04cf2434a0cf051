"""Our rendering of the Ed25519Signature2018 context expands like the upstream one.

The upstream file is not in ../shared/reference; the npm package `ed25519-signature-2018-context`
(installed for the interop suite, tests/interop/package.json) carries it, so the proof runs
wherever the interop peers are installed (CI requires them: EDCISSUER_REQUIRE_INTEROP=1).
"""
from __future__ import annotations

import json
import os

import pytest

from conftest import ROOT
from test_contexts import assert_expands_like

URL = "https://w3id.org/security/suites/ed25519-2018/v1"
UPSTREAM = ROOT / "tests" / "interop" / "node_modules" / "ed25519-signature-2018-context" / "contexts" \
    / "ed25519-signature-2018-v1.jsonld"


def _upstream() -> dict:
    if not UPSTREAM.is_file():
        if os.environ.get("EDCISSUER_REQUIRE_INTEROP") == "1":
            pytest.fail(f"{UPSTREAM} is missing: run npm ci --prefix tests/interop")
        pytest.skip("the upstream Ed25519Signature2018 context comes with the interop npm packages "
                    "(npm ci --prefix tests/interop)")
    return json.loads(UPSTREAM.read_text(encoding="utf-8"))


def test_our_ed25519_2018_context_expands_like_the_upstream_one() -> None:
    official = _upstream()
    ours = json.loads((ROOT / "contexts" / "ed25519-2018-v1.jsonld").read_text(encoding="utf-8"))
    assert_expands_like(URL, ours, official, "Ed25519Signature2018")


def test_the_ed25519_2018_context_is_served_offline() -> None:
    from edcissuer.ld.loader import default_loader

    assert default_loader(URL)["document"]["@context"]["@protected"] is True


def test_a_credential_listing_the_2018_context_verifies_offline_on_its_supported_proof() -> None:
    import warnings
    from datetime import datetime, timezone

    from edcissuer import issue
    from edcissuer.crypto.keys import KeyPair
    from edcissuer.models.records import load_record
    from edcissuer.proofs.data_integrity import add_proof
    from edcissuer.verify import VerifyOptions, verify_document

    now = datetime(2026, 8, 1, tzinfo=timezone.utc)
    key = KeyPair.load(ROOT / "keys" / "demo-issuer-ed25519.DEMO-ONLY.pem")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        issued = issue(load_record(ROOT / "samples" / "records" / "model1-single.yaml"), fmt="ob3", signer=key,
                       proof="eddsa-rdfc-2022", now=now)
    doc = {k: v for k, v in json.loads(issued.serialize()).items() if k != "proof"}
    doc["@context"] = [*doc["@context"], URL]
    result = verify_document(add_proof(doc, key, cryptosuite="eddsa-rdfc-2022", created=now), VerifyOptions(now=now))
    assert result.verified, result.to_text()

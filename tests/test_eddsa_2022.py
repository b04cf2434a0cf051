"""`eddsa-2022`, the pre-standard name of eddsa-rdfc-2022: verified, reported, never issued.

The peer artefact (tests/fixtures/legacy/eddsa-2022-credential.json) was signed by
digitalbazaar's @digitalbazaar/eddsa-2022-cryptosuite 1.0.0 with data-integrity 1.5.0, the
libraries DCC deployed in 2023; the other credentials are signed by our own engine under
that name, with the suite object the verifier uses.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import NOW, ROOT
from edcissuer.crypto.keys import KeyPair
from edcissuer.errors import EdcIssuerError, SigningError
from edcissuer.issue import issue
from edcissuer.ld.loader import default_loader
from edcissuer.proofs.data_integrity import add_proof, format_datetime, verify_proof_set
from edcissuer.securing.data_integrity import DataIntegrity
from edcissuer.suites.base import match_suite, supported_suites, verifiable_suites
from edcissuer.verify import VerifyOptions, verify_document

FIXTURES = ROOT / "tests" / "fixtures" / "legacy"
LEGACY = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-2022"}


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def sign_as_eddsa_2022(unsigned: dict[str, Any], key: KeyPair) -> dict[str, Any]:
    """What a 2022-2023 digitalbazaar issuer made: the eddsa-rdfc-2022 algorithm under the old name."""
    suite = match_suite(LEGACY)
    assert suite is not None and suite.name == "eddsa-2022"
    options = {**LEGACY, "created": format_datetime(NOW), "verificationMethod": key.verification_method,
               "proofPurpose": "assertionMethod"}
    data = suite.verify_data(unsigned, {"@context": unsigned["@context"], **options}, key.algorithm, default_loader)
    return {**unsigned, "proof": {**options, "proofValue": suite.sign(key, data)}}


def only_proof(doc: dict[str, Any]) -> dict[str, Any]:
    """The single proof of `doc` (OB 3.0 credentials carry it as a one-element list)."""
    proof = doc["proof"]
    single: dict[str, Any] = proof[0] if isinstance(proof, list) else proof
    return single


def outcome(doc: dict[str, Any]) -> dict[str, Any]:
    result = DataIntegrity().verify(doc, VerifyOptions(now=NOW).context())
    return {c.name: c for c in result.checks}


def test_a_peer_eddsa_2022_credential_verifies_and_names_the_legacy_suite() -> None:
    checks = outcome(fixture("eddsa-2022-credential.json"))
    proof = checks["proof"]
    assert proof.passed, proof.reason
    assert proof.details["cryptosuite"] == "eddsa-2022"
    assert proof.details["legacyNameOf"] == "eddsa-rdfc-2022"
    assert "pre-standard name of eddsa-rdfc-2022" in proof.reason
    assert checks["issuer.binding"].passed


def test_a_tampered_peer_eddsa_2022_credential_is_refused() -> None:
    doc = fixture("eddsa-2022-credential.json")
    doc["credentialSubject"]["id"] = "did:example:someone-else"
    proof = outcome(doc)["proof"]
    assert not proof.passed and "signature does not match" in proof.reason


@pytest.mark.parametrize("fmt", ["ob3", "elm"])
def test_our_engine_under_the_legacy_name_verifies_end_to_end(records, demo_keys, fmt) -> None:
    issued = issue(records["model1-single"], fmt=fmt, signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW)
    unsigned = {k: v for k, v in issued.credential.items() if k != "proof"}
    legacy = sign_as_eddsa_2022(unsigned, demo_keys.issuer)
    result = verify_document(legacy, VerifyOptions(now=NOW))
    assert result.verified, result.to_text()
    proof = next(c for c in result.checks if c.name == "proof")
    assert proof.details["cryptosuite"] == "eddsa-2022" and proof.details["legacyNameOf"] == "eddsa-rdfc-2022"
    assert result.elements is not None
    # same algorithm, so the signatures differ only through the signed name
    assert only_proof(legacy)["proofValue"] != only_proof(issued.credential)["proofValue"]


@pytest.mark.parametrize("source, renamed", [("legacy", "eddsa-rdfc-2022"), ("standard", "eddsa-2022")])
def test_the_suite_name_is_signed_so_a_proof_cannot_be_relabelled(records, demo_keys, source, renamed) -> None:
    if source == "legacy":
        doc = fixture("eddsa-2022-credential.json")
    else:
        doc = issue(records["model1-single"], fmt="ob3", signer=demo_keys.issuer, proof="eddsa-rdfc-2022",
                    now=NOW).credential
    relabelled = copy.deepcopy(doc)
    only_proof(relabelled)["cryptosuite"] = renamed
    proof = outcome(relabelled)["proof"]
    assert not proof.passed and "signature does not match" in proof.reason


def test_eddsa_2022_is_verified_but_never_issued(records, demo_keys) -> None:
    assert "eddsa-2022" in verifiable_suites()
    assert "eddsa-2022" not in supported_suites()
    assert "eddsa-2022" not in DataIntegrity().proof_names()
    with pytest.raises(EdcIssuerError):
        issue(records["model1-single"], fmt="ob3", signer=demo_keys.issuer, proof="eddsa-2022", now=NOW)
    unsigned = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
                "issuer": demo_keys.issuer.did_key, "credentialSubject": {"id": "did:example:x"}}
    with pytest.raises(SigningError, match="pre-standard name of eddsa-rdfc-2022"):
        add_proof(unsigned, demo_keys.issuer, cryptosuite="eddsa-2022", created=NOW)


def test_eddsa_2022_needs_an_ed25519_key(records, demo_keys) -> None:
    issued = issue(records["model1-single"], fmt="ob3", signer=demo_keys.issuer_p256, proof="ecdsa-rdfc-2019",
                   now=NOW)
    doc = copy.deepcopy(issued.credential)
    only_proof(doc)["cryptosuite"] = "eddsa-2022"
    check = verify_proof_set(doc, now=NOW).check
    assert not check.passed and "wrong key type for eddsa-2022" in check.reason


def test_the_fixture_readme_names_how_the_artefacts_were_made() -> None:
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    for name in sorted(p.name for p in Path(FIXTURES).glob("*.json")):
        assert f"`{name}`" in readme or name.startswith(("sl2021-credential", "rl2020-credential")), name
    assert "@digitalbazaar/eddsa-2022-cryptosuite@1.0.0" in readme

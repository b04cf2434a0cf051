"""The securing seam: every proof format is a registered mechanism, found by name or by shape,
and verification hands the signer it established to the trust checks."""
from __future__ import annotations

import copy

import pytest

from conftest import NOW
from edcissuer.checks import CheckId
from edcissuer.errors import SigningError
from edcissuer.issue import PROOFS, issue
from edcissuer.recognition.trust import TrustProbe, signer_of
from edcissuer.securing import detect, for_proof, mechanisms, proof_names
from edcissuer.securing.artefact import load_artefact
from edcissuer.suites.base import supported_suites
from edcissuer.verify import Parsed, VerifyOptions, verify_document

CASES = [("ob3", "eddsa-rdfc-2022"), ("ob3", "ecdsa-rdfc-2019"), ("ob3", "jwt"), ("ob3", "vc-jose"),
         ("ob3", "jwt-ob3"), ("ob3", "jwt-legacy"), ("elm", "jades")]


def _signer(proof, keys):
    return keys.seal if proof == "jades" else keys.issuer_p256 if proof == "ecdsa-rdfc-2019" else keys.issuer


@pytest.fixture(scope="module")
def issued(records, demo_keys):
    return {proof: issue(records["model1-single"], fmt=fmt, signer=_signer(proof, demo_keys), proof=proof, now=NOW)
            for fmt, proof in CASES}


def test_every_proof_choice_comes_from_a_registered_mechanism():
    assert PROOFS == proof_names()
    assert set(supported_suites()) <= set(PROOFS)
    assert {"jwt", "vc-jose", "jwt-ob3", "jwt-legacy", "jades"} <= set(PROOFS)
    names = {m.name for m in mechanisms()}
    assert names == {"data-integrity", "jwt", "vc-jose", "ob3-jwt", "vc-jwt-legacy", "jades", "sd-jwt-vc"}
    for proof in PROOFS:
        assert proof in for_proof(proof).proof_names()


def test_an_unknown_proof_is_refused_naming_the_choices():
    with pytest.raises(SigningError) as caught:
        for_proof("bbs-2023")
    assert caught.value.field == "proof" and "eddsa-rdfc-2022" in caught.value.message


@pytest.mark.parametrize("proof,kind,suffix", [("eddsa-rdfc-2022", "data-integrity", ".jsonld"),
                                               ("vc-jose", "jwt", ".jwt"), ("jwt-ob3", "jwt", ".jwt"),
                                               ("jwt-legacy", "jwt", ".jwt"), ("jades", "jades", ".jades.json")])
def test_each_artefact_is_detected_by_the_mechanism_that_made_it(issued, proof, kind, suffix):
    artefact = issued[proof]
    mechanism = detect(artefact.artefact)
    assert mechanism is not None and proof in mechanism.proof_names()
    assert mechanism.kind == kind and artefact.suffix == suffix == mechanism.suffix


def test_the_default_jwt_of_an_open_badge_is_the_ob3_shape_and_detected_as_such(issued):
    mechanism = detect(issued["jwt"].artefact)
    assert mechanism is not None and mechanism.name == "ob3-jwt"
    assert issued["jwt"].artefact.split(".")[0] == issued["jwt-ob3"].artefact.split(".")[0]
    assert issued["jwt"].suffix == ".jwt" and for_proof("jwt").name == "jwt"
    assert not for_proof("jwt").detect(issued["jwt"].artefact)  # the alias never claims an artefact


def test_unsecured_input_has_no_mechanism(records):
    from edcissuer.mapping.ob3 import to_ob3

    assert detect(to_ob3(records["model1-single"])) is None
    assert detect("not.a.jwt!") is None


@pytest.mark.parametrize("proof", ["eddsa-rdfc-2022", "jwt", "jades"])
def test_reading_and_verifying_give_the_same_credential(issued, demo_keys, proof):
    artefact = issued[proof]
    art = load_artefact(artefact)
    outcome = detect(artefact.artefact).verify(artefact.artefact, VerifyOptions(
        now=NOW, trust_anchors=demo_keys.trust_anchors).context())
    assert outcome.passed, [c for c in outcome.checks if not c.passed]
    assert outcome.credential == art.credential == artefact.credential


@pytest.mark.parametrize("proof", ["eddsa-rdfc-2022", "ecdsa-rdfc-2019", "jwt", "jwt-legacy"])
def test_the_signer_is_the_key_whose_signature_verified(issued, demo_keys, proof):
    key = demo_keys.issuer_p256 if proof == "ecdsa-rdfc-2019" else demo_keys.issuer
    outcome = detect(issued[proof].artefact).verify(issued[proof].artefact, VerifyOptions(now=NOW).context())
    assert outcome.signer is not None
    assert outcome.signer.keys == (key.public_multibase,) and outcome.signer.dids == (key.did_key,)
    assert {c.name for c in outcome.checks} >= {CheckId.PROOF, CheckId.ISSUER_BINDING}


def test_a_seal_signer_is_the_certificate_that_verified(issued, demo_keys):
    outcome = detect(issued["jades"].artefact).verify(issued["jades"].artefact,
                                                      VerifyOptions(now=NOW).context())
    assert outcome.signer is not None and outcome.signer.certificate == demo_keys.seal.certificate
    assert outcome.signer.organization_identifier and outcome.signer.fingerprint


def test_a_failed_signature_establishes_no_signer(issued):
    forged = copy.deepcopy(issued["eddsa-rdfc-2022"].artefact)
    forged["credentialSubject"]["achievement"]["name"] = "Something else"
    outcome = detect(forged).verify(forged, VerifyOptions(now=NOW).context())
    assert not outcome.passed and outcome.signer is None
    probe = TrustProbe(None)
    parsed = Parsed("data-integrity", forged, forged, list(outcome.checks), detect(forged), outcome)
    assert signer_of(parsed, VerifyOptions(now=NOW)) is None


def test_trust_reads_the_signer_from_the_proof_check_not_from_the_artefact(issued):
    """A resolver that fails after the proof check would break a second resolution: trust never asks."""
    calls: list[str] = []
    from edcissuer.crypto.did import resolve_verification_method

    def counting(vm: str):
        calls.append(vm)
        return resolve_verification_method(vm)

    probe = TrustProbe(None)
    result = verify_document(issued["jwt"].artefact, VerifyOptions(now=NOW, resolver=counting,
                                                                   extra_checks=probe.checks))
    assert result.verified is False  # no trust list: trust is "unchecked"
    assert len(calls) == 1


def test_proof_formats_share_one_set_of_check_ids(issued, demo_keys):
    options = VerifyOptions(now=NOW, trust_anchors=demo_keys.trust_anchors)
    for proof, artefact in issued.items():
        result = verify_document(artefact.artefact, options)
        assert result.verified, result.to_text()
        assert all(c.name in set(CheckId) for c in result.checks), proof
        assert {CheckId.FORMAT, CheckId.PROOF, CheckId.VALIDITY, CheckId.CONFORMANCE, CheckId.ELEMENTS} <= \
            {c.name for c in result.checks}


def test_an_artefact_shaped_two_ways_is_refused_not_guessed(issued):
    sealed = dict(issued["jades"].artefact)
    sealed["proof"] = issued["eddsa-rdfc-2022"].artefact["proof"]
    result = verify_document(sealed, VerifyOptions(now=NOW))
    assert not result.verified
    assert result.checks[0].name == "proof" and "ambiguous" in result.checks[0].reason


def test_mechanisms_and_suites_are_found_without_being_listed():
    """A new format or suite is one new file: the registries list no module by name."""
    from conftest import ROOT

    registry = (ROOT / "src" / "edcissuer" / "securing" / "registry.py").read_text(encoding="utf-8")
    suites = (ROOT / "src" / "edcissuer" / "suites" / "base.py").read_text(encoding="utf-8")
    for module in ("data_integrity", "jose", "jades"):
        assert f"import {module}" not in registry and f".{module} import" not in registry
    assert "eddsa_rdfc_2022" not in suites and "ecdsa_rdfc_2019" not in suites

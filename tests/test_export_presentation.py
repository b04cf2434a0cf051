"""Verifiable presentations: the learner presents real signed credentials; the verifier checks
proof, replay (challenge/domain), holder binding, then each credential (verify_all)."""
from __future__ import annotations

import copy
import json

import pytest

from conftest import NOW
from edcissuer.errors import ExportError
from edcissuer.export.artefact import load_artefact
from edcissuer.export.presentation import (
    create_presentation,
    envelope,
    new_challenge,
    unwrap,
    verify_presentation,
)
from edcissuer.issue import issue
from edcissuer.proofs.data_integrity import add_proof
from edcissuer.verify import VerifyOptions, verify_all

CHALLENGE, DOMAIN = "c-2f9d1e", "admissions.example.org"


@pytest.fixture(scope="module")
def ana_credentials(records, demo_keys):
    """Ana's credential (model 1) as OB3 DI, ELM JAdES, ELM DI and the OB 3.0 JWT."""
    record = records["model1-single"]
    return {
        "ob3-di": issue(record, fmt="ob3", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW),
        "elm-jades": issue(record, fmt="elm", signer=demo_keys.seal, proof="jades", now=NOW),
        "elm-di": issue(record, fmt="elm", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW),
        "ob3-jwt": issue(record, fmt="ob3", signer=demo_keys.issuer, proof="jwt", now=NOW),
    }


def options(demo_keys, challenge=CHALLENGE, domain=DOMAIN):
    return VerifyOptions(now=NOW, trust_anchors=demo_keys.trust_anchors, challenge=challenge, domain=domain)


def test_presentation_of_every_kind_round_trips_through_a_file(ana_credentials, demo_keys, tmp_path):
    creds = list(ana_credentials.values())
    vp = create_presentation(creds, demo_keys.learners["ana"], challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    assert vp["type"] == ["VerifiablePresentation"] and vp["holder"] == demo_keys.learners["ana"].did_key
    assert vp["proof"]["proofPurpose"] == "authentication"
    assert (vp["proof"]["challenge"], vp["proof"]["domain"]) == (CHALLENGE, DOMAIN)
    entries = vp["verifiableCredential"]
    assert entries[0] == ana_credentials["ob3-di"].artefact          # DI: embedded as signed
    assert entries[1]["type"] == "EnvelopedVerifiableCredential"
    assert entries[1]["id"].startswith("data:application/jose+json;base64,")
    # the OB 3.0 JWT (typ JWT) is enveloped as application/jwt; VC-JOSE would be application/vc+jwt
    assert entries[3]["id"] == f"data:application/jwt,{ana_credentials['ob3-jwt'].artefact}"

    path = tmp_path / "vp.json"
    path.write_text(json.dumps(vp), encoding="utf-8")
    results = verify_all(path, options(demo_keys))
    assert len(results) == 4
    for result, (name, cred) in zip(results, ana_credentials.items()):
        assert result.verified, (name, result.to_text())
        assert [c.name for c in result.checks[:5]] == ["presentation.structure", "presentation.proof",
                                                       "presentation.replay", "presentation.holder",
                                                       "presentation.binding"]
        assert result.format == cred.format


def test_enveloped_jades_is_the_sealed_file_byte_for_byte(ana_credentials):
    sealed = ana_credentials["elm-jades"]
    assert unwrap(envelope(load_artefact(sealed))) == sealed.artefact


def test_wrong_challenge_or_domain_fails_every_credential(ana_credentials, demo_keys):
    vp = create_presentation([ana_credentials["ob3-di"]], demo_keys.learners["ana"], challenge=CHALLENGE,
                             domain=DOMAIN, now=NOW)
    [replayed] = verify_all(vp, options(demo_keys, challenge="another-verifiers-challenge"))
    assert not replayed.verified
    [failure] = replayed.failures
    assert failure.name == "presentation.replay" and "challenge mismatch" in failure.reason
    [relayed] = verify_all(vp, options(demo_keys, domain="evil.example"))
    assert [f.name for f in relayed.failures] == ["presentation.replay"]
    assert "domain mismatch" in relayed.failures[0].reason


def test_verifier_without_a_challenge_is_told_to_give_one(ana_credentials, demo_keys):
    vp = create_presentation([ana_credentials["ob3-di"]], demo_keys.learners["ana"], challenge=CHALLENGE,
                             domain=DOMAIN, now=NOW)
    [result] = verify_all(vp, VerifyOptions(now=NOW))
    [failure] = result.failures
    assert failure.name == "presentation.replay" and "--challenge" in failure.reason


def test_holder_cannot_present_someone_elses_credential(ana_credentials, demo_keys):
    with pytest.raises(ExportError) as err:
        create_presentation([ana_credentials["ob3-di"]], demo_keys.learners["jonas"], challenge=CHALLENGE,
                            domain=DOMAIN, now=NOW)
    assert err.value.field == "verifiableCredential[0].credentialSubject.id"
    # a presentation forged without our exporter's check: Jonas signs Ana's credential
    jonas = demo_keys.learners["jonas"]
    forged = add_proof({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                        "holder": jonas.did_key,
                        "verifiableCredential": [envelope(load_artefact(ana_credentials["elm-jades"]))]},
                       jonas, cryptosuite="eddsa-rdfc-2022", proof_purpose="authentication", created=NOW,
                       challenge=CHALLENGE, domain=DOMAIN)
    [result] = verify_all(forged, options(demo_keys))
    assert [f.name for f in result.failures] == ["presentation.binding"]
    assert "not the learner" in result.failures[0].reason
    assert any(c.name == "proof" and c.passed for c in result.checks)  # the credential itself is fine


def test_holder_property_must_name_the_signer(ana_credentials, demo_keys):
    ana = demo_keys.learners["ana"]
    vp = add_proof({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                    "holder": demo_keys.learners["sofia"].did_key,
                    "verifiableCredential": [ana_credentials["ob3-di"].artefact]},
                   ana, cryptosuite="eddsa-rdfc-2022", proof_purpose="authentication", created=NOW,
                   challenge=CHALLENGE, domain=DOMAIN)
    [result] = verify_all(vp, options(demo_keys))
    assert [f.name for f in result.failures] == ["presentation.holder"]


def test_altering_an_embedded_credential_breaks_the_presentation_proof(ana_credentials, demo_keys):
    vp = create_presentation([ana_credentials["ob3-di"]], demo_keys.learners["ana"], challenge=CHALLENGE,
                             domain=DOMAIN, now=NOW)
    tampered = copy.deepcopy(vp)
    tampered["verifiableCredential"][0]["credentialSubject"]["achievement"]["name"] = "Brain Surgery"
    [result] = verify_all(tampered, options(demo_keys))
    names = {f.name for f in result.failures}
    assert {"presentation.proof", "proof"} <= names


def test_assertion_key_cannot_sign_a_presentation_for_authentication(ana_credentials, demo_keys):
    """The VP proof must use the holder's authentication method; purpose assertionMethod is refused."""
    ana = demo_keys.learners["ana"]
    vp = add_proof({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                    "holder": ana.did_key, "verifiableCredential": [ana_credentials["ob3-di"].artefact]},
                   ana, cryptosuite="eddsa-rdfc-2022", created=NOW, challenge=CHALLENGE, domain=DOMAIN)
    checks, creds = verify_presentation(vp, challenge=CHALLENGE, domain=DOMAIN, options=options(demo_keys))
    proof = next(c for c in checks if c.name == "presentation.proof")
    assert not proof.passed and "proofPurpose" in proof.reason
    assert len(creds) == 1


def test_unreadable_envelope_gives_one_failed_result(demo_keys):
    ana = demo_keys.learners["ana"]
    vp = add_proof({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                    "verifiableCredential": [{"@context": "https://www.w3.org/ns/credentials/v2",
                                              "id": "data:text/plain,hello",
                                              "type": "EnvelopedVerifiableCredential"}]},
                   ana, cryptosuite="eddsa-rdfc-2022", proof_purpose="authentication", created=NOW,
                   challenge=CHALLENGE, domain=DOMAIN)
    [result] = verify_all(vp, options(demo_keys))
    assert not result.verified and result.proof_type == "presentation"
    assert "text/plain" in result.failures[0].reason


def test_issuer_proof_is_checked_without_the_presentation_challenge(ana_credentials, demo_keys):
    """VerifyOptions.challenge is for presentations; a plain credential still verifies with it set."""
    [result] = verify_all(ana_credentials["ob3-di"].artefact, options(demo_keys))
    assert result.verified, result.to_text()


def test_presentation_needs_challenge_domain_and_a_credential(ana_credentials, demo_keys):
    ana = demo_keys.learners["ana"]
    with pytest.raises(ExportError) as err:
        create_presentation([ana_credentials["ob3-di"]], ana, challenge="", domain=DOMAIN, now=NOW)
    assert err.value.field == "challenge"
    with pytest.raises(ExportError):
        create_presentation([], ana, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    with pytest.raises(ExportError) as err:
        create_presentation([ana_credentials["ob3-di"]], ana.public_only(), challenge=CHALLENGE, domain=DOMAIN,
                            now=NOW)
    assert err.value.field == "holder-key"


def test_new_challenge_is_random():
    assert new_challenge()["challenge"] != new_challenge()["challenge"]


def test_recognition_assesses_each_presented_credential(ana_credentials, demo_keys, tmp_path):
    from edcissuer.recognition import assess

    vp = create_presentation([ana_credentials["ob3-di"], ana_credentials["elm-jades"]], demo_keys.learners["ana"],
                             challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    path = tmp_path / "vp.json"
    path.write_text(json.dumps(vp), encoding="utf-8")
    report = assess([path], options=options(demo_keys))
    assert [c.source for c in report.credentials] == [f"{path}#1", f"{path}#2"]
    assert all(c.valid for c in report.credentials)
    replayed = assess([path], options=options(demo_keys, challenge="old"))
    assert not any(c.valid for c in replayed.credentials)


def test_an_unsigned_proof_in_front_cannot_claim_the_verifiers_challenge(ana_credentials, demo_keys):
    """A skipped (unsupported) proof is unsigned: its challenge and domain must not count."""
    vp = create_presentation([ana_credentials["ob3-di"]], demo_keys.learners["ana"], challenge=CHALLENGE,
                             domain=DOMAIN, now=NOW)
    real = vp["proof"]
    fake = {"type": "Ed25519Signature2018", "verificationMethod": real["verificationMethod"],
            "proofPurpose": "authentication", "challenge": "new-challenge", "domain": "new.example", "jws": "x..y"}
    for order in ([fake, real], [real, fake]):
        forged = {**vp, "proof": order}
        [result] = verify_all(forged, options(demo_keys, challenge="new-challenge", domain="new.example"))
        assert not result.verified
        assert [f.name for f in result.failures] == ["presentation.replay"]
        assert CHALLENGE in result.failures[0].reason

"""The generic DataIntegrityProof engine: signing, and every way verification must fail."""
from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from edcissuer.crypto import multibase as mb
from edcissuer.crypto.did import did_resolver, did_web_document, did_web_path, did_web_verification_method
from edcissuer.crypto.keys import KeyPair
from edcissuer.errors import ContextError, SigningError
from edcissuer.ld.loader import default_loader
from edcissuer.proofs.data_integrity import DI_V2_CONTEXT, add_proof, verify_proof

CREATED = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)
NOW = datetime(2026, 3, 2, tzinfo=timezone.utc)
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
SUITE_FOR = {"Ed25519": "eddsa-rdfc-2022", "P-256": "ecdsa-rdfc-2019", "P-384": "ecdsa-rdfc-2019"}


def badge() -> dict[str, Any]:
    """A small OpenBadgeCredential (VC 2.0 + OB 3.0 contexts, all bundled)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", OB_CONTEXT],
        "id": "urn:uuid:4f1c2b8e-5a7d-4e0b-9a53-0c8f7a1e2d3b",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Data Stewardship micro-credential",
        "issuer": {"id": "did:web:uni.example", "type": ["Profile"], "name": "Example University"},
        "validFrom": "2026-03-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:learner-1",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://uni.example/achievements/ds-101",
                "type": ["Achievement"],
                "name": "Data Stewardship",
                "description": "Five ECTS on research data management.",
                "criteria": {"narrative": "Pass the final assessment."},
            },
        },
    }


def elm_like() -> dict[str, Any]:
    """A VC 1.1 document: its context has no DataIntegrityProof term (as ELM's)."""
    return {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": "urn:epass:credential:1",
        "type": ["VerifiableCredential"],
        "issuer": "did:web:uni.example",
        "issuanceDate": "2026-03-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner-1"},
    }


@pytest.fixture(scope="module")
def ed_key() -> KeyPair:
    return KeyPair.generate("Ed25519")


@pytest.fixture(scope="module")
def signed(ed_key: KeyPair) -> dict[str, Any]:
    return add_proof(badge(), ed_key, cryptosuite="eddsa-rdfc-2022", created=CREATED)


def check(doc: dict[str, Any], **kw: Any):
    kw.setdefault("now", NOW)
    return verify_proof(doc, **kw)


# --- signing ----------------------------------------------------------------------------------

@pytest.mark.parametrize("alg", ["Ed25519", "P-256", "P-384"])
def test_sign_and_verify_each_algorithm(alg: str) -> None:
    key = KeyPair.generate(alg)
    doc = badge()
    before = copy.deepcopy(doc)
    out = add_proof(doc, key, cryptosuite=SUITE_FOR[alg], created=CREATED)
    assert doc == before, "input must not be mutated"
    assert out is not doc and "proof" not in doc
    proof = out["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == SUITE_FOR[alg]
    assert proof["created"] == "2026-03-01T09:30:00Z"
    assert proof["verificationMethod"] == key.verification_method
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["proofValue"].startswith("z")
    result = check(out)
    assert result.passed, result.reason
    assert result.name == "proof" and result.details["verificationMethod"] == key.verification_method


def test_created_is_a_required_parameter_never_the_library_clock(ed_key: KeyPair) -> None:
    with pytest.raises(TypeError):
        add_proof(badge(), ed_key, cryptosuite="eddsa-rdfc-2022")  # type: ignore[call-arg]
    out = add_proof(badge(), ed_key, cryptosuite="eddsa-rdfc-2022", created=NOW)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", out["proof"]["created"])
    assert verify_proof(out, now=NOW).passed
    with pytest.raises(TypeError):
        verify_proof(out)  # type: ignore[call-arg]


def test_naive_created_is_misuse(ed_key: KeyPair) -> None:
    with pytest.raises(SigningError, match="timezone"):
        add_proof(badge(), ed_key, cryptosuite="eddsa-rdfc-2022", created=datetime(2026, 1, 1))


@pytest.mark.parametrize("suite, alg", [("eddsa-rdfc-2022", "P-256"), ("ecdsa-rdfc-2019", "Ed25519")])
def test_suite_refuses_wrong_key_type(suite: str, alg: str) -> None:
    with pytest.raises(SigningError, match="needs a"):
        add_proof(badge(), KeyPair.generate(alg), cryptosuite=suite, created=CREATED)


def test_unsupported_cryptosuite_and_public_key_refused(ed_key: KeyPair) -> None:
    with pytest.raises(SigningError, match="unsupported cryptosuite 'bbs-2023'"):
        add_proof(badge(), ed_key, cryptosuite="bbs-2023", created=CREATED)
    with pytest.raises(SigningError, match="private key"):
        add_proof(badge(), ed_key.public_only(), cryptosuite="eddsa-rdfc-2022", created=CREATED)


def test_undefined_term_is_refused_when_signing(ed_key: KeyPair) -> None:
    doc = badge()
    doc["credentialSubject"]["achievement"]["ectsCredits"] = 5
    with pytest.raises(ContextError, match="ectsCredits"):
        add_proof(doc, ed_key, cryptosuite="eddsa-rdfc-2022", created=CREATED)


def test_vc11_document_gets_data_integrity_context(ed_key: KeyPair) -> None:
    doc = elm_like()
    out = add_proof(doc, ed_key, cryptosuite="eddsa-rdfc-2022", created=CREATED)
    assert out["@context"] == ["https://www.w3.org/2018/credentials/v1", DI_V2_CONTEXT]
    assert doc["@context"] == ["https://www.w3.org/2018/credentials/v1"]
    assert check(out).passed
    # a VC 2.0 document already defines DataIntegrityProof: its context is left alone
    assert add_proof(badge(), ed_key, cryptosuite="eddsa-rdfc-2022", created=CREATED)["@context"] == \
        badge()["@context"]


def test_proof_set(ed_key: KeyPair) -> None:
    p256 = KeyPair.generate("P-256")
    one = add_proof(badge(), ed_key, cryptosuite="eddsa-rdfc-2022", created=CREATED)
    two = add_proof(one, p256, cryptosuite="ecdsa-rdfc-2019", created=CREATED)
    assert isinstance(two["proof"], list) and len(two["proof"]) == 2
    assert isinstance(one["proof"], dict), "the first signed document is left as it was"
    result = check(two)
    assert result.passed and len(result.details["proofs"]) == 2
    bad = copy.deepcopy(two)
    bad["proof"][1]["proofValue"] = one["proof"]["proofValue"]
    result = check(bad)
    assert not result.passed and result.reason.startswith("proof[1]:")


def test_did_web_signing_and_resolution(tmp_path, ed_key: KeyPair) -> None:
    did = "did:web:uni.example"
    path = did_web_path(did, tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(did_web_document(did, [ed_key.public_only()])))
    vm = did_web_verification_method(did, ed_key)
    out = add_proof(badge(), ed_key, cryptosuite="eddsa-rdfc-2022", created=CREATED, verification_method=vm)
    assert check(out, resolver=did_resolver(did_web_dir=tmp_path)).passed
    failed = check(out)  # no local directory, no network: fails, does not raise
    assert not failed.passed and "cannot resolve verification method" in failed.reason


# --- verification failures (never raise) -------------------------------------------------------

TAMPERS = {
    "name": lambda d: d.__setitem__("name", "Data Stewardship micro-credential!"),
    "validFrom": lambda d: d.__setitem__("validFrom", "2026-03-01T00:00:01Z"),
    "issuer.id": lambda d: d["issuer"].__setitem__("id", "did:web:evil.example"),
    # (not "AchievementCredential": OB 3.0 maps it to the same IRI as OpenBadgeCredential,
    # so the RDF, and rightly the signature, would not change)
    "type": lambda d: d["type"].append("EndorsementCredential"),
    "subject": lambda d: d["credentialSubject"].__setitem__("id", "did:example:learner-2"),
    "achievement.name": lambda d: d["credentialSubject"]["achievement"].__setitem__("name", "Data Science"),
    "criteria": lambda d: d["credentialSubject"]["achievement"]["criteria"].__setitem__("narrative", "Nothing."),
    "added field": lambda d: d.__setitem__("description", "added after signing"),
    "removed field": lambda d: d.pop("validFrom"),
    "proof.created": lambda d: d["proof"].__setitem__("created", "2026-03-01T09:30:01Z"),
    "@context": lambda d: d["@context"].__setitem__(1, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"),
}


@pytest.mark.parametrize("what", sorted(TAMPERS))
def test_tampering_any_field_fails(signed: dict[str, Any], what: str) -> None:
    doc = copy.deepcopy(signed)
    TAMPERS[what](doc)
    result = check(doc)
    assert not result.passed
    assert "signature does not match" in result.reason
    assert check(signed).passed


def test_flipped_byte_in_proof_value(signed: dict[str, Any]) -> None:
    raw = bytearray(mb.decode_base58btc(signed["proof"]["proofValue"]))
    raw[10] ^= 0x01
    doc = copy.deepcopy(signed)
    doc["proof"]["proofValue"] = mb.encode_base58btc(bytes(raw))
    result = check(doc)
    assert not result.passed and "signature does not match" in result.reason


@pytest.mark.parametrize("value, fragment", [
    (lambda v: v[:-5], "bytes"),                 # truncated
    (lambda v: v[:20] + "0" + v[21:], "base58"),  # '0' is not in the alphabet
    (lambda v: v[1:], "base58btc"),              # no multibase prefix
    (lambda v: "u" + v[1:], "base58btc"),
    (lambda v: 42, "base58btc"),
])
def test_garbled_proof_value(signed: dict[str, Any], value, fragment: str) -> None:
    doc = copy.deepcopy(signed)
    doc["proof"]["proofValue"] = value(doc["proof"]["proofValue"])
    result = check(doc)
    assert not result.passed and fragment in result.reason


def test_wrong_key_fails(signed: dict[str, Any]) -> None:
    other = KeyPair.generate()
    result = check(signed, resolver=lambda vm: other.public_only())
    assert not result.passed and "signature does not match" in result.reason
    doc = copy.deepcopy(signed)
    doc["proof"]["verificationMethod"] = other.verification_method
    assert "signature does not match" in check(doc).reason
    p256 = KeyPair.generate("P-256")
    result = check(signed, resolver=lambda vm: p256.public_only())
    assert not result.passed and "wrong key type" in result.reason


def test_unsupported_cryptosuite_fails(signed: dict[str, Any]) -> None:
    doc = copy.deepcopy(signed)
    doc["proof"]["cryptosuite"] = "ecdsa-sd-2023"  # eddsa-jcs-2022 is a supported suite now
    result = check(doc)
    assert not result.passed and "unsupported cryptosuite 'ecdsa-sd-2023'" in result.reason
    doc["proof"]["type"] = "Ed25519Signature2018"  # Ed25519Signature2020 is supported now
    assert "unsupported proof type 'Ed25519Signature2018'" in check(doc).reason


def test_challenge_and_domain(ed_key: KeyPair) -> None:
    out = add_proof(badge(), ed_key, cryptosuite="eddsa-rdfc-2022", created=CREATED, proof_purpose="authentication",
                    challenge="nonce-123", domain="verifier.example")
    assert check(out, expected_purpose="authentication", challenge="nonce-123", domain="verifier.example").passed
    r = check(out, expected_purpose="authentication", challenge="nonce-999")
    assert not r.passed and "challenge mismatch" in r.reason
    r = check(out, expected_purpose="authentication", domain="other.example")
    assert not r.passed and "domain mismatch" in r.reason
    r = check(out)
    assert not r.passed and "proofPurpose is 'authentication', expected 'assertionMethod'" in r.reason
    plain = add_proof(badge(), ed_key, cryptosuite="eddsa-rdfc-2022", created=CREATED)
    r = check(plain, challenge="nonce-123")
    assert not r.passed and "challenge mismatch" in r.reason
    tampered = copy.deepcopy(out)
    tampered["proof"]["challenge"] = "nonce-999"
    r = check(tampered, expected_purpose="authentication", challenge="nonce-999")
    assert not r.passed and "signature does not match" in r.reason


def test_created_in_the_future(ed_key: KeyPair) -> None:
    out = add_proof(badge(), ed_key, cryptosuite="eddsa-rdfc-2022", created=CREATED)
    r = check(out, now=CREATED - timedelta(days=1))
    assert not r.passed and "created in the future" in r.reason
    assert check(out, now=CREATED + timedelta(minutes=1)).passed
    doc = copy.deepcopy(out)
    doc["proof"]["created"] = "yesterday"
    assert "not a dateTime" in check(doc).reason


@pytest.mark.parametrize("doc, fragment", [
    ({"@context": ["https://www.w3.org/ns/credentials/v2"]}, "no proof"),
    ({"@context": ["https://www.w3.org/ns/credentials/v2"], "proof": []}, "empty"),
    ({"@context": ["https://www.w3.org/ns/credentials/v2"], "proof": "z123"}, "not a JSON object"),
    ({"proof": {"type": "DataIntegrityProof"}}, "no @context"),
    ([1, 2], "not a JSON object"),
])
def test_malformed_documents_fail_without_raising(doc: Any, fragment: str) -> None:
    result = check(doc)
    assert not result.passed and fragment in result.reason


def test_undefined_term_added_after_signing_fails_with_its_name(signed: dict[str, Any]) -> None:
    doc = copy.deepcopy(signed)
    doc["credentialSubject"]["grade"] = "A"
    result = check(doc)
    assert not result.passed and "'grade'" in result.reason


def test_unknown_context_fails_without_raising(signed: dict[str, Any]) -> None:
    doc = copy.deepcopy(signed)
    doc["@context"].append("https://unknown.example/ctx.jsonld")
    result = check(doc)
    assert not result.passed and "unknown.example" in result.reason


def test_verify_uses_default_loader_contexts_only(signed: dict[str, Any]) -> None:
    assert check(signed, loader=default_loader).passed


def test_changes_that_keep_the_rdf_keep_the_signature(signed: dict[str, Any]) -> None:
    """The signature covers the RDF graph, not the JSON bytes: key order and aliases do not matter."""
    doc = json.loads(json.dumps(signed, sort_keys=True, indent=4))
    doc["type"] = ["OpenBadgeCredential", "VerifiableCredential", "AchievementCredential"]
    assert check(doc).passed


def test_elm_sample_signs_and_verifies_with_bundled_contexts(ed_key: KeyPair) -> None:
    """The EU's ELM v3 sample (VC 1.1 + edc-ap): DI v2 context appended, no protected-term clash."""
    from conftest import REF

    sample = REF / "elm" / "samples" / "Sample-MC-Annex1-unsigned.jsonld"
    if not sample.exists():
        pytest.skip(f"reference data not available: {sample}")
    doc = json.loads(sample.read_text(encoding="utf-8"))
    out = add_proof(doc, KeyPair.generate("P-256"), cryptosuite="ecdsa-rdfc-2019", created=CREATED)
    assert out["@context"][-1] == DI_V2_CONTEXT
    assert check(out).passed
    out["credentialSubject"]["id"] = "urn:epass:person:someone-else"
    assert not check(out).passed

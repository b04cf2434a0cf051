"""Proof sets that mix proofs we verify with proofs of types or cryptosuites we do not support.

Issuers in the field add a second proof of their own choosing (Ed25519Signature2018 beside
Ed25519Signature2020, bbs-2023 beside eddsa-rdfc-2022); 1EdTech's validator uses the proof it
can check and reports the other. The rule (proofs/data_integrity.verify_proof_set): every
proof is reported; the set passes when at least one proof verified and none of a supported
suite failed; an unsupported proof is skipped with the warning UNSUPPORTED_PROOF_SKIPPED and
establishes nothing: not the signature, not the issuer binding, not the signer, not what is shown.
"""
from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from conftest import NOW, ROOT
from edcissuer.crypto.keys import KeyPair
from edcissuer.issue import issue
from edcissuer.ld.loader import default_loader
from edcissuer.proofs.data_integrity import UNSUPPORTED_PROOF_SKIPPED, add_proof, format_datetime
from edcissuer.securing.data_integrity import DataIntegrity
from edcissuer.suites.base import get_suite
from edcissuer.verify import VerificationResult, VerifyOptions, verify_document

FIXTURES = ROOT / "tests" / "fixtures" / "legacy"


def unsupported_proofs(vm: str) -> dict[str, dict[str, Any]]:
    """Well-formed proofs no registered suite verifies, as other issuers write them."""
    common = {"created": "2026-11-24T12:00:00Z", "verificationMethod": vm, "proofPurpose": "assertionMethod"}
    return {
        "bbs-2023": {"type": "DataIntegrityProof", "cryptosuite": "bbs-2023", **common,
                     "proofValue": "u2V0ChVhQjYs7" + "A" * 80},
        "Ed25519Signature2018": {"type": "Ed25519Signature2018", **common,
                                 "jws": "eyJhbGciOiJFZERTQSIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..c2ln"},
        "case-variant": {"type": "DataIntegrityProof", "cryptosuite": "EDDSA-RDFC-2022", **common,
                         "proofValue": "z" + "1" * 86},
    }


def proofs_of(doc: dict[str, Any]) -> list[Any]:
    raw = doc["proof"]
    return list(raw) if isinstance(raw, list) else [raw]


def with_proofs(doc: dict[str, Any], *extra: Any, first: bool = False) -> dict[str, Any]:
    current = proofs_of(doc)
    return {**doc, "proof": [*extra, *current] if first else [*current, *extra]}


def check(result: VerificationResult, name: str) -> Any:
    return next(c for c in result.checks if c.name == name)


@pytest.fixture(scope="module", params=["ob3", "elm"])
def signed(request, records, demo_keys) -> dict[str, Any]:
    credential: dict[str, Any] = issue(records["model1-single"], fmt=request.param, signer=demo_keys.issuer,
                                       proof="eddsa-rdfc-2022", now=NOW).credential
    return credential


@pytest.fixture(scope="module")
def baseline(signed) -> VerificationResult:
    result = verify_document(signed, VerifyOptions(now=NOW))
    assert result.verified, result.to_text()
    return result


@pytest.mark.parametrize("kind", ["bbs-2023", "Ed25519Signature2018", "case-variant"])
@pytest.mark.parametrize("first", [False, True], ids=["after", "before"])
def test_an_unsupported_proof_beside_a_valid_one_is_skipped_with_a_named_warning(signed, baseline, demo_keys,
                                                                                 kind, first) -> None:
    extra = unsupported_proofs(demo_keys.issuer.verification_method)[kind]
    result = verify_document(with_proofs(signed, extra, first=first), VerifyOptions(now=NOW))
    assert result.verified, result.to_text()
    proof = check(result, "proof")
    skipped_at = 0 if first else 1
    assert "skipped" in proof.reason and f"proof[{skipped_at}]" in proof.reason
    entries = proof.details["proofs"]
    assert [e["status"] for e in entries] == (["skipped", "verified"] if first else ["verified", "skipped"])
    assert entries[skipped_at]["warning"] == UNSUPPORTED_PROOF_SKIPPED
    assert proof.details["warnings"] == [{"warning": UNSUPPORTED_PROOF_SKIPPED, "index": skipped_at,
                                          "reason": entries[skipped_at]["reason"]}]
    # signed means shown: what is shown is exactly what the verified proof covers
    assert result.elements == baseline.elements


def test_unsupported_proofs_alone_are_refused(signed, demo_keys) -> None:
    extras = list(unsupported_proofs(demo_keys.issuer.verification_method).values())
    bare = {k: v for k, v in signed.items() if k != "proof"}
    one = verify_document({**bare, "proof": extras[0]}, VerifyOptions(now=NOW))
    assert not one.verified and one.elements is None
    assert "unsupported cryptosuite 'bbs-2023'" in check(one, "proof").reason
    several = verify_document({**bare, "proof": extras}, VerifyOptions(now=NOW))
    reason = check(several, "proof").reason
    assert not several.verified and several.elements is None
    assert reason.startswith("no proof could be checked") and "proof[2]" in reason


def test_a_tampered_credential_is_refused_whatever_stands_beside_its_proof(signed, demo_keys) -> None:
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["id"] = "did:example:impostor"
    extra = unsupported_proofs(demo_keys.issuer.verification_method)["bbs-2023"]
    result = verify_document(with_proofs(tampered, extra), VerifyOptions(now=NOW))
    proof = check(result, "proof")
    assert not result.verified and result.elements is None
    assert proof.reason.startswith("proof[0]: signature does not match")
    assert [e["status"] for e in proof.details["proofs"]] == ["failed", "skipped"]


def test_a_supported_proof_that_fails_fails_the_set_even_when_another_verifies(signed, records, demo_keys) -> None:
    other = issue(records["model2-cooperative"], fmt="ob3", signer=demo_keys.issuer, proof="eddsa-rdfc-2022",
                  now=NOW).credential
    extra = unsupported_proofs(demo_keys.issuer.verification_method)["bbs-2023"]
    result = verify_document(with_proofs(signed, extra, *proofs_of(other)), VerifyOptions(now=NOW))
    proof = check(result, "proof")
    assert not result.verified and result.elements is None
    assert proof.reason.startswith("proof[2]: signature does not match")
    assert [e["status"] for e in proof.details["proofs"]] == ["verified", "skipped", "failed"]


@pytest.mark.parametrize("bad, expect", [
    ({"cryptosuite": "bbs-2023"}, "proof type None is not a string"),
    ({"type": ["DataIntegrityProof"], "cryptosuite": "bbs-2023"}, "proof type ['DataIntegrityProof']"),
    ({"type": "DataIntegrityProof"}, "cryptosuite None is not a string"),
    ({"type": "DataIntegrityProof", "cryptosuite": ["eddsa-rdfc-2022"]}, "cryptosuite ['eddsa-rdfc-2022']"),
    ("a proof", "not a JSON object"),
], ids=["no-type", "type-list", "no-cryptosuite", "cryptosuite-list", "not-an-object"])
def test_a_malformed_proof_is_a_failure_never_skipped(signed, bad, expect) -> None:
    result = verify_document(with_proofs(signed, bad), VerifyOptions(now=NOW))
    proof = check(result, "proof")
    assert not result.verified and result.elements is None
    assert proof.reason.startswith("proof[1]:") and expect in proof.reason


def test_a_skipped_proof_neither_binds_the_issuer_nor_counts_against_it(signed, demo_keys) -> None:
    learner = next(iter(demo_keys.learners.values()))
    # the issuer's proof holds; a skipped proof naming someone else's key does not spoil the binding
    foreign = unsupported_proofs(learner.verification_method)["bbs-2023"]
    result = verify_document(with_proofs(signed, foreign), VerifyOptions(now=NOW))
    assert result.verified and check(result, "issuer.binding").passed, result.to_text()
    # re-signed by the learner: a skipped proof naming the issuer's key cannot lend it the issuer's name
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    resigned = add_proof(unsigned, learner, cryptosuite="eddsa-rdfc-2022", created=NOW)
    claiming = unsupported_proofs(demo_keys.issuer.verification_method)["bbs-2023"]
    result = verify_document(with_proofs(resigned, claiming), VerifyOptions(now=NOW))
    binding = check(result, "issuer.binding")
    assert check(result, "proof").passed and not binding.passed and "not controlled" in binding.reason
    assert binding.details["verificationMethods"] == [learner.verification_method]
    assert not result.verified and result.elements is None


def test_the_signer_is_only_who_a_verified_proof_names(signed, demo_keys) -> None:
    learner = next(iter(demo_keys.learners.values()))
    foreign = unsupported_proofs(learner.verification_method)["Ed25519Signature2018"]
    out = DataIntegrity().verify(with_proofs(signed, foreign), VerifyOptions(now=NOW).context())
    assert out.signer is not None
    assert out.signer.verification_methods == (demo_keys.issuer.verification_method,)
    assert out.signer.dids == (demo_keys.issuer.did_key,)


def _chained(doc: dict[str, Any], previous: dict[str, Any], key: KeyPair) -> dict[str, Any]:
    """`doc` with `previous` and an eddsa-rdfc-2022 proof chained to it (previousProof)."""
    suite = get_suite("eddsa-rdfc-2022")
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    options = {**suite.proof_fields(), "created": format_datetime(NOW), "verificationMethod": key.verification_method,
               "proofPurpose": "assertionMethod", "previousProof": previous["id"]}
    data = suite.verify_data({**unsecured, "proof": previous}, {"@context": doc["@context"], **options},
                             key.algorithm, default_loader)
    return {**unsecured, "proof": [previous, {**options, "proofValue": suite.sign(key, data)}]}


def test_a_proof_chained_to_an_unsupported_one_covers_it(signed, demo_keys) -> None:
    previous = {"id": "urn:uuid:3f0a7c52-0b6e-4a7e-9c1d-bb5e2a1d0001",
                **unsupported_proofs(demo_keys.issuer.verification_method)["bbs-2023"]}
    chained = _chained(signed, previous, demo_keys.issuer)
    result = verify_document(chained, VerifyOptions(now=NOW))
    assert result.verified, result.to_text()
    assert [e["status"] for e in check(result, "proof").details["proofs"]] == ["skipped", "verified"]
    altered = copy.deepcopy(chained)
    altered["proof"][0]["proofValue"] = "u2V0ChVhQjYs7" + "B" * 80
    refused = verify_document(altered, VerifyOptions(now=NOW))
    assert not refused.verified and refused.elements is None
    assert check(refused, "proof").reason.startswith("proof[1]: signature does not match")


def test_a_jcs_proof_beside_an_unsupported_one_still_gets_the_contexts_check(records, demo_keys) -> None:
    jcs = issue(records["model1-single"], fmt="ob3", signer=demo_keys.issuer, proof="eddsa-jcs-2022",
                now=NOW).credential
    extra = unsupported_proofs(demo_keys.issuer.verification_method)["bbs-2023"]
    ctx = VerifyOptions(now=NOW).context()
    assert not DataIntegrity().verify(with_proofs(jcs, extra), ctx).expanded_strictly
    result = verify_document(with_proofs(jcs, extra), VerifyOptions(now=NOW))
    assert result.verified and check(result, "contexts").passed, result.to_text()


def test_a_peer_proof_set_verifies_on_the_proof_we_support() -> None:
    """Ed25519Signature2020 + Ed25519Signature2018 by digitalbazaar's libraries (fixture README)."""
    doc = json.loads((FIXTURES / "proof-set-2020-2018-credential.json").read_text(encoding="utf-8"))
    out = DataIntegrity().verify(doc, VerifyOptions(now=NOW).context())
    proof, binding = out.checks
    assert proof.passed and binding.passed, proof.reason
    assert [(e["status"], e.get("type", e.get("cryptosuite"))) for e in proof.details["proofs"]] == \
        [("verified", "Ed25519Signature2020"), ("skipped", "Ed25519Signature2018")]
    assert "unsupported proof type 'Ed25519Signature2018'" in proof.reason
    # and the peer's supported proof still guards the content
    doc["credentialSubject"]["id"] = "did:example:impostor"
    tampered = DataIntegrity().verify(doc, VerifyOptions(now=NOW).context())
    assert not tampered.checks[0].passed and tampered.signer is None


def test_every_signed_leaf_flipped_beside_a_skipped_proof_is_refused_and_shows_nothing(signed, baseline,
                                                                                     demo_keys) -> None:
    """The leaf-flip corpus of tests/hostile.py, on a set with a skipped proof: what the verified proof
    covers stays guarded, and what only the skipped proof holds changes nothing that is shown."""
    from hostile import flipped, get_path, leaf_paths, set_path

    extra = unsupported_proofs(demo_keys.issuer.verification_method)["bbs-2023"]
    mixed = with_proofs(signed, extra)
    supported = len(proofs_of(signed))
    paths = list(leaf_paths(mixed))
    body = [p for p in paths if p[0] != "proof"]
    stride = max(1, len(body) // 120)   # every proof leaf; about 120 leaves of a large ELM body
    flips = 0
    for path in [p for p in paths if p[0] == "proof"] + body[::stride]:
        result = verify_document(set_path(mixed, path, flipped(get_path(mixed, path))), VerifyOptions(now=NOW))
        flips += 1
        if path[:2] == ("proof", supported):   # inside the skipped proof: nothing it says is used
            assert result.verified and result.elements == baseline.elements, (path, result.to_text())
        else:
            assert not result.verified and result.elements is None, (path, result.to_text())
    assert flips > 50

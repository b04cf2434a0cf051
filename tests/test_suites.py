"""The two suites added through the securing seam: eddsa-jcs-2022 and Ed25519Signature2020.

Each is one file in `src/edcissuer/suites/`; these tests prove the seam carries them end to
end: the W3C vc-di-eddsa vectors reproduced byte for byte, their signed documents verified,
issuing and verifying through the public recipes, and discovery without any list.
"""
from __future__ import annotations

import ast
import copy
import hashlib
import importlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import rfc8785

from conftest import NOW, ROOT, need_reference
from edcissuer.cli import build_parser
from edcissuer.crypto import multibase as mb
from edcissuer.crypto.keys import KeyPair
from edcissuer.errors import ContextError
from edcissuer.issue import PROOFS, issue
from edcissuer.ld.canonize import canonize
from edcissuer.ld.loader import make_loader
from edcissuer.proofs.data_integrity import add_proof, verify_proof
from edcissuer.suites import base, get_suite, supported_suites
from edcissuer.suites.base import verifiable_suites
from edcissuer.verify import VerifyOptions, verify_document

EDDSA = ("vectors", "vc-di-eddsa", "TestVectors")
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
VERIFY_AT = datetime(2026, 3, 2, tzinfo=timezone.utc)
SIGNATURE_MISMATCH = "signature does not match"
NEW_SUITES = ("eddsa-jcs-2022", "Ed25519Signature2020")

# (vector folder, file suffix, name the registry knows the suite by)
VECTOR_CASES = {"eddsa-jcs-2022": ("eddsa-jcs-2022", "JCS"),
                "Ed25519Signature2020": ("Ed25519Signature2020", "EdSig")}


def ref_text(*parts: str) -> str:
    return need_reference(*EDDSA, *parts).read_text(encoding="utf-8")


def ref_json(*parts: str) -> Any:
    return json.loads(ref_text(*parts))


@pytest.fixture(scope="module")
def vector_loader():
    """Bundled contexts plus the W3C examples context the vectors use (never bundled)."""
    examples = need_reference("contexts", "credentials-examples-v2.jsonld")
    return make_loader(extra={EXAMPLES_V2: json.loads(examples.read_text(encoding="utf-8"))})


@pytest.fixture(scope="module")
def vector_key() -> KeyPair:
    return KeyPair.load(need_reference(*EDDSA, "keyPair.json"))


def created_of(proof_config: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(proof_config["created"].replace("Z", "+00:00"))


# --- the W3C vectors --------------------------------------------------------------------------

def test_eddsa_jcs_2022_vector_canonical_forms_and_hashes_reproduced(vector_loader) -> None:
    unsigned = ref_json("unsigned.json")
    proof_config = ref_json("eddsa-jcs-2022", "proofConfigJCS.json")
    # the JCS proof configuration carries the document's @context (vc-di-eddsa 3.3.1 step 2)
    assert proof_config["@context"] == unsigned["@context"]
    assert rfc8785.dumps(unsigned).decode() == ref_text("eddsa-jcs-2022", "canonDocJCS.txt")
    assert rfc8785.dumps(proof_config).decode() == ref_text("eddsa-jcs-2022", "proofCanonJCS.txt")

    data = get_suite("eddsa-jcs-2022").verify_data(unsigned, proof_config, "Ed25519", vector_loader)
    assert data[:32].hex() == ref_text("eddsa-jcs-2022", "proofHashJCS.txt").strip()
    assert data[32:].hex() == ref_text("eddsa-jcs-2022", "docHashJCS.txt").strip()
    assert data.hex() == ref_text("eddsa-jcs-2022", "combinedHashJCS.txt").strip()


def test_ed25519_signature_2020_vector_canonical_forms_and_hashes_reproduced(vector_loader) -> None:
    signed = ref_json("Ed25519Signature2020", "signedEdSig.json")
    document = {k: v for k, v in signed.items() if k != "proof"}
    proof_config = ref_json("Ed25519Signature2020", "proofConfigEdSig.json")
    canon_doc = canonize(document, vector_loader)
    canon_proof = canonize(proof_config, vector_loader)
    assert canon_doc == ref_text("Ed25519Signature2020", "canonDocEdSig.txt")
    assert canon_proof == ref_text("Ed25519Signature2020", "proofCanonEdSig.txt")
    assert hashlib.sha256(canon_doc.encode()).hexdigest() == ref_text("Ed25519Signature2020",
                                                                       "docHashEdSig.txt").strip()
    assert hashlib.sha256(canon_proof.encode()).hexdigest() == ref_text("Ed25519Signature2020",
                                                                         "proofHashEdSig.txt").strip()

    data = get_suite("Ed25519Signature2020").verify_data(document, proof_config, "Ed25519", vector_loader)
    assert data.hex() == ref_text("Ed25519Signature2020", "combinedHashEdSig.txt").strip()


@pytest.mark.parametrize("name", sorted(VECTOR_CASES))
def test_signing_the_unsigned_vector_reproduces_the_signed_document_byte_for_byte(
        name: str, vector_loader, vector_key: KeyPair) -> None:
    folder, sfx = VECTOR_CASES[name]
    proof_config = ref_json(folder, f"proofConfig{sfx}.json")
    signed = add_proof(ref_json("unsigned.json"), vector_key, cryptosuite=name, created=created_of(proof_config),
                       verification_method=proof_config["verificationMethod"], loader=vector_loader)
    value = signed["proof"]["proofValue"]
    assert value == ref_text(folder, f"sigBTC58{sfx}.txt").strip()
    assert mb.decode_base58btc(value).hex() == ref_text(folder, f"sigHex{sfx}.txt").strip()
    # the published file, as the same JSON text: members in the same order, same layout
    assert json.dumps(signed, indent=2) == ref_text(folder, f"signed{sfx}.json").rstrip("\n")


@pytest.mark.parametrize("name", sorted(VECTOR_CASES))
def test_signed_vector_verifies_and_a_tampered_copy_fails_on_the_signature(name: str, vector_loader) -> None:
    folder, sfx = VECTOR_CASES[name]
    signed = ref_json(folder, f"signed{sfx}.json")
    result = verify_proof(signed, loader=vector_loader, now=VERIFY_AT)
    assert result.passed, result.reason
    assert result.details["cryptosuite"] == name

    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["alumniOf"] = "Another School"
    result = verify_proof(tampered, loader=vector_loader, now=VERIFY_AT)
    assert not result.passed and SIGNATURE_MISMATCH in result.reason


# --- eddsa-jcs-2022 specifics -----------------------------------------------------------------

def jcs_signed(doc: dict[str, Any], key: KeyPair, *, proof_context: Any, loader) -> dict[str, Any]:
    """Sign with the suite directly, as another implementation might (no strict check on the way)."""
    suite = get_suite("eddsa-jcs-2022")
    options: dict[str, Any] = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
                               "created": "2026-03-01T09:30:00Z", "verificationMethod": key.verification_method,
                               "proofPurpose": "assertionMethod"}
    if proof_context is not None:
        options["@context"] = proof_context
    data = suite.verify_data(doc, options, key.algorithm, loader)
    return {**doc, "proof": {**options, "proofValue": suite.sign(key, data)}}


def test_jcs_proof_without_its_own_context_verifies(vector_loader) -> None:
    # vc-di-eddsa notes some implementations skip "Create Proof" step 2: their proofs verify too
    key = KeyPair.generate("Ed25519")
    signed = jcs_signed(ref_json("unsigned.json"), key, proof_context=None, loader=vector_loader)
    result = verify_proof(signed, loader=vector_loader, now=VERIFY_AT)
    assert result.passed, result.reason


def test_jcs_proof_context_must_open_the_documents_context(vector_loader) -> None:
    key = KeyPair.generate("Ed25519")
    unsigned = ref_json("unsigned.json")
    signed = jcs_signed(unsigned, key, proof_context=unsigned["@context"], loader=vector_loader)
    signed["@context"] = list(reversed(unsigned["@context"]))
    result = verify_proof(signed, loader=vector_loader, now=VERIFY_AT)
    assert not result.passed and "does not start with the proof's @context" in result.reason


def test_jcs_proof_context_may_be_a_prefix_and_stands_in_for_the_documents(vector_loader) -> None:
    # a context appended after signing is outside the signature (Verify Proof steps 4-5)
    key = KeyPair.generate("Ed25519")
    unsigned = {**ref_json("unsigned.json"), "@context": ["https://www.w3.org/ns/credentials/v2"]}
    signed = jcs_signed(unsigned, key, proof_context=unsigned["@context"], loader=vector_loader)
    signed["@context"] = ["https://www.w3.org/ns/credentials/v2", EXAMPLES_V2]
    result = verify_proof(signed, loader=vector_loader, now=VERIFY_AT)
    assert result.passed, result.reason


# --- issuing and verifying through the recipes ------------------------------------------------

def issued_with(record: Any, fmt: str, proof: str) -> tuple[Any, dict[str, Any]]:
    """A credential issued with a fresh Ed25519 key, and its (one) proof."""
    issued = issue(record, fmt=fmt, signer=KeyPair.generate("Ed25519"), proof=proof, now=NOW)
    proofs = issued.credential["proof"]
    return issued, proofs[0] if isinstance(proofs, list) else proofs


def verified_checks(artefact: Any) -> dict[str, Any]:
    result = verify_document(artefact, VerifyOptions(now=NOW))
    assert result.verified, result.to_text()
    assert all(c.passed for c in result.checks)
    return {str(c.name): c for c in result.checks}


@pytest.mark.parametrize("fmt", ["ob3", "elm"])
def test_jcs_issued_credential_verifies_end_to_end_with_a_contexts_check(records, fmt: str) -> None:
    issued, proof = issued_with(records["model1-single"], fmt, "eddsa-jcs-2022")
    assert proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["@context"] == issued.credential["@context"]
    checks = verified_checks(issued.artefact)
    # JCS expands nothing, so the verifier checked the JSON-LD itself
    assert {"proof", "issuer.binding", "contexts", "validity", "conformance", "elements"} <= set(checks)


def test_rdfc_issued_credential_still_needs_no_separate_contexts_check(records) -> None:
    issued, _ = issued_with(records["model1-single"], "ob3", "eddsa-rdfc-2022")
    checks = verified_checks(issued.artefact)
    assert "proof" in checks and "contexts" not in checks


def test_jcs_signed_credential_with_an_undefined_term_fails_the_contexts_check(records) -> None:
    key = KeyPair.generate("Ed25519")
    issued = issue(records["model1-single"], fmt="ob3", signer=key, proof="eddsa-jcs-2022", now=NOW)
    unsigned = {k: v for k, v in issued.credential.items() if k != "proof"}
    unsigned["undefinedTermNoContextDefines"] = "x"
    with pytest.raises(ContextError, match="undefinedTermNoContextDefines"):
        add_proof(unsigned, key, cryptosuite="eddsa-jcs-2022", created=NOW)  # we never sign it
    # someone else's JCS signature is valid, yet the credential is not acceptable JSON-LD
    signed = jcs_signed(unsigned, key, proof_context=unsigned["@context"], loader=make_loader())
    result = verify_document(signed, VerifyOptions(now=NOW))
    checks = {str(c.name): c for c in result.checks}
    assert checks["proof"].passed, checks["proof"].reason
    assert not checks["contexts"].passed and "undefinedTermNoContextDefines" in checks["contexts"].reason
    assert not result.verified


@pytest.mark.parametrize("fmt", ["ob3", "elm"])
def test_ed25519_signature_2020_issued_credential_verifies_end_to_end(records, fmt: str) -> None:
    issued, proof = issued_with(records["model3-joint"], fmt, "Ed25519Signature2020")
    assert proof["type"] == "Ed25519Signature2020" and "cryptosuite" not in proof
    assert issued.credential["@context"][-1] == "https://w3id.org/security/suites/ed25519-2020/v1"
    checks = verified_checks(issued.artefact)
    assert {"proof", "issuer.binding", "validity", "conformance", "elements"} <= set(checks)
    assert "contexts" not in checks  # RDFC canonicalization expanded it strictly


def test_ed25519_signature_2020_tampered_credential_fails_on_the_signature(records) -> None:
    issued, _ = issued_with(records["model1-single"], "ob3", "Ed25519Signature2020")
    tampered = copy.deepcopy(issued.credential)
    tampered["name"] = "Something else"
    result = verify_document(tampered, VerifyOptions(now=NOW))
    proof = next(c for c in result.checks if c.name == "proof")
    assert not proof.passed and SIGNATURE_MISMATCH in proof.reason


# --- registry and discovery -------------------------------------------------------------------

def test_new_suites_are_supported_issuing_choices_and_cli_choices() -> None:
    assert set(NEW_SUITES) <= set(supported_suites())
    assert set(NEW_SUITES) <= set(PROOFS)
    parser = build_parser()
    for name in NEW_SUITES:
        args = parser.parse_args(["issue", "record.yaml", "--format", "ob3", "--key", "k.pem", "--proof", name])
        assert args.proof == name


def test_default_suite_per_key_is_unchanged(records) -> None:
    assert base.suite_for_key("Ed25519").name == "eddsa-rdfc-2022"
    assert base.suite_for_key("P-256").name == "ecdsa-rdfc-2019"
    assert base.suite_for_key("P-384").name == "ecdsa-rdfc-2019"
    issued = issue(records["model1-single"], fmt="ob3", signer=KeyPair.generate("Ed25519"), now=NOW)
    assert issued.proof == "eddsa-rdfc-2022"


def _string_literals(path: Path) -> list[str]:
    """String constants of a module, leaving out docstrings and the DEFAULT_FOR_KEY preference."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant):
            skipped.add(id(body[0].value))
        targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
        if any(isinstance(t, ast.Name) and t.id == "DEFAULT_FOR_KEY" for t in targets):
            skipped.update(id(n) for n in ast.walk(node))
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skipped]


def test_suites_are_discovered_without_being_listed() -> None:
    package = ROOT / "src" / "edcissuer" / "suites"
    literals = _string_literals(package / "base.py") + _string_literals(package / "__init__.py")
    for name in verifiable_suites():
        assert not [s for s in literals if name in s], f"{name} is listed in suites/base.py or __init__.py"
    # and each suite module registers exactly the suite it defines (verify-only aliases included)
    modules = sorted(p.stem for p in package.glob("*.py") if p.stem not in ("__init__", "base"))
    names = {importlib.import_module(f"edcissuer.suites.{m}").SUITE.name for m in modules}
    assert names == set(verifiable_suites())
    assert set(NEW_SUITES) <= names

"""W3C and 1EdTech Data Integrity test vectors, reproduced byte for byte.

eddsa-rdfc-2022 (w3c/vc-di-eddsa), ecdsa-rdfc-2019 P-256 and P-384 (w3c/vc-di-ecdsa),
each for the alumni credential and the "employ" credential, and the OB 3.0 vector of
1EdTech's implementation guide: canonical N-Quads, both hashes, the signature and
proofValue, the whole signed document, and verification of the published signed file.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edcissuer.crypto import multibase as mb
from edcissuer.crypto.keys import KeyPair
from edcissuer.ld.canonize import canonize
from edcissuer.ld.loader import default_loader, make_loader
from edcissuer.proofs.data_integrity import add_proof, verify_proof
from edcissuer.suites import get_suite

from conftest import REF  # the one reference folder (EDCISSUER_REFERENCE overrides it)
VECTORS = REF / "vectors"

# contexts the W3C vectors use that the project does not bundle (examples, citizenship)
EXTRA_CONTEXTS = {
    "https://www.w3.org/ns/credentials/examples/v2": "credentials-examples-v2.jsonld",
    "https://w3id.org/citizenship/v4rc1": "citizenship-v4rc1.jsonld",
}

# (folder, file suffix, key pair file, unsigned input)
DI_CASES = {
    "eddsa-rdfc-2022": ("vc-di-eddsa/TestVectors/eddsa-rdfc-2022", "DataInt", "vc-di-eddsa/TestVectors/keyPair.json",
                        "vc-di-eddsa/TestVectors/unsigned.json"),
    "eddsa-rdfc-2022-employ": ("vc-di-eddsa/TestVectors/eddsa-rdfc-2022/employ", "DataInt",
                               "vc-di-eddsa/TestVectors/keyPair.json", "vc-di-eddsa/TestVectors/employmentAuth.json"),
    "ecdsa-rdfc-2019-p256": ("vc-di-ecdsa/TestVectors/ecdsa-rdfc-2019-p256", "ECDSAP256",
                             "vc-di-ecdsa/TestVectors/p256KeyPair.json", "vc-di-ecdsa/TestVectors/unsigned.json"),
    "ecdsa-rdfc-2019-p256-employ": ("vc-di-ecdsa/TestVectors/ecdsa-rdfc-2019-p256/employ", "ECDSAP256",
                                    "vc-di-ecdsa/TestVectors/p256KeyPair.json",
                                    "vc-di-ecdsa/TestVectors/employmentAuth.json"),
    "ecdsa-rdfc-2019-p384": ("vc-di-ecdsa/TestVectors/ecdsa-rdfc-2019-p384", "ECDSAP384",
                             "vc-di-ecdsa/TestVectors/p384KeyPair.json", "vc-di-ecdsa/TestVectors/unsigned.json"),
    "ecdsa-rdfc-2019-p384-employ": ("vc-di-ecdsa/TestVectors/ecdsa-rdfc-2019-p384/employ", "ECDSAP384",
                                    "vc-di-ecdsa/TestVectors/p384KeyPair.json",
                                    "vc-di-ecdsa/TestVectors/employmentAuth.json"),
}

# The OB 3.0 vector (1EdTech openbadges-specification, ob_v3p0/impl/linked-data-proof-ob.html)
OB_SECRET_SEED = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4"
OB_PUBLIC_MULTIBASE = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
OB_DOC_HASH = "87f65a76d40146205e3b3e06cb0fbd153f97f9ce70372390f52566bb7f9e0773"
OB_PROOF_HASH = "d34009cea0dbc1ca941e09dc01c8c9d3e3ce3c5b853f67ee44698dcea10f5d19"
OB_PROOF_VALUE = "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35HcbgXVEDYHxCzgkCr"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"reference data not available: {path} (the ../shared/reference folder holds the official "
                    "test vectors; without it these byte-for-byte checks cannot run)")
    return path


def read_json(path: Path) -> Any:
    return json.loads(need(path).read_text(encoding="utf-8"))


def read_text(path: Path) -> str:
    return need(path).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def vector_loader():
    extra = {url: read_json(REF / "contexts" / name) for url, name in EXTRA_CONTEXTS.items()}
    return make_loader(extra=extra)


@pytest.mark.parametrize("case", sorted(DI_CASES))
def test_w3c_vector_reproduced_byte_for_byte(case: str, vector_loader) -> None:
    folder, sfx, key_file, unsigned_file = DI_CASES[case]
    d = VECTORS / folder
    key = KeyPair.load(need(VECTORS / key_file))
    unsigned = read_json(VECTORS / unsigned_file)
    proof_config = read_json(d / f"proofConfig{sfx}.json")
    suite = get_suite(proof_config["cryptosuite"])

    # ecdsa-rdfc-2019 with P-384 runs RDFC-1.0 with SHA-384 (changes blank node labels in "employ")
    rdfc_hash = suite.hash_name(key.algorithm)
    canon_doc = canonize(unsigned, vector_loader, hash_algorithm=rdfc_hash)
    canon_proof = canonize(proof_config, vector_loader, hash_algorithm=rdfc_hash)
    assert canon_doc == read_text(d / f"canonDoc{sfx}.txt")
    assert canon_proof == read_text(d / f"proofCanon{sfx}.txt")

    doc_hash = suite.hash(key.algorithm, canon_doc.encode())
    proof_hash = suite.hash(key.algorithm, canon_proof.encode())
    assert doc_hash.hex() == read_text(d / f"docHash{sfx}.txt").strip()
    assert proof_hash.hex() == read_text(d / f"proofHash{sfx}.txt").strip()
    assert (proof_hash + doc_hash).hex() == read_text(d / f"combinedHash{sfx}.txt").strip()

    created = datetime.fromisoformat(proof_config["created"].replace("Z", "+00:00"))
    signed = add_proof(unsigned, key, cryptosuite=suite.name, created=created,
                       verification_method=proof_config["verificationMethod"], loader=vector_loader)
    value = signed["proof"]["proofValue"]
    assert value == read_text(d / f"sigBTC58{sfx}.txt").strip()
    assert mb.decode_base58btc(value).hex() == read_text(d / f"sigHex{sfx}.txt").strip()
    assert signed == read_json(d / f"signed{sfx}.json")


@pytest.mark.parametrize("case", sorted(DI_CASES))
def test_w3c_signed_vector_verifies(case: str, vector_loader) -> None:
    folder, sfx, _, _ = DI_CASES[case]
    signed = read_json(VECTORS / folder / f"signed{sfx}.json")
    result = verify_proof(signed, loader=vector_loader, now=VERIFY_AT)  # did:key resolution, no network
    assert result.passed, result.reason
    signed["credentialSubject"]["id"] = "did:example:someone-else"
    assert not verify_proof(signed, loader=vector_loader, now=VERIFY_AT).passed


VERIFY_AT = datetime(2026, 3, 2, tzinfo=timezone.utc)


def _ob_key() -> KeyPair:
    key = KeyPair.from_key(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(OB_SECRET_SEED)))
    assert key.public_multibase == OB_PUBLIC_MULTIBASE
    return key


def test_ob3_vector_reproduced_with_bundled_contexts() -> None:
    """The OB 3.0 guide's eddsa-rdfc-2022 vector, canonicalised with OUR bundled contexts."""
    ob = REF / "ob3"
    unsigned = read_json(ob / "examples-extracted" / "linked-data-proof-ob__01__Credential.json")
    signed_ref = read_json(ob / "examples-extracted" / "linked-data-proof-ob__07__Signed-credential.json")
    options = read_json(ob / "examples-extracted" / "linked-data-proof-ob__06__Proof.json")
    options.pop("proofValue", None)
    canon_doc = canonize(unsigned, default_loader)
    canon_proof = canonize({"@context": unsigned["@context"], **options}, default_loader)
    assert canon_doc == read_text(ob / "spec-repo" / "test-vectors" / "obv3p0" / "document-canon.txt")
    assert canon_proof == read_text(ob / "spec-repo" / "test-vectors" / "obv3p0" / "proof-canon.txt")
    suite = get_suite("eddsa-rdfc-2022")
    assert suite.hash("Ed25519", canon_doc.encode()).hex() == OB_DOC_HASH
    assert suite.hash("Ed25519", canon_proof.encode()).hex() == OB_PROOF_HASH

    key = _ob_key()
    created = datetime.fromisoformat(options["created"].replace("Z", "+00:00"))
    signed = add_proof(unsigned, key, cryptosuite="eddsa-rdfc-2022", created=created,
                       verification_method=options["verificationMethod"])
    assert signed["proof"]["proofValue"] == OB_PROOF_VALUE == signed_ref["proof"]["proofValue"]
    assert {k: v for k, v in signed.items() if k != "proof"} == \
        {k: v for k, v in signed_ref.items() if k != "proof"}


def test_ob3_signed_vector_verifies() -> None:
    signed = read_json(REF / "ob3" / "examples-extracted" / "linked-data-proof-ob__07__Signed-credential.json")
    key = _ob_key().public_only()
    vm = signed["proof"]["verificationMethod"]  # an https URL, not a DID: resolved by the caller

    def resolver(vm_id: str) -> KeyPair:
        assert vm_id == vm
        return key

    assert verify_proof(signed, resolver=resolver, now=VERIFY_AT).passed
    # without a resolver for that URL the default DID resolver refuses it, naming it
    result = verify_proof(signed, now=VERIFY_AT)
    assert not result.passed and vm in result.reason

"""did:key and offline did:web resolution, DID documents."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from edcissuer.crypto.did import (
    did_key_document,
    did_resolver,
    did_web_document,
    did_web_path,
    did_web_url,
    did_web_verification_method,
    resolve_verification_method,
)
from edcissuer.crypto.keys import KeyPair
from edcissuer.errors import KeyMaterialError

ED25519_PUB = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"  # W3C vc-di-eddsa vector key
P256_PUB = "zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP"    # W3C vc-di-ecdsa vector key


@pytest.mark.parametrize("multikey, alg", [(ED25519_PUB, "Ed25519"), (P256_PUB, "P-256")])
def test_did_key_round_trip(multikey: str, alg: str) -> None:
    vm = f"did:key:{multikey}#{multikey}"
    key = resolve_verification_method(vm)
    assert key.algorithm == alg and not key.has_private
    assert key.public_multibase == multikey
    assert key.did_key == f"did:key:{multikey}"
    assert key.verification_method == vm
    doc = did_key_document(key.did_key)
    assert doc["id"] == key.did_key
    assert doc["verificationMethod"][0] == {"id": vm, "type": "Multikey", "controller": key.did_key,
                                            "publicKeyMultibase": multikey}
    assert doc["assertionMethod"] == [vm] and doc["authentication"] == [vm]


@pytest.mark.parametrize("alg", ["Ed25519", "P-256", "P-384"])
def test_did_key_of_generated_keys(alg: str) -> None:
    key = KeyPair.generate(alg)
    assert resolve_verification_method(key.verification_method) == key.public_only()


def test_did_key_fragment_must_repeat_the_key() -> None:
    with pytest.raises(KeyMaterialError, match="fragment"):
        resolve_verification_method(f"did:key:{ED25519_PUB}#{P256_PUB}")


@pytest.mark.parametrize("vm", ["did:example:123#key-1", "did:ion:abc#k", "https://example.edu/issuers/1#key",
                                "did:key:zNotAKey#zNotAKey", ""])
def test_unsupported_or_broken_methods_name_the_vm(vm: str) -> None:
    with pytest.raises(KeyMaterialError) as err:
        resolve_verification_method(vm)
    assert err.value.field == "verificationMethod"
    if vm:
        assert vm.split("#")[0] in str(err.value)


def _publish(root: Path, did: str, keys: list[KeyPair]) -> dict:
    doc = did_web_document(did, keys)
    path = did_web_path(did, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return doc


@pytest.mark.parametrize("did, rel", [
    ("did:web:example.edu", "example.edu/.well-known/did.json"),
    ("did:web:example.edu:issuers:42", "example.edu/issuers/42/did.json"),
    ("did:web:localhost%3A8443", "localhost:8443/.well-known/did.json"),
])
def test_did_web_from_local_directory(tmp_path, did: str, rel: str) -> None:
    keys = [KeyPair.generate("Ed25519"), KeyPair.generate("P-256")]
    doc = _publish(tmp_path, did, keys)
    assert (tmp_path / rel).is_file()
    assert doc["assertionMethod"] == [did_web_verification_method(did, k) for k in keys]
    for key in keys:
        vm = did_web_verification_method(did, key)
        assert resolve_verification_method(vm, did_web_dir=tmp_path, purpose="assertionMethod") == key.public_only()
        assert did_resolver(did_web_dir=tmp_path)(vm) == key.public_only()


def test_did_web_urls() -> None:
    assert did_web_url("did:web:example.edu") == "https://example.edu/.well-known/did.json"
    assert did_web_url("did:web:example.edu:user:alice") == "https://example.edu/user/alice/did.json"
    assert did_web_url("did:web:example.com%3A3000") == "https://example.com:3000/.well-known/did.json"


def test_did_web_without_local_copy_and_no_network_is_a_clear_error(tmp_path) -> None:
    vm = "did:web:nowhere.example#key-1"
    with pytest.raises(KeyMaterialError, match="network resolution .* is not allowed") as err:
        resolve_verification_method(vm, did_web_dir=tmp_path)
    assert vm in str(err.value)
    with pytest.raises(KeyMaterialError, match="not allowed"):
        resolve_verification_method(vm)


@pytest.mark.parametrize("did", ["did:web:..", "did:web:example.edu:..:etc", "did:web:exa mple.edu",
                                 "did:web:example.edu:a%2Fb", "did:web:example.edu/x"])
def test_did_web_path_traversal_refused(tmp_path, did: str) -> None:
    with pytest.raises(KeyMaterialError):
        resolve_verification_method(did + "#k", did_web_dir=tmp_path)


def test_did_web_unknown_key_and_purpose(tmp_path) -> None:
    did = "did:web:example.edu"
    key = KeyPair.generate()
    doc = _publish(tmp_path, did, [key])
    with pytest.raises(KeyMaterialError, match="not found"):
        resolve_verification_method(did + "#other", did_web_dir=tmp_path)
    with pytest.raises(KeyMaterialError, match="capabilityInvocation"):
        resolve_verification_method(doc["assertionMethod"][0], did_web_dir=tmp_path, purpose="capabilityInvocation")


def test_did_web_mirror_entry_that_is_not_a_regular_file_is_refused_by_name(tmp_path) -> None:
    did = "did:web:example.edu"
    path = did_web_path(did, tmp_path)
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    with pytest.raises(KeyMaterialError, match="not a regular file"):
        resolve_verification_method(did + "#k", did_web_dir=tmp_path)


def test_did_web_document_id_must_match(tmp_path) -> None:
    key = KeyPair.generate()
    path = did_web_path("did:web:example.edu", tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(did_web_document("did:web:evil.example", [key])))
    with pytest.raises(KeyMaterialError, match="does not match"):
        resolve_verification_method(did_web_verification_method("did:web:example.edu", key), did_web_dir=tmp_path)


def test_did_web_jwk_methods_and_relative_ids(tmp_path) -> None:
    did = "did:web:example.edu"
    key = KeyPair.generate("P-256")
    doc = {"@context": ["https://www.w3.org/ns/did/v1"], "id": did,
           "verificationMethod": [{"id": "#jwk-1", "type": "JsonWebKey2020", "controller": did,
                                   "publicKeyJwk": key.to_jwk()}],
           "assertionMethod": ["#jwk-1"]}
    path = did_web_path(did, tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(doc))
    assert resolve_verification_method(did + "#jwk-1", did_web_dir=tmp_path, purpose="assertionMethod") \
        == key.public_only()
    doc["verificationMethod"][0]["publicKeyJwk"] = key.to_jwk(private=True)
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyMaterialError, match="private key"):
        resolve_verification_method(did + "#jwk-1", did_web_dir=tmp_path)


@pytest.mark.parametrize("member", ["verificationMethod", "assertionMethod", "authentication",
                                    "capabilityDelegation"])
@pytest.mark.parametrize("value", [5, True, "#k", {"id": "#k"}])
def test_did_web_method_lists_that_are_not_lists_are_named_refusals(tmp_path, member: str, value: object) -> None:
    did = "did:web:example.edu"
    key = KeyPair.generate()
    doc = _publish(tmp_path, did, [key])
    doc[member] = value
    did_web_path(did, tmp_path).write_text(json.dumps(doc))
    with pytest.raises(KeyMaterialError, match=f"{member} must be a list") as err:
        resolve_verification_method(did_web_verification_method(did, key), did_web_dir=tmp_path,
                                    purpose="assertionMethod")
    assert err.value.field == member


def test_listing_an_issuers_assertion_keys_refuses_a_relationship_that_is_not_a_list() -> None:
    from edcissuer.crypto.issuer_keys import assertion_keys
    doc = did_web_document("did:web:example.edu", [KeyPair.generate()])
    assert len(assertion_keys(doc)) == 1
    with pytest.raises(KeyMaterialError, match="assertionMethod must be a list"):
        assertion_keys({**doc, "assertionMethod": 5})


def test_did_web_document_shape() -> None:
    key = KeyPair.generate()
    doc = did_web_document("did:web:uni.example", [key])
    assert doc["@context"] == ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
    assert doc["verificationMethod"][0]["type"] == "Multikey"
    assert doc["verificationMethod"][0]["publicKeyMultibase"] == key.public_multibase
    assert "secret" not in json.dumps(doc).lower() and '"d"' not in json.dumps(doc)
    with pytest.raises(KeyMaterialError):
        did_web_document("did:web:uni.example", [])

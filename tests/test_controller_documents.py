"""https verification methods: controller documents (mirror and remote) and the weaker key-in-fragment rule."""
from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW, need_reference
from test_fetch import Site, Tls, tls, tls_site  # noqa: F401 - fixtures

from edcissuer.cli import main
from edcissuer.crypto.controller import controller_document_path, resolve_https_method
from edcissuer.crypto.keys import KeyPair
from edcissuer.errors import KeyMaterialError
from edcissuer.fetch import Fetcher
from edcissuer.issue import map_record, secure, with_issuer_id
from edcissuer.verify import VerifyOptions, verify_document

ISSUER = "https://issuer.example/issuers/1"
STAMP = "2026-11-24T12:00:00Z"


def check(result: Any, name: str) -> Any:
    return next(c for c in result.checks if c.name == name)


def controller_document(url: str, key: KeyPair, fragment: str = "key-1", *, kind: str = "Multikey",
                        **overrides: Any) -> dict[str, Any]:
    vm: dict[str, Any] = {"id": f"{url}#{fragment}", "type": kind, "controller": url}
    if kind in ("JsonWebKey", "JsonWebKey2020"):
        vm["publicKeyJwk"] = key.to_jwk(private=False)
    else:
        vm["publicKeyMultibase"] = key.public_multibase
    doc = {"@context": ["https://www.w3.org/ns/cid/v1"], "id": url, "verificationMethod": [vm],
           "assertionMethod": [vm["id"]]}
    doc.update(overrides)
    return doc


def signed(records: dict[str, Any], key: KeyPair, issuer: str, vm: str) -> dict[str, Any]:
    credential = map_record(with_issuer_id(records["model1-single"], issuer), "ob3")
    artefact = secure(credential, key, fmt="ob3", proof="eddsa-rdfc-2022", now=NOW, verification_method=vm).artefact
    assert isinstance(artefact, dict)
    return artefact


def mirror(root: Path, url: str, doc: dict[str, Any]) -> Path:
    path = controller_document_path(url, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return path


# --- controller documents -------------------------------------------------------------------------

def test_the_mirror_layout_is_the_did_web_layout(tmp_path: Path) -> None:
    assert controller_document_path(ISSUER, tmp_path) == tmp_path.resolve() / "issuer.example" / "issuers" / "1"
    assert controller_document_path("https://issuer.example:8443/", tmp_path) == \
        tmp_path.resolve() / "issuer.example:8443" / "index.json"
    with pytest.raises(KeyMaterialError):
        controller_document_path("https://issuer.example/a/%2e%2e/b", tmp_path)


def test_an_https_method_verifies_through_a_mirrored_controller_document(records: dict[str, Any],
                                                                         tmp_path: Path) -> None:
    key = KeyPair.generate()
    source = mirror(tmp_path, ISSUER, controller_document(ISSUER, key))
    result = verify_document(signed(records, key, ISSUER, f"{ISSUER}#key-1"),
                             VerifyOptions(now=NOW, controller_dir=tmp_path))
    assert check(result, "proof").passed, check(result, "proof").reason
    binding = check(result, "issuer.binding")
    assert binding.passed and binding.details["binding"] == "controller-document"
    assert binding.details["controllerDocuments"] == [str(source)] and "weaker" not in binding.details
    offline = verify_document(signed(records, key, ISSUER, f"{ISSUER}#key-1"), VerifyOptions(now=NOW))
    assert not check(offline, "proof").passed and "not a Multikey" in check(offline, "proof").reason


@pytest.mark.parametrize("kind", ["Multikey", "Ed25519VerificationKey2020", "JsonWebKey"])
def test_each_method_type_is_read(kind: str, tmp_path: Path) -> None:
    key = KeyPair.generate()
    mirror(tmp_path, ISSUER, controller_document(ISSUER, key, kind=kind))
    found = resolve_https_method(f"{ISSUER}#key-1", controller_dir=tmp_path)
    assert found.key.public_multibase == key.public_multibase and found.binding == "controller-document"


def test_an_https_method_verifies_through_a_remote_controller_document(records: dict[str, Any], tls_site: Site,
                                                                       tls: Tls) -> None:
    key = KeyPair.generate()
    issuer = f"{tls_site.origin}/issuers/1"
    tls_site.json("/issuers/1", controller_document(issuer, key), headers={"Content-Type": "application/cid"})
    credential = signed(records, key, issuer, f"{issuer}#key-1")
    fetcher = Fetcher([tls_site.origin], ssl_context=tls.client, timeout=5)
    result = verify_document(credential, VerifyOptions(now=NOW, fetcher=fetcher))
    assert check(result, "proof").passed and check(result, "issuer.binding").details["binding"] == \
        "controller-document"
    assert tls_site.hits["/issuers/1"] == 1 and [r.source for r in fetcher.records] == ["network"]
    other = Fetcher(["https://issuer.example"], ssl_context=tls.client, timeout=5)   # not this host
    refused = verify_document(credential, VerifyOptions(now=NOW, fetcher=other))
    assert not check(refused, "proof").passed and tls_site.hits["/issuers/1"] == 1


@pytest.mark.parametrize(("change", "named"), [
    ({"id": "https://issuer.example/issuers/2"}, "INVALID_CONTROLLER_DOCUMENT_ID"),
    ({"assertionMethod": []}, "INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD"),
    ({"assertionMethod": None, "authentication": ["#key-1"]}, "INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD"),
    ({"verificationMethod": []}, "INVALID_VERIFICATION_METHOD"),
])
def test_a_controller_document_that_does_not_vouch_for_the_key_is_refused_by_name(
        change: dict[str, Any], named: str, records: dict[str, Any], tmp_path: Path) -> None:
    key = KeyPair.generate()
    doc = controller_document(ISSUER, key, fragment=key.public_multibase)
    doc.update(change)
    mirror(tmp_path, ISSUER, doc)
    # the fragment is a Multikey too: a document that was found is never bypassed by the fragment rule
    result = verify_document(signed(records, key, ISSUER, f"{ISSUER}#{key.public_multibase}"),
                             VerifyOptions(now=NOW, controller_dir=tmp_path))
    proof = check(result, "proof")
    assert not proof.passed and named in proof.reason, proof.reason


@pytest.mark.parametrize("member", ["verificationMethod", "assertionMethod", "authentication", "keyAgreement"])
@pytest.mark.parametrize("value", [5, True, "x", {"id": "#key-1"}])
def test_a_method_list_that_is_not_a_list_is_a_named_refusal_not_a_crash(
        member: str, value: Any, records: dict[str, Any], tmp_path: Path) -> None:
    key = KeyPair.generate()
    doc = controller_document(ISSUER, key)
    doc[member] = value
    mirror(tmp_path, ISSUER, doc)
    result = verify_document(signed(records, key, ISSUER, f"{ISSUER}#key-1"),
                             VerifyOptions(now=NOW, controller_dir=tmp_path))
    proof = check(result, "proof")
    assert not proof.passed and f"{member} must be a list" in proof.reason, proof.reason


def test_a_mirror_entry_that_is_not_a_regular_file_or_too_large_is_refused_not_skipped(tmp_path: Path) -> None:
    """A FIFO there must neither block the verifier nor count as "not mirrored" (the fragment fallback)."""
    key = KeyPair.generate()
    vm = f"{ISSUER}#{key.public_multibase}"
    path = controller_document_path(ISSUER, tmp_path)
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    with pytest.raises(KeyMaterialError, match="not a regular file"):
        resolve_https_method(vm, controller_dir=tmp_path)
    path.unlink()
    path.write_bytes(b" " * 1_000_001)
    with pytest.raises(KeyMaterialError, match="over the 1000000-byte limit"):
        resolve_https_method(vm, controller_dir=tmp_path)


def test_a_method_controlled_by_someone_else_or_of_an_unknown_type_is_refused(tmp_path: Path) -> None:
    key = KeyPair.generate()
    doc = controller_document(ISSUER, key)
    doc["verificationMethod"][0]["controller"] = "https://evil.example/"
    mirror(tmp_path, ISSUER, doc)
    with pytest.raises(KeyMaterialError, match="controller is 'https://evil.example/'"):
        resolve_https_method(f"{ISSUER}#key-1", controller_dir=tmp_path)
    doc = controller_document(ISSUER, key, kind="EcdsaSecp256k1VerificationKey2019")
    mirror(tmp_path, ISSUER, doc)
    with pytest.raises(KeyMaterialError, match="type 'EcdsaSecp256k1VerificationKey2019' is not supported"):
        resolve_https_method(f"{ISSUER}#key-1", controller_dir=tmp_path)


def test_the_issuer_must_be_the_controller_document(records: dict[str, Any], tmp_path: Path) -> None:
    key = KeyPair.generate()
    mirror(tmp_path, ISSUER, controller_document(ISSUER, key))
    result = verify_document(signed(records, key, "https://other.example/issuers/9", f"{ISSUER}#key-1"),
                             VerifyOptions(now=NOW, controller_dir=tmp_path))
    assert check(result, "proof").passed and not check(result, "issuer.binding").passed


# --- key in the fragment --------------------------------------------------------------------------

def test_a_key_in_the_fragment_is_a_weaker_binding_reported_as_such(records: dict[str, Any]) -> None:
    key = KeyPair.generate()
    vm = f"{ISSUER}#{key.public_multibase}"
    options = VerifyOptions(now=NOW)
    resolver = options.method_resolver()
    parsed_key = resolver(vm)
    assert parsed_key.public_multibase == key.public_multibase and resolver.bindings[vm].weaker
    result = verify_document(signed(records, key, ISSUER, vm), options)
    assert check(result, "proof").passed
    binding = check(result, "issuer.binding")
    assert binding.passed and binding.details["binding"] == "key-in-fragment" and binding.details["weaker"] is True
    assert "WEAKER" in binding.reason and "no controller document" in binding.reason
    strict = verify_document(signed(records, key, ISSUER, vm), VerifyOptions(now=NOW, allow_key_in_fragment=False))
    assert not check(strict, "proof").passed and "fragment is not accepted" in check(strict, "proof").reason


def test_a_key_in_the_fragment_never_makes_the_issuer_url_trusted(records: dict[str, Any], tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    key = KeyPair.generate()
    path = tmp_path / "fragment.ob3.jsonld"
    path.write_text(json.dumps(signed(records, key, ISSUER, f"{ISSUER}#{key.public_multibase}")))
    by_id = tmp_path / "by-id.toml"
    by_id.write_text(f'[trust_list]\nname = "t"\n[[institution]]\nname = "Issuer"\nids = ["{ISSUER}"]\n')
    code = main(["verify", str(path), "--now", STAMP, "--trust", str(by_id)])
    out = capsys.readouterr().out
    assert code == 3 and "[WEAK] check issuer.binding: WEAKER binding (key-in-fragment)" in out
    assert "which the list does not hold for it" in out      # naming the issuer URL is not enough
    by_key = tmp_path / "by-key.toml"
    by_key.write_text(f'[trust_list]\nname = "t"\n[[institution]]\nname = "Issuer"\nids = ["{ISSUER}"]\n'
                      f'keys = ["{key.public_multibase}"]\n')
    code = main(["verify", str(path), "--now", STAMP, "--trust", str(by_key)])
    out = capsys.readouterr().out
    assert code == 0 and "(trusted)" in out and "[WEAK]" in out   # the list pins the very key: trusted, still weaker


def test_a_status_list_signed_with_a_key_in_the_fragment_is_not_accepted() -> None:
    resolver = VerifyOptions(now=NOW).method_resolver(allow_key_in_fragment=False)
    key = KeyPair.generate()
    with pytest.raises(KeyMaterialError, match="--allow-host issuer.example"):
        resolver(f"{ISSUER}#{key.public_multibase}")


def test_1edtech_sample_verifies_with_a_weaker_key_in_fragment_binding() -> None:
    sample = need_reference("ob3", "examples-extracted", "linked-data-proof-ob__07__Signed-credential.json")
    credential = json.loads(sample.read_text())
    result = verify_document(copy.deepcopy(credential), VerifyOptions(now=NOW))
    proof, binding = check(result, "proof"), check(result, "issuer.binding")
    assert proof.passed, proof.reason
    assert binding.passed and binding.details["weaker"] is True


def test_an_allowed_host_that_fails_to_serve_its_document_never_falls_back_to_the_fragment(
        records: dict[str, Any], tls_site: Site, tls: Tls) -> None:
    key = KeyPair.generate()
    issuer = f"{tls_site.origin}/issuers/1"
    vm = f"{issuer}#{key.public_multibase}"
    fetcher = Fetcher([tls_site.origin], ssl_context=tls.client, timeout=5)
    missing = verify_document(signed(records, key, issuer, vm), VerifyOptions(now=NOW, fetcher=fetcher))
    assert not check(missing, "proof").passed and "HTTP 404" in check(missing, "proof").reason
    tls_site.redirect("/issuers/1", "https://evil.example/doc")
    moved = verify_document(signed(records, key, issuer, vm), VerifyOptions(now=NOW, fetcher=Fetcher(
        [tls_site.origin], ssl_context=tls.client, timeout=5)))
    assert not check(moved, "proof").passed and "redirects to https://evil.example/doc" in check(moved, "proof").reason


def test_a_cache_only_miss_for_an_allowed_host_is_a_refusal_not_a_fragment_fallback(
        records: dict[str, Any], tls_site: Site, tls: Tls) -> None:
    key = KeyPair.generate()
    issuer = f"{tls_site.origin}/issuers/1"
    vm = f"{issuer}#{key.public_multibase}"
    tls_site.json("/issuers/1", controller_document(issuer, key), headers={"Content-Type": "application/cid"})
    offline = Fetcher([tls_site.origin], ssl_context=tls.client, timeout=5, cache_only=True)
    missed = verify_document(signed(records, key, issuer, vm), VerifyOptions(now=NOW, fetcher=offline))
    proof = check(missed, "proof")
    assert not proof.passed and "is not in the cache" in proof.reason, proof.reason
    assert check(missed, "issuer.binding").details.get("binding") != "key-in-fragment"
    assert tls_site.total_hits == 0
    other = Fetcher(["https://other.example"], cache_only=True)     # a host not allowed at all may fall back
    weak = verify_document(signed(records, key, ISSUER, f"{ISSUER}#{key.public_multibase}"),
                           VerifyOptions(now=NOW, fetcher=other))
    assert check(weak, "proof").passed and check(weak, "issuer.binding").details["binding"] == "key-in-fragment"


def test_a_caller_that_cannot_report_the_binding_never_gets_the_fragment_fallback() -> None:
    key = KeyPair.generate()
    resolver = VerifyOptions(now=NOW).context().resolver     # e.g. exports checking authenticity
    assert resolver is not None
    with pytest.raises(KeyMaterialError, match="fragment is not accepted"):
        resolver(f"{ISSUER}#{key.public_multibase}")

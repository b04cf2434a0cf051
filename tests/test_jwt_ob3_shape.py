"""The Open Badges 3.0 JWT shape: issued by default for OB3, verified by openbadgeslib and by us.

OB 3.0 "JSON Web Token Proof Format": the credential at the top level of the payload with
iss/jti/sub/nbf/exp, a header of alg + kid|jwk (+ typ JWT) and nothing else; RS256 is the
minimum algorithm. Peer tokens are built by openbadgeslib (a real OB 3.0 issuer, `jwk`
header) and by jwcrypto directly, so nothing here is checked only against ourselves.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS
from openbadgeslib.ob3 import OB3Signer, OB3Verifier

from conftest import NOW
from edcissuer.checks import CheckId
from edcissuer.crypto.did import did_web_document, did_web_path
from edcissuer.crypto.keys import KeyPair
from edcissuer.issue import issue, map_record, with_issuer_id
from edcissuer.verify import VerifyOptions, verify_document

RSA_KEY = KeyPair.from_key(rsa.generate_private_key(public_exponent=65537, key_size=2048))
DID_WEB = "did:web:badges.example.edu"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def segments(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    head, body, _ = token.split(".")
    return json.loads(unb64(head)), json.loads(unb64(body))


def numeric(text: str) -> int:
    return math.floor(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def did_jwk(key: KeyPair) -> str:
    return "did:jwk:" + b64(json.dumps(key.to_jwk(), separators=(",", ":")).encode())


@pytest.fixture(scope="module")
def record(records):
    return records["model1-single"]


def ob3(record: Any, issuer: str) -> dict[str, Any]:
    """A real OB 3.0 credential from our mapping, issued by `issuer`."""
    return map_record(with_issuer_id(record, issuer), "ob3")


def spec_payload(credential: dict[str, Any], **override: Any) -> dict[str, Any]:
    """OB 3.0 "JWT Payload Format": the credential plus its mirrored registered claims."""
    claims: dict[str, Any] = {"iss": credential["issuer"]["id"], "jti": credential["id"],
                              "sub": credential["credentialSubject"]["id"], "nbf": numeric(credential["validFrom"])}
    if "validUntil" in credential:
        claims["exp"] = numeric(credential["validUntil"])
    return {**credential, **claims, **override}


def jwcrypto_token(header: dict[str, Any], payload: dict[str, Any], key: KeyPair) -> str:
    """A compact JWS signed by jwcrypto itself (an independent JOSE implementation)."""
    jws = JWS(json.dumps(payload).encode())
    jws.add_signature(key.to_jwcrypto(private=True), alg=header["alg"], protected=json.dumps(header))
    return str(jws.serialize(compact=True))


def raw_token(header: dict[str, Any], payload: dict[str, Any], key: KeyPair) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode()))}"


def checked(token: str, **options: Any) -> dict[str, Any]:
    result = verify_document(token, VerifyOptions(now=NOW, **options))
    return {"result": result, **{c.name: c for c in result.checks}}


def refused_proof(token: str, field: str, **options: Any) -> str:
    got = checked(token, **options)
    proof = got[CheckId.PROOF]
    assert not got["result"].verified and not proof.passed, proof.reason
    assert proof.details["field"] == field, proof.details
    assert got["result"].elements is None
    return str(proof.reason)


# --- what we issue ---------------------------------------------------------------------------------

@pytest.mark.parametrize("alg", ["Ed25519", "P-256", "RSA"])
def test_default_ob3_jwt_has_exactly_the_spec_shape(record, demo_keys, alg):
    key = {"Ed25519": demo_keys.issuer, "P-256": demo_keys.issuer_p256, "RSA": RSA_KEY}[alg]
    issued = issue(record, fmt="ob3", signer=key, proof="jwt", now=NOW)
    header, payload = segments(issued.artefact)
    assert header == {"alg": {"Ed25519": "EdDSA", "P-256": "ES256", "RSA": "RS256"}[alg], "typ": "JWT",
                      "kid": key.verification_method}
    assert payload == spec_payload(issued.credential)
    assert payload["iss"] == key.did_key and payload["jti"].startswith("urn:uuid:")


def test_vc_jose_stays_an_explicit_choice_and_elm_keeps_it(record, demo_keys):
    for fmt, proof in (("ob3", "vc-jose"), ("elm", "jwt"), ("elm", "vc-jose")):
        issued = issue(record, fmt=fmt, signer=demo_keys.issuer, proof=proof, now=NOW)
        header, payload = segments(issued.artefact)
        assert header == {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": demo_keys.issuer.verification_method}
        assert payload == issued.credential
        assert checked(issued.artefact)["result"].verified


@pytest.mark.parametrize("proof", ["jwt", "jwt-ob3"])
def test_our_ob3_jwt_verifies_end_to_end_and_the_claims_are_not_json_ld_terms(record, demo_keys, proof):
    issued = issue(record, fmt="ob3", signer=demo_keys.issuer, proof=proof, now=NOW)
    got = checked(issued.artefact)
    assert got["result"].verified, got["result"].to_text()
    assert got[CheckId.CONTEXTS].passed  # no "undefined term 'jti'"
    assert got[CheckId.PROOF].details["jwt_form"] == "ob3-jwt"
    assert got[CheckId.ISSUER_BINDING].details["method"] == "kid-did-vm"


@pytest.mark.parametrize("alg", ["Ed25519", "P-256", "RSA"])
def test_openbadgeslib_verifies_our_default_ob3_jwt(record, demo_keys, alg):
    key = {"Ed25519": demo_keys.issuer, "P-256": demo_keys.issuer_p256, "RSA": RSA_KEY}[alg]
    token = issue(record, fmt="ob3", signer=key, proof="jwt", now=NOW).artefact
    # openbadgeslib resolves did:key for Ed25519/P-256 only; the RSA key is handed over as PEM
    verifier = (OB3Verifier(pubkey_pem=key.to_pem()) if alg == "RSA"
                else OB3Verifier.for_issuer_did(key.did_key))
    credential = verifier.verify(token)
    assert credential.id == segments(token)[1]["jti"]
    assert credential.issuer.id == key.did_key


# --- peer tokens we verify ----------------------------------------------------------------------------

@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256"])
def test_openbadgeslib_jwk_header_jwt_verifies_in_ours(record, demo_keys, alg):
    key = {"EdDSA": demo_keys.issuer, "ES256": demo_keys.issuer_p256, "RS256": RSA_KEY}[alg]
    token = OB3Signer(key.to_pem(private=True), algorithm=alg).sign_payload(spec_payload(ob3(record, key.did_key)))
    assert set(segments(token)[0]) == {"alg", "typ", "jwk"}
    got = checked(token)
    assert got["result"].verified, got["result"].to_text()
    binding = got[CheckId.ISSUER_BINDING]
    assert binding.details == {"issuer": key.did_key, "method": "jwk-did-key",
                               "verificationMethod": key.verification_method}
    assert "did:key" in binding.reason


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES256", "EdDSA"])
@pytest.mark.parametrize("variant", ["kid", "jwk", "jwk-did-jwk"])
def test_jwcrypto_spec_shape_jwt_verifies(record, demo_keys, alg, variant):
    key = {"RS256": RSA_KEY, "PS256": RSA_KEY, "ES256": demo_keys.issuer_p256, "EdDSA": demo_keys.issuer}[alg]
    issuer = did_jwk(key) if variant == "jwk-did-jwk" else key.did_key
    header: dict[str, Any] = {"alg": alg, "typ": "JWT"}
    header.update({"kid": key.verification_method} if variant == "kid" else {"jwk": key.to_jwk()})
    got = checked(jwcrypto_token(header, spec_payload(ob3(record, issuer)), key))
    assert got["result"].verified, got["result"].to_text()
    assert got[CheckId.PROOF].details["alg"] == alg
    method = {"kid": "kid-did-vm", "jwk": "jwk-did-key", "jwk-did-jwk": "jwk-did-jwk"}[variant]
    assert got[CheckId.ISSUER_BINDING].details["method"] == method


def test_spec_shape_without_typ_verifies(record, demo_keys):
    key = demo_keys.issuer
    token = jwcrypto_token({"alg": "EdDSA", "kid": key.verification_method},
                           spec_payload(ob3(record, key.did_key)), key)
    assert checked(token)["result"].verified


# --- tampering and contradictions -------------------------------------------------------------------

@pytest.fixture(scope="module")
def good(record, demo_keys):
    key = demo_keys.issuer
    header = {"alg": "EdDSA", "typ": "JWT", "kid": key.verification_method}
    return key, header, spec_payload(ob3(record, key.did_key))


def test_a_changed_payload_or_header_after_signing_is_refused(good):
    key, header, payload = good
    head, body, sig = raw_token(header, payload, key).split(".")
    forged_body = b64(json.dumps({**payload, "jti": "urn:uuid:forged", "id": "urn:uuid:forged"}).encode())
    assert "signature does not verify" in refused_proof(f"{head}.{forged_body}.{sig}", "signature")
    forged_head = b64(json.dumps({**header, "typ": "jwt"}).encode())
    assert "signature does not verify" in refused_proof(f"{forged_head}.{body}.{sig}", "signature")


@pytest.mark.parametrize("claim, value, expected", [
    ("iss", "did:web:evil.example", "iss claim 'did:web:evil.example' does not match the credential issuer"),
    ("jti", "urn:uuid:other", "jti claim 'urn:uuid:other' does not match the credential id"),
    ("sub", "did:example:someone-else", "sub claim 'did:example:someone-else' is not the id of any credentialSubject"),
    ("nbf", 1_700_000_000, "nbf claim 2023-11-14T22:13:20Z does not match validFrom"),
])
def test_claims_contradicting_the_credential_are_refused(good, claim, value, expected):
    key, header, payload = good
    assert expected in refused_proof(raw_token(header, {**payload, claim: value}, key), claim)


@pytest.mark.parametrize("claim, member", [("jti", "id"), ("sub", "credentialSubject.id")])
def test_a_claim_naming_an_id_the_credential_does_not_state_is_refused(good, claim, member):
    """The claim is left out of the credential shown, so it may only repeat what the credential says."""
    key, header, payload = good
    if member == "id":
        payload = {k: v for k, v in payload.items() if k != "id"}
    else:
        payload = {**payload, "credentialSubject": {k: v for k, v in payload["credentialSubject"].items()
                                                    if k != "id"}}
    reason = refused_proof(raw_token(header, payload, key), claim)
    assert f"{claim} claim" in reason


@pytest.mark.parametrize("claim", ["iss", "jti", "sub", "nbf"])
def test_a_missing_required_claim_is_refused(good, claim):
    key, header, payload = good
    others = {c for c in ("iss", "jti", "sub", "nbf") if c != claim}
    reason = refused_proof(raw_token(header, {k: v for k, v in payload.items() if k != claim}, key), claim)
    assert f"lacks the required claim(s) ['{claim}']" in reason and not any(f"'{o}'" in reason for o in others)


def test_nbf_in_the_future_is_refused(record, demo_keys):
    key = demo_keys.issuer
    credential = {**ob3(record, key.did_key), "validFrom": "2027-03-01T00:00:00Z"}
    token = raw_token({"alg": "EdDSA", "typ": "JWT", "kid": key.verification_method}, spec_payload(credential), key)
    assert "not valid before 2027-03-01T00:00:00Z (nbf)" in refused_proof(token, "nbf")


def test_iat_in_the_future_is_refused(good):
    key, header, payload = good
    token = raw_token(header, {**payload, "iat": int(NOW.timestamp()) + 86_400}, key)
    assert "issued at" in refused_proof(token, "iat")


def test_other_header_members_are_refused_in_the_ob3_shape(good):
    key, header, payload = good
    reason = refused_proof(raw_token({**header, "x5u": "https://evil.example/c.pem"}, payload, key), "x5u")
    assert "not allowed in an Open Badges 3.0 JWT" in reason


def test_an_unregistered_top_level_claim_still_goes_through_strict_json_ld(good):
    key, header, payload = good
    got = checked(raw_token(header, {**payload, "azp": "https://verifier.example"}, key))
    assert got[CheckId.PROOF].passed and not got["result"].verified
    assert not got[CheckId.CONTEXTS].passed and "undefined term 'azp'" in got[CheckId.CONTEXTS].reason


# --- algorithms ----------------------------------------------------------------------------------------

def test_alg_none_and_hmac_are_refused_by_name(good):
    key, header, payload = good
    body = b64(json.dumps(payload).encode())
    none_head = b64(json.dumps({**header, "alg": "none"}).encode())
    assert "alg 'none' refused" in refused_proof(f"{none_head}.{body}.", "alg")
    hs_head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "jwk": key.to_jwk()}).encode())
    mac = hmac.new(key.public_bytes, f"{hs_head}.{body}".encode(), hashlib.sha256).digest()
    assert "HMAC" in refused_proof(f"{hs_head}.{body}.{b64(mac)}", "alg")


def test_rsa_alg_with_an_ec_jwk_is_refused(record, demo_keys):
    key = demo_keys.issuer_p256
    token = raw_token({"alg": "RS256", "typ": "JWT", "jwk": key.to_jwk()}, spec_payload(ob3(record, key.did_key)),
                      key)
    assert "alg RS256 does not match the P-256 key of the header jwk" in refused_proof(token, "alg")


def test_a_short_rsa_key_is_refused(record):
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    jwk = JWK.from_pyca(weak)
    public = json.loads(jwk.export_public())
    jws = JWS(json.dumps(spec_payload(ob3(record, "https://badges.example.edu/issuer"))).encode())
    jws.add_signature(jwk, alg="RS256", protected=json.dumps({"alg": "RS256", "typ": "JWT", "jwk": public}))
    reason = refused_proof(jws.serialize(compact=True), "jwk")
    assert "RSA key of 1024 bits refused" in reason


# --- jwk headers and their binding to iss ------------------------------------------------------------------

def test_a_jwk_that_is_not_the_iss_did_key_is_refused(record, demo_keys):
    signer, issuer = demo_keys.issuer_p256, demo_keys.issuer
    token = raw_token({"alg": "ES256", "typ": "JWT", "jwk": signer.to_jwk()},
                      spec_payload(ob3(record, issuer.did_key)), signer)
    assert "the header jwk is not the key of the issuer's did:key" in refused_proof(token, "jwk")


@pytest.mark.parametrize("private", [{"d": "AAAA"}, {"p": "AAAA", "q": "AAAA"}, {"k": "c2VjcmV0"}])
def test_a_jwk_with_private_members_is_refused(good, private):
    key, _, payload = good
    token = raw_token({"alg": "EdDSA", "typ": "JWT", "jwk": {**key.to_jwk(), **private}}, payload, key)
    assert "private key member" in refused_proof(token, "jwk")


def test_the_real_private_jwk_in_a_header_is_refused(good):
    key, _, payload = good
    token = raw_token({"alg": "EdDSA", "typ": "JWT", "jwk": key.to_jwk(private=True)}, payload, key)
    assert "carries private key member(s) ['d']" in refused_proof(token, "jwk")


def test_a_kid_and_a_different_jwk_are_refused(good, demo_keys):
    key, header, payload = good
    token = raw_token({**header, "jwk": demo_keys.issuer_p256.to_jwk()}, payload, key)
    assert "not the key the kid" in refused_proof(token, "jwk")


def _did_web(tmp_path: Path, *keys: KeyPair) -> Path:
    target = did_web_path(DID_WEB, tmp_path)
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(did_web_document(DID_WEB, list(keys))))
    return tmp_path


@pytest.mark.parametrize("alg", ["EdDSA", "RS256"])
def test_a_jwk_listed_by_the_did_web_issuer_is_bound_to_its_method(record, demo_keys, tmp_path, alg):
    key = RSA_KEY if alg == "RS256" else demo_keys.issuer
    root = _did_web(tmp_path, demo_keys.issuer_p256, key)
    token = jwcrypto_token({"alg": alg, "typ": "JWT", "jwk": key.to_jwk()}, spec_payload(ob3(record, DID_WEB)), key)
    got = checked(token, did_web_dir=root)
    assert got["result"].verified, got["result"].to_text()
    assert got[CheckId.ISSUER_BINDING].details == {"issuer": DID_WEB, "method": "jwk-did-document",
                                                   "verificationMethod": f"{DID_WEB}#{key.public_multibase}"}


def test_a_jwk_the_did_web_issuer_does_not_list_is_refused(record, demo_keys, tmp_path):
    root = _did_web(tmp_path, demo_keys.issuer_p256)
    key = demo_keys.issuer
    token = raw_token({"alg": "EdDSA", "typ": "JWT", "jwk": key.to_jwk()}, spec_payload(ob3(record, DID_WEB)), key)
    assert "not one of the assertion keys" in refused_proof(token, "jwk", did_web_dir=root)


@pytest.mark.parametrize("issuer", [DID_WEB, "https://badges.example.edu/issuer"])
def test_a_jwk_that_cannot_be_bound_is_reported_unbound_never_accepted(record, demo_keys, issuer):
    key = demo_keys.issuer
    token = raw_token({"alg": "EdDSA", "typ": "JWT", "jwk": key.to_jwk()}, spec_payload(ob3(record, issuer)), key)
    got = checked(token)  # no did:web directory, no network: nothing can vouch for the key
    assert got[CheckId.PROOF].passed  # the signature itself holds
    binding = got[CheckId.ISSUER_BINDING]
    assert not binding.passed and binding.reason.startswith("key not bound to iss")
    assert binding.details == {"issuer": issuer, "method": "jwk-unbound", "verificationMethod": None}
    assert not got["result"].verified and got["result"].elements is None

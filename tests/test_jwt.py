"""VC-JOSE, the OB 3.0 JWT and legacy VC-JWT: round trips, and every refusal named (never an exception)."""
from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from edcissuer.crypto.keys import KeyPair
from edcissuer.errors import KeyMaterialError, SigningError, VerificationError
from edcissuer.proofs.jwt import is_jwt, sign_jwt, sign_legacy_vc_jwt, sign_ob3_jwt, verify_jwt

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
ALGS = {"Ed25519": "EdDSA", "P-256": "ES256", "P-384": "ES384"}
SIGNERS = {"vc-jose": sign_jwt, "ob3-jwt": sign_ob3_jwt, "vc-jwt-legacy": sign_legacy_vc_jwt}
NBF = int(datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp())


@pytest.fixture(scope="module")
def keys() -> dict[str, KeyPair]:
    return {alg: KeyPair.generate(alg) for alg in ALGS}


@pytest.fixture(scope="module")
def ed(keys: dict[str, KeyPair]) -> KeyPair:
    return keys["Ed25519"]


def credential(issuer: Any, **extra: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:6f1c4e9a-2b1d-4c55-9d0e-2f5e8a1b7c33",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "name": "Ana Lima"},
        **extra,
    }


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def segments(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    head, body, _ = token.split(".")
    return json.loads(unb64(head)), json.loads(unb64(body))


def jws_sign(header: dict[str, Any], payload: dict[str, Any], key: KeyPair) -> str:
    """Sign anything by hand (raw JOSE signature), bypassing sign_jwt's own checks."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode()))}"


def crafted(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}.{b64(signature)}"


def refused(token: str, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    result, cred = verify_jwt(token, now=kwargs.pop("now", NOW), **kwargs)
    assert not result.passed, result.reason
    assert result.name == "proof" and cred is None and result.reason
    return result.reason, result.details


# --- round trips ---------------------------------------------------------------------------------

@pytest.mark.parametrize("form", SIGNERS)
@pytest.mark.parametrize("alg", ALGS)
def test_round_trip_returns_the_signed_credential(keys, alg, form):
    key = keys[alg]
    cred = credential(key.did_key)
    original = copy.deepcopy(cred)
    token = SIGNERS[form](cred, key, now=NOW)
    assert cred == original  # the caller's dict is never touched
    assert is_jwt(token)
    result, out = verify_jwt(token, now=NOW)
    assert result.passed, result.reason
    assert out == cred
    claims = {"vc-jose": {},
              "ob3-jwt": {"iss": key.did_key, "jti": cred["id"], "sub": "did:example:learner", "nbf": NBF},
              "vc-jwt-legacy": {"iss": key.did_key, "jti": cred["id"], "sub": "did:example:learner", "nbf": NBF,
                                "iat": int(NOW.timestamp())}}[form]
    expected = {"jwt_form": form, "alg": ALGS[alg], "kid": key.verification_method}
    assert result.details == ({**expected, "claims": claims} if claims else expected)


def test_vc_jose_header_and_payload_follow_the_spec(ed):
    cred = credential({"id": ed.did_key, "name": "University of Lusitania"})
    header, payload = segments(sign_jwt(cred, ed, now=NOW))
    assert header == {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": ed.verification_method}
    assert payload == cred  # VC-JOSE: the unsecured credential is the payload, no added claims


def test_legacy_claims_mirror_the_credential(keys):
    key = keys["P-256"]
    cred = credential(key.did_key, validUntil="2030-01-01T00:00:00Z")
    header, payload = segments(sign_legacy_vc_jwt(cred, key, now=NOW))
    assert header == {"alg": "ES256", "typ": "JWT", "kid": key.verification_method}
    assert payload == {"iss": key.did_key, "sub": "did:example:learner", "jti": cred["id"],
                       "nbf": int(datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp()),
                       "exp": int(datetime(2030, 1, 1, tzinfo=timezone.utc).timestamp()),
                       "iat": int(NOW.timestamp()), "vc": cred}


def test_explicit_kid_of_the_issuer_is_used(ed):
    kid = f"{ed.did_key}#{ed.public_multibase}"
    header, _ = segments(sign_jwt(credential(ed.did_key), ed, kid=kid, now=NOW))
    assert header["kid"] == kid


def test_legacy_instead_of_encoding_is_completed_from_the_claims(ed):
    """VC DM 1.1 §6.3.2: issuer, id, subject id and dates may live only in iss/jti/sub/nbf/exp."""
    vc = {"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential"],
          "credentialSubject": {"name": "Ana"}}
    payload = {"iss": ed.did_key, "jti": "urn:uuid:1", "sub": "did:example:ana", "nbf": 1_767_225_600,
               "exp": 1_893_456_000, "vc": vc}
    token = jws_sign({"alg": "EdDSA", "typ": "JWT", "kid": ed.verification_method}, payload, ed)
    result, out = verify_jwt(token, now=NOW)
    assert result.passed, result.reason
    assert out is not None
    assert out["issuer"] == ed.did_key and out["id"] == "urn:uuid:1"
    assert out["credentialSubject"] == {"id": "did:example:ana", "name": "Ana"}
    assert (out["issuanceDate"], out["expirationDate"]) == ("2026-01-01T00:00:00Z", "2030-01-01T00:00:00Z")


def test_custom_resolver_is_used(ed):
    token = sign_jwt(credential(ed.did_key), ed, now=NOW)
    seen: list[str] = []

    def resolver(vm_id: str) -> KeyPair:
        seen.append(vm_id)
        return ed.public_only()

    assert verify_jwt(token, resolver=resolver, now=NOW)[0].passed
    assert seen == [ed.verification_method]


# --- tampering -----------------------------------------------------------------------------------

def flip_decoded(token: str, index: int, old: bytes, new: bytes) -> str:
    """Change one byte inside one decoded segment and re-encode it (a valid-looking forgery)."""
    parts = token.split(".")
    raw = unb64(parts[index])
    assert raw.count(old) >= 1
    at = raw.index(old)
    parts[index] = b64(raw[:at] + new + raw[at + len(new):])
    return ".".join(parts)


def flip_encoded(token: str, index: int) -> str:
    """Change one character in the middle of one base64url segment."""
    parts = token.split(".")
    seg = parts[index]
    mid = len(seg) // 2
    parts[index] = seg[:mid] + ("A" if seg[mid] != "A" else "B") + seg[mid + 1:]
    return ".".join(parts)


@pytest.mark.parametrize("form", SIGNERS)
def test_one_byte_changed_in_header_payload_or_signature_is_refused(ed, form):
    token = SIGNERS[form](credential(ed.did_key), ed, now=NOW)
    typ = b"vc+jwt" if form == "vc-jose" else b"JWT"
    # typ is compared case-insensitively, so the header still parses and only the signature can tell
    for forged in (flip_decoded(token, 0, typ, typ.swapcase()[:1]),
                   flip_decoded(token, 1, b"Ana", b"E"),
                   flip_decoded(token, 2, unb64(token.split(".")[2])[:1],
                                bytes([unb64(token.split(".")[2])[0] ^ 1]))):
        reason, details = refused(forged)
        assert "signature does not verify" in reason
        assert details["field"] == "signature"
    for index in (0, 1, 2):
        refused(flip_encoded(token, index))


def test_non_canonical_base64_signature_is_refused(ed):
    """The signature's last character carries unused bits; changing them must not keep it valid."""
    token = sign_jwt(credential(ed.did_key), ed, now=NOW)
    head, body, sig = token.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = alphabet[alphabet.index(sig[-1]) ^ 1]  # same 4 data bits for an 86-char Ed25519 signature
    reason, details = refused(f"{head}.{body}.{sig[:-1]}{twin}")
    assert "canonical" in reason and details["field"] == "signature"


@pytest.mark.parametrize("cut", [lambda t: t[: len(t) // 2], lambda t: t[:-5], lambda t: t.rsplit(".", 1)[0],
                                 lambda t: t + ".", lambda t: t[: t.index(".") + 4] + t[t.rindex("."):]])
def test_truncated_or_garbled_token_is_refused(ed, cut):
    token = sign_legacy_vc_jwt(credential(ed.did_key), ed, now=NOW)
    refused(cut(token))


@pytest.mark.parametrize("token, expected", [
    ("a.b.c", "not valid base64url"),
    (f"{b64(b'{}')}.{b64(b'[1]')}.{b64(b'x' * 64)}", "no alg"),
    ("ey!!.e30.AA", "outside base64url"),
    ("", "instead of 3"),
])
def test_garbage_is_refused_with_a_reason(token, expected):
    reason, _ = refused(token)
    assert expected in reason


def test_payload_that_is_not_an_object_is_refused(ed):
    header = {"alg": "EdDSA", "kid": ed.verification_method}
    token = f"{b64(json.dumps(header).encode())}.{b64(b'[1,2]')}.{b64(b'x' * 64)}"
    reason, details = refused(token)
    assert "payload is JSON but not an object" in reason and details["field"] == "payload"


def test_duplicate_header_members_are_refused(ed):
    head = f'{{"alg":"EdDSA","kid":"{ed.verification_method}","alg":"EdDSA"}}'.encode()
    reason, _ = refused(f"{b64(head)}.{b64(b'{}')}.{b64(b'x' * 64)}")
    assert "duplicate member 'alg'" in reason


# --- algorithm policy ------------------------------------------------------------------------------

def test_alg_none_is_refused(ed):
    token = crafted({"alg": "none", "typ": "vc+jwt", "kid": ed.verification_method}, credential(ed.did_key))
    assert is_jwt(token)  # detected as a JWT, so verify.py reports the refusal below
    reason, details = refused(token)
    assert "alg 'none' refused" in reason and details["field"] == "alg"


def test_hs256_is_refused_even_with_a_correct_mac(ed):
    header = {"alg": "HS256", "typ": "vc+jwt", "kid": ed.verification_method}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(credential(ed.did_key)).encode())}"
    mac = hmac.new(ed.public_bytes, signing_input.encode(), hashlib.sha256).digest()  # key-confusion attempt
    reason, _ = refused(f"{signing_input}.{b64(mac)}")
    assert "HMAC" in reason and "'HS256' refused" in reason


@pytest.mark.parametrize("alg", ["RS384", "RS512", "PS384", "ES512", "ES256K", "Ed25519", "RSA-OAEP"])
def test_algorithms_outside_the_allow_list_are_refused(ed, alg):
    reason, details = refused(crafted({"alg": alg, "kid": ed.verification_method}, credential(ed.did_key),
                                      b"x" * 64))
    assert f"alg {alg!r} is not accepted (only EdDSA, ES256, ES384, RS256, PS256)" in reason
    assert details["field"] == "alg"


@pytest.mark.parametrize("alg", ["RS256", "PS256"])
def test_rsa_algorithms_on_an_ed25519_key_are_refused(ed, alg):
    reason, details = refused(crafted({"alg": alg, "kid": ed.verification_method}, credential(ed.did_key),
                                      b"x" * 256))
    assert f"alg {alg} does not match the Ed25519 key" in reason and details["field"] == "alg"


def test_alg_must_match_the_resolved_key(ed):
    token = crafted({"alg": "ES256", "typ": "vc+jwt", "kid": ed.verification_method}, credential(ed.did_key),
                    b"x" * 64)
    reason, details = refused(token)
    assert "alg ES256 does not match the Ed25519 key" in reason and details["field"] == "alg"


def test_crit_header_is_refused(ed):
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": ed.verification_method, "crit": ["exp"], "exp": 1}
    reason, _ = refused(jws_sign(header, credential(ed.did_key), ed))
    assert "crit header" in reason and "does not understand" in reason


# --- keys and issuer binding --------------------------------------------------------------------------

def test_header_without_kid_or_jwk_is_refused(ed):
    header = {"alg": "EdDSA", "typ": "vc+jwt", "x5u": "https://evil.example/cert"}
    reason, details = refused(jws_sign(header, credential(ed.did_key), ed))
    assert "no kid and no jwk" in reason and details["field"] == "kid"


def test_kid_of_another_did_than_the_issuer_is_refused(keys, ed):
    other = keys["P-256"]
    token = jws_sign({"alg": "EdDSA", "typ": "vc+jwt", "kid": ed.verification_method},
                     credential({"id": other.did_key, "name": "Someone else"}), ed)
    reason, details = refused(token)
    assert "mismatch between the header key and the issuer" in reason
    assert details["kid"] == ed.verification_method and details["field"] == "kid"


def test_signing_refuses_a_kid_that_is_not_the_issuers(keys, ed):
    with pytest.raises(SigningError, match="does not belong to the issuer"):
        sign_jwt(credential(keys["P-256"].did_key), ed, now=NOW)


def test_unknown_did_method_is_refused(ed):
    token = jws_sign({"alg": "EdDSA", "typ": "vc+jwt", "kid": "did:example:univ#key-1"},
                     credential("did:example:univ"), ed)
    reason, details = refused(token)
    assert "cannot resolve the header kid" in reason and "did:example" in reason
    assert details["field"] == "kid"


def test_key_from_the_resolver_must_have_signed(keys, ed):
    token = sign_jwt(credential(ed.did_key), ed, now=NOW)
    reason, _ = refused(token, resolver=lambda _vm: KeyPair.generate("Ed25519").public_only())
    assert "signature does not verify" in reason


def test_public_only_key_cannot_sign(ed):
    with pytest.raises(KeyMaterialError):
        sign_jwt(credential(ed.did_key), ed.public_only(), now=NOW)


# --- claims and types ------------------------------------------------------------------------------------

def legacy(ed: KeyPair, payload: dict[str, Any], **header: Any) -> str:
    return jws_sign({"alg": "EdDSA", "typ": "JWT", "kid": ed.verification_method, **header}, payload, ed)


def test_legacy_expired_is_refused_outside_the_clock_skew(ed):
    cred = credential(ed.did_key, validUntil="2026-11-24T11:00:00Z")
    token = sign_legacy_vc_jwt(cred, ed, now=datetime(2026, 2, 1, tzinfo=timezone.utc))
    assert verify_jwt(token, now=datetime(2026, 11, 24, 11, 4, tzinfo=timezone.utc))[0].passed  # within skew
    reason, details = refused(token)
    assert "expired" in reason and details["field"] == "exp"
    assert verify_jwt(token, now=NOW, clock_skew=timedelta(hours=2))[0].passed


def test_legacy_not_yet_valid_is_refused(ed):
    cred = credential(ed.did_key, validFrom="2027-01-01T00:00:00Z")
    reason, details = refused(sign_legacy_vc_jwt(cred, ed, now=NOW))
    assert "not valid before 2027-01-01T00:00:00Z" in reason and details["field"] == "nbf"


def test_legacy_iss_other_than_the_issuer_is_refused(ed):
    cred = credential(ed.did_key)
    reason, details = refused(legacy(ed, {"iss": "did:web:evil.example", "vc": cred}))
    assert "iss claim 'did:web:evil.example' does not match the credential issuer" in reason
    assert details["jwt_form"] == "vc-jwt-legacy" and details["field"] == "iss"


def test_legacy_nbf_contradicting_valid_from_is_refused(ed):
    cred = credential(ed.did_key)
    reason, _ = refused(legacy(ed, {"iss": ed.did_key, "nbf": 1_700_000_000, "vc": cred}))
    assert "does not match validFrom" in reason


@pytest.mark.parametrize("claim, value", [("jti", "urn:uuid:other"), ("sub", "did:example:other")])
def test_jti_and_sub_contradicting_the_credential_are_refused(ed, claim, value):
    reason, details = refused(legacy(ed, {"iss": ed.did_key, claim: value, "vc": credential(ed.did_key)}))
    assert f"{claim} claim" in reason and details["field"] == claim


def test_vc_jose_time_claims_are_checked(ed):
    cred = credential(ed.did_key)
    token = jws_sign({"alg": "EdDSA", "typ": "vc+jwt", "kid": ed.verification_method},
                     {**cred, "iat": int(NOW.timestamp()) - 60, "exp": int(NOW.timestamp()) - 3600}, ed)
    reason, details = refused(token)
    assert "expired" in reason and details["jwt_form"] == "vc-jose"


def test_vc_claim_under_vc_jwt_typ_is_refused(ed):
    reason, _ = refused(legacy(ed, {"iss": ed.did_key, "vc": credential(ed.did_key)}, typ="vc+jwt"))
    assert "MUST NOT be present" in reason


@pytest.mark.parametrize("header, expected", [({"typ": "vp+jwt"}, "not a credential JWT"),
                                              ({"cty": "vp"}, "does not announce a credential")])
def test_other_media_types_are_refused(ed, header, expected):
    token = jws_sign({"alg": "EdDSA", "kid": ed.verification_method, **header}, credential(ed.did_key), ed)
    assert expected in refused(token)[0]


def test_presentation_is_refused(ed):
    assert "presentation" in refused(legacy(ed, {"iss": ed.did_key, "vp": {}}))[0]


# --- detection and misuse -----------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["{}", "a.b", "e30.e30.", f"{b64(b'{}')}.e30.AA", "not a jwt", "x.y.z.w.v"])
def test_is_jwt_rejects_non_jws_text(text):
    assert not is_jwt(text)


def test_naive_now_is_misuse(ed):
    token = sign_jwt(credential(ed.did_key), ed, now=NOW)
    with pytest.raises(VerificationError):
        verify_jwt(token, now=datetime(2026, 1, 1))
    with pytest.raises(SigningError):
        sign_jwt(credential(ed.did_key), ed, now=datetime(2026, 1, 1))


def test_ob3_top_level_form_is_read_as_the_ob3_shape(ed):
    """OB 3.0's example: the credential at the top level with iss/jti/sub/nbf claims, typ JWT."""
    cred = credential(ed.did_key)
    claims = {"iss": ed.did_key, "jti": cred["id"], "sub": "did:example:learner", "nbf": 1_767_225_600}
    result, out = verify_jwt(legacy(ed, {**cred, **claims}), now=NOW)
    assert result.passed, result.reason
    assert result.details["jwt_form"] == "ob3-jwt" and result.details["claims"] == claims
    assert out == cred  # the claims are the JWT's: checked, and not handed to JSON-LD as terms


def test_vc_jose_claims_are_checked_and_left_out_of_the_credential(ed):
    cred = credential(ed.did_key)
    token = jws_sign({"alg": "EdDSA", "typ": "vc+jwt", "kid": ed.verification_method},
                     {**cred, "iss": ed.did_key, "iat": int(NOW.timestamp()) - 60}, ed)
    result, out = verify_jwt(token, now=NOW)
    assert result.passed, result.reason
    assert result.details["jwt_form"] == "vc-jose" and out == cred

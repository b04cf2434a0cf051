"""proofs.jades: JAdES baseline-B seal, verification at sigT, and the EU's official sealed sample."""
from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from edcissuer.crypto import demo_pki as demo
from edcissuer.crypto import x509 as cx
from edcissuer.errors import InputError, SigningError
from edcissuer.proofs import jades
from edcissuer.proofs.jades.sign import _sign
from edcissuer.proofs.jades.unsigned import xvals_certificates
from edcissuer.results import CheckResult

from conftest import REF  # the one reference folder (EDCISSUER_REFERENCE overrides it)
SAMPLE = REF / "elm" / "samples" / "Sample-MC-Annex1-signed.jsonld"
T0 = datetime(2026, 1, 10, 9, 0, tzinfo=timezone.utc)
NOW = T0 + timedelta(hours=1)
CHECK_NAMES = ["proof.structure", "proof", "proof.certificate", "trust.chain", "proof.timestamps"]
CREDENTIAL: dict[str, Any] = {
    "id": "urn:credential:0f6b8a1e-1b7c-4c55-9c7e-3f1d2a4b5c6d",
    "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
    "credentialSubject": {"id": "urn:epass:person:1", "givenName": {"en": "Zoë"}},
    "title": "Advanced Data Skills",
}


@pytest.fixture(scope="module")
def rsa_pki() -> tuple[demo.DemoCA, cx.SealIdentity]:
    return demo.generate_demo_pki(now=T0, key_type="rsa2048")


@pytest.fixture(scope="module")
def ec_pki() -> tuple[demo.DemoCA, cx.SealIdentity]:
    return demo.generate_demo_pki(now=T0, key_type="p256")


def _pki_for(alg: str, rsa_pki, ec_pki):
    return ec_pki if alg.startswith("ES") else rsa_pki


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _header(sealed: dict[str, Any]) -> dict[str, Any]:
    return json.loads(_unb64u(sealed["signatures"][0]["protected"]))


def _resign(sealed: dict[str, Any], identity: cx.SealIdentity, mutate: Callable[[dict[str, Any]], None],
            *, payload: str | None = None) -> dict[str, Any]:
    """Change the protected header, then sign again, so only the rule under test can fail."""
    header = _header(sealed)
    mutate(header)
    protected = _b64u(json.dumps(header).encode())
    body = sealed["payload"] if payload is None else payload
    spec = jades.ALGORITHMS.get(header["alg"], jades.ALGORITHMS["RS256"])
    signature = _sign(identity.private_key, spec, protected.encode() + b"." + body.encode())
    return {"payload": body, "signatures": [{"protected": protected, "signature": _b64u(signature)}]}


def _by_name(checks: list[CheckResult]) -> dict[str, CheckResult]:
    return {c.name: c for c in checks}


def _failed(checks: list[CheckResult]) -> dict[str, str]:
    return {c.name: c.reason for c in checks if not c.passed}


# --------------------------------------------------------------------------- sealing


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES256"])
def test_round_trip(alg: str, rsa_pki, ec_pki) -> None:
    ca, ident = _pki_for(alg, rsa_pki, ec_pki)
    original = copy.deepcopy(CREDENTIAL)
    sealed = jades.seal(CREDENTIAL, ident, alg=alg, signing_time=T0)
    assert CREDENTIAL == original  # the input is never changed
    checks, credential = jades.verify_seal(sealed, trust_anchors=[ca.certificate], now=NOW)
    assert [c.name for c in checks] == CHECK_NAMES
    assert _failed(checks) == {}
    assert credential == CREDENTIAL
    assert _by_name(checks)["proof.timestamps"].details["level"] == "B"
    # the file as written to disk verifies too
    checks, _ = jades.verify_seal(json.dumps(sealed), trust_anchors=[ca.certificate], now=NOW)
    assert _failed(checks) == {}


def test_header_matches_edci_profile(rsa_pki) -> None:
    ca, ident = rsa_pki
    sealed = jades.seal(CREDENTIAL, ident, signing_time=T0.replace(microsecond=123456))
    header = _header(sealed)
    assert list(header) == ["alg", "cty", "kid", "x5t#S256", "x5c", "typ", "b64", "sigT", "crit"]
    assert header["alg"] == "RS256" and header["typ"] == "jose+json" and header["cty"] == "octet-stream"
    assert header["b64"] is False and header["crit"] == ["b64", "sigT"]
    assert header["sigT"] == "2026-01-10T09:00:00Z"
    assert base64.b64decode(header["kid"]) == cx.issuer_serial_der(ident.certificate)
    assert _unb64u(header["x5t#S256"]) == ident.certificate.fingerprint(hashes.SHA256())
    assert [x509.load_der_x509_certificate(base64.b64decode(c)) for c in header["x5c"]] == \
        [ident.certificate, ca.certificate]
    assert json.loads(sealed["payload"]) == CREDENTIAL and "Zoë" in sealed["payload"]  # raw UTF-8, not \u-escaped
    assert "header" not in sealed["signatures"][0]  # baseline B: no unsigned attributes
    only_leaf = _header(jades.seal(CREDENTIAL, ident, signing_time=T0, include_chain=False))
    assert len(only_leaf["x5c"]) == 1


def test_default_alg_follows_key(rsa_pki, ec_pki) -> None:
    assert _header(jades.seal(CREDENTIAL, rsa_pki[1], signing_time=T0))["alg"] == "RS256"
    assert _header(jades.seal(CREDENTIAL, ec_pki[1], signing_time=T0))["alg"] == "ES256"


def test_seal_refusals(rsa_pki, ec_pki) -> None:
    ca, ident = rsa_pki
    with pytest.raises(SigningError, match="unsupported alg"):
        jades.seal(CREDENTIAL, ident, alg="HS256", signing_time=T0)
    with pytest.raises(SigningError, match="needs an EC key"):
        jades.seal(CREDENTIAL, ident, alg="ES256", signing_time=T0)
    with pytest.raises(SigningError, match="needs an RSA key"):
        jades.seal(CREDENTIAL, ec_pki[1], alg="PS256", signing_time=T0)
    with pytest.raises(SigningError, match="JSON object"):
        jades.seal([CREDENTIAL], ident, signing_time=T0)  # type: ignore[arg-type]
    with pytest.raises(SigningError, match="not plain JSON"):
        jades.seal({"issued": T0}, ident, signing_time=T0)
    with pytest.raises(SigningError, match="refusing to seal: .*had expired"):
        jades.seal(CREDENTIAL, ident, signing_time=T0 + timedelta(days=800))
    with pytest.raises(SigningError, match="refusing to seal: .*not yet valid"):
        jades.seal(CREDENTIAL, ident, signing_time=T0 - timedelta(days=1))
    wrong_usage = cx.SealIdentity(ident.private_key, _cert_like(ca, ident, key_encipherment=True), ident.chain)
    with pytest.raises(SigningError, match="neither digitalSignature nor nonRepudiation"):
        jades.seal(CREDENTIAL, wrong_usage, signing_time=T0)


def _cert_like(ca: demo.DemoCA, ident: cx.SealIdentity, **usage: bool) -> x509.Certificate:
    """Another certificate for the same key, with chosen key usages."""
    names = ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"]
    return (x509.CertificateBuilder()
            .subject_name(ident.certificate.subject).issuer_name(ca.certificate.subject)
            .public_key(ident.private_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(T0 - timedelta(days=1)).not_valid_after(T0 + timedelta(days=30))
            .add_extension(x509.KeyUsage(**{n: usage.get(n, False) for n in names}), critical=True)
            .sign(ca.private_key, hashes.SHA256()))


# --------------------------------------------------------------------------- detection


def test_is_jades(rsa_pki) -> None:
    sealed = jades.seal(CREDENTIAL, rsa_pki[1], signing_time=T0)
    assert jades.is_jades(sealed) and jades.is_jades(json.dumps(sealed)) and jades.is_jades(json.dumps(sealed).encode())
    flattened = {"payload": sealed["payload"], **sealed["signatures"][0]}
    assert jades.is_jades(flattened)
    for other in (CREDENTIAL, {"payload": "x"}, {"payload": "x", "signatures": [{"protected": "!!"}]},
                  "eyJhbGciOiJFUzI1NiJ9.e30.sig", None, [], "not json"):
        assert not jades.is_jades(other)


def test_flattened_serialization_verifies(rsa_pki) -> None:
    ca, ident = rsa_pki
    sealed = jades.seal(CREDENTIAL, ident, signing_time=T0)
    checks, _ = jades.verify_seal({"payload": sealed["payload"], **sealed["signatures"][0]},
                                  trust_anchors=[ca.certificate], now=NOW)
    assert _failed(checks) == {}


# --------------------------------------------------------------------------- tampering


def test_flipped_payload_byte_fails_signature(rsa_pki) -> None:
    ca, ident = rsa_pki
    sealed = jades.seal(CREDENTIAL, ident, signing_time=T0)
    sealed["payload"] = sealed["payload"].replace("Advanced", "Advancee")
    checks, _ = jades.verify_seal(sealed, trust_anchors=[ca.certificate], now=NOW)
    assert _failed(checks) == {"proof": "RS256 signature does not verify over the protected header and "
                                                 f"payload with the key of x5c[0] ('{cx.describe(ident.certificate)}')"}


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_flipped_protected_byte_fails_signature(alg: str, rsa_pki, ec_pki) -> None:
    ca, ident = _pki_for(alg, rsa_pki, ec_pki)
    sealed = jades.seal(CREDENTIAL, ident, alg=alg, signing_time=T0)
    raw = _unb64u(sealed["signatures"][0]["protected"]).replace(b"octet-stream", b"octet-strean")
    sealed["signatures"][0]["protected"] = _b64u(raw)
    assert "does not verify" in _failed(jades.verify_seal(sealed, trust_anchors=[ca.certificate], now=NOW)[0])[
        "proof"]


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES256"])
def test_flipped_signature_byte_fails(alg: str, rsa_pki, ec_pki) -> None:
    ca, ident = _pki_for(alg, rsa_pki, ec_pki)
    sealed = jades.seal(CREDENTIAL, ident, alg=alg, signing_time=T0)
    raw = bytearray(_unb64u(sealed["signatures"][0]["signature"]))
    raw[len(raw) // 2] ^= 0x01
    sealed["signatures"][0]["signature"] = _b64u(bytes(raw))
    failed = _failed(jades.verify_seal(sealed, trust_anchors=[ca.certificate], now=NOW)[0])
    assert list(failed) == ["proof"] and "does not verify" in failed["proof"]


@pytest.mark.parametrize("alg,reason", [("RS256", "does not verify"), ("ES256", "must be 64 bytes")])
def test_truncated_signature_fails(alg: str, reason: str, rsa_pki, ec_pki) -> None:
    ca, ident = _pki_for(alg, rsa_pki, ec_pki)
    sealed = jades.seal(CREDENTIAL, ident, alg=alg, signing_time=T0)
    entry = sealed["signatures"][0]
    entry["signature"] = _b64u(_unb64u(entry["signature"])[:-2])
    assert reason in _failed(jades.verify_seal(sealed, trust_anchors=[ca.certificate], now=NOW)[0])["proof"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    text = entry["signature"]
    assert len(text) % 4 in (2, 3)  # so the lowest bit of the last character is padding
    entry["signature"] = text[:-1] + alphabet[alphabet.index(text[-1]) ^ 1]  # same bytes, other text
    assert _failed(jades.verify_seal(sealed, trust_anchors=[ca.certificate], now=NOW)[0])["proof"] == \
        "signature is not base64url"


@pytest.mark.parametrize("part", ["payload", "protected", "signature"])
def test_any_flipped_character_fails_with_a_named_check(part: str, ec_pki) -> None:
    """Sweep: one changed character anywhere in a signed part never verifies and never raises."""
    ca, ident = ec_pki
    sealed = jades.seal(CREDENTIAL, ident, signing_time=T0)
    text = sealed["payload"] if part == "payload" else sealed["signatures"][0][part]
    for pos in range(0, len(text), max(1, len(text) // 40)):
        char = text[pos]
        swapped = text[:pos] + ("B" if char != "B" else "C") + text[pos + 1:]
        doc = copy.deepcopy(sealed)
        if part == "payload":
            doc["payload"] = swapped
        else:
            doc["signatures"][0][part] = swapped
        checks, _ = jades.verify_seal(doc, trust_anchors=[ca.certificate], now=NOW)
        failed = _failed(checks)
        assert failed, f"{part}[{pos}] change went unnoticed"
        assert set(failed) <= set(CHECK_NAMES) and all(failed.values())


@pytest.mark.parametrize("alg", ["none", "HS256", "RS1"])
def test_alg_none_and_hmac_are_refused(alg: str, rsa_pki) -> None:
    ca, ident = rsa_pki
    sealed = _resign(jades.seal(CREDENTIAL, ident, signing_time=T0), ident, lambda h: h.update(alg=alg))
    failed = _failed(jades.verify_seal(sealed, trust_anchors=[ca.certificate], now=NOW)[0])
    assert list(failed) == ["proof"]
    assert failed["proof"].startswith(f"alg '{alg}' is not allowed")


def _drop_crit(name: str) -> Callable[[dict[str, Any]], None]:
    return lambda h: h.update(crit=[c for c in h["crit"] if c != name])


@pytest.mark.parametrize("mutate,reason", [
    (_drop_crit("sigT"), "missing crit entry 'sigT'"),
    (_drop_crit("b64"), "missing crit entry 'b64'"),
    (lambda h: h.update(foo=1, crit=[*h["crit"], "foo"]), "unsupported critical header parameter 'foo'"),
    (lambda h: h.update(crit=[*h["crit"], "bar"]), "crit lists 'bar' but the protected header does not contain it"),
    (lambda h: h.update(crit=[*h["crit"], "alg"]), "crit lists 'alg', a JWS-defined name"),
    (lambda h: h.update(crit=[]), "crit must be a non-empty list"),
    (lambda h: h.update(crit="b64"), "crit must be a non-empty list"),
    (lambda h: h.update(crit=["b64", "sigT", "sigT"]), "crit must be a non-empty list of distinct"),
    (lambda h: h.update(sigD={"mId": "x"}), "missing crit entry 'sigD'"),
    (lambda h: h.update(sigD={"mId": "x"}, crit=[*h["crit"], "sigD"]), "unsupported critical header parameter 'sigD'"),
    (lambda h: h.pop("sigT"), "sigT missing"),
    (lambda h: h.update(sigT="2026-01-10T09:00:00+01:00"), "sigT missing or not UTC"),
    (lambda h: h.update(sigT="2026-02-30T09:00:00Z"), "is not a valid date-time"),
    (lambda h: h.update(sigT="2027-01-10T09:00:00Z"), "lies in the future"),
    (lambda h: h.pop("x5c"), "x5c missing"),
    (lambda h: h.update(x5c=["bm90IGEgY2VydA=="]), "x5c[0] is not a base64 DER certificate"),
    (lambda h: h.update(b64="false"), "b64 must be a boolean"),
])
def test_structure_rules(mutate, reason: str, rsa_pki) -> None:
    ca, ident = rsa_pki
    sealed = _resign(jades.seal(CREDENTIAL, ident, signing_time=T0), ident, mutate)
    checks, credential = jades.verify_seal(sealed, trust_anchors=[ca.certificate], now=NOW)
    assert len(checks) == 1 and checks[0].name == "proof.structure" and not checks[0].passed
    assert reason in checks[0].reason
    assert credential is None


def test_duplicate_header_member_is_refused(rsa_pki) -> None:
    ca, ident = rsa_pki
    sealed = jades.seal(CREDENTIAL, ident, signing_time=T0)
    text = json.dumps(_header(sealed))
    sealed["signatures"][0]["protected"] = _b64u(('{"alg":"none",' + text[1:]).encode())
    checks, _ = jades.verify_seal(sealed, trust_anchors=[ca.certificate], now=NOW)
    assert not checks[0].passed and "duplicate member 'alg'" in checks[0].reason


def test_header_in_both_places_is_refused(rsa_pki) -> None:
    ca, ident = rsa_pki
    sealed = jades.seal(CREDENTIAL, ident, signing_time=T0)
    sealed["signatures"][0]["header"] = {"alg": "none"}
    checks, _ = jades.verify_seal(sealed, trust_anchors=[ca.certificate], now=NOW)
    assert "appear both protected and unprotected" in checks[0].reason


def test_base64url_payload_variant_verifies(rsa_pki) -> None:
    """b64 absent (RFC 7515 default): the payload is base64url and crit holds only sigT."""
    ca, ident = rsa_pki
    sealed = jades.seal(CREDENTIAL, ident, signing_time=T0)
    encoded = _b64u(sealed["payload"].encode())

    def mutate(h: dict[str, Any]) -> None:
        h.pop("b64")
        h["crit"] = ["sigT"]
    checks, credential = jades.verify_seal(_resign(sealed, ident, mutate, payload=encoded),
                                           trust_anchors=[ca.certificate], now=NOW)
    assert _failed(checks) == {} and credential == CREDENTIAL


@pytest.mark.parametrize("bad", [None, "", "{}", [], 42, {"payload": 1, "signatures": []},
                                 {"payload": "{}", "signatures": []}, {"payload": "{}", "signatures": [1]},
                                 {"payload": "{}", "signatures": [{"protected": "e30", "signature": ""}, {}]},
                                 {"payload": "[1]", "signatures": [{"protected": "e30", "signature": ""}]}])
def test_garbage_never_raises(bad: Any) -> None:
    checks, credential = jades.verify_seal(bad, trust_anchors=None, now=NOW)
    assert [c.name for c in checks] == ["proof.structure"] and not checks[0].passed and checks[0].reason
    assert credential is None


# --------------------------------------------------------------------------- envelope reader and verified signer


def test_read_envelope_reads_what_was_sealed(rsa_pki) -> None:
    ca, ident = rsa_pki
    sealed = jades.seal(CREDENTIAL, ident, signing_time=T0)
    for form in (sealed, json.dumps(sealed), json.dumps(sealed).encode()):
        env = jades.read_envelope(form)
        assert env.credential == CREDENTIAL and env.payload == sealed["payload"].encode("utf-8")
        assert env.header == _header(sealed) and env.unprotected == {}
        assert env.certificates == [ident.certificate, ca.certificate]
        assert env.signing_input == sealed["signatures"][0]["protected"].encode() + b"." + env.payload


@pytest.mark.parametrize("bad,field,reason", [
    ("not json", "input", "not a JWS JSON serialization"),
    ({"payload": "{}", "signatures": []}, "signatures", "expected at least one signature, found 0"),
    ({"payload": "{}", "signatures": [{"protected": "!!", "signature": ""}]}, "protected", "not base64url JSON"),
    ({"payload": "[1]", "signatures": [{"protected": _b64u(b'{"b64":false}'), "signature": ""}]}, "payload",
     "payload is not a JSON object; x5c missing"),
    ({"payload": "[1]", "signatures": [{"protected": "e30", "signature": ""}]}, "payload",
     "payload is not base64url JSON"),
    ({"payload": "{}", "signatures": [{"protected": _b64u(b'{"b64":false,"x5c":["AAAA"]}'), "signature": ""}]}, "x5c",
     "x5c[0] is not a base64 DER certificate"),
    ({"payload": "{\"a\":\"\ud800\"}", "signatures": [{"protected": _b64u(b'{"b64":false}'), "signature": ""}]},
     "payload", "payload is not JSON"),
])
def test_read_envelope_names_what_is_malformed(bad: Any, field: str, reason: str) -> None:
    with pytest.raises(InputError) as err:
        jades.read_envelope(bad)
    assert err.value.field == field and reason in err.value.message


def test_lone_surrogate_payload_never_raises(rsa_pki) -> None:
    sealed = jades.seal(CREDENTIAL, rsa_pki[1], signing_time=T0)
    sealed["payload"] = '{"a":"\ud800"}'
    checks, credential = jades.verify_seal(sealed, trust_anchors=None, now=NOW)
    assert [c.name for c in checks] == ["proof.structure"] and "payload is not JSON" in checks[0].reason
    assert credential is None


def test_detailed_names_the_signer_only_when_the_signature_verified(rsa_pki) -> None:
    ca, ident = rsa_pki
    sealed = jades.seal(CREDENTIAL, ident, signing_time=T0)
    result = jades.verify_seal_detailed(sealed, trust_anchors=[ca.certificate], now=NOW)
    assert result.certificate == ident.certificate and result.credential == CREDENTIAL
    assert (result.checks, result.credential) == jades.verify_seal(sealed, trust_anchors=[ca.certificate], now=NOW)
    # no anchors: the chain fails, but the signature still establishes who sealed
    assert jades.verify_seal_detailed(sealed, trust_anchors=None, now=NOW).certificate == ident.certificate
    tampered = copy.deepcopy(sealed)
    tampered["payload"] = tampered["payload"].replace("Advanced", "Advancee")
    result = jades.verify_seal_detailed(tampered, trust_anchors=[ca.certificate], now=NOW)
    assert result.certificate is None and "proof" in _failed(result.checks)
    assert result.credential == json.loads(tampered["payload"])  # what was read, never what was signed
    bad_alg = _resign(sealed, ident, lambda h: h.update(alg="HS256"))
    assert jades.verify_seal_detailed(bad_alg, trust_anchors=[ca.certificate], now=NOW).certificate is None
    broken = jades.verify_seal_detailed({"payload": "{}"}, trust_anchors=None, now=NOW)
    assert broken.certificate is None and broken.credential is None


def test_clock_skew_is_a_parameter(rsa_pki) -> None:
    ca, ident = rsa_pki
    sealed = jades.seal(CREDENTIAL, ident, signing_time=T0)
    early = T0 - timedelta(minutes=3)  # the verifier's clock is 3 minutes behind the sealer's
    assert _failed(jades.verify_seal(sealed, trust_anchors=[ca.certificate], now=early)[0]) == {}
    checks, _ = jades.verify_seal(sealed, trust_anchors=[ca.certificate], now=early, clock_skew=timedelta(minutes=1))
    assert "lies in the future" in _failed(checks)["proof.structure"]


# --------------------------------------------------------------------------- certificate and chain


def test_certificate_outside_validity_at_sigt(rsa_pki) -> None:
    ca, ident = rsa_pki
    sealed = jades.seal(CREDENTIAL, ident, signing_time=T0)
    late = ident.certificate.not_valid_after_utc + timedelta(days=1)
    resealed = _resign(sealed, ident, lambda h: h.update(sigT=cx.iso_z(late)))
    checks, _ = jades.verify_seal(resealed, trust_anchors=[ca.certificate], now=late + timedelta(days=1))
    failed = _failed(checks)
    assert "not valid at signing time" in failed["proof.certificate"] and "had expired" in failed["proof.certificate"]
    assert "trust.chain" in failed
    early = ident.certificate.not_valid_before_utc - timedelta(days=1)
    resealed = _resign(sealed, ident, lambda h: h.update(sigT=cx.iso_z(early)))
    failed = _failed(jades.verify_seal(resealed, trust_anchors=[ca.certificate], now=NOW)[0])
    assert "not yet valid" in failed["proof.certificate"]


def test_expired_now_but_valid_at_signing_time_passes(rsa_pki) -> None:
    ca, ident = rsa_pki
    sealed = jades.seal(CREDENTIAL, ident, signing_time=T0)
    later = T0 + timedelta(days=3 * 365)
    checks, _ = jades.verify_seal(sealed, trust_anchors=[ca.certificate], now=later)
    assert _failed(checks) == {}
    cert_check = _by_name(checks)["proof.certificate"]
    expiry = ident.certificate.not_valid_after_utc.date().isoformat()
    assert cert_check.reason.startswith(f"certificate expired {expiry} but was valid at signing time 2026-01-10T09:00:00Z")
    assert cert_check.details["expiredNow"] is True


def test_wrong_key_usage_fails_certificate(rsa_pki) -> None:
    ca, ident = rsa_pki
    bad = _cert_like(ca, ident, key_encipherment=True)

    def swap(h: dict[str, Any]) -> None:
        h["x5c"] = [base64.b64encode(bad.public_bytes(cx.serialization.Encoding.DER)).decode()]
        h["x5t#S256"] = _b64u(cx.sha256_thumbprint(bad))
        h["kid"] = base64.b64encode(cx.issuer_serial_der(bad)).decode()
    sealed = _resign(jades.seal(CREDENTIAL, ident, signing_time=T0), ident, swap)
    failed = _failed(jades.verify_seal(sealed, trust_anchors=[ca.certificate], now=NOW)[0])
    assert "neither digitalSignature nor nonRepudiation (has: keyEncipherment)" in failed["proof.certificate"]
    assert "keyUsage" in failed["trust.chain"]
    assert "proof" not in failed


@pytest.mark.parametrize("mutate,reason", [
    (lambda h: h.update({"x5t#S256": _b64u(b"\0" * 32)}), "x5t#S256 does not match x5c[0]"),
    (lambda h: h.pop("x5t#S256"), "x5t#S256 missing"),
])
def test_certificate_reference_must_match(mutate, reason: str, rsa_pki) -> None:
    ca, ident = rsa_pki
    sealed = _resign(jades.seal(CREDENTIAL, ident, signing_time=T0), ident, mutate)
    assert reason in _failed(jades.verify_seal(sealed, trust_anchors=[ca.certificate], now=NOW)[0])["proof.certificate"]


def test_kid_naming_another_certificate_fails(rsa_pki) -> None:
    ca, ident = rsa_pki
    other_kid = base64.b64encode(cx.issuer_serial_der(ca.certificate)).decode()
    sealed = _resign(jades.seal(CREDENTIAL, ident, signing_time=T0), ident, lambda h: h.update(kid=other_kid))
    checks, _ = jades.verify_seal(sealed, trust_anchors=[ca.certificate], now=NOW)
    assert "kid (IssuerSerial) does not identify x5c[0]" in _failed(checks)["proof.certificate"]
    opaque = _resign(jades.seal(CREDENTIAL, ident, signing_time=T0), ident, lambda h: h.update(kid="key-1"))
    checks, _ = jades.verify_seal(opaque, trust_anchors=[ca.certificate], now=NOW)
    assert _failed(checks) == {} and "not checked" in _by_name(checks)["proof.certificate"].details["kid"]


def test_chain_without_anchor_is_unchecked_and_fails(rsa_pki) -> None:
    _, ident = rsa_pki
    sealed = jades.seal(CREDENTIAL, ident, signing_time=T0)
    for anchors in (None, []):
        checks, credential = jades.verify_seal(sealed, trust_anchors=anchors, now=NOW)
        assert _failed(checks) == {"trust.chain": "no trust anchor configured: the seal certificate chain was not checked"}
        assert _by_name(checks)["trust.chain"].details == {"state": "unchecked"}
        assert credential == CREDENTIAL


def test_chain_to_another_anchor_fails(rsa_pki) -> None:
    _, ident = rsa_pki
    stranger = demo.generate_demo_ca(not_before=T0, not_after=T0 + timedelta(days=9), key_type="p256",
                                   common_name="Another CA")
    sealed = jades.seal(CREDENTIAL, ident, signing_time=T0, include_chain=False)
    failed = _failed(jades.verify_seal(sealed, trust_anchors=[stranger.certificate], now=NOW)[0])
    assert list(failed) == ["trust.chain"] and "does not chain to a configured trust anchor" in failed["trust.chain"]


# --------------------------------------------------------------------------- unsigned attributes


def test_malformed_etsiu_fails_timestamps_only(rsa_pki) -> None:
    ca, ident = rsa_pki
    sealed = jades.seal(CREDENTIAL, ident, signing_time=T0)
    for etsi_u, reason in ((["!!"], "etsiU[0] is not base64url JSON"), ("x", "etsiU is not an array"),
                           ([_b64u(b'{"sigTst":{"tstTokens":[{"val":"AAAA"}]}}')], "sigTst token 0"),
                           ([_b64u(b'{"sigTst":{}}')], "sigTst has no tstTokens"),
                           ([{"sigTst": {"tstTokens": [{"val": 5}]}}], "sigTst token 0 has no 'val' string"),
                           ([{"xVals": 5}], "xVals is not an array"),
                           ([{"rVals": {"crlVals": 1}}], "rVals crlVals is not an array"),
                           ([{"rVals": {"ocspVals": [{"val": "AAAA"}]}}], "rVals OCSP response 0 unreadable"),
                           ([{"rVals": []}], "rVals is not an object"),
                           ([{"sigTst": {}}, "x"], "etsiU mixes base64url and clear JSON entries")):
        doc = copy.deepcopy(sealed)
        doc["signatures"][0]["header"] = {"etsiU": etsi_u}
        failed = _failed(jades.verify_seal(doc, trust_anchors=[ca.certificate], now=NOW)[0])
        assert list(failed) == ["proof.timestamps"] and reason in failed["proof.timestamps"]


# --------------------------------------------------------------------------- the EU's official sealed sample


@pytest.fixture(scope="module")
def official() -> dict[str, Any]:
    if not SAMPLE.exists():
        pytest.skip(f"reference sample not found at {SAMPLE} (shared/reference is not checked out)")
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


OFFICIAL_NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)


def test_official_sample_verifies_at_signing_time(official) -> None:
    assert jades.is_jades(official)
    checks, credential = jades.verify_seal(official, trust_anchors=None, now=OFFICIAL_NOW)
    by = _by_name(checks)
    assert [c.name for c in checks] == CHECK_NAMES
    assert by["proof.structure"].passed and by["proof.structure"].details["crit"] == ["b64", "sigT", "adoTst"]
    assert by["proof"].passed and by["proof"].details["alg"] == "RS256"
    cert = by["proof.certificate"]
    assert cert.passed
    assert cert.reason.startswith("certificate expired 2025-05-10 but was valid at signing time 2023-09-27T11:54:17Z")
    assert cert.details["expiredNow"] is True
    assert cert.details["organizationIdentifier"] == "VATES-A00000000"
    assert cert.details["kid"] == "IssuerSerial matches x5c[0]"
    assert credential is not None and credential["id"] == "urn:credential:1018d05f-21d5-4555-b7f0-8fabfd22ca75"


def test_official_sample_timestamps_read_as_lta(official) -> None:
    checks, _ = jades.verify_seal(official, trust_anchors=None, now=OFFICIAL_NOW)
    ts = _by_name(checks)["proof.timestamps"]
    assert ts.passed and ts.reason.startswith("JAdES-BASELINE-LTA")
    assert ts.details["level"] == "LTA"
    assert ts.details["attributes"] == ["sigTst", "xVals", "rVals", "arcTst"]
    assert ts.details["signedAttributes"] == ["adoTst"]
    stamps = {t["attribute"]: t for t in ts.details["timestamps"]}
    assert stamps["sigTst"]["genTime"] == "2023-09-27T11:54:20Z"
    assert stamps["arcTst"]["genTime"] == "2023-09-27T11:54:20Z"
    assert stamps["adoTst"]["genTime"] == "2023-09-27T11:54:17Z"
    assert all(t["imprint"] == "matches" and t["tsaSignature"].startswith("valid") for t in stamps.values())
    assert any("OCSP good" in line for line in ts.details["validationData"])


def test_official_sample_chain_needs_an_anchor(official, rsa_pki) -> None:
    checks, _ = jades.verify_seal(official, trust_anchors=None, now=OFFICIAL_NOW)
    assert _failed(checks) == {"trust.chain": "no trust anchor configured: the seal certificate chain was not checked"}
    ours = rsa_pki[0].certificate
    chain = _by_name(jades.verify_seal(official, trust_anchors=[ours], now=OFFICIAL_NOW)[0])["trust.chain"]
    assert not chain.passed
    # the path is followed through the xVals certificates up to ANF's root, which nobody trusts here
    assert chain.reason.startswith("does not chain to a configured trust anchor: issuer 'O=ANF Autoridad")
    assert "of 'CN=ANF AC Qualified Certificates for eSeal" in chain.reason
    assert "is neither a trust anchor nor an available intermediate" in chain.reason


def test_official_sample_chains_to_its_issuing_ca_through_xvals(official) -> None:
    """Trusting ANF's eSeal CA (carried in xVals) builds the path at sigT although the leaf expired."""
    checks, _ = jades.verify_seal(official, trust_anchors=None, now=OFFICIAL_NOW)
    xvals = xvals_certificates(jades.read_envelope(official))
    anf = next(c for c in xvals if "ANF AC Qualified Certificates for eSeal" in c.subject.rfc4514_string()
               and "Responder" not in c.subject.rfc4514_string())
    checks, _ = jades.verify_seal(official, trust_anchors=[anf], now=OFFICIAL_NOW)
    assert _failed(checks) == {}
    assert _by_name(checks)["trust.chain"].details["at"] == "2023-09-27T11:54:17Z"


def test_official_sample_tampered_payload(official) -> None:
    doc = copy.deepcopy(official)
    doc["payload"] = doc["payload"].replace("urn:credential:1018d05f", "urn:credential:1018d05e", 1)
    failed = _failed(jades.verify_seal(doc, trust_anchors=None, now=OFFICIAL_NOW)[0])
    assert "does not verify" in failed["proof"]
    assert "adoTst token 0 message imprint does not match" in failed["proof.timestamps"]
    assert "arcTst token 0 message imprint does not match" in failed["proof.timestamps"]


def test_official_sample_tampered_timestamp(official) -> None:
    doc = copy.deepcopy(official)
    entry = json.loads(_unb64u(doc["signatures"][0]["header"]["etsiU"][0]))
    raw = bytearray(base64.b64decode(entry["sigTst"]["tstTokens"][0]["val"]))
    raw[-5] ^= 0x01
    entry["sigTst"]["tstTokens"][0]["val"] = base64.b64encode(bytes(raw)).decode()
    doc["signatures"][0]["header"]["etsiU"][0] = _b64u(json.dumps(entry).encode())
    failed = _failed(jades.verify_seal(doc, trust_anchors=None, now=OFFICIAL_NOW)[0])
    assert "sigTst token 0: TSA signature does not verify" in failed["proof.timestamps"]
    assert "proof" not in failed

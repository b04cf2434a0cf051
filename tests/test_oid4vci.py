"""OpenID4VCI 1.0 pre-authorized code flow against a real `edcissuer serve` on loopback.

Our Python code plays the wallet here (resolve the offer by reference, token, nonce, proof
JWT signed with a demo learner key, credential); the npm wallet client is tested elsewhere.
Every refusal is checked for the spec's error code, and that the ledger did not change.
"""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import pytest
from jwcrypto import jwk as jwk_mod  # type: ignore[import-untyped,unused-ignore]
from jwcrypto.jws import JWS  # type: ignore[import-untyped,unused-ignore]

from edcissuer.crypto import multibase as mb
from edcissuer.crypto.keys import KeyPair
from edcissuer.models.records import load_record

ROOT = Path(__file__).resolve().parents[1]
PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
LDP, JWT = "OpenBadgeCredential_ldp_vc", "OpenBadgeCredential_jwt_vc_json"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ANA = KeyPair.load(ROOT / "keys" / "demo-learner-ana.DEMO-ONLY.pem")
JONAS = KeyPair.load(ROOT / "keys" / "demo-learner-jonas.DEMO-ONLY.pem")


def _record() -> dict[str, Any]:
    path = sorted((ROOT / "samples" / "records").glob("*.yaml"))[0]
    data: dict[str, Any] = load_record(path).model_dump(mode="json", exclude_none=True)
    return data


def _ledger_rows(deployment: Any) -> list[tuple[Any, ...]]:
    """What the ledger holds about credentials: rows and events (the offers tables aside)."""
    with sqlite3.connect(deployment.folder / "ledger.sqlite") as conn:
        return (conn.execute("SELECT * FROM credentials ORDER BY seq").fetchall()
                + conn.execute("SELECT * FROM events ORDER BY seq").fetchall())


def _sql(deployment: Any, sql: str, params: tuple[Any, ...] = ()) -> None:
    with sqlite3.connect(deployment.folder / "ledger.sqlite") as conn:
        conn.execute(sql, params)


def proof_jwt(key: KeyPair, *, aud: str, nonce: str | None, iat: float | None = None, header: dict[str, Any]
              | None = None, signer: KeyPair | None = None, alg: str | None = None) -> str:
    """An openid4vci-proof+jwt signed by `signer` (default `key`) with `key`'s JWK in the header."""
    alg = alg or ("EdDSA" if key.algorithm == "Ed25519" else "ES256")
    protected = {"alg": alg, "typ": "openid4vci-proof+jwt", "jwk": key.to_jwk()} if header is None else header
    payload: dict[str, Any] = {"aud": aud, "iat": int(iat if iat is not None else time.time())}
    if nonce is not None:
        payload["nonce"] = nonce
    jws = JWS(json.dumps(payload).encode())
    jws.add_signature((signer or key).to_jwcrypto(private=True), alg=alg, protected=json.dumps(protected))
    return str(jws.serialize(compact=True))


def unsigned_jwt(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    part = lambda d: mb.b64url_encode(json.dumps(d).encode())  # noqa: E731
    return f"{part(header)}.{part(payload)}.{mb.b64url_encode(signature)}"


class Wallet:
    """The wallet's side of the flow, step by step, so a test can break any one step."""

    def __init__(self, server: Any, deployment: Any) -> None:
        self.server, self.deployment = server, deployment

    def offer(self, **body: Any) -> dict[str, Any]:
        status, answer = self.server.json("POST", "/offers", {"record": _record(), **body},
                                          token=self.deployment.token)
        assert status == 201, answer
        return dict(answer)

    def resolve(self, offer_uri: str) -> dict[str, Any]:
        assert offer_uri.startswith("openid-credential-offer://?credential_offer_uri=")
        reference = unquote(parse_qs(urlsplit(offer_uri).query)["credential_offer_uri"][0])
        assert reference.startswith(self.server.url + "/offers/")
        status, headers, body = self.server.request("GET", reference[len(self.server.url):])
        assert status == 200 and headers["cache-control"] == "no-store"
        return dict(json.loads(body))

    def token(self, code: str | None, tx_code: str | None = None, *, grant: str = PRE_AUTH,
              extra: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
        form = {"grant_type": grant, **({"pre-authorized_code": code} if code is not None else {}),
                **({"tx_code": tx_code} if tx_code is not None else {}), **(extra or {})}
        status, headers, body = self.server.request("POST", "/token", raw=urlencode(form).encode(), headers=FORM)
        return status, headers, json.loads(body)

    def access_token(self, offer: dict[str, Any], tx_code: str | None = None) -> str:
        code = offer["grants"][PRE_AUTH]["pre-authorized_code"]
        status, headers, body = self.token(code, tx_code, extra={"resource": self.server.url, "user_pin": "x"})
        assert status == 200, body
        assert headers["cache-control"] == "no-store" and body["token_type"] == "Bearer"
        return str(body["access_token"])

    def nonce(self) -> str:
        status, headers, body = self.server.request("POST", "/nonce")
        assert status == 200 and headers["cache-control"] == "no-store"
        return str(json.loads(body)["c_nonce"])

    def credential(self, access_token: str | None, config: str, proofs: Any) -> tuple[int, dict[str, str], Any]:
        body = {"credential_configuration_id": config, "proofs": proofs}
        status, headers, data = self.server.request(
            "POST", "/credential", body, headers={"Authorization": f"Bearer {access_token}"} if access_token else {})
        return status, headers, json.loads(data)


@pytest.fixture()
def wallet(service_demo: Any) -> Wallet:
    server, deployment = service_demo
    return Wallet(server, deployment)


def _verified(server: Any, credential: Any, did_web_dir: Path | None = None) -> dict[str, Any]:
    """Verified by the service (every check, status lists included) and, given a folder, by the library
    offline with the deployment's did.json mirrored there."""
    status, report = server.json("POST", "/credentials/verify", {"verifiableCredential": credential})
    assert status == 200, report
    assert report["verified"], report["errors"]
    if did_web_dir is not None:
        from datetime import datetime, timezone

        from edcissuer.crypto.did import did_web_path
        from edcissuer.verify import VerifyOptions, verify_all

        did_doc = server.json("GET", "/.well-known/did.json")[1]
        path = did_web_path(did_doc["id"], did_web_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(did_doc))
        results = verify_all(credential, VerifyOptions(now=datetime.now(timezone.utc), did_web_dir=did_web_dir))
        failed = {c.name: c.reason for c in results[0].checks if not c.passed}
        assert set(failed) <= {"status"}, failed   # offline: the status lists are checked by the service above
        assert {"proof", "issuer.binding"} <= {c.name for c in results[0].checks if c.passed}
    return dict(report)


def _decode_jwt_payload(token: str) -> dict[str, Any]:
    return dict(json.loads(mb.b64url_decode(token.split(".")[1])))


# --- metadata -----------------------------------------------------------------------------------------

def test_metadata_names_the_public_url_the_endpoints_and_both_w3c_formats(wallet: Wallet) -> None:
    status, meta = wallet.server.json("GET", "/.well-known/openid-credential-issuer")
    assert status == 200
    base = wallet.server.url
    assert meta["credential_issuer"] == base
    assert meta["credential_endpoint"] == f"{base}/credential" and meta["nonce_endpoint"] == f"{base}/nonce"
    configs = meta["credential_configurations_supported"]
    assert configs[LDP]["format"] == "ldp_vc" and configs[JWT]["format"] == "jwt_vc_json"
    assert configs[LDP]["credential_definition"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    for config in (configs[LDP], configs[JWT]):
        assert config["cryptographic_binding_methods_supported"] == ["did:key", "did:jwk"]
        assert config["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"] == ["ES256", "EdDSA"]
        assert config["credential_metadata"]["display"][0]["name"]
    assert configs[LDP]["credential_signing_alg_values_supported"] == ["eddsa-rdfc-2022"]
    status, oauth = wallet.server.json("GET", "/.well-known/oauth-authorization-server")
    assert oauth["issuer"] == base and oauth["token_endpoint"] == f"{base}/token"
    assert oauth["pre-authorized_grant_anonymous_access_supported"] is True
    assert oauth["grant_types_supported"] == [PRE_AUTH]


# --- the whole flow -------------------------------------------------------------------------------------

@pytest.mark.parametrize("config, pin", [(LDP, False), (LDP, True), (JWT, False), (JWT, True)])
def test_wallet_receives_a_credential_bound_to_its_key_with_the_ledgers_id(wallet: Wallet, config: str,
                                                                          pin: bool, tmp_path: Path) -> None:
    created = wallet.offer(formats=[config], txCode=pin)
    assert ("txCode" in created) is pin
    offer = wallet.resolve(created["offerUri"])
    assert offer == created["credentialOffer"]
    assert offer["credential_issuer"] == wallet.server.url and offer["credential_configuration_ids"] == [config]
    assert ("tx_code" in offer["grants"][PRE_AUTH]) is pin
    token = wallet.access_token(offer, created.get("txCode"))
    nonce = wallet.nonce()
    status, headers, body = wallet.credential(token, config, {"jwt": [proof_jwt(ANA, aud=wallet.server.url,
                                                                                 nonce=nonce)]})
    assert status == 200, body
    assert headers["cache-control"] == "no-store"
    credential = body["credentials"][0]["credential"]
    holder = "did:jwk:" + mb.b64url_encode(json.dumps(ANA.to_jwk(), separators=(",", ":")).encode())
    if config == LDP:
        assert isinstance(credential, dict)
        document = credential
    else:
        assert isinstance(credential, str)
        document = _decode_jwt_payload(credential)
        document = document.get("vc", document)
    assert document["credentialSubject"]["id"] == holder
    assert document["id"] == created["credentialId"]
    if config == LDP:   # the ledger's credential, but for the subject id and the proof value
        status_, ledger_copy = wallet.server.json("POST", "/credentials/issue", {"record": _record(),
                                                                                "options": {"format": "ob3"}},
                                                  token=wallet.deployment.token)
        theirs = dict(ledger_copy["verifiableCredential"])
        ours = dict(document)
        for doc in (theirs, ours):
            doc.pop("proof")
            doc["credentialSubject"] = {k: v for k, v in doc["credentialSubject"].items() if k != "id"}
        assert ours == theirs
    report = _verified(wallet.server, credential, tmp_path)
    assert {"proof", "status", "issuer.binding"} <= set(report["checks"])
    # the ledger's status entries are carried: revoking the ledger's credential would revoke this copy
    assert document["credentialStatus"]
    # redeemed: the offer is gone by reference, the record (personal data) deleted
    assert wallet.server.request("GET", "/offers/" + created["offerId"])[0] == 404
    with sqlite3.connect(wallet.deployment.folder / "ledger.sqlite") as conn:
        kept = conn.execute("SELECT record_json, state FROM oid4vci_offers WHERE offer_id = ?",
                            (created["offerId"],)).fetchone()
    assert kept == (None, "issued")
    audit = [json.loads(line) for line in (wallet.deployment.folder / "audit.jsonl").read_text().splitlines()]
    redeemed = [e for e in audit if e.get("offer") == created["offerId"] and e["action"] == "wallet-issue"]
    assert len(redeemed) == 1
    assert {"client": "wallet", "credentialId": created["credentialId"],
            "configuration": config}.items() <= redeemed[0].items()


def test_a_did_key_kid_binds_the_did_key(wallet: Wallet) -> None:
    created = wallet.offer(formats=[LDP])
    token = wallet.access_token(wallet.resolve(created["offerUri"]))
    header = {"alg": "EdDSA", "typ": "openid4vci-proof+jwt", "kid": f"{JONAS.did_key}#{JONAS.did_key[8:]}"}
    proof = proof_jwt(JONAS, aud=wallet.server.url, nonce=wallet.nonce(), header=header)
    status, _, body = wallet.credential(token, LDP, {"jwt": [proof]})
    assert status == 200, body
    assert body["credentials"][0]["credential"]["credentialSubject"]["id"] == JONAS.did_key


def test_an_es256_wallet_key_is_accepted(wallet: Wallet) -> None:
    key = KeyPair.generate("P-256")
    created = wallet.offer(formats=[JWT])
    token = wallet.access_token(wallet.resolve(created["offerUri"]))
    status, _, body = wallet.credential(token, JWT, {"jwt": [proof_jwt(key, aud=wallet.server.url,
                                                                      nonce=wallet.nonce())]})
    assert status == 200, body
    _verified(wallet.server, body["credentials"][0]["credential"])


def test_an_offer_of_both_formats_issues_each_once(wallet: Wallet) -> None:
    created = wallet.offer(formats=[LDP, JWT])
    token = wallet.access_token(wallet.resolve(created["offerUri"]))
    for config in (LDP, JWT):
        status, _, body = wallet.credential(token, config, {"jwt": [proof_jwt(ANA, aud=wallet.server.url,
                                                                              nonce=wallet.nonce())]})
        assert status == 200, body
    before = _ledger_rows(wallet.deployment)
    status, _, body = wallet.credential(token, LDP, {"jwt": [proof_jwt(ANA, aud=wallet.server.url,
                                                                      nonce=wallet.nonce())]})
    assert (status, body["error"]) == (400, "credential_request_denied")
    assert _ledger_rows(wallet.deployment) == before


# --- the token endpoint refuses -----------------------------------------------------------------------

def test_token_refusals_carry_the_oauth_error_codes(wallet: Wallet) -> None:
    created = wallet.offer(formats=[LDP], txCode=True)
    code = created["credentialOffer"]["grants"][PRE_AUTH]["pre-authorized_code"]
    before = _ledger_rows(wallet.deployment)
    cases = [
        (wallet.token(code, created["txCode"], grant="authorization_code"), "unsupported_grant_type"),
        (wallet.token(None, created["txCode"]), "invalid_request"),
        (wallet.token("not-a-code", created["txCode"]), "invalid_grant"),
        (wallet.token(code), "invalid_request"),                       # the PIN is missing
    ]
    for (status, headers, body), error in cases:
        assert (status, body["error"]) == (400, error), body
        assert body["error_description"] and headers["cache-control"] == "no-store"
    status, _, body = wallet.server.request("POST", "/token", raw=b'{"grant_type": "x"}',
                                            headers={"Content-Type": "application/json"})
    assert (status, json.loads(body)["error"]) == (400, "invalid_request")
    # still redeemable with the right PIN after all that
    assert wallet.token(code, created["txCode"])[0] == 200
    status, _, body = wallet.token(code, created["txCode"])            # used
    assert (status, body["error"]) == (400, "invalid_grant")
    assert _ledger_rows(wallet.deployment) == before


def test_a_pin_where_the_offer_has_none_is_an_invalid_request(wallet: Wallet) -> None:
    created = wallet.offer(formats=[LDP])
    status, _, body = wallet.token(created["credentialOffer"]["grants"][PRE_AUTH]["pre-authorized_code"], "123456")
    assert (status, body["error"]) == (400, "invalid_request")


def test_wrong_pins_invalidate_the_offer_after_five_attempts(wallet: Wallet) -> None:
    created = wallet.offer(formats=[LDP], txCode=True)
    code = created["credentialOffer"]["grants"][PRE_AUTH]["pre-authorized_code"]
    wrong = "000000" if created["txCode"] != "000000" else "111111"
    for attempt in range(5):
        status, _, body = wallet.token(code, wrong)
        assert (status, body["error"]) == (400, "invalid_grant"), attempt
    status, _, body = wallet.token(code, created["txCode"])            # the right PIN, too late
    assert (status, body["error"]) == (400, "invalid_grant")
    assert "expired" in body["error_description"]
    assert wallet.server.request("GET", "/offers/" + created["offerId"])[0] == 404
    with sqlite3.connect(wallet.deployment.folder / "ledger.sqlite") as conn:
        assert conn.execute("SELECT record_json FROM oid4vci_offers WHERE offer_id = ?",
                            (created["offerId"],)).fetchone() == (None,)


def test_an_expired_offer_is_refused_and_forgets_the_record(wallet: Wallet) -> None:
    created = wallet.offer(formats=[LDP])
    _sql(wallet.deployment, "UPDATE oid4vci_offers SET expires_at = 1 WHERE offer_id = ?", (created["offerId"],))
    status, _, body = wallet.token(created["credentialOffer"]["grants"][PRE_AUTH]["pre-authorized_code"])
    assert (status, body["error"]) == (400, "invalid_grant")
    with sqlite3.connect(wallet.deployment.folder / "ledger.sqlite") as conn:
        assert conn.execute("SELECT record_json, state FROM oid4vci_offers WHERE offer_id = ?",
                            (created["offerId"],)).fetchone() == (None, "expired")


# --- the credential endpoint refuses ---------------------------------------------------------------

def test_bad_proofs_are_refused_with_the_spec_codes_and_nothing_is_issued(wallet: Wallet) -> None:
    created = wallet.offer(formats=[LDP])
    token = wallet.access_token(wallet.resolve(created["offerUri"]))
    aud = wallet.server.url
    before = _ledger_rows(wallet.deployment)
    used = wallet.nonce()
    good_header = {"alg": "EdDSA", "typ": "openid4vci-proof+jwt", "jwk": ANA.to_jwk()}
    fresh = wallet.nonce
    cases: list[tuple[str, Any, str]] = [
        ("wrong nonce", [proof_jwt(ANA, aud=aud, nonce="made-up")], "invalid_nonce"),
        ("no nonce", [proof_jwt(ANA, aud=aud, nonce=None)], "invalid_proof"),
        ("wrong aud", [proof_jwt(ANA, aud="https://elsewhere.example", nonce=fresh())], "invalid_proof"),
        ("stale iat", [proof_jwt(ANA, aud=aud, nonce=fresh(), iat=time.time() - 3600)], "invalid_proof"),
        ("future iat", [proof_jwt(ANA, aud=aud, nonce=fresh(), iat=time.time() + 3600)], "invalid_proof"),
        ("another key signed", [proof_jwt(ANA, aud=aud, nonce=fresh(), signer=JONAS)], "invalid_proof"),
        ("alg none", [unsigned_jwt({**good_header, "alg": "none"}, {"aud": aud, "iat": int(time.time()),
                                                                     "nonce": fresh()})], "invalid_proof"),
        ("wrong typ", [proof_jwt(ANA, aud=aud, nonce=fresh(), header={**good_header, "typ": "JWT"})],
         "invalid_proof"),
        ("private jwk", [proof_jwt(ANA, aud=aud, nonce=fresh(),
                                   header={**good_header, "jwk": ANA.to_jwk(private=True)})], "invalid_proof"),
        ("jwk and kid", [proof_jwt(ANA, aud=aud, nonce=fresh(), header={**good_header, "kid": ANA.did_key})],
         "invalid_proof"),
        ("not a jwt", ["garbage"], "invalid_proof"),
        ("no proofs", None, "invalid_proof"),
        ("empty proofs", [], "invalid_proof"),
        ("two proofs", [proof_jwt(ANA, aud=aud, nonce=fresh()), proof_jwt(ANA, aud=aud, nonce=fresh())],
         "invalid_credential_request"),
    ]
    hs_key = jwk_mod.JWK.generate(kty="oct", size=256)
    hs = JWS(json.dumps({"aud": aud, "iat": int(time.time()), "nonce": fresh()}).encode())
    hs.add_signature(hs_key, alg="HS256", protected=json.dumps({"alg": "HS256", "typ": "openid4vci-proof+jwt",
                                                                 "jwk": json.loads(hs_key.export())}))
    cases.append(("HS256", [hs.serialize(compact=True)], "invalid_proof"))
    for name, jwts, error in cases:
        status, _, body = wallet.credential(token, LDP, {"jwt": jwts} if jwts is not None else None)
        assert (status, body["error"]) == (400, error), (name, body)
        assert body["error_description"], name
    # a reused nonce: spent by a good proof, then refused
    status, _, body = wallet.credential(token, LDP, {"jwt": [proof_jwt(ANA, aud=aud, nonce=used)]})
    assert status == 200, body
    status, _, body = wallet.credential(token, LDP, {"jwt": [proof_jwt(ANA, aud=aud, nonce=used)]})
    assert (status, body["error"]) == (400, "credential_request_denied")   # issued already: checked first
    assert _ledger_rows(wallet.deployment) == before


def test_a_reused_nonce_is_invalid_nonce(wallet: Wallet) -> None:
    first, second = wallet.offer(formats=[LDP]), wallet.offer(formats=[LDP])
    aud, nonce = wallet.server.url, wallet.nonce()
    token1 = wallet.access_token(wallet.resolve(first["offerUri"]))
    token2 = wallet.access_token(wallet.resolve(second["offerUri"]))
    assert wallet.credential(token1, LDP, {"jwt": [proof_jwt(ANA, aud=aud, nonce=nonce)]})[0] == 200
    status, _, body = wallet.credential(token2, LDP, {"jwt": [proof_jwt(ANA, aud=aud, nonce=nonce)]})
    assert (status, body["error"]) == (400, "invalid_nonce")


def test_request_and_token_refusals(wallet: Wallet) -> None:
    created = wallet.offer(formats=[LDP])
    token = wallet.access_token(wallet.resolve(created["offerUri"]))
    aud = wallet.server.url
    before = _ledger_rows(wallet.deployment)
    proofs = {"jwt": [proof_jwt(ANA, aud=aud, nonce=wallet.nonce())]}
    status, _, body = wallet.credential(token, "NoSuchConfiguration", proofs)
    assert (status, body["error"]) == (400, "unknown_credential_configuration")
    status, _, body = wallet.credential(token, JWT, proofs)                    # not in this offer
    assert (status, body["error"]) == (400, "credential_request_denied")
    status, headers, body = wallet.credential(None, LDP, proofs)
    assert (status, body["error"]) == (401, "invalid_token") and "invalid_token" in headers["www-authenticate"]
    status, _, body = wallet.credential("not-a-token", LDP, proofs)
    assert (status, body["error"]) == (401, "invalid_token")
    status, _, data = wallet.server.request("POST", "/credential", raw=b"[1]",
                                            headers={"Authorization": f"Bearer {token}",
                                                     "Content-Type": "application/json"})
    assert (status, json.loads(data)["error"]) == (400, "invalid_credential_request")
    status, _, data = wallet.server.request("POST", "/credential", {"credential_configuration_id": LDP,
                                                                    "proof": {"proof_type": "jwt"}},
                                            headers={"Authorization": f"Bearer {token}"})
    assert (status, json.loads(data)["error"]) == (400, "invalid_credential_request")
    _sql(wallet.deployment, "UPDATE oid4vci_tokens SET expires_at = 1 WHERE offer_id = ?", (created["offerId"],))
    status, headers, body = wallet.credential(token, LDP, {"jwt": [proof_jwt(ANA, aud=aud, nonce=wallet.nonce())]})
    assert (status, body["error"]) == (401, "invalid_token") and "expired" in body["error_description"]
    assert _ledger_rows(wallet.deployment) == before


def test_a_revoked_credential_is_not_handed_to_a_wallet(wallet: Wallet, tmp_path: Path) -> None:
    record = _record()
    record["learner"] = {**record["learner"], "student_id": "oid4vci-revoked-1"}
    status, created = wallet.server.json("POST", "/offers", {"record": record, "formats": [LDP]},
                                         token=wallet.deployment.token)
    assert status == 201, created
    token = wallet.access_token(wallet.resolve(created["offerUri"]))
    status, _ = wallet.server.json("POST", "/credentials/status", {"credentialId": created["credentialId"],
                                                                  "action": "revoke", "reason": "test"},
                                   token=wallet.deployment.token)
    assert status == 200
    status, _, body = wallet.credential(token, LDP, {"jwt": [proof_jwt(ANA, aud=wallet.server.url,
                                                                      nonce=wallet.nonce())]})
    assert (status, body["error"]) == (400, "credential_request_denied")


# --- offers ---------------------------------------------------------------------------------------

def test_offers_need_the_offer_scope_and_known_formats(wallet: Wallet) -> None:
    status, _ = wallet.server.json("POST", "/offers", {"record": _record()})
    assert status == 401
    status, problem = wallet.server.json("POST", "/offers", {"record": _record(), "formats": ["nope"]},
                                         token=wallet.deployment.token)
    assert status == 422 and problem["field"] == "formats"
    assert wallet.server.request("GET", "/offers/unknown-offer")[0] == 404


def test_an_offer_uses_the_ledgers_credential_id(wallet: Wallet) -> None:
    status, issued = wallet.server.json("POST", "/credentials/issue", {"record": _record(),
                                                                       "options": {"format": "ob3"}},
                                        token=wallet.deployment.token)
    assert status == 201
    created = wallet.offer()
    assert created["credentialId"] == issued["credentialId"]
    assert created["credentialOffer"]["credential_configuration_ids"] == [LDP, JWT]
    assert created["expiresAt"].endswith("Z")


# --- the command line ------------------------------------------------------------------------------

def test_edcissuer_offer_creates_an_offer_the_running_service_redeems(wallet: Wallet) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    record = sorted((ROOT / "samples" / "records").glob("*.yaml"))[-1]
    done = subprocess.run([sys.executable, "-m", "edcissuer", "--config", str(wallet.deployment.config), "offer",
                           str(record), "--tx-code", "--config-id", JWT, "--json"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout)
    assert len(created["txCode"]) == 6 and created["credentialOffer"]["credential_configuration_ids"] == [JWT]
    offer = wallet.resolve(created["offerUri"])
    token = wallet.access_token(offer, created["txCode"])
    status, _, body = wallet.credential(token, JWT, {"jwt": [proof_jwt(ANA, aud=wallet.server.url,
                                                                      nonce=wallet.nonce())]})
    assert status == 200, body
    payload = _decode_jwt_payload(body["credentials"][0]["credential"])
    assert payload.get("vc", payload)["id"] == created["credentialId"]
    plain = subprocess.run([sys.executable, "-m", "edcissuer", "--config", str(wallet.deployment.config), "offer",
                            str(record)], capture_output=True, text=True, timeout=120, env=env)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.startswith("openid-credential-offer://?credential_offer_uri=")
    assert "PIN" not in plain.stderr


@pytest.mark.parametrize("config, vct", [("MicroCredential_dc+sd-jwt", "urn:edcissuer:micro-credential:1"),
                                         ("LearningCredential_dc+sd-jwt", "urn:eu.europa.ec.eudi:learning:credential:1")])
def test_a_wallet_receives_an_sd_jwt_vc_bound_to_its_key_with_the_ledgers_status(wallet: Wallet, config: str,
                                                                                 vct: str) -> None:
    _, meta = wallet.server.json("GET", "/.well-known/openid-credential-issuer")
    assert meta["credential_configurations_supported"][config]["vct"] == vct
    record = _record()   # a learner of its own: this test revokes the credential
    record["learner"] = {**record["learner"], "student_id": f"oid4vci-sd-jwt-{config}"}
    created = wallet.offer(record=record, formats=[config], txCode=True)
    token = wallet.access_token(wallet.resolve(created["offerUri"]), created["txCode"])
    status, _, body = wallet.credential(token, config, {"jwt": [proof_jwt(ANA, aud=wallet.server.url,
                                                                           nonce=wallet.nonce())]})
    assert status == 200, body
    sd_jwt = body["credentials"][0]["credential"]
    payload = _decode_jwt_payload(sd_jwt.split("~")[0])
    assert payload["vct"] == vct and payload["cnf"]["jwk"]["x"] == ANA.to_jwk()["x"]
    assert payload["iss"].startswith("did:web:") and payload["status"]["status_list"]["uri"].startswith(
        wallet.server.url + "/status/tsl/")
    status, report = wallet.server.json("POST", "/credentials/verify", {"verifiableCredential": sd_jwt})
    assert {"proof", "status", "disclosures"} <= set(report["checks"])
    if vct.startswith("urn:edcissuer:"):
        assert report["verified"], report["errors"]
    else:   # the EUDI type has no claim for g) workload, i) assessment, j) participation: not complete
        assert report["errors"] == ["elements"]
        assert "g) notional workload" in str(report["results"][0]["checks"])
    # revoking the ledger's credential revokes the wallet's SD-JWT copy with it
    done, _ = wallet.server.json("POST", "/credentials/status", {"credentialId": created["credentialId"],
                                                                 "action": "revoke", "reason": "test"},
                                 token=wallet.deployment.token)
    assert done == 200
    status, report = wallet.server.json("POST", "/credentials/verify", {"verifiableCredential": sd_jwt})
    assert not report["verified"] and "status" in report["errors"]


def test_access_logs_do_not_show_offer_ids() -> None:
    import logging

    from edcissuer.service.oid4vci import MaskOfferIds

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/offers/SECRET-OFFER-ID", "1.1", 200), None)
    assert MaskOfferIds().filter(record)
    assert "SECRET-OFFER-ID" not in record.getMessage() and "/offers/" in record.getMessage()
    assert any(isinstance(f, MaskOfferIds) for f in logging.getLogger("uvicorn.access").filters)


def test_eight_concurrent_wallet_requests_get_one_token_and_one_credential(wallet: Wallet) -> None:
    from concurrent.futures import ThreadPoolExecutor

    created = wallet.offer(formats=[LDP])
    code = created["credentialOffer"]["grants"][PRE_AUTH]["pre-authorized_code"]
    with ThreadPoolExecutor(8) as pool:
        tokens = list(pool.map(lambda _: wallet.token(code), range(8)))
    won = [body for status, _, body in tokens if status == 200]
    assert len(won) == 1 and {body["error"] for status, _, body in tokens if status != 200} == {"invalid_grant"}
    proofs = [proof_jwt(ANA, aud=wallet.server.url, nonce=wallet.nonce()) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda p: wallet.credential(won[0]["access_token"], LDP, {"jwt": [p]}), proofs))
    assert [status for status, _, _ in answers].count(200) == 1
    assert {body["error"] for status, _, body in answers if status != 200} == {"credential_request_denied"}


def test_the_learner_page_shows_a_pin_protected_offer_and_never_an_open_one(wallet: Wallet) -> None:
    from urllib.parse import quote

    record = _record()
    record["learner"] = {**record["learner"], "student_id": "oid4vci-learner-page"}
    open_offer = wallet.offer(record=record, formats=[LDP], txCode=False)
    page = wallet.server.request("GET", "/c/" + quote(open_offer["credentialId"], safe=""))[2].decode()
    assert open_offer["offerUri"] not in page and 'class="wallet"' not in page    # anyone could redeem it
    pinned = wallet.offer(record=record, formats=[LDP], txCode=True)
    page = wallet.server.request("GET", "/c/" + quote(pinned["credentialId"], safe=""))[2].decode()
    assert 'class="wallet"' in page and pinned["offerUri"].replace("&", "&amp;") in page
    assert pinned["txCode"] not in page and "data:image/png;base64," in page


def test_the_type_metadata_and_schema_of_both_types_are_published(wallet: Wallet) -> None:
    from urllib.parse import quote

    ours, eudi = "urn:edcissuer:micro-credential:1", "urn:eu.europa.ec.eudi:learning:credential:1"
    status, metadata = wallet.server.json("GET", "/vct/" + quote(ours, safe=":"))
    assert status == 200 and metadata["vct"] == ours and metadata["extends"] == eudi
    status, parent = wallet.server.json("GET", "/vct/" + eudi)
    assert status == 200 and parent["vct"] == eudi
    status, schema = wallet.server.json("GET", "/schemas/" + ours)
    assert status == 200 and schema["$schema"].startswith("https://json-schema.org/draft/2020-12")
    assert wallet.server.request("GET", "/vct/urn:unknown:1")[0] == 404

"""Real wallet clients against edcissuer (issue 16): not our code on both ends.

* The OpenWallet Foundation's OpenID4VCI client (`@openid4vc/openid4vci`, js/wallet-oid4vci.mjs)
  redeems offers from the running service (the session `service_demo` server): offer by
  reference, token by pre-authorized code (with and without a PIN), c_nonce, a proof signed by
  the holder's key, the credential of every configuration the metadata lists; what it receives
  is then verified by our verifier (the service's /credentials/verify) and, for dc+sd-jwt, by
  `@sd-jwt/sd-jwt-vc`, which also makes the holder's presentation.
* `@sd-jwt/sd-jwt-vc` (js/sdjwt.mjs) verifies SD-JWT VCs that edcissuer.sdjwt issues directly
  (no service), with type metadata, Token Status List and an EdDSA issuer, and presents one
  with a KB-JWT that our verifier accepts for its audience and nonce and refuses otherwise.

Each part needs its side of edcissuer: the OpenID4VCI endpoints (edcissuer.service.oid4vci)
or the SD-JWT VC library (edcissuer.sdjwt); without it the part skips with one line. Without
node or the pinned npm packages the module skips (EDCISSUER_REQUIRE_INTEROP=1 makes that a
failure, see conftest.py). Each part runs its driver once per batch of jobs, not per test.
"""
from __future__ import annotations

import base64
import importlib.util
import json
import uuid
from urllib.parse import unquote
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from .peers import REQUIRE_ENV, required, unavailable_reason

_REASON = unavailable_reason()
if _REASON is not None and not required():
    pytest.skip(f"wallet interop skipped: {_REASON} (set {REQUIRE_ENV}=1 to make this a failure)",
                allow_module_level=True)

from edcissuer.crypto.keys import KeyPair  # noqa: E402
from edcissuer.models.records import MicroCredentialRecord, load_record, with_issuer_id  # noqa: E402
from edcissuer.sdjwt import EUDI_VCT  # noqa: E402

from .wallets import present_job, sdjwt_batch, verify_job, wallet_batch  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RECORDS = ROOT / "samples" / "records"
FORMATS = ("ldp_vc", "jwt_vc_json", "dc+sd-jwt")
VERIFIER = "https://admissions.example.org"
NONCE = "wallet-interop-nonce-1"
SHOWN = ("family_name", "learning_outcomes")   # what the holder discloses in the presentations


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except ModuleNotFoundError:
        return True


def need(module: str, what: str) -> None:
    """Skip (with one line) until this branch has `module`."""
    if _missing(module):
        pytest.skip(f"{what} ({module}) is not on this branch yet")


def record_json(stem: str = "model2-cooperative") -> dict[str, Any]:
    """A sample record as JSON with a fresh identifier, so its credential is new to the ledger."""
    data: dict[str, Any] = load_record(RECORDS / f"{stem}.yaml").model_dump(mode="json", exclude_none=True)
    data["identifier"] = f"WALLET-{uuid.uuid4().hex[:12]}"
    return data


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_payload(token: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(unb64(token.split("~")[0].split(".")[1]))
    return payload


def subject_id(credential: dict[str, Any] | str) -> str | None:
    """credentialSubject.id of a W3C credential (a JSON-LD object, or a JWT whose payload is the VC or has `vc`)."""
    doc = credential if isinstance(credential, dict) else jwt_payload(credential)
    doc = doc.get("vc", doc)
    subject = doc.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) else subject
    return subject.get("id") if isinstance(subject, dict) else None


def holder_of(did: str) -> KeyPair:
    """The public key a did:jwk or did:key names (what the credential is bound to)."""
    if did.startswith("did:jwk:"):
        return KeyPair.from_jwk(json.loads(unb64(did[len("did:jwk:"):])))
    if did.startswith("did:key:"):
        return KeyPair.from_multikey(public_multibase=did[len("did:key:"):])
    raise AssertionError(f"credentialSubject.id {did} is neither a did:jwk nor a did:key")


# --- the npm wallet against the running service -------------------------------------------------

@dataclass
class WalletRun:
    server: Any
    metadata: dict[str, Any]
    holder: KeyPair                      # the wallet's P-256 key (ES256 proofs)
    ed_holder: KeyPair                   # its Ed25519 key, for the configurations that take EdDSA proofs
    by_format: dict[str, list[str]]      # format -> configuration ids the metadata lists
    answers: dict[str, dict[str, Any]]   # job name -> the wallet's answer
    offers: dict[str, dict[str, Any]]    # job name -> the POST /offers response


def make_offer(server: Any, token: str, formats: list[str], *, tx_code: bool) -> dict[str, Any]:
    status, body = server.json("POST", "/offers", {"record": record_json(), "formats": formats, "txCode": tx_code},
                               token=token)
    assert status in (200, 201), body
    assert body["offerUri"].startswith("openid-credential-offer://?credential_offer_uri="), body
    assert bool(body.get("txCode")) is tx_code, body
    return dict(body)


@pytest.fixture(scope="module")
def wallet_run(request: pytest.FixtureRequest) -> WalletRun:
    """Every offer this module redeems, made on the running server, redeemed in one wallet process."""
    need("edcissuer.service.oid4vci", "the OpenID4VCI issuer endpoints")   # before the server starts
    server, deployment = request.getfixturevalue("service_demo")
    status, metadata = server.json("GET", "/.well-known/openid-credential-issuer")
    assert status == 200, metadata
    configurations: dict[str, Any] = metadata["credential_configurations_supported"]
    by_format: dict[str, list[str]] = {}
    for cid, conf in configurations.items():
        by_format.setdefault(conf["format"], []).append(cid)
    every = list(configurations)
    holder = KeyPair.generate("P-256")
    jwk = holder.to_jwk(private=True)
    offers: dict[str, dict[str, Any]] = {}
    jobs: dict[str, dict[str, Any]] = {}
    for cid in every:                                  # one offer per configuration, no PIN
        offers[cid] = make_offer(server, deployment.token, [cid], tx_code=False)
        jobs[cid] = {"offer": offers[cid]["offerUri"], "holderJwk": jwk}
    offers["pin"] = make_offer(server, deployment.token, every, tx_code=True)
    jobs["pin"] = {"offer": offers["pin"]["offerUri"], "holderJwk": jwk, "txCode": offers["pin"]["txCode"],
                   "replayProof": True, "requestAgain": True, "redeemAgain": True}
    offers["wrong-pin"] = make_offer(server, deployment.token, every[:1], tx_code=True)
    wrong = "0" * len(offers["wrong-pin"]["txCode"])
    if wrong == offers["wrong-pin"]["txCode"]:
        wrong = "1" * len(wrong)
    jobs["wrong-pin"] = {"offer": offers["wrong-pin"]["offerUri"], "holderJwk": jwk, "txCode": wrong}
    offers["unasked-pin"] = make_offer(server, deployment.token, every[:1], tx_code=False)
    jobs["unasked-pin"] = {"offer": offers["unasked-pin"]["offerUri"], "holderJwk": jwk, "txCode": "493817"}
    eddsa = [cid for cid, conf in configurations.items()
             if "EdDSA" in conf.get("proof_types_supported", {}).get("jwt", {})
                              .get("proof_signing_alg_values_supported", [])]
    ed_holder = KeyPair.generate("Ed25519")
    if eddsa:
        offers["eddsa"] = make_offer(server, deployment.token, eddsa, tx_code=False)
        jobs["eddsa"] = {"offer": offers["eddsa"]["offerUri"], "holderJwk": ed_holder.to_jwk(private=True)}
    names = list(jobs)
    answers = dict(zip(names, wallet_batch([jobs[n] for n in names])))
    return WalletRun(server, metadata, holder, ed_holder, by_format, answers, offers)


def our_verdict(server: Any, credential: dict[str, Any] | str, **options: str) -> dict[str, Any]:
    """Our verifier's verdict, as the running service gives it (with the deployment's trust)."""
    body: dict[str, Any] = {"verifiableCredential": credential}
    if options:
        body["options"] = options
    status, verdict = server.json("POST", "/credentials/verify", body)
    assert status == 200, verdict
    return dict(verdict)


def issuer_jwk(server: Any, sd_jwt: str) -> dict[str, Any]:
    """The issuer's public key for an SD-JWT VC, found the way a wallet finds it.

    A did:web issuer: its DID document (the kid is one of its verification methods); a URL
    issuer: its JWT VC Issuer Metadata (SD-JWT VC §5, `/.well-known/jwt-vc-issuer` + path), by kid.
    """
    head = json.loads(unb64(sd_jwt.split(".")[0]))
    iss = jwt_payload(sd_jwt)["iss"]
    if iss.startswith("did:web:"):
        status, doc = server.json("GET", "/.well-known/did.json")
        assert status == 200 and doc["id"] == iss, doc
        methods = [m for m in doc["verificationMethod"] if m["id"] == head.get("kid")]
        assert len(methods) == 1, (head, doc)
        method = methods[0]
        if "publicKeyJwk" in method:
            return dict(method["publicKeyJwk"])
        return KeyPair.from_multikey(public_multibase=method["publicKeyMultibase"]).to_jwk()
    assert iss.startswith(server.url), iss
    status, doc = server.json("GET", "/.well-known/jwt-vc-issuer" + iss[len(server.url):])
    assert status == 200, (iss, doc)
    assert doc["issuer"] == iss, doc
    keys = [k for k in doc["jwks"]["keys"] if k.get("kid") == head.get("kid")]
    assert len(keys) == 1, (head, doc)
    return dict(keys[0])


def test_the_wallet_reads_our_metadata_as_openid4vci_1_0_with_every_format(wallet_run: WalletRun) -> None:
    assert set(FORMATS) <= set(wallet_run.by_format), wallet_run.by_format
    for name in wallet_run.metadata["credential_configurations_supported"]:
        answer = wallet_run.answers[name]
        assert answer["version"] == "V1", answer        # 1.0 Final, not a draft
        assert answer["issuer"] == wallet_run.metadata["credential_issuer"]
        assert answer["offered"] == [name] and answer["txCodeAsked"] is None


def check_received(run: WalletRun, cid: str, got: dict[str, Any], holder: KeyPair) -> None:
    """Our verifier accepts it, and it is bound to the key that signed the proof."""
    fmt, credential = got["format"], got["credential"]
    assert got["count"] == 1 and credential, got
    if fmt == "ldp_vc":
        assert isinstance(credential, dict) and credential["proof"], credential
    else:
        assert isinstance(credential, str)
    verdict = our_verdict(run.server, credential)
    vct = run.metadata["credential_configurations_supported"][cid].get("vct")
    if vct == EUDI_VCT:   # the plain EUDI type has no claims for g), i), j): authentic but not complete
        assert verdict["errors"] == ["elements"], (cid, verdict["errors"], verdict["results"])
    else:
        assert verdict["verified"] is True, (cid, verdict["errors"], verdict["results"])
    if fmt == "dc+sd-jwt":
        assert got["binding"] == "jwk"
        assert jwt_payload(credential)["cnf"]["jwk"] == holder.public_only().to_jwk()
    else:
        did = subject_id(credential)
        assert did is not None and got["proofHeader"]["kid"].split("#")[0] == did, (did, got["proofHeader"])
        assert holder_of(did) == holder.public_only()


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_npm_wallet_receives_each_format_and_our_verifier_accepts_it(wallet_run: WalletRun, fmt: str) -> None:
    assert wallet_run.by_format.get(fmt), f"no configuration of format {fmt} in the metadata"
    for cid in wallet_run.by_format[fmt]:
        answer = wallet_run.answers[cid]
        assert answer["ok"], f"{cid}: {answer.get('stage')}: {answer.get('message')}"
        got = answer["credentials"][cid]
        assert got["format"] == fmt
        check_received(wallet_run, cid, got, wallet_run.holder)


def test_an_eddsa_wallet_key_is_bound_the_same_way(wallet_run: WalletRun) -> None:
    answer = wallet_run.answers.get("eddsa")
    assert answer is not None, "no configuration takes EdDSA proofs"
    assert answer["ok"], f"{answer.get('stage')}: {answer.get('message')}"
    for cid, got in answer["credentials"].items():
        assert got["proofHeader"]["alg"] == "EdDSA"
        check_received(wallet_run, cid, got, wallet_run.ed_holder)


def test_the_sequence_of_calls_is_the_pre_authorized_code_flow(wallet_run: WalletRun) -> None:
    """What docs/wallets.md shows: offer, metadata, token, nonce, credential, each answered 200."""
    cid = wallet_run.by_format["dc+sd-jwt"][0]
    calls = [(c["method"], c["url"], c["status"]) for c in wallet_run.answers[cid]["calls"]]
    offer_url = unquote(wallet_run.offers[cid]["offerUri"].split("credential_offer_uri=", 1)[1])
    status, authorization_server = wallet_run.server.json("GET", "/.well-known/oauth-authorization-server")
    assert status == 200, authorization_server
    meta = wallet_run.metadata
    assert calls[0] == ("GET", offer_url, 200)
    assert ("GET", wallet_run.server.url + "/.well-known/openid-credential-issuer", 200) in calls
    assert [(m, u) for m, u, _ in calls if m == "POST"] == [
        ("POST", authorization_server["token_endpoint"]), ("POST", meta["nonce_endpoint"]),
        ("POST", meta["credential_endpoint"])]
    assert all(s == 200 for m, _, s in calls if m == "POST"), calls


def test_with_a_pin_the_wallet_receives_every_configuration_of_one_offer(wallet_run: WalletRun) -> None:
    answer = wallet_run.answers["pin"]
    assert answer["ok"], f"{answer.get('stage')}: {answer.get('message')}"
    assert answer["txCodeAsked"] is not None            # the offer says a PIN is needed, never which
    assert wallet_run.offers["pin"]["txCode"] not in json.dumps(wallet_run.offers["pin"]["credentialOffer"])
    assert set(answer["credentials"]) == set(wallet_run.metadata["credential_configurations_supported"])
    for cid, got in answer["credentials"].items():
        check_received(wallet_run, cid, got, wallet_run.holder)


def test_a_wrong_pin_is_refused_with_invalid_grant(wallet_run: WalletRun) -> None:
    answer = wallet_run.answers["wrong-pin"]
    assert not answer["ok"] and answer["stage"] == "token", answer
    assert answer["error"] == "invalid_grant" and answer["status"] == 400, answer
    assert not any(c["url"].endswith("/credential") for c in answer["calls"])


def test_a_pin_the_offer_did_not_ask_for_is_refused_with_invalid_request(wallet_run: WalletRun) -> None:
    answer = wallet_run.answers["unasked-pin"]
    assert not answer["ok"] and answer["stage"] == "token", answer
    assert answer["error"] == "invalid_request" and answer["status"] == 400, answer


def test_a_replayed_proof_is_refused_with_invalid_nonce(wallet_run: WalletRun) -> None:
    """The first configuration's proof (its c_nonce spent) sent again for the second one."""
    assert len(wallet_run.answers["pin"]["offered"]) >= 2
    replay = wallet_run.answers["pin"]["replay"]
    assert not replay["ok"] and replay["stage"] == "credential", replay
    assert replay["error"] == "invalid_nonce" and replay["status"] == 400, replay


def test_a_configuration_is_never_issued_twice_for_one_offer(wallet_run: WalletRun) -> None:
    again = wallet_run.answers["pin"]["requestAgain"]
    assert not again["ok"] and again["stage"] == "credential", again
    assert again["error"] == "credential_request_denied" and again["status"] == 400, again


def test_a_second_redemption_of_the_offer_is_refused_with_invalid_grant(wallet_run: WalletRun) -> None:
    again = wallet_run.answers["pin"]["redeemAgain"]
    assert not again["ok"] and again["stage"] == "token", again
    assert again["error"] == "invalid_grant" and again["status"] == 400, again


def test_sd_jwt_js_verifies_the_received_sd_jwt_vc_and_presents_it_to_our_verifier(wallet_run: WalletRun) -> None:
    """The learner's whole journey: received by the npm wallet, checked and presented with @sd-jwt, verified by us."""
    cid = wallet_run.by_format["dc+sd-jwt"][0]
    credential = wallet_run.answers[cid]["credentials"][cid]["credential"]
    key = issuer_jwk(wallet_run.server, credential)
    holder = wallet_run.holder.to_jwk(private=True)
    # status lists are fetched over loopback by the library itself (application/statuslist+jwt)
    checked, presented = sdjwt_batch([verify_job(credential, key, network=True),
                                      present_job(credential, SHOWN, holder, aud=VERIFIER, nonce=NONCE)])
    assert checked["ok"], checked["error"]
    assert checked["header"]["typ"] == "dc+sd-jwt"
    assert set(SHOWN) <= set(checked["presentable"])
    assert presented["ok"], presented["error"]
    assert presented["disclosed"] == sorted(SHOWN)
    verdict = our_verdict(wallet_run.server, presented["presentation"], challenge=NONCE, domain=VERIFIER)
    assert verdict["verified"] is True, (verdict["errors"], verdict["results"])
    assert "key-binding" in verdict["checks"]
    wrong = our_verdict(wallet_run.server, presented["presentation"], challenge="another-nonce", domain=VERIFIER)
    assert wrong["verified"] is False and "key-binding" in wrong["errors"], wrong


# --- @sd-jwt against edcissuer.sdjwt directly (no service) --------------------------------------

ISSUER = "https://issuer.univ.example"
KID = "key-1"
STATUS_URI = ISSUER + "/status/tsl/1"


@dataclass
class SdRun:
    record: MicroCredentialRecord
    issuer_key: KeyPair
    holder: KeyPair
    now: datetime
    credential: str
    claims: dict[str, Any]                # record_claims(record): what was issued
    answers: dict[str, dict[str, Any]]    # job name -> @sd-jwt's answer


@pytest.fixture(scope="module")
def sd_run() -> SdRun:
    """Our SD-JWT VCs and the jobs @sd-jwt runs on them, in one node process."""
    need("edcissuer.sdjwt", "the SD-JWT VC library")
    from edcissuer.sdjwt import EDC_VCT, EUDI_VCT, edc_type_metadata, eudi_type_metadata, issue_sd_jwt_vc, \
        record_claims
    from edcissuer.sdjwt.token_status import StatusList, sign_status_list

    record = load_record(RECORDS / "model2-cooperative.yaml")
    issuer_key, holder, ed_issuer = KeyPair.generate("P-256"), KeyPair.generate("P-256"), KeyPair.generate("Ed25519")
    now = datetime.now(timezone.utc)       # @sd-jwt checks iat/exp and the KB-JWT against its own clock
    issued = issue_sd_jwt_vc(record, signer=issuer_key, issuer=ISSUER, holder=holder, now=now, kid=KID)
    credential = issued.serialize()
    eddsa = issue_sd_jwt_vc(record, signer=ed_issuer, issuer=ISSUER, holder=holder, now=now, kid=KID).serialize()
    with_status = {state: issue_sd_jwt_vc(record, signer=issuer_key, issuer=ISSUER, holder=holder, now=now, kid=KID,
                                          status={"idx": idx, "uri": STATUS_URI}).serialize()
                   for state, idx in (("valid", 5), ("revoked", 6))}
    status = StatusList.new(64, bits=2)
    status.set(6, 1)
    status_list = sign_status_list(status, signer=issuer_key, uri=STATUS_URI, now=now, kid=KID)
    pub = issuer_key.public_only().to_jwk()
    head, body, rest = credential.split(".", 2)
    tampered = f"{head}.{body[:-3]}{'A' if body[-3] != 'A' else 'B'}{body[-2:]}.{rest}"
    jobs = {
        "verify": verify_job(credential, pub),
        "type-metadata": verify_job(credential, pub, type_metadata={EDC_VCT: edc_type_metadata(),
                                                                   EUDI_VCT: eudi_type_metadata()}),
        "eddsa": verify_job(eddsa, ed_issuer.public_only().to_jwk()),
        "other-key": verify_job(credential, KeyPair.generate("P-256").public_only().to_jwk()),
        "tampered": verify_job(tampered, pub),
        "status-valid": verify_job(with_status["valid"], pub, status_lists={STATUS_URI: status_list}),
        "status-revoked": verify_job(with_status["revoked"], pub, status_lists={STATUS_URI: status_list}),
        "present": present_job(credential, SHOWN, holder.to_jwk(private=True), aud=VERIFIER, nonce=NONCE),
    }
    answers = dict(zip(jobs, sdjwt_batch(list(jobs.values()))))
    # what was issued: the record as signed, with the lead identified by the issuer (iss)
    return SdRun(record, issuer_key, holder, now, credential, record_claims(with_issuer_id(record, ISSUER)), answers)


def ours(run: SdRun, presentation: str, *, nonce: str | None = NONCE, aud: str | None = VERIFIER) -> Any:
    from edcissuer.sdjwt import issuer_metadata, jwks_resolver
    from edcissuer.verify import VerifyOptions, verify_all

    options = VerifyOptions(now=datetime.now(timezone.utc), challenge=nonce, domain=aud,
                            resolver=jwks_resolver(issuer_metadata(ISSUER, {KID: run.issuer_key}), issuer=ISSUER))
    [result] = verify_all(presentation, options)
    return result


def test_sd_jwt_js_verifies_our_sd_jwt_vc_and_reads_every_claim(sd_run: SdRun) -> None:
    from edcissuer.sdjwt.claims import CLAIMS

    answer = sd_run.answers["verify"]
    assert answer["ok"], answer["error"]
    assert answer["header"] == {"alg": "ES256", "typ": "dc+sd-jwt", "kid": KID}
    assert answer["payload"]["iss"] == ISSUER
    assert answer["payload"]["cnf"]["jwk"] == sd_run.holder.public_only().to_jwk()
    for name, value in sd_run.claims.items():
        assert answer["payload"].get(name) == value, name
    selective = sorted(n for n in sd_run.claims if n in CLAIMS and CLAIMS[n].sd == "always")
    assert answer["presentable"] == selective      # exactly the EUDI "always" claims are selectively disclosable


def test_sd_jwt_js_resolves_our_type_metadata_and_its_extends_chain_to_the_eudi_type(sd_run: SdRun) -> None:
    from edcissuer.sdjwt import EDC_VCT, EUDI_VCT

    answer = sd_run.answers["type-metadata"]
    assert answer["ok"], answer["error"]
    assert answer["vctValues"] == [EDC_VCT, EUDI_VCT]
    paths = {tuple(c["path"]) for c in answer["typeClaims"]}
    assert ("family_name",) in paths and ("achievement_title",) in paths


def test_sd_jwt_js_verifies_an_eddsa_issuer(sd_run: SdRun) -> None:
    answer = sd_run.answers["eddsa"]
    assert answer["ok"], answer["error"]
    assert answer["header"]["alg"] == "EdDSA"


def test_sd_jwt_js_refuses_our_credential_under_another_key_or_changed(sd_run: SdRun) -> None:
    assert not sd_run.answers["other-key"]["ok"]
    assert "Invalid JWT Signature" in sd_run.answers["other-key"]["error"]
    assert not sd_run.answers["tampered"]["ok"]


def test_sd_jwt_js_reads_our_token_status_list(sd_run: SdRun) -> None:
    assert sd_run.answers["status-valid"]["ok"], sd_run.answers["status-valid"]["error"]
    revoked = sd_run.answers["status-revoked"]
    assert not revoked["ok"] and "Status is not valid" in revoked["error"], revoked


def test_our_verifier_accepts_the_presentation_sd_jwt_js_made_and_reports_the_withheld_claims(sd_run: SdRun) -> None:
    from edcissuer.checks import CheckId

    made = sd_run.answers["present"]
    assert made["ok"], made["error"]
    assert made["disclosed"] == sorted(SHOWN)
    result = ours(sd_run, made["presentation"])
    assert result.verified, result.to_text()
    checks = {c.name: c for c in result.checks}
    assert checks[CheckId.KEY_BINDING].passed, checks[CheckId.KEY_BINDING].reason
    assert checks[CheckId.DISCLOSURES].details["disclosed"] == sorted(SHOWN)
    elements = checks[CheckId.ELEMENTS]
    hidden = set(sd_run.answers["verify"]["presentable"]) - set(SHOWN)    # issued selectively, not shown
    assert elements.details["withheldClaims"], elements.details
    assert set(elements.details["withheldClaims"]) <= hidden, elements.details
    assert "learner_identification" in elements.details["withheldClaims"]
    assert elements.details["withheld"] and "withheld by the holder" in elements.reason, elements.reason


def test_our_verifier_refuses_the_sd_jwt_js_presentation_for_another_nonce_or_audience(sd_run: SdRun) -> None:
    from edcissuer.checks import CheckId

    presentation = sd_run.answers["present"]["presentation"]
    for nonce, aud in (("another-nonce", VERIFIER), (NONCE, "https://elsewhere.example")):
        result = ours(sd_run, presentation, nonce=nonce, aud=aud)
        assert not result.verified
        assert CheckId.KEY_BINDING in {c.name for c in result.failures}, result.to_text()


def test_sd_jwt_js_presentation_keeps_the_kb_jwt_fresh_and_bound(sd_run: SdRun) -> None:
    presentation = sd_run.answers["present"]["presentation"]
    kb = presentation.rsplit("~", 1)[1]
    header = json.loads(unb64(kb.split(".")[0]))
    payload = json.loads(unb64(kb.split(".")[1]))
    assert header["typ"] == "kb+jwt" and header["alg"] == "ES256"
    assert payload["aud"] == VERIFIER and payload["nonce"] == NONCE and payload["sd_hash"]
    assert abs(payload["iat"] - datetime.now(timezone.utc).timestamp()) < timedelta(minutes=5).total_seconds()

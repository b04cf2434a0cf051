"""The JSON API of `edcissuer serve`, through real HTTP to the session's demo server.

Why through the running server: a registrar's system talks to uvicorn, not to a test
client; every answer checked here crossed a socket. Anything that changes state (issue,
revoke, suspend) uses a record this module makes unique, so other modules sharing the
session server see the same ledger they expect.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from edcissuer.demo import load_demo_keys
from edcissuer.export.presentation import create_presentation
from edcissuer.models.records import load_record
from edcissuer.status.bitstring import decode_list

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "samples" / "records"


def record(stem: str = "model1-single", **changes: Any) -> dict[str, Any]:
    """A sample record as JSON with a fresh identifier, so its credential id is new to the ledger."""
    data: dict[str, Any] = load_record(RECORDS / f"{stem}.yaml").model_dump(mode="json", exclude_none=True)
    data["identifier"] = f"TEST-{uuid.uuid4().hex[:12]}"
    data.update(changes)
    return data


def sample(deployment: Any, suffix: str, stem: str = "model1-single") -> Path:
    return next(p for p in deployment.samples if p.name == f"{stem}.{suffix}")


def problem(status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """The body as an RFC 9457 problem (checked for its media type and members)."""
    assert headers["content-type"].startswith("application/problem+json"), headers
    doc: dict[str, Any] = json.loads(body)
    assert doc["status"] == status and doc["type"].startswith("urn:edcissuer:problem:")
    assert doc["title"] and doc["detail"]
    assert b"Traceback" not in body
    return doc


def issue(server: Any, token: str, data: dict[str, Any], **options: Any) -> tuple[int, Any]:
    return server.json("POST", "/credentials/issue", {"record": data, "options": {"format": "ob3", **options}},
                       token=token)


def bit_set(status_list: dict[str, Any], index: int) -> bool:
    bits = decode_list(status_list["credentialSubject"]["encodedList"])
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


@pytest.fixture(scope="module")
def demo(service_demo: Any) -> Any:
    return service_demo


# --- issuing -------------------------------------------------------------------------------------

def test_issue_ob3_returns_a_credential_that_verifies_with_its_status_lists_published(demo: Any) -> None:
    server, deployment = demo
    status, body = issue(server, deployment.token, record())
    assert status == 201, body
    assert body["new"] is True and body["format"] == "ob3" and body["credentialId"]
    assert body["verifiableCredential"]["id"] == body["credentialId"]
    assert len(body["statusListCredential"]) == 2 and isinstance(body["statusListIndex"], int)
    for url in body["statusListCredential"]:
        assert url.startswith(server.url + "/status/")
        got, lst = server.json("GET", url[len(server.url):])
        assert got == 200 and lst["id"] == url and "BitstringStatusListCredential" in lst["type"]
        assert lst["proof"]["proofValue"] and not bit_set(lst, body["statusListIndex"])
    status, checked = server.json("POST", "/credentials/verify", {"verifiableCredential": body["verifiableCredential"]})
    assert status == 200 and checked["verified"] is True, checked["errors"]
    assert "status" in checked["checks"] and "proof" in checked["checks"]


def test_issue_elm_with_the_demo_seal_is_jades_and_verifies(demo: Any) -> None:
    server, deployment = demo
    status, body = issue(server, deployment.token, record(), format="elm")
    assert status == 201, body
    assert body["proof"] == "jades"
    # the record's own lead id is replaced by the deployment's DID (its status lists name that issuer), and said
    assert body["verifiableCredential"]["payload"].count("did:web:127.0.0.1") and \
        any(w.startswith("awarding.lead.id") for w in body["warnings"])
    status, checked = server.json("POST", "/credentials/verify", {"verifiableCredential": body["verifiableCredential"]})
    assert status == 200 and checked["verified"] is True, checked["errors"]
    assert {"proof", "status", "trust.chain"} <= set(checked["checks"])


def test_issue_elm_with_eddsa_rdfc_2022_proof(demo: Any) -> None:
    server, deployment = demo
    status, body = issue(server, deployment.token, record(), format="elm", proof="eddsa-rdfc-2022")
    assert status == 201, body
    vc = body["verifiableCredential"]
    assert body["proof"] == "eddsa-rdfc-2022" and vc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    status, checked = server.json("POST", "/credentials/verify", {"verifiableCredential": vc})
    assert status == 200 and checked["verified"] is True, checked["errors"]


def test_the_same_record_twice_is_the_same_credential_not_a_new_one(demo: Any) -> None:
    server, deployment = demo
    data = record()
    first = issue(server, deployment.token, data)[1]
    status, again = issue(server, deployment.token, data)
    assert status == 201 and again["new"] is False
    assert again["credentialId"] == first["credentialId"]
    assert again["statusListIndex"] == first["statusListIndex"]


def test_a_record_breaking_an_alliance_profile_is_refused_naming_the_rule(demo: Any) -> None:
    server, deployment = demo
    status, headers, body = server.request("POST", "/credentials/issue", {
        "record": record("model1-single"), "options": {"format": "ob3", "profile": "una-europa"}},
        token=deployment.token)
    doc = problem(422, headers, body)
    assert status == 422
    assert any("una-europa-partners" in e["detail"] for e in doc["errors"]), doc


@pytest.mark.parametrize("given", ["../samples/profiles/una-europa.toml", "/etc/passwd", "una-europa.toml",
                                   ".hidden", "x" * 65])
def test_a_profile_given_as_a_path_is_refused(demo: Any, given: str) -> None:
    server, deployment = demo
    status, headers, body = server.request("POST", "/credentials/issue", {
        "record": record(), "options": {"format": "ob3", "profile": given}}, token=deployment.token)
    doc = problem(422, headers, body)
    assert doc["field"].endswith("profile"), doc


def test_an_invalid_record_is_a_problem_naming_its_fields(demo: Any) -> None:
    server, deployment = demo
    data = record()
    del data["title"]
    data["workload"] = {"ects": "many"}
    status, headers, body = server.request("POST", "/credentials/issue",
                                           {"record": data, "options": {"format": "ob3"}}, token=deployment.token)
    doc = problem(422, headers, body)
    fields = {e["field"] for e in doc["errors"]}
    assert any("title" in f for f in fields) and any("workload.ects" in f for f in fields), doc
    assert "many" not in body.decode()    # values are never echoed (they may be personal data)


# --- verifying -----------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", ["ob3.jsonld", "elm.jades.json"])
def test_a_deployment_sample_verifies_with_vc_api_checks_and_errors(demo: Any, suffix: str) -> None:
    server, deployment = demo
    vc = json.loads(sample(deployment, suffix).read_text(encoding="utf-8"))
    status, body = server.json("POST", "/credentials/verify", {"verifiableCredential": vc})
    assert status == 200
    assert body["verified"] is True, body["errors"]
    assert isinstance(body["checks"], list) and "proof" in body["checks"] and body["errors"] == []
    assert body["results"][0]["verified"] is True


def test_a_tampered_credential_fails_naming_the_proof_check(demo: Any) -> None:
    server, deployment = demo
    vc = json.loads(sample(deployment, "ob3.jsonld").read_text(encoding="utf-8"))
    vc["name"] = vc["name"] + " (with honours)"
    status, body = server.json("POST", "/credentials/verify", {"verifiableCredential": vc})
    assert status == 200 and body["verified"] is False
    assert "proof" in body["errors"] and "proof" not in body["checks"]


def test_a_jwt_credential_string_is_verified(demo: Any) -> None:
    server, deployment = demo
    status, issued = issue(server, deployment.token, record(), proof="jwt")
    assert status == 201, issued
    jwt = issued["verifiableCredential"]
    assert isinstance(jwt, str) and jwt.count(".") == 2
    status, body = server.json("POST", "/credentials/verify", {"verifiableCredential": jwt})
    assert status == 200 and body["verified"] is True, body["errors"]
    status, body = server.json("POST", "/credentials/verify", {"verifiableCredential": jwt[:-4] + "AAAA"})
    assert status == 200 and body["verified"] is False and "proof" in body["errors"]


@pytest.mark.parametrize("value", ["hello, registrar", "{not json"])
def test_something_that_is_not_a_credential_is_a_problem_naming_the_input_check(demo: Any, value: str) -> None:
    server, _ = demo
    status, headers, body = server.request("POST", "/credentials/verify", {"verifiableCredential": value})
    doc = problem(422, headers, body)
    assert doc["checks"] == ["input"]


# --- presentations -------------------------------------------------------------------------------

def _presentation(deployment: Any, challenge: str, domain: str) -> dict[str, Any]:
    keys = load_demo_keys(ROOT)
    vc = json.loads(sample(deployment, "ob3.jsonld").read_text(encoding="utf-8"))
    return create_presentation([vc], keys.learners["ana"], challenge=challenge, domain=domain,
                               now=datetime.now(timezone.utc).replace(microsecond=0))


def test_a_presentation_with_the_right_challenge_and_domain_verifies(demo: Any) -> None:
    server, deployment = demo
    vp = _presentation(deployment, "c-123456", "registrar.example")
    status, body = server.json("POST", "/presentations/verify", {
        "verifiablePresentation": vp, "options": {"challenge": "c-123456", "domain": "registrar.example"}})
    assert status == 200 and body["verified"] is True, body["errors"]
    assert "presentation.proof" in body["checks"] and "presentation.replay" in body["checks"]


def test_a_presentation_with_another_challenge_fails_on_replay(demo: Any) -> None:
    server, deployment = demo
    vp = _presentation(deployment, "c-123456", "registrar.example")
    status, body = server.json("POST", "/presentations/verify", {
        "verifiablePresentation": vp, "options": {"challenge": "c-other", "domain": "registrar.example"}})
    assert status == 200 and body["verified"] is False
    assert "presentation.replay" in body["errors"]


# --- status changes ------------------------------------------------------------------------------

def test_revoking_fails_the_credential_on_status_and_sets_the_published_bit(demo: Any) -> None:
    server, deployment = demo
    issued = issue(server, deployment.token, record())[1]
    status, body = server.json("POST", "/credentials/status", {
        "credentialId": issued["credentialId"], "action": "revoke", "reason": "issued in error"},
        token=deployment.token)
    assert status == 200, body
    assert body["action"] == "revoke" and body["changed"][0]["state"] == "revoked"
    vc = issued["verifiableCredential"]
    status, checked = server.json("POST", "/credentials/verify", {"verifiableCredential": vc})
    assert checked["verified"] is False and "status" in checked["errors"]
    revocation = next(u for u in issued["statusListCredential"] if u.endswith("-revocation"))
    lst = server.json("GET", revocation[len(server.url):])[1]
    assert bit_set(lst, issued["statusListIndex"])


def test_suspend_then_reinstate_in_the_vc_api_form(demo: Any) -> None:
    server, deployment = demo
    issued = issue(server, deployment.token, record())[1]
    cid, vc = issued["credentialId"], issued["verifiableCredential"]
    status, body = server.json("POST", "/credentials/status", {
        "credentialId": cid, "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "suspended"}],
        "reason": "under review"}, token=deployment.token)
    assert status == 200 and body["action"] == "suspend", body
    assert "status" in server.json("POST", "/credentials/verify", {"verifiableCredential": vc})[1]["errors"]
    suspension = next(u for u in issued["statusListCredential"] if u.endswith("-suspension"))
    assert bit_set(server.json("GET", suspension[len(server.url):])[1], issued["statusListIndex"])
    status, body = server.json("POST", "/credentials/status", {
        "credentialId": cid, "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "valid"}]},
        token=deployment.token)
    assert status == 200 and body["action"] == "reinstate", body
    assert server.json("POST", "/credentials/verify", {"verifiableCredential": vc})[1]["verified"] is True
    assert not bit_set(server.json("GET", suspension[len(server.url):])[1], issued["statusListIndex"])


def test_status_of_an_unknown_credential_is_404(demo: Any) -> None:
    server, deployment = demo
    status, headers, body = server.request("POST", "/credentials/status", {
        "credentialId": f"urn:uuid:{uuid.uuid4()}", "action": "revoke", "reason": "x"}, token=deployment.token)
    doc = problem(404, headers, body)
    assert doc["field"] == "credentialId"


def test_revoking_without_a_reason_is_refused_naming_reason(demo: Any) -> None:
    server, deployment = demo
    issued = issue(server, deployment.token, record())[1]
    status, headers, body = server.request("POST", "/credentials/status", {
        "credentialId": issued["credentialId"], "action": "revoke"}, token=deployment.token)
    doc = problem(422, headers, body)
    assert doc["field"] == "reason"


def test_status_needs_exactly_one_of_action_and_credential_status(demo: Any) -> None:
    server, deployment = demo
    status, headers, body = server.request("POST", "/credentials/status", {
        "credentialId": "urn:uuid:x"}, token=deployment.token)
    assert problem(422, headers, body)["field"] == "action"


# --- recognition ---------------------------------------------------------------------------------

def test_recognition_with_a_policy_by_name_is_the_cli_report(demo: Any) -> None:
    server, deployment = demo
    vc = json.loads(sample(deployment, "ob3.jsonld").read_text(encoding="utf-8"))
    status, report = server.json("POST", "/recognition/assess", {"credentials": [vc], "policy": "employer-lenient"})
    assert status == 200, report
    assert report["schema"] == "edcissuer-recognition-report/3"
    assert report["policy"]["source"].endswith("employer-lenient.toml")
    assert {"credentials", "verifiedAt", "policy"} <= set(report), sorted(report)


def test_recognition_stacks_credentials_with_totals(demo: Any) -> None:
    server, deployment = demo
    vcs = [json.loads(sample(deployment, "ob3.jsonld", stem).read_text(encoding="utf-8"))
           for stem in ("model1-single", "model2-cooperative")]
    status, report = server.json("POST", "/recognition/assess",
                                 {"credentials": vcs, "policy": "university-strict", "stack": True})
    assert status == 200, report
    stack = report["stack"]
    assert len(stack["entries"]) == 2 and isinstance(stack["totalEcts"], (int, float)), stack
    assert stack["totalEcts"] == sum(e["ects"] or 0 for e in stack["entries"] if e["counted"])


def test_recognition_with_an_unknown_policy_names_policy(demo: Any) -> None:
    server, deployment = demo
    vc = json.loads(sample(deployment, "ob3.jsonld").read_text(encoding="utf-8"))
    status, headers, body = server.request("POST", "/recognition/assess", {"credentials": [vc], "policy": "lax"})
    assert problem(422, headers, body)["field"] == "policy"


# --- what verifiers fetch ------------------------------------------------------------------------

def test_did_json_lists_the_issuer_key(demo: Any) -> None:
    server, _ = demo
    status, headers, body = server.request("GET", "/.well-known/did.json")
    doc = json.loads(body)
    keys = load_demo_keys(ROOT)
    assert status == 200 and headers["content-type"].startswith("application/did+json")
    assert doc["id"] == "did:web:127.0.0.1%3A" + server.url.rsplit(":", 1)[1]
    assert [m["publicKeyMultibase"] for m in doc["verificationMethod"]] == [keys.issuer.public_multibase]


def test_a_bundled_context_is_served_and_an_unknown_one_is_404(demo: Any) -> None:
    from edcissuer.ld.loader import bundled_files

    server, _ = demo
    name = sorted(bundled_files())[0]
    status, headers, body = server.request("GET", f"/contexts/{name}")
    assert status == 200 and headers["content-type"].startswith("application/ld+json") and json.loads(body)
    status, headers, body = server.request("GET", "/contexts/nope.jsonld")
    problem(404, headers, body)


def test_an_unknown_status_list_is_404(demo: Any) -> None:
    server, _ = demo
    for name in ("nope", "abc-revocation", "..-revocation"):
        status, headers, body = server.request("GET", f"/status/{name}")
        problem(404, headers, body)


def test_health_reports_the_ledger(demo: Any) -> None:
    server, _ = demo
    status, body = server.json("GET", "/health")
    assert status == 200 and body["status"] == "ok" and body["ledger"]["dialect"] == "sqlite"


def test_openapi_lists_every_route(demo: Any) -> None:
    server, _ = demo
    status, spec = server.json("GET", "/openapi.json")
    assert status == 200
    expected = {("/credentials/issue", "post"), ("/credentials/verify", "post"), ("/presentations/verify", "post"),
                ("/credentials/status", "post"), ("/recognition/assess", "post"), ("/status/{name}", "get"),
                ("/.well-known/did.json", "get"), ("/contexts/{name}", "get"), ("/health", "get")}
    listed = {(p, m) for p, ops in spec["paths"].items() for m in ops}
    assert expected <= listed, expected - listed


def test_a_bare_credential_is_not_accepted_as_a_presentation(demo: Any) -> None:
    """Else a verifier asking for a presentation over its challenge would accept one without replay protection."""
    server, deployment = demo
    vc = json.loads(sample(deployment, "ob3.jsonld").read_text(encoding="utf-8"))
    for given in (vc, "eyJhbGciOiJFZERTQSJ9.e30.c2ln"):
        status, headers, body = server.request("POST", "/presentations/verify", {
            "verifiablePresentation": given, "options": {"challenge": "c-1", "domain": "registrar.example"}})
        doc = problem(422, headers, body)
        assert doc["field"] == "verifiablePresentation" and doc["checks"] == ["presentation.structure"]


def test_a_presentation_sent_as_a_credential_is_sent_to_the_presentation_endpoint(demo: Any) -> None:
    server, deployment = demo
    vp = _presentation(deployment, "c-1", "registrar.example")
    status, headers, body = server.request("POST", "/credentials/verify", {"verifiableCredential": vp})
    doc = problem(422, headers, body)
    assert doc["field"] == "verifiableCredential" and "/presentations/verify" in doc["detail"]


def test_status_of_a_format_the_credential_was_not_issued_in_is_404_naming_format(demo: Any) -> None:
    server, deployment = demo
    issued = issue(server, deployment.token, record())[1]
    status, headers, body = server.request("POST", "/credentials/status", {
        "credentialId": issued["credentialId"], "action": "suspend", "reason": "x", "format": "elm"},
        token=deployment.token)
    assert problem(404, headers, body)["field"] == "format"


def test_revocation_is_final_and_a_second_change_is_a_conflict(demo: Any) -> None:
    server, deployment = demo
    cid = issue(server, deployment.token, record())[1]["credentialId"]
    change = {"credentialId": cid, "action": "revoke", "reason": "x"}
    assert server.json("POST", "/credentials/status", change, token=deployment.token)[0] == 200
    for action in ("revoke", "reinstate", "suspend"):
        status, headers, body = server.request("POST", "/credentials/status", {**change, "action": action},
                                               token=deployment.token)
        assert "final" in problem(409, headers, body)["detail"]


def test_one_record_in_both_formats_is_one_credential_id_and_one_status_change(demo: Any) -> None:
    server, deployment = demo
    data = record()
    ob3 = issue(server, deployment.token, data)[1]
    elm = issue(server, deployment.token, data, format="elm")[1]
    assert ob3["credentialId"] == elm["credentialId"] and elm["new"] is True
    status, body = server.json("POST", "/credentials/status", {
        "credentialId": ob3["credentialId"], "action": "revoke", "reason": "x"}, token=deployment.token)
    assert status == 200 and sorted(c["format"] for c in body["changed"]) == ["elm", "ob3"]
    for vc in (ob3["verifiableCredential"], elm["verifiableCredential"]):
        assert "status" in server.json("POST", "/credentials/verify", {"verifiableCredential": vc})[1]["errors"]

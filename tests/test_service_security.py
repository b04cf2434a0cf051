"""The guards of `edcissuer serve`, through real HTTP: tokens and scopes, body limits, SSRF, headers, CORS.

Why a server of this module's own: the limits worth testing (a 64 KiB body cap, a 2 s time
limit, clients with one scope each, CORS for one origin, allow-listed hosts that lead
inside) are a different profile from the session's demo deployment. A TCP listener on
loopback stands for every internal service a submitted credential might name: the test
records each connection it accepts, and the service must never make one.
"""
from __future__ import annotations

import copy
import http.client
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from service_server import Server, demo_folder, free_port, running, set_service_keys

from edcissuer.demo import load_demo_keys
from edcissuer.models.records import load_record
from edcissuer.proofs.data_integrity import add_proof
from edcissuer.service.settings import token_hash

ROOT = Path(__file__).resolve().parents[1]
REVOKER, ISSUER = "revoker-" + uuid.uuid4().hex, "issuer-" + uuid.uuid4().hex
SIS = "https://sis.example"
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options")


class Listener:
    """A TCP server on 127.0.0.1 that accepts, records and closes every connection."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port: int = self.sock.getsockname()[1]
        self.accepted: list[tuple[str, int]] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            self.accepted.append(peer)
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    item = Listener()
    yield item
    item.close()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory, listener: Listener) -> Iterator[tuple[Server, Any]]:
    """A demo deployment with one-scope clients, a 64 KiB cap, a 2 s limit, CORS for SIS, inward allow-list."""
    port = free_port()
    deployment = demo_folder(tmp_path_factory.mktemp("service-guarded"), port, samples=False)
    config = deployment.config
    text = config.read_text(encoding="utf-8")
    clients = (f'clients = [{{ name = "registrar", sha256 = "{token_hash(deployment.token)}", '
               f'scopes = ["issue", "revoke"] }}, '
               f'{{ name = "revoke-desk", sha256 = "{token_hash(REVOKER)}", scopes = ["revoke"] }}, '
               f'{{ name = "issue-desk", sha256 = "{token_hash(ISSUER)}", scopes = ["issue"] }}]')
    text = re.sub(r"^clients = .*$", lambda _: clients, text, count=1, flags=re.M)
    # names an admin might allow-list by mistake: each resolves inside, and must still be refused (an IP
    # literal an admin allow-lists is connected to as written: that is the operator's choice, fetch.py)
    text = text.replace("[verify]\n", f'[verify]\nallow_hosts = ["localhost", "localhost:{listener.port}"]\n', 1)
    config.write_text(text, encoding="utf-8")
    set_service_keys(config, max_body_kib=64, request_timeout_s=2, cors_origins=[SIS])
    with running(config, port) as server:
        yield server, deployment


def problem(status: int, headers: dict[str, str], body: bytes, expected: int) -> dict[str, Any]:
    """The answer as an RFC 9457 problem of status `expected`, with the security headers."""
    assert status == expected, body[:500]
    assert headers["content-type"].startswith("application/problem+json"), headers
    for name in SECURITY_HEADERS:
        assert name in headers, name
    assert b"Traceback" not in body and b'File "' not in body
    doc: dict[str, Any] = json.loads(body)
    assert doc["status"] == expected and doc["type"].startswith("urn:edcissuer:problem:")
    assert doc["title"] and doc["detail"]
    return doc


def record_json() -> dict[str, Any]:
    data: dict[str, Any] = load_record(ROOT / "samples" / "records" / "model1-single.yaml").model_dump(
        mode="json", exclude_none=True)
    data["identifier"] = f"SEC-{uuid.uuid4().hex[:12]}"
    return data


def issue_body() -> dict[str, Any]:
    return {"record": record_json(), "options": {"format": "ob3"}}


def raw_exchange(server: Server, head: bytes, body: bytes = b"", *, pause: float = 0, timeout: float = 20) -> bytes:
    """Bytes on a socket (a request http.client would not send), the raw answer back."""
    host, port = server.url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(head + body)
        if pause:
            time.sleep(pause)
        chunks = []
        while True:
            try:
                data = s.recv(65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
            if b"\r\n\r\n" in b"".join(chunks) and _complete(b"".join(chunks)):
                break
        return b"".join(chunks)


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    match = re.search(rb"content-length: *(\d+)", head, re.I)
    return match is not None and len(body) >= int(match.group(1))


def parse_raw(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


# --- tokens and scopes ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/credentials/issue", "/credentials/status"])
def test_no_token_is_401_with_a_bearer_challenge(guarded: tuple[Server, Any], path: str) -> None:
    server, _ = guarded
    status, headers, body = server.request("POST", path, {})
    problem(status, headers, body, 401)
    assert headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer not-a-known-token", "Bearer ", "Basic cmVnaXN0cmFyOng=", "bearer"])
def test_an_unknown_or_malformed_token_is_401(guarded: tuple[Server, Any], header: str) -> None:
    server, _ = guarded
    status, headers, body = server.request("POST", "/credentials/issue", issue_body(),
                                           headers={"Authorization": header})
    problem(status, headers, body, 401)
    assert headers["www-authenticate"].startswith("Bearer")


def test_a_revoke_only_token_cannot_issue_and_the_refusal_names_the_scope(guarded: tuple[Server, Any]) -> None:
    server, _ = guarded
    status, headers, body = server.request("POST", "/credentials/issue", issue_body(), token=REVOKER)
    doc = problem(status, headers, body, 403)
    assert doc["scope"] == "issue" and "issue" in doc["detail"]
    assert 'scope="issue"' in headers["www-authenticate"]


def test_an_issue_only_token_cannot_revoke_and_the_refusal_names_the_scope(guarded: tuple[Server, Any]) -> None:
    server, _ = guarded
    status, issued = server.json("POST", "/credentials/issue", issue_body(), token=ISSUER)
    assert status == 201, issued
    status, headers, body = server.request("POST", "/credentials/status", {
        "credentialId": issued["credentialId"], "action": "revoke", "reason": "x"}, token=ISSUER)
    doc = problem(status, headers, body, 403)
    assert doc["scope"] == "revoke"
    status, done = server.json("POST", "/credentials/status", {
        "credentialId": issued["credentialId"], "action": "revoke", "reason": "x"}, token=REVOKER)
    assert status == 200 and done["changed"][0]["state"] == "revoked"


# --- bodies --------------------------------------------------------------------------------------

def test_a_body_over_the_declared_limit_is_413(guarded: tuple[Server, Any]) -> None:
    server, _ = guarded
    big = json.dumps({"verifiableCredential": "a" * (70 * 1024)}).encode()
    status, headers, body = server.request("POST", "/credentials/verify", raw=big)
    doc = problem(status, headers, body, 413)
    assert "64 KiB" in doc["detail"]


def test_a_huge_declared_length_is_refused_before_any_body_is_sent(guarded: tuple[Server, Any]) -> None:
    server, _ = guarded
    head = (b"POST /credentials/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000000000000\r\n\r\n")
    status, headers, body = parse_raw(raw_exchange(server, head))
    problem(status, headers, body, 413)


def test_a_chunked_body_without_length_over_the_limit_is_413(guarded: tuple[Server, Any]) -> None:
    server, _ = guarded
    host, port = server.url.rsplit("/", 1)[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=20)

    def chunks() -> Iterator[bytes]:
        yield b'{"verifiableCredential": "'
        for _ in range(40):
            yield b"a" * 4096
        yield b'"}'

    try:
        connection.request("POST", "/credentials/verify", body=chunks(), encode_chunked=True,
                           headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        answer = connection.getresponse()
        status, headers, body = answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()
    problem(status, headers, body, 413)


def test_a_body_that_stalls_is_cut_off_by_the_time_limit(guarded: tuple[Server, Any]) -> None:
    server, _ = guarded
    head = (b"POST /credentials/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n")
    started = time.monotonic()
    status, headers, body = parse_raw(raw_exchange(server, head, b'{"verifiableCredential": '))
    assert time.monotonic() - started < 15
    problem(status, headers, body, 503)
    assert headers.get("retry-after")


@pytest.mark.parametrize("raw", [b'{"verifiableCredential": ', b"\xff\xfe{}", b"not json at all", b"{'a': 1}"])
def test_malformed_json_is_a_422_problem_naming_the_body(guarded: tuple[Server, Any], raw: bytes) -> None:
    server, _ = guarded
    status, headers, body = server.request("POST", "/credentials/verify", raw=raw)
    doc = problem(status, headers, body, 422)
    assert doc["field"] == "body"


@pytest.mark.parametrize("payload, field", [
    ({"verifiableCredential": 5}, "verifiableCredential"),
    ({"verifiableCredential": "x", "options": {"challenge": 5}}, "options.challenge"),
    ({"verifiableCredential": "x", "sneaky": True}, "sneaky"),
    ({"verifiableCredential": "x", "options": {"domain": "d", "extra": 1}}, "options.extra"),
    ({"verifiableCredential": "x", "options": {"challenge": "c" * 30_000}}, "options.challenge"),
    ({}, "verifiableCredential"),
    ([], "body"),
])
def test_wrong_types_and_extra_members_are_422_naming_the_field(guarded: tuple[Server, Any], payload: Any,
                                                               field: str) -> None:
    server, _ = guarded
    status, headers, body = server.request("POST", "/credentials/verify", payload)
    doc = problem(status, headers, body, 422)
    assert doc["field"] == field, doc


def test_issue_options_of_the_wrong_type_name_the_option(guarded: tuple[Server, Any]) -> None:
    server, deployment = guarded
    body = issue_body()
    body["options"] = {"format": "pdf", "status": "maybe"}
    status, headers, answer = server.request("POST", "/credentials/issue", body, token=deployment.token)
    doc = problem(status, headers, answer, 422)
    assert {e["field"] for e in doc["errors"]} == {"options.format", "options.status"}


@pytest.mark.parametrize("depth", [200, 5_000, 30_000])
def test_deeply_nested_json_is_a_problem_not_a_crash(guarded: tuple[Server, Any], depth: int) -> None:
    server, _ = guarded
    raw = b'{"verifiableCredential": {"@context": ' + b"[" * depth + b"]" * depth + b', "a": 1}}'
    status, headers, body = server.request("POST", "/credentials/verify", raw=raw)
    if status == 200:   # shallow enough to parse: the credential is refused by the checks, not the server
        assert json.loads(body)["verified"] is False
    else:
        problem(status, headers, body, 422)


def test_a_huge_string_is_refused_or_checked_never_a_crash(guarded: tuple[Server, Any]) -> None:
    server, deployment = guarded
    raw = json.dumps({"verifiableCredential": {"@context": "https://www.w3.org/ns/credentials/v2",
                                               "name": "é" * 20_000}}, ensure_ascii=False).encode()
    status, _, body = server.request("POST", "/credentials/verify", raw=raw)
    assert status == 200 and json.loads(body)["verified"] is False
    data = issue_body()
    data["record"]["title"] = {"en": "T" * 40_000}
    status, headers, body = server.request("POST", "/credentials/issue", data, token=deployment.token)
    assert status in (201, 422), body[:300]
    if status == 422:
        problem(status, headers, body, 422)


@pytest.mark.parametrize("media", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_a_body_of_another_media_type_is_a_422_problem(guarded: tuple[Server, Any], media: str) -> None:
    server, _ = guarded
    status, headers, body = server.request("POST", "/credentials/verify", raw=b'{"verifiableCredential": "x"}',
                                           headers={"Content-Type": media})
    problem(status, headers, body, 422)


def test_unknown_paths_and_methods_are_problems(guarded: tuple[Server, Any]) -> None:
    server, _ = guarded
    problem(*server.request("GET", "/nothing/here"), 404)
    problem(*server.request("DELETE", "/credentials/verify"), 405)
    problem(*server.request("GET", "/contexts/..%2f..%2fetc%2fpasswd"), 404)


# --- SSRF ----------------------------------------------------------------------------------------

def _destinations(listener: Listener) -> list[str]:
    return [f"http://127.0.0.1:{listener.port}", f"https://127.0.0.1:{listener.port}", "http://169.254.169.254",
            "https://169.254.169.254", "http://localhost", f"https://localhost:{listener.port}"]


def _signed_with_status(base: str) -> dict[str, Any]:
    """An OB3 credential signed by the demo issuer key whose status list lives at `base`.

    Signed, because the status check runs only after a valid proof: the fetch must be attempted.
    """
    keys = load_demo_keys(ROOT)
    vc = _unsigned_ob3()
    vc["issuer"]["id"] = keys.issuer.did_key
    vc["credentialStatus"] = [{"id": f"{base}/status/list#7", "type": "BitstringStatusListEntry",
                               "statusPurpose": "revocation", "statusListIndex": "7",
                               "statusListCredential": f"{base}/status/list"}]
    return add_proof(vc, keys.issuer, cryptosuite="eddsa-rdfc-2022",
                     created=datetime.now(timezone.utc).replace(microsecond=0))


def _unsigned_ob3() -> dict[str, Any]:
    from edcissuer.issue import issue
    from edcissuer.models.records import parse_record

    keys = load_demo_keys(ROOT)
    issued = issue(parse_record(record_json()), fmt="ob3", signer=keys.issuer,
                   now=datetime.now(timezone.utc).replace(microsecond=0), proof="eddsa-rdfc-2022")
    vc: dict[str, Any] = copy.deepcopy(issued.artefact)
    vc.pop("proof", None)
    return vc


def _failed(answer: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["reason"] for r in answer["results"] for c in r["checks"] if not c["passed"]}


@pytest.mark.parametrize("index", range(6))
def test_a_status_list_url_inside_the_network_is_refused_and_never_connected(
        guarded: tuple[Server, Any], listener: Listener, index: int) -> None:
    server, _ = guarded
    base = _destinations(listener)[index]
    vc = _signed_with_status(base)
    status, answer = server.json("POST", "/credentials/verify", {"verifiableCredential": vc})
    assert status == 200 and answer["verified"] is False
    failed = _failed(answer)
    assert "proof" not in failed, failed          # the proof held: the status fetch was really attempted
    assert "status" in answer["errors"] and f"{base}/status/list" in failed["status"], failed
    assert listener.accepted == []


@pytest.mark.parametrize("index", range(6))
def test_a_context_url_inside_the_network_is_refused_and_never_connected(
        guarded: tuple[Server, Any], listener: Listener, index: int) -> None:
    server, _ = guarded
    base = _destinations(listener)[index]
    vc = _unsigned_ob3()
    vc["@context"] = [*vc["@context"], f"{base}/context.jsonld"]
    status, answer = server.json("POST", "/credentials/verify", {"verifiableCredential": vc})
    assert status == 200 and answer["verified"] is False
    reasons = " ".join(_failed(answer).values())
    assert f"{base}/context.jsonld" in reasons and "allow" in reasons, reasons
    assert listener.accepted == []


@pytest.mark.parametrize("host", ["127.0.0.1%3A{port}", "169.254.169.254", "localhost", "localhost%3A{port}"])
def test_a_did_web_inside_the_network_is_refused_and_never_connected(
        guarded: tuple[Server, Any], listener: Listener, host: str) -> None:
    server, _ = guarded
    did = "did:web:" + host.format(port=listener.port)
    vc = _signed_with_status("https://status.invalid")
    vc["issuer"]["id"] = did
    proof = vc["proof"] if isinstance(vc["proof"], dict) else vc["proof"][0]
    proof["verificationMethod"] = f"{did}#key-1"
    status, answer = server.json("POST", "/credentials/verify", {"verifiableCredential": vc})
    assert status == 200 and answer["verified"] is False
    failed = _failed(answer)
    assert "proof" in failed and did in failed["proof"], failed
    assert listener.accepted == []


def test_the_services_own_status_lists_and_did_document_are_resolved_without_the_network(
        guarded: tuple[Server, Any], listener: Listener) -> None:
    """Its own origin is not allow-listed (and is plain http): only the in-process answers can pass."""
    server, deployment = guarded
    status, issued = server.json("POST", "/credentials/issue", issue_body(), token=deployment.token)
    assert status == 201, issued
    vc = issued["verifiableCredential"]
    assert vc["issuer"]["id"].startswith("did:web:127.0.0.1")
    assert vc["credentialStatus"][0]["statusListCredential"].startswith(server.url + "/status/")
    status, answer = server.json("POST", "/credentials/verify", {"verifiableCredential": vc})
    assert answer["verified"] is True, answer["errors"]
    assert {"proof", "status", "issuer.binding"} <= set(answer["checks"]), answer["checks"]
    assert listener.accepted == []


# --- headers and CORS ----------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, body", [
    ("GET", "/health", None), ("GET", "/openapi.json", None), ("GET", "/.well-known/did.json", None),
    ("GET", "/nope", None), ("POST", "/credentials/verify", {"verifiableCredential": "x"}),
    ("POST", "/credentials/issue", {}), ("POST", "/credentials/verify", {"wrong": 1}),
])
def test_every_response_carries_the_security_headers(service_demo: Any, method: str, path: str, body: Any) -> None:
    server, _ = service_demo
    _, headers, _ = server.request(method, path, body)
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"


def test_cors_is_closed_by_default(service_demo: Any) -> None:
    server, _ = service_demo
    origin = {"Origin": SIS}
    for method, path, body in (("GET", "/health", None),
                               ("POST", "/credentials/verify", {"verifiableCredential": "x"})):
        _, headers, _ = server.request(method, path, body, headers=origin)
        assert "access-control-allow-origin" not in headers, (path, headers)
    _, headers, _ = server.request("OPTIONS", "/credentials/issue", headers={
        **origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"})
    assert "access-control-allow-origin" not in headers and "access-control-allow-methods" not in headers


def test_public_documents_may_be_read_from_any_origin(service_demo: Any) -> None:
    from edcissuer.ld.loader import bundled_files

    server, deployment = service_demo
    vc = json.loads(next(p for p in deployment.samples if p.name.endswith(".ob3.jsonld")).read_text())
    list_url = vc["credentialStatus"][0]["statusListCredential"]
    for path in ("/.well-known/did.json", f"/contexts/{sorted(bundled_files())[0]}", list_url[len(server.url):]):
        status, headers, _ = server.request("GET", path, headers={"Origin": "https://anyone.example"})
        assert status == 200 and headers.get("access-control-allow-origin") == "*", path


def test_cors_admits_the_configured_origin_only(guarded: tuple[Server, Any]) -> None:
    server, _ = guarded
    _, headers, _ = server.request("GET", "/health", headers={"Origin": SIS})
    assert headers.get("access-control-allow-origin") == SIS
    _, headers, _ = server.request("GET", "/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in headers
    status, headers, _ = server.request("OPTIONS", "/credentials/issue", headers={
        "Origin": SIS, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"})
    assert status == 200 and headers.get("access-control-allow-origin") == SIS
    status, headers, _ = server.request("OPTIONS", "/credentials/issue", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in headers
    for name in SECURITY_HEADERS:
        assert name in headers


def test_public_documents_stay_readable_from_any_origin_when_cors_names_one(guarded: tuple[Server, Any]) -> None:
    server, _ = guarded
    status, headers, _ = server.request("GET", "/.well-known/did.json", headers={"Origin": "https://anyone.example"})
    assert status == 200 and headers.get("access-control-allow-origin") == "*"


@pytest.mark.parametrize("head", [
    b"POST /credentials/verify HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"GET /health HTTP/1.1\r\nHost: x\r\nX: \x01\r\n\r\n",
    b"POST /credentials/verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
])
def test_malformed_http_is_refused_by_uvicorn_without_a_traceback(guarded: tuple[Server, Any], head: bytes) -> None:
    """uvicorn answers these before the app runs (a plain 400: no problem document, no headers of ours)."""
    server, _ = guarded
    answer = raw_exchange(server, head)
    assert answer.startswith(b"HTTP/1.1 400") and b"Traceback" not in answer

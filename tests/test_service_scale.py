"""Scale-out: several `edcissuer serve` processes on one ledger issue every record exactly once.

Why real processes on loopback: the promise of docs/deployment.md is that instances share
nothing but the ledger, so two of them (each with two uvicorn workers) answering the same
records at once must still hand out one credential id and one status index per record, and
a revocation through one must be what the other publishes and verifies. Only the database's
unique constraints stand between them; these tests race them for real.

Also here: the container image's command line and health check (no docker engine runs in CI:
the Dockerfile is parsed and its CMD is parsed by the real CLI parser) and the reverse-proxy
configuration's body limit, which must match the service's.
"""
from __future__ import annotations

import json
import random
import re
import shlex
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from postgres_schema import throwaway_schema
from service_server import ROOT, Server, demo_folder, free_port, running, set_service_keys, stop

from edcissuer.ledger import Ledger
from edcissuer.models.records import load_record
from edcissuer.service.audit import verify_chain
from edcissuer.status.bitstring import decode_list

#: the variable the instances' profiles name in `ledger.dsn_env`: the DSN is never in a file
DSN_VAR = "EDCISSUER_SCALE_LEDGER_DSN"
RECORDS = 48
THREADS = 16


@pytest.fixture
def shared_ledger() -> Iterator[str]:
    """A throw-away schema on the test server; the DSN selects it through search_path."""
    with throwaway_schema("edcissuer_scale", why="scale-out on PostgreSQL tests") as dsn:
        yield dsn


def distinct_records(n: int) -> list[dict[str, Any]]:
    """n records of one programme that differ in their learner only (n distinct content hashes)."""
    base = load_record(ROOT / "samples" / "records" / "model1-single.yaml").model_dump(mode="json", exclude_none=True)
    out = []
    for i in range(n):
        record = json.loads(json.dumps(base))
        learner = record["learner"]
        learner.pop("id", None)
        learner.update(given_name=f"Ana{i}", family_name=f"Ferreira-{i}", email=f"learner{i}@example.org",
                       student_id=f"UC-2026-{10000 + i}")
        record["identifier"] = f"UL-MC-2026-{10000 + i}"
        out.append(record)
    return out


def fire(jobs: list[tuple[Server, int, dict[str, Any]]], token: str) -> list[tuple[Server, int, int, Any]]:
    """POST every (server, record) at once from THREADS threads; (server, record no, status, body)."""
    def one(job: tuple[Server, int, dict[str, Any]]) -> tuple[Server, int, int, Any]:
        server, number, record = job
        status, body = server.json("POST", "/credentials/issue", {"record": record, "options": {"format": "ob3"}},
                                   token=token)
        return server, number, status, body

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(one, jobs))


def assert_issued_exactly_once(answers: list[tuple[Server, int, int, Any]], n: int) -> dict[int, dict[str, Any]]:
    """Each record: 201 twice, one credential id, `new` once; no id or status index shared between records."""
    assert [(status, body) for _, _, status, body in answers if status != 201] == []
    by_record: dict[int, list[dict[str, Any]]] = {}
    for _, number, _, body in answers:
        by_record.setdefault(number, []).append(body)
    assert sorted(by_record) == list(range(n))
    first: dict[int, dict[str, Any]] = {}
    for number, bodies in by_record.items():
        assert len({b["credentialId"] for b in bodies}) == 1, f"record {number} got two credential ids"
        assert [b["new"] for b in bodies].count(True) == 1, f"record {number}: new={[b['new'] for b in bodies]}"
        assert len({(tuple(b["statusListCredential"]), b["statusListIndex"]) for b in bodies}) == 1
        first[number] = next(b for b in bodies if b["new"])
    assert len({b["credentialId"] for b in first.values()}) == n
    slots = Counter((b["statusListCredential"][0], b["statusListIndex"]) for b in first.values())
    assert [slot for slot, count in slots.items() if count > 1] == [], "two credentials share a status index"
    return first


def assert_ledger_holds(target: str, first: dict[int, dict[str, Any]]) -> None:
    """Exactly one issued row per record, the ids and indices the servers answered with."""
    with Ledger.open(target) as ledger:
        entries = list(ledger.entries())
        assert ledger.counts().get("issued") == len(first)
    assert len(entries) == len(first)
    assert {e.credential_id for e in entries} == {b["credentialId"] for b in first.values()}
    assert {(e.credential_id, e.status_index) for e in entries} == {
        (b["credentialId"], b["statusListIndex"]) for b in first.values()}
    assert len({(e.status_list, e.status_index) for e in entries}) == len(entries)
    assert all(e.state == "issued" and e.format == "ob3" for e in entries)


def audit_issues(*logs: Path) -> Counter[tuple[str, bool]]:
    """(credential id, new) -> count over the instances' audit logs (each chain must be whole)."""
    seen: Counter[tuple[str, bool]] = Counter()
    for log in logs:
        assert verify_chain(log) == (True, "the chain is whole")
        for line in log.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry["action"] == "issue":
                seen[(entry["credentialId"], entry["new"])] += 1
    return seen


def instance_profile(demo_config: Path, folder: Path) -> Path:
    """The demo deployment's profile (same key, seal, DID, public URL) on the shared ledger of $DSN_VAR,
    with this instance's own out_dir and audit log."""
    folder.mkdir(mode=0o700)
    text = demo_config.read_text(encoding="utf-8")
    text = text.replace('[ledger]\npath = "ledger.sqlite"', f'[ledger]\ndsn_env = "{DSN_VAR}"')
    trust = json.dumps(str(demo_config.parent / "trust-list.toml"))
    text = text.replace('trust = "trust-list.toml"', f"trust = {trust}")
    assert f'dsn_env = "{DSN_VAR}"' in text
    config = folder / "edcissuer.toml"
    config.write_text(text, encoding="utf-8")
    set_service_keys(config, out_dir=str(folder / "issued"), audit_log=str(folder / "audit.jsonl"))
    return config


def test_two_instances_on_one_postgres_ledger_issue_each_record_once_and_share_revocations(
        shared_ledger: str, tmp_path: Path) -> None:
    port_a, port_b = free_port(), free_port()
    demo = demo_folder(tmp_path / "demo", port_a, samples=False)   # public origin: what the proxy serves
    configs = [instance_profile(demo.config, tmp_path / name) for name in ("a", "b")]
    env = {DSN_VAR: shared_ledger}
    records = distinct_records(RECORDS)
    with ExitStack() as stack:
        a = stack.enter_context(running(configs[0], port_a, workers=2, env=env))
        b = stack.enter_context(running(configs[1], port_b, workers=2, env=env))
        jobs = [(server, i, r) for i, r in enumerate(records) for server in (a, b)]
        random.Random(15).shuffle(jobs)
        answers = fire(jobs, demo.token)
        first = assert_issued_exactly_once(answers, RECORDS)
        assert {s.url for s, _, _, body in answers if body["new"]} == {a.url, b.url}, "one instance did all"
        assert_ledger_holds(shared_ledger, first)
        seen = audit_issues(tmp_path / "a" / "audit.jsonl", tmp_path / "b" / "audit.jsonl")
        assert sum(seen.values()) == 2 * RECORDS
        assert {cid for (cid, new), count in seen.items() if new and count == 1} == {
            b["credentialId"] for b in first.values()}

        # revoke through A; B publishes the bit and B's verifier reports it
        target = first[0]
        credential = target["verifiableCredential"]
        status, before = b.json("POST", "/credentials/verify", {"verifiableCredential": credential})
        assert status == 200 and before["verified"] is True, before["errors"]
        status, changed = a.json("POST", "/credentials/status", {"credentialId": target["credentialId"],
                                                                 "action": "revoke", "reason": "scale test"},
                                 token=demo.token)
        assert status == 200 and changed["changed"][0]["state"] == "revoked"
        revocation = next(u for u in target["statusListCredential"] if u.endswith("-revocation"))
        status, published = b.json("GET", urlsplit(revocation).path)
        assert status == 200
        bits = decode_list(published["credentialSubject"]["encodedList"])
        index = target["statusListIndex"]
        assert bits[index // 8] & (0x80 >> (index % 8)), "B's status list does not show A's revocation"
        set_bits = sum(bin(byte).count("1") for byte in bits)
        assert set_bits == 1, f"{set_bits} bits set for one revocation"
        status, after = b.json("POST", "/credentials/verify", {"verifiableCredential": credential})
        assert status == 200 and after["verified"] is False and "status" in after["errors"]
        other = first[1]["verifiableCredential"]
        status, untouched = b.json("POST", "/credentials/verify", {"verifiableCredential": other})
        assert status == 200 and untouched["verified"] is True, untouched["errors"]


def test_two_workers_on_one_sqlite_ledger_issue_each_record_once(tmp_path: Path) -> None:
    port = free_port()
    demo = demo_folder(tmp_path / "demo", port, samples=False)
    records = distinct_records(RECORDS)
    with running(demo.config, port, workers=2) as server:
        jobs = [(server, i, r) for i, r in enumerate(records) for _ in range(2)]
        random.Random(16).shuffle(jobs)
        first = assert_issued_exactly_once(fire(jobs, demo.token), RECORDS)
    assert_ledger_holds(str(demo.folder / "ledger.sqlite"), first)
    seen = audit_issues(demo.folder / "audit.jsonl")
    assert sum(seen.values()) == 2 * RECORDS and sum(c for (_, new), c in seen.items() if new) == RECORDS


# --- the container image and the reverse proxy ------------------------------------------------------

def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    logical, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        logical.append(current)
        current = ""
    out = []
    for entry in logical:
        word, _, rest = entry.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def exec_form(arguments: str) -> list[str]:
    """A JSON-array (exec form) instruction's argv; the shell form is refused (no shell in PID 1)."""
    value = json.loads(arguments)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), arguments
    return value


def test_the_container_command_is_one_the_cli_accepts() -> None:
    from edcissuer.cli import build_parser
    from edcissuer.cli.serve import cmd_serve

    instructions = dockerfile_instructions()
    cmd = exec_form([rest for word, rest in instructions if word == "CMD"][-1])
    assert cmd[0] == "edcissuer"
    args = build_parser().parse_args(cmd[1:])
    assert args.handler is cmd_serve
    assert (Path(args.config), args.host, args.port, args.workers) == (
        Path("/config/edcissuer.toml"), "0.0.0.0", 8080, 2)
    assert args.proxy_headers and args.forwarded_allow_ips
    assert any(word == "EXPOSE" and rest.split()[0] == str(args.port) for word, rest in instructions)
    assert any(word == "USER" and rest not in {"root", "0"} for word, rest in instructions), "runs as root"
    volumes = [rest for word, rest in instructions if word == "VOLUME"]
    assert volumes and "/config" in volumes[0]


def health_command() -> list[str]:
    healthcheck = [rest for word, rest in dockerfile_instructions() if word == "HEALTHCHECK"][-1]
    _, _, command = healthcheck.partition("CMD ")
    return exec_form(command)


def test_the_container_health_check_passes_on_a_live_service_and_fails_without_one(
        service_demo: tuple[Server, Any]) -> None:
    server, _ = service_demo
    command = health_command()
    assert any("http://127.0.0.1:8080/health" in part for part in command)
    live = [part.replace("http://127.0.0.1:8080", server.url) for part in command]
    dead = [part.replace("http://127.0.0.1:8080", f"http://127.0.0.1:{free_port()}") for part in command]
    python = {"python", "python3"}
    live = [sys.executable if part in python else part for part in live]
    dead = [sys.executable if part in python else part for part in dead]
    assert subprocess.run(live, capture_output=True, timeout=30).returncode == 0
    assert subprocess.run(dead, capture_output=True, timeout=30).returncode != 0


def test_the_container_copies_only_existing_sources_and_never_keys() -> None:
    copied: list[str] = []
    for word, rest in dockerfile_instructions():
        if word in {"COPY", "ADD"}:
            assert word == "COPY", "ADD fetches and unpacks: use COPY"
            if "--from=" in rest:        # from the build stage, not from the checkout
                continue
            parts = [p for p in shlex.split(rest) if not p.startswith("--")]
            copied += parts[:-1]
    assert copied, "the Dockerfile copies nothing"
    for source in copied:
        assert (ROOT / source).exists(), f"COPY {source}: no such file in the checkout"
        assert not source.startswith(("keys", "out", ".venv")), f"COPY {source} puts secrets or local state in"
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    for needed in ("keys", ".venv", "out", "**/*.sqlite", "**/*.pem", "**/*.p12"):
        assert needed in ignored, f".dockerignore does not exclude {needed}"


def test_the_proxy_body_limit_matches_the_service_default() -> None:
    from edcissuer.config import ServiceSection

    text = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    limits = set(re.findall(r"^\s*client_max_body_size\s+(\d+)k;", text, flags=re.M))
    assert limits == {str(ServiceSection().max_body_kib)}, limits
    assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$proxy_add_x_forwarded_for;", text)
    assert re.search(r"proxy_set_header\s+X-Forwarded-Proto\s+\$scheme;", text)


# --- deploy/nginx.conf, live (where nginx is installed) ----------------------------------------------

def _pki(folder: Path) -> dict[str, Path]:
    """A throw-away CA, a server certificate for 127.0.0.1 and a registrar client certificate."""
    from datetime import datetime, timedelta, timezone
    from ipaddress import ip_address

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(timezone.utc)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Registry"),
                          x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def write(stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
        (folder / f"{stem}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (folder / f"{stem}.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                                serialization.PrivateFormat.PKCS8,
                                                                serialization.NoEncryption()))

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("Test CA")).issuer_name(name("Test CA"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now - timedelta(hours=1))
          .not_valid_after(now + timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True).sign(ca_key, hashes.SHA256()))
    write("ca", ca, ca_key)
    for stem, cn, usage, san in (("server", "credentials.example.edu", ExtendedKeyUsageOID.SERVER_AUTH,
                                  [x509.DNSName("credentials.example.edu"), x509.IPAddress(ip_address("127.0.0.1"))]),
                                 ("client", "registrar-system", ExtendedKeyUsageOID.CLIENT_AUTH, [])):
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(ca.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=1))
                   .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        write(stem, builder.sign(ca_key, hashes.SHA256()), key)
    return {p.stem + p.suffix: p for p in folder.iterdir()}


def _nginx_for(folder: Path, upstream: str, https_port: int, http_port: int) -> Path:
    """deploy/nginx.conf with test paths, ports and upstream: everything else as shipped."""
    text = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    swaps = {"/run/nginx-edcissuer.pid": folder / "nginx.pid",
             "/var/log/nginx/edcissuer.access.log": folder / "access.log",
             "/var/log/nginx/edcissuer.error.log": folder / "error.log",
             "/var/cache/nginx/edcissuer-status": folder / "cache",
             "/etc/nginx/tls/credentials.example.edu.fullchain.pem": folder / "server.pem",
             "/etc/nginx/tls/credentials.example.edu.key.pem": folder / "server.key",
             "/etc/nginx/tls/registrar-clients-ca.pem": folder / "ca.pem"}
    for old, new in swaps.items():
        assert old in text, old
        text = text.replace(old, str(new))
    text, upstreams = re.subn(r"server 10\.0\.0\.1\d:8080", f"server {upstream}", text)
    assert upstreams == 2
    text = re.sub(r"^\s*listen \[::\].*$", "", text, flags=re.M)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    for directive in ("client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path",
                      "scgi_temp_path"):
        text = text.replace("http {", f"http {{\n    {directive} {folder / directive};", 1)
    conf = folder / "nginx.conf"
    conf.write_text("daemon off;\nmaster_process off;\n" + text, encoding="utf-8")
    return conf


def test_nginx_config_terminates_tls_requires_client_certificates_for_issuing_and_caches_status(
        service_demo: tuple[Server, Any], tmp_path: Path) -> None:
    import http.client
    import shutil
    import ssl
    import time

    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("the live reverse-proxy test needs nginx (apt-get install nginx-light)")
    server, deployment = service_demo
    pki = _pki(tmp_path)
    https_port, http_port = free_port(), free_port()
    conf = _nginx_for(tmp_path, urlsplit(server.url).netloc, https_port, http_port)
    checked = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)

    def call(method: str, path: str, body: Any = None, *, client_cert: bool = False, token: str | None = None,
             raw: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
        context = ssl.create_default_context(cafile=str(pki["ca.pem"]))
        if client_cert:
            context.load_cert_chain(str(pki["client.pem"]), str(pki["client.key"]))
        conn = http.client.HTTPSConnection("127.0.0.1", https_port, context=context, timeout=30)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        try:
            conn.request(method, path, data, headers)
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    try:
        for _ in range(100):
            try:
                if call("GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        status, headers, body = call("GET", "/health")
        assert status == 200 and json.loads(body)["status"] == "ok"
        assert headers["strict-transport-security"].startswith("max-age=")
        assert "content-security-policy" in headers                      # the service's own headers pass

        plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        plain.request("GET", "/verify")
        redirect = plain.getresponse()
        assert redirect.status == 301 and redirect.getheader("Location", "").startswith("https://")
        plain.close()

        # issuing and status changes: no client certificate, no service call (a problem from the proxy)
        revoke = {"credentialId": "urn:uuid:00000000-0000-4000-8000-000000000000", "action": "revoke",
                  "reason": "proxy test"}
        status, headers, body = call("POST", "/credentials/status", revoke, token=deployment.token)
        assert status == 403 and headers["content-type"] == "application/problem+json"
        assert json.loads(body)["type"] == "urn:edcissuer:problem:client-certificate-required"
        # a client certificate is not a token: the service still asks for the bearer token
        assert call("POST", "/credentials/status", revoke, client_cert=True)[0] == 401
        status, _, body = call("POST", "/credentials/status", revoke, client_cert=True, token=deployment.token)
        assert status == 404 and json.loads(body)["field"] == "credentialId"   # reached the service, authorised

        # the proxy refuses what the service would refuse (service.max_body_kib), before the service reads it
        too_big = b'{"verifiableCredential": "' + b"a" * (2048 * 1024) + b'"}'
        assert call("POST", "/credentials/verify", raw=too_big)[0] == 413

        # published status lists are cached for 60 s
        sample = next(p for p in deployment.samples if p.name.endswith(".ob3.jsonld"))
        entries = json.loads(sample.read_text(encoding="utf-8"))["credentialStatus"]
        entries = entries if isinstance(entries, list) else [entries]
        path = urlsplit(entries[0]["statusListCredential"]).path
        first = call("GET", path)
        second = call("GET", path)
        assert first[0] == second[0] == 200 and first[2] == second[2]
        assert (first[1]["x-cache-status"], second[1]["x-cache-status"]) == ("MISS", "HIT")
    finally:
        stop(proxy, 10)

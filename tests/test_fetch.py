"""The one Fetcher: allow-list rule, transport limits, cache, and every caller going through it.

A real threaded http.server on 127.0.0.1 (and an HTTPS one with a self-signed certificate
trusted by the SSLContext we pass in); every request is bounded by a short timeout.
"""
from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW

from edcissuer.crypto.did import did_resolver, did_web_document, did_web_verification_method, \
    resolve_verification_method
from edcissuer.crypto.keys import KeyPair
from edcissuer.errors import ContextError, InputError, KeyMaterialError
from edcissuer.fetch import (
    AllowRule,
    Fetcher,
    FetchBadContent,
    FetchError,
    FetchNotAllowed,
    FetchTimeout,
    FetchTooLarge,
    internal_address,
    parse_url,
)
from edcissuer.ld.loader import make_loader
from edcissuer.proofs.data_integrity import add_proof
from edcissuer.status.bitstring import encode_list, make_status_checker, status_entries, status_list_credential

JSON = {"Content-Type": "application/json"}


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))
    delay: float = 0.0
    stream: int = 0          # send this many bytes without a Content-Length instead of `body`


@dataclass
class Site:
    """What the test server serves, and what it saw."""

    origin: str = ""
    port: int = 0
    routes: dict[str, Route] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    sent: Counter[str] = field(default_factory=Counter)
    headers: list[dict[str, str]] = field(default_factory=list)

    def json(self, path: str, doc: Any, **kw: Any) -> str:
        self.routes[path] = Route(json.dumps(doc).encode(), **kw)
        return self.origin + path

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.routes[path] = Route(status=status, headers={"Location": location})
        return self.origin + path

    @property
    def total_hits(self) -> int:
        return sum(self.hits.values())


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            site.hits[self.path] += 1
            site.headers.append({k.lower(): v for k, v in self.headers.items()})
            route = site.routes.get(self.path, Route(b"not found", 404, {"Content-Type": "text/plain"}))
            time.sleep(route.delay)
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if not route.stream:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            if not route.stream:
                self.wfile.write(route.body)
                return
            chunk = b" " * 65536
            while site.sent[self.path] < route.stream:
                self.wfile.write(chunk)
                site.sent[self.path] += len(chunk)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def _serve(site: Site, tls: ssl.SSLContext | None) -> Iterator[Site]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    server.handle_error = lambda *a: None  # type: ignore[method-assign]  # broken pipes are the point
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    site.port = server.server_address[1]
    site.origin = f"{'https' if tls else 'http'}://127.0.0.1:{site.port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    """Plain http on 127.0.0.1 (allowed only with allow_loopback_http=True)."""
    yield from _serve(Site(), None)


@dataclass
class Tls:
    server: ssl.SSLContext
    client: ssl.SSLContext


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A self-signed certificate for 127.0.0.1, trusted by the client context only."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "edcissuer test")])
    start = datetime.now(timezone.utc) - timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + timedelta(days=3))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (folder / "cert.pem").write_bytes(cert_pem)
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return Tls(server, ssl.create_default_context(cadata=cert_pem.decode()))


@pytest.fixture
def tls_site(tls: Tls) -> Iterator[Site]:
    yield from _serve(Site(), tls.server)


def loopback(site: Site, *entries: str, **kw: Any) -> Fetcher:
    return Fetcher(entries or (site.origin,), allow_loopback_http=True, timeout=kw.pop("timeout", 5.0), **kw)


# --- the allow-list rule ------------------------------------------------------------------------

def test_offline_default_refuses_every_url_naming_it_and_how_to_allow_it(site: Site) -> None:
    url = site.json("/doc", {"a": 1})
    for fetcher, target in ((Fetcher(), "https://a.example/ctx/v1"), (Fetcher(allow_loopback_http=True), url)):
        with pytest.raises(FetchNotAllowed) as err:
            fetcher.fetch_json(target)
        assert err.value.field == target and target in str(err.value)
        assert "network access is off" in err.value.message and "allow-list entry such as" in err.value.message
        assert isinstance(err.value, InputError) and fetcher.offline
    assert site.total_hits == 0


def test_a_lookalike_host_is_not_allowed_by_an_origin() -> None:
    for entry in ("https://a.example", "a.example", "https://a.example/", "https://A.Example:443"):
        fetcher = Fetcher([entry])
        assert fetcher.allowed("https://a.example/ctx/v1")
        assert fetcher.allowed("https://A.EXAMPLE/x")
        assert not fetcher.allowed("https://a.example.evil/ctx/v1")
        assert not fetcher.allowed("https://evil.a.example/")
        assert not fetcher.allowed("https://xa.example/")


def test_a_path_prefix_matches_whole_segments_only() -> None:
    for entry in ("https://a.example/ctx", "https://a.example/ctx/", "a.example/ctx"):
        fetcher = Fetcher([entry])
        assert fetcher.allowed("https://a.example/ctx")
        assert fetcher.allowed("https://a.example/ctx/v1")
        assert fetcher.allowed("https://a.example/ctx/v1?x=1")
        assert not fetcher.allowed("https://a.example/ctxevil")
        assert not fetcher.allowed("https://a.example/ct")
        assert not fetcher.allowed("https://a.example/")
        assert not fetcher.allowed("https://a.example/ctx/../admin")
        assert not fetcher.allowed("https://a.example/ctx/%2E%2e/admin")
        assert not fetcher.allowed("https://a.example/ctx/a%2fb")


def test_ports_are_normalised_and_other_ports_are_other_origins() -> None:
    assert Fetcher(["https://a.example:443"]).allowed("https://a.example/x")
    assert Fetcher(["https://a.example"]).allowed("https://a.example:443/x")
    assert not Fetcher(["a.example"]).allowed("https://a.example:8443/x")
    assert Fetcher(["a.example:8443"]).allowed("https://a.example:8443/x")
    assert not Fetcher(["a.example:8443"]).allowed("https://a.example/x")


def test_an_exact_rule_admits_only_that_url() -> None:
    fetcher = Fetcher([AllowRule.parse("https://a.example/s/list-1", exact=True)])
    assert fetcher.allowed("https://a.example/s/list-1")
    assert not fetcher.allowed("https://a.example/s/list-1/x")
    assert not fetcher.allowed("https://a.example/s/list-10")
    assert not fetcher.allowed("https://a.example/s/list-1?x=1")


@pytest.mark.parametrize("url", [
    "https://user@a.example/ctx", "https://a.example@evil.example/ctx", "https://user:pw@a.example/",
    "https://a.example/ctx#frag", "https://\u0430.example/ctx", "https://a.example/\u00e9",
    "https://a.example\\@evil.example/", "https://a.example/ a", "ftp://a.example/ctx", "file:///etc/passwd",
    "https://a.example:99999/", "https://a.example:/", "https://a.example:+443/", "https://[::1%25eth0]/",
    "https://a_b.example/", "https://a.example./", "https:a.example/ctx", "//a.example/ctx", "",
])
def test_userinfo_fragments_non_ascii_and_odd_urls_are_refused(url: str) -> None:
    with pytest.raises(FetchNotAllowed):
        parse_url(url)                                  # refused as a URL, whatever the allow-list
    fetcher = Fetcher(["a.example", "a.example:8443"])
    with pytest.raises(FetchNotAllowed):
        fetcher.fetch_bytes(url)
    assert not fetcher.allowed(url)


def test_ipv6_hosts_have_one_spelling() -> None:
    assert parse_url("https://[0:0:0:0:0:0:0:1]:8443/x").host == parse_url("https://[::1]:8443/x").host == "::1"
    assert Fetcher(["http://[::1]:8080"], allow_loopback_http=True).allowed("http://[0::1]:8080/x")


@pytest.mark.parametrize("address", [
    "10.0.0.1", "127.0.0.1", "169.254.169.254", "::1", "::", "fe80::1", "fc00::1", "ff02::1",
    "::ffff:10.0.0.1",            # IPv4-mapped
    "64:ff9b::a00:1",             # NAT64 (RFC 6052) of 10.0.0.1
    "64:ff9b::7f00:1",            # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",         # NAT64 of 169.254.169.254 (cloud metadata)
    "64:ff9b:1::a00:1",           # local-use NAT64 (RFC 8215)
    "2002:a00:1::1",              # 6to4 of 10.0.0.1
    "2002:7f00:1::1",             # 6to4 of 127.0.0.1
    "::a00:1",                    # IPv4-compatible ::10.0.0.1
    "fec0::1",                    # site-local (deprecated, still routed inside some networks)
])
def test_addresses_that_lead_inside_the_network_are_internal_however_they_are_wrapped(address: str) -> None:
    assert internal_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808", "2002:808:808::1",
                                     "::ffff:8.8.8.8"])
def test_public_addresses_and_wrappings_of_public_ipv4_are_not_internal(address: str) -> None:
    assert not internal_address(address)


@pytest.mark.parametrize("entry", ["user@a.example", "https://a.example/#x", "https://a.example/s?q=1",
                                   "\u0430.example", "ftp://a.example", "http://a.example", ""])
def test_bad_allow_list_entries_are_refused_when_the_fetcher_is_built(entry: str) -> None:
    with pytest.raises(InputError, match="allow"):
        Fetcher([entry], allow_loopback_http=True)


def test_http_only_for_loopback_and_only_when_asked(site: Site) -> None:
    url = site.json("/doc", {"a": 1})
    with pytest.raises(InputError, match="loopback"):
        Fetcher([site.origin])                                   # no allow_loopback_http
    with pytest.raises(InputError, match="loopback"):
        Fetcher(["http://a.example"], allow_loopback_http=True)  # not a loopback host
    assert not Fetcher(["https://a.example"]).allowed("http://a.example/doc")
    assert not Fetcher([f"127.0.0.1:{site.port}"]).allowed(url)  # a bare host means https
    assert loopback(site).fetch_json(url) == {"a": 1}
    for host in ("localhost", "127.0.0.2", "[::1]"):
        assert Fetcher([f"http://{host}:8080"], allow_loopback_http=True).allowed(f"http://{host}:8080/x")


# --- the transport ------------------------------------------------------------------------------

def test_a_redirect_to_an_allowed_url_is_followed(site: Site) -> None:
    site.json("/ctx/v2", {"moved": True})
    url = site.redirect("/ctx/v1", "/ctx/v2", status=301)
    assert loopback(site, f"{site.origin}/ctx").fetch_json(url) == {"moved": True}
    assert site.hits["/ctx/v2"] == 1


@pytest.mark.parametrize("location", ["http://localhost:{port}/ctx/v2", "/private/v2",
                                      "https://a.example/ctx/v2", "file:///etc/passwd"])
def test_a_redirect_to_a_url_that_is_not_allowed_is_refused(site: Site, location: str) -> None:
    site.json("/ctx/v2", {"moved": True})
    site.json("/private/v2", {"secret": True})
    url = site.redirect("/ctx/v1", location.format(port=site.port))
    with pytest.raises(FetchNotAllowed, match="redirects to") as err:
        loopback(site, f"{site.origin}/ctx").fetch_json(url)
    assert err.value.field == url
    assert site.hits["/ctx/v2"] == site.hits["/private/v2"] == 0


def test_at_most_three_redirects_are_followed(site: Site) -> None:
    url = site.redirect("/loop", "/loop")
    with pytest.raises(FetchNotAllowed, match="more than 3 redirects"):
        loopback(site).fetch_bytes(url)
    assert site.hits["/loop"] == 4


def test_an_oversized_body_is_refused_without_reading_it_all(site: Site) -> None:
    total = 64 * 1024 * 1024
    site.routes["/endless"] = Route(stream=total)
    with pytest.raises(FetchTooLarge, match="larger than 100000 bytes"):
        loopback(site, max_bytes=100_000).fetch_bytes(site.origin + "/endless")
    assert site.sent["/endless"] < total
    declared = site.json("/declared", {"pad": "x" * 5000})       # Content-Length alone refuses it
    with pytest.raises(FetchTooLarge, match="Content-Length"):
        loopback(site).fetch_json(declared, max_bytes=1000)
    exact = site.json("/exact", "x" * 98)                       # 100 bytes: at the cap is fine
    assert loopback(site).fetch_json(exact, max_bytes=100) == "x" * 98


def test_a_slow_server_gives_a_named_timeout(site: Site) -> None:
    url = site.json("/slow", {"a": 1}, delay=2.0)
    start = time.monotonic()
    with pytest.raises(FetchTimeout, match="timed out after 0.3 s") as err:
        loopback(site, timeout=0.3).fetch_json(url)
    assert time.monotonic() - start < 1.5 and err.value.field == url


def test_malformed_json_and_non_json_content_types_are_named_errors(site: Site) -> None:
    site.routes["/broken"] = Route(b'{"a": ')
    site.routes["/deep"] = Route(b"[" * 100_000 + b"]" * 100_000)
    site.routes["/html"] = Route(b"{}", headers={"Content-Type": "text/html"})
    site.routes["/untyped"] = Route(b"{}", headers={})
    site.routes["/ld"] = Route(b"{}", headers={"Content-Type": "application/ld+json; charset=utf-8"})
    fetcher = loopback(site, max_bytes=300_000)
    for path in ("/broken", "/deep"):
        with pytest.raises(FetchBadContent, match="not valid JSON"):
            fetcher.fetch_json(site.origin + path)
    for path in ("/html", "/untyped"):
        with pytest.raises(FetchBadContent, match="not as JSON"):
            fetcher.fetch_json(site.origin + path)
    assert fetcher.fetch_bytes(site.origin + "/html") == b"{}"   # bytes callers did not ask for JSON
    assert fetcher.fetch_json(site.origin + "/ld") == {}


def test_compressed_bodies_are_never_asked_for_nor_inflated(site: Site) -> None:
    site.routes["/gz"] = Route(b"\x1f\x8b\x08\x00", headers={**JSON, "Content-Encoding": "gzip"})
    with pytest.raises(FetchBadContent, match="gzip-encoded"):
        loopback(site).fetch_bytes(site.origin + "/gz")
    assert site.headers[-1]["accept-encoding"] == "identity"


def test_http_errors_and_unreachable_servers_are_fetch_errors(site: Site) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        loopback(site).fetch_bytes(site.origin + "/missing")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with pytest.raises(FetchError, match="cannot fetch") as err:
        Fetcher([f"http://127.0.0.1:{closed}"], allow_loopback_http=True, timeout=2).fetch_bytes(
            f"http://127.0.0.1:{closed}/x")
    assert not isinstance(err.value.__cause__, OSError) and err.value.field == f"http://127.0.0.1:{closed}/x"


def test_https_with_a_certificate_the_context_trusts(tls_site: Site, tls: Tls) -> None:
    url = tls_site.json("/doc", {"tls": True})
    assert Fetcher([tls_site.origin], ssl_context=tls.client, timeout=5).fetch_json(url) == {"tls": True}
    with pytest.raises(FetchError, match="TLS failed"):
        Fetcher([tls_site.origin], timeout=5).fetch_json(url)   # system store: not trusted


# --- the cache ----------------------------------------------------------------------------------

def test_a_cache_hit_does_not_refetch(site: Site) -> None:
    url = site.json("/doc", {"a": 1})
    fetcher = loopback(site)
    assert fetcher.fetch_json(url) == fetcher.fetch_json(url) == {"a": 1}
    assert site.hits["/doc"] == 1
    assert loopback(site).fetch_json(url) == {"a": 1}            # the cache is per Fetcher
    assert site.hits["/doc"] == 2


def test_cache_only_mode_never_connects(site: Site) -> None:
    cached, other = site.json("/cached", {"net": 1}), site.json("/other", {"net": 2})
    fetcher = loopback(site, cache_only=True, cache={cached: b'{"local": 1}'})
    assert fetcher.fetch_json(cached) == {"local": 1} and fetcher.offline
    with pytest.raises(FetchNotAllowed, match="cache-only"):
        fetcher.fetch_json(other)
    assert site.total_hits == 0
    preloaded = Fetcher(cache={"https://a.example/ctx": b"[1]"})   # offline, but serves what it holds
    assert preloaded.fetch_json("https://a.example/ctx") == [1]


# --- every caller goes through it -------------------------------------------------------------------

def test_the_context_loader_fetches_through_the_fetcher(site: Site) -> None:
    ctx = {"@context": {"name": "urn:t:name"}}
    url = site.json("/ctx/v1", ctx, headers={"Content-Type": "application/ld+json"})
    site.json("/ctx/list", [1, 2])
    loader = make_loader(fetcher=loopback(site, f"{site.origin}/ctx"))
    assert loader(url)["document"] == ctx and loader(url)["documentUrl"] == url
    assert site.hits["/ctx/v1"] == 1
    with pytest.raises(ContextError, match="not a JSON object"):
        loader(site.origin + "/ctx/list")
    with pytest.raises(ContextError, match="not allow-listed") as err:
        make_loader()(url)                                         # offline by default
    assert err.value.value == url
    with pytest.raises(ContextError, match="not allow-listed"):
        make_loader(allow_network=["https://a.example"])("https://a.example.evil/ctx")
    with pytest.raises(ContextError, match="not both"):
        make_loader(allow_network=["https://a.example"], fetcher=Fetcher())


def test_did_web_with_a_port_resolves_only_when_its_host_is_allowed(tls_site: Site, tls: Tls) -> None:
    key = KeyPair.generate()
    did = f"did:web:127.0.0.1%3A{tls_site.port}"
    vm = did_web_verification_method(did, key)
    tls_site.json("/.well-known/did.json", did_web_document(did, [key]),
                  headers={"Content-Type": "application/did+json"})
    with pytest.raises(KeyMaterialError, match="network resolution .* is not allowed"):
        resolve_verification_method(vm)
    with pytest.raises(KeyMaterialError, match="not allowed"):
        resolve_verification_method(vm, allow_hosts=("127.0.0.1",))     # another port is another origin
    assert tls_site.total_hits == 0
    with pytest.raises(KeyMaterialError, match="TLS failed"):
        resolve_verification_method(vm, allow_hosts=(f"127.0.0.1:{tls_site.port}",))  # reached the Fetcher
    fetcher = Fetcher([f"127.0.0.1:{tls_site.port}"], ssl_context=tls.client, timeout=5)
    resolve = did_resolver(fetcher=fetcher)
    assert resolve(vm).public_multibase == key.public_multibase
    assert resolve(vm).public_multibase == key.public_multibase
    assert tls_site.hits["/.well-known/did.json"] == 1                # one fetch per resolver


def _signed_list(url: str, issuer: KeyPair, purpose: str, indices: list[int]) -> dict[str, Any]:
    doc = status_list_credential(url=url, issuer=issuer.did_key, purpose=purpose,
                                 encoded_list=encode_list(indices), valid_from=NOW)
    return add_proof(doc, issuer, cryptosuite="eddsa-rdfc-2022", created=NOW)


def test_status_lists_are_fetched_through_the_fetcher(site: Site) -> None:
    issuer = KeyPair.generate()
    base = f"{site.origin}/status"
    for purpose, indices in (("revocation", [42]), ("suspension", [])):
        site.json(f"/status/ab12-{purpose}", _signed_list(f"{base}/ab12-{purpose}", issuer, purpose, indices),
                  headers={"Content-Type": "application/vc+ld+json"})
    credential = {"id": "urn:uuid:1", "issuer": issuer.did_key, "credentialStatus": status_entries(base, "ab12", 42)}
    offline = make_status_checker()(credential, NOW)
    assert not offline.passed and "not allow-listed" in offline.reason and site.total_hits == 0
    checker = make_status_checker(fetcher=loopback(site, f"{base}/"))
    result = checker(credential, NOW)
    assert not result.passed and result.reason.startswith("REVOKED"), result.reason
    assert site.hits["/status/ab12-revocation"] == site.hits["/status/ab12-suspension"] == 1
    site.routes["/status/ab12-revocation"] = Route(b"<html>", headers={"Content-Type": "text/html"})
    fresh = make_status_checker(fetcher=loopback(site, f"{base}/"))(credential, NOW)
    assert not fresh.passed and "STATUS_RETRIEVAL_ERROR" in fresh.reason and "not as JSON" in fresh.reason


def test_the_status_allow_list_keeps_exact_urls_and_slash_prefixes() -> None:
    from edcissuer.status.bitstring import status_fetcher

    exact = status_fetcher(["https://a.example/status"])
    assert exact.allowed("https://a.example/status") and not exact.allowed("https://a.example/status/x")
    prefix = status_fetcher(["https://a.example/status/"])
    assert prefix.allowed("https://a.example/status/x") and not prefix.allowed("https://a.example/status2/x")
    with pytest.raises(InputError, match="not both"):
        make_status_checker(allow_urls=("https://a.example/s/",), fetcher=Fetcher())


def test_no_module_keeps_its_own_network_code() -> None:
    src = Path(__file__).resolve().parents[1] / "src" / "edcissuer"
    users = sorted(p.relative_to(src).as_posix() for p in src.rglob("*.py")
                   if any(word in p.read_text(encoding="utf-8")
                          for word in ("urllib.request", "http.client", "urlopen(")))
    assert users == ["fetch.py"]

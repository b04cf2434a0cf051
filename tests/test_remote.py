"""Explicit opt-in remote lookups: --allow-host, the disk cache, cache-only mode, all through one Fetcher.

A real HTTPS server on 127.0.0.1 (test_fetch's) with a self-signed certificate; the CLI
trusts it through SSL_CERT_FILE, so the command line runs exactly as shipped (no loopback
flag exists there). Library-level tests use the Fetcher's own `allow_loopback_http`.
"""
from __future__ import annotations

import json
import os
import ssl
import stat
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW
from test_fetch import Route, Site, Tls, _serve, loopback, site, tls, tls_site  # noqa: F401 - fixtures

from edcissuer.cli import main
from edcissuer.crypto.did import did_web_document, did_web_verification_method
from edcissuer.crypto.keys import KeyPair
from edcissuer.errors import ContextError, InputError
from edcissuer.fetch import Cached, Fetcher, FetchNotAllowed, FetchNotCached
from edcissuer.fetch_cache import DiskCache, cache_key, max_age_of
from edcissuer.issue import issue
from edcissuer.ld.loader import default_loader
from edcissuer.proofs.data_integrity import add_proof
from edcissuer.recognition import load_trust_list
from edcissuer.status.bitstring import encode_list, status_entries, status_list_credential
from edcissuer.verify import VerifyOptions, verify_document

STAMP = "2026-11-24T12:00:00Z"


def check(result: Any, name: str) -> Any:
    return next(c for c in result.checks if c.name == name)
DID_JSON = {"Content-Type": "application/did+json"}


@pytest.fixture
def trusted_cert(tls: Tls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test server's certificate as the CLI's trust store (SSL_CERT_FILE), as an operator would set it."""
    pem = "".join(ssl.DER_cert_to_PEM_cert(der) for der in tls.client.get_ca_certs(binary_form=True))
    path = tmp_path / "ca.pem"
    path.write_text(pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(path))
    monkeypatch.delenv("EDCISSUER_ALLOW_HOSTS", raising=False)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: Any) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def host_of(site: Site) -> str:
    return f"127.0.0.1:{site.port}"


def publish_did_web(site: Site, key: KeyPair) -> str:
    did = f"did:web:127.0.0.1%3A{site.port}"
    site.json("/.well-known/did.json", did_web_document(did, [key]), headers=DID_JSON)
    return did


def did_web_credential(folder: Path, site: Site, records: dict[str, Any], key: KeyPair,
                       status: list[dict[str, Any]] | None = None) -> Path:
    did = publish_did_web(site, key)
    issued = issue(records["model1-single"], fmt="ob3", signer=key, proof="eddsa-rdfc-2022", now=NOW,
                   issuer_did=did, status=status)
    path = folder / "web.ob3.jsonld"
    path.write_text(issued.serialize())
    return path


# --- --allow-host ---------------------------------------------------------------------------------

def test_without_any_opt_in_verification_stays_offline() -> None:
    options = VerifyOptions(now=NOW)
    assert options.fetcher is None and options.loader is default_loader and options.status_checker is None


def test_allow_host_admits_exactly_that_host_and_refuses_another(tls_site: Site, trusted_cert: Path,
                                                                 records: dict[str, Any], tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = did_web_credential(tmp_path, tls_site, records, KeyPair.generate())
    code, out, err = run(capsys, "verify", path, "--now", STAMP, "--allow-host", "127.0.0.1:1")
    url = f"https://{host_of(tls_site)}/.well-known/did.json"
    assert code == 1 and tls_site.total_hits == 0
    assert url in out and "is not allowed" in out and f"--allow-host {host_of(tls_site)}" in out
    assert f"refused: {url}" in err                          # the lookups the run made, on stderr
    code, out, err = run(capsys, "verify", path, "--now", STAMP, "--allow-host", host_of(tls_site))
    assert code == 3, out                                    # authentic; issuer trust unchecked (no --trust)
    assert "authentic: yes" in out and f"network: {url}" in err
    assert tls_site.hits["/.well-known/did.json"] == 1        # once per run: the proof and the binding share it


def test_offline_by_default_the_refusal_says_how_to_allow_the_host(tls_site: Site, trusted_cert: Path,
                                                                   records: dict[str, Any], tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = did_web_credential(tmp_path, tls_site, records, KeyPair.generate())
    code, out, err = run(capsys, "verify", path, "--now", STAMP)
    assert code == 1 and tls_site.total_hits == 0
    assert "network access is off by default" in out and f"--allow-host {host_of(tls_site)}" in out
    assert "remote lookups" not in err                       # offline: nothing to list


def test_allowed_hosts_come_from_the_environment_and_the_trust_list(tls_site: Site, trusted_cert: Path,
                                                                    records: dict[str, Any], tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = did_web_credential(tmp_path, tls_site, records, KeyPair.generate())
    monkeypatch.setenv("EDCISSUER_ALLOW_HOSTS", f"a.example, {host_of(tls_site)}")
    code, out, _ = run(capsys, "verify", path, "--now", STAMP)
    assert code == 3 and "authentic: yes" in out
    monkeypatch.delenv("EDCISSUER_ALLOW_HOSTS")
    trust = tmp_path / "trust.toml"
    trust.write_text(f'[trust_list]\nname = "t"\n[remote]\nallow_hosts = ["{host_of(tls_site)}"]\n'
                     f'cache_dir = "cache"\n')
    assert load_trust_list(trust).remote.cache_dir == tmp_path / "cache"
    code, out, _ = run(capsys, "verify", path, "--now", STAMP, "--trust", trust)
    assert code == 3 and "authentic: yes" in out and "is not on the trust list" in out
    assert list((tmp_path / "cache").iterdir())              # the trust list's cache_dir was used


@pytest.mark.parametrize("entry", ["https://a.example/x?q=1", "user@a.example", "http://a.example"])
def test_a_bad_allow_host_is_a_usage_error_naming_it(entry: str, tmp_path: Path, trusted_cert: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "verify", tmp_path, "--allow-host", entry)
    assert code == 2 and entry in err and "Traceback" not in err


def test_a_bad_remote_table_in_the_trust_list_is_refused_by_name(tmp_path: Path) -> None:
    trust = tmp_path / "trust.toml"
    trust.write_text('[trust_list]\nname = "t"\n[remote]\nallow_hosts = ["a.example/x?y"]\n')
    with pytest.raises(InputError, match=r"remote\.allow_hosts\[0\]"):
        load_trust_list(trust)
    trust.write_text('[trust_list]\nname = "t"\n[remote]\nallow_host = ["a.example"]\n')
    with pytest.raises(InputError, match="allow_host"):
        load_trust_list(trust)


# --- status lists ---------------------------------------------------------------------------------

def test_a_revoked_credential_is_reported_revoked_through_the_cli(tls_site: Site, trusted_cert: Path,
                                                                  records: dict[str, Any], tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    key = KeyPair.generate()
    did = publish_did_web(tls_site, key)
    base = f"https://{host_of(tls_site)}/status"
    for purpose, indices in (("revocation", [7]), ("suspension", [])):
        url = f"{base}/ab12-{purpose}"
        doc = status_list_credential(url=url, issuer=did, purpose=purpose, encoded_list=encode_list(indices),
                                     valid_from=NOW - timedelta(days=1))
        signed = add_proof(doc, key, cryptosuite="eddsa-rdfc-2022", created=NOW - timedelta(days=1),
                           verification_method=did_web_verification_method(did, key))
        tls_site.json(f"/status/ab12-{purpose}", signed, headers={"Content-Type": "application/vc+ld+json"})
    path = did_web_credential(tmp_path, tls_site, records, key, status=status_entries(base, "ab12", 7))
    code, out, _ = run(capsys, "verify", path, "--now", STAMP, "-v")
    assert code == 1 and "no status list source" in out and "--allow-host" in out   # offline: unchecked, named
    code, out, err = run(capsys, "verify", path, "--now", STAMP, "-v", "--allow-host", host_of(tls_site))
    assert code == 1 and "check status: REVOKED" in out, out
    assert f"network: {base}/ab12-revocation" in err
    other = did_web_credential(tmp_path, tls_site, records, key, status=status_entries(base, "ab12", 8))
    code, out, _ = run(capsys, "verify", other, "--now", STAMP, "-v", "--allow-host", host_of(tls_site))
    assert code == 3 and "check status: not revoked or suspended" in out


def test_a_status_checker_is_built_from_the_fetcher_when_none_is_given(site: Site) -> None:
    issuer = KeyPair.generate()
    base = f"{site.origin}/status"
    for purpose, indices in (("revocation", [3]), ("suspension", [])):
        doc = status_list_credential(url=f"{base}/x-{purpose}", issuer=issuer.did_key, purpose=purpose,
                                     encoded_list=encode_list(indices), valid_from=NOW)
        site.json(f"/status/x-{purpose}", add_proof(doc, issuer, cryptosuite="eddsa-rdfc-2022", created=NOW))
    options = VerifyOptions(now=NOW, fetcher=loopback(site))
    assert options.status_checker is not None
    result = options.status_checker({"issuer": issuer.did_key, "credentialStatus": status_entries(base, "x", 3)},
                                    NOW)
    assert not result.passed and result.reason.startswith("REVOKED")


# --- the disk cache -------------------------------------------------------------------------------

class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def test_the_cache_is_private_and_cache_only_works_with_the_server_stopped(tls: Tls, trusted_cert: Path,
                                                                          records: dict[str, Any], tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    server: Iterator[Site] = _serve(Site(), tls.server)
    live = next(server)
    path = did_web_credential(tmp_path, live, records, KeyPair.generate())
    cache = tmp_path / "cache"
    code, out, _ = run(capsys, "verify", path, "--now", STAMP, "--allow-host", host_of(live), "--fetch-cache", cache)
    assert code == 3 and "authentic: yes" in out
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    files = list(cache.iterdir())
    assert [f.name for f in files] == [cache_key(f"https://{host_of(live)}/.well-known/did.json")]
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    server.close()                                           # the server is gone
    code, out, err = run(capsys, "verify", path, "--now", STAMP, "--allow-host", host_of(live),
                         "--fetch-cache", cache, "--cache-only")
    assert code == 3 and "authentic: yes" in out, out
    assert "cache only" in err and "cache" in err and "network:" not in err


def test_a_cache_miss_in_cache_only_mode_is_a_named_refusal(tls_site: Site, trusted_cert: Path,
                                                           records: dict[str, Any], tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = did_web_credential(tmp_path, tls_site, records, KeyPair.generate())
    code, out, _ = run(capsys, "verify", path, "--now", STAMP, "--allow-host", host_of(tls_site),
                       "--fetch-cache", tmp_path / "empty", "--cache-only")
    assert code == 1 and tls_site.total_hits == 0
    assert "is not in the cache" in out and "cache-only" in out
    code, _, err = run(capsys, "verify", path, "--now", STAMP, "--cache-only")
    assert code == 2 and "--fetch-cache" in err


def test_cache_only_never_connects_and_names_the_miss(site: Site, tmp_path: Path) -> None:
    url = site.json("/doc", {"a": 1})
    clock = Clock(NOW)
    loopback(site, cache=DiskCache(tmp_path, clock=clock)).fetch_json(url)
    offline = loopback(site, cache=DiskCache(tmp_path, clock=clock), cache_only=True)
    assert offline.fetch_json(url) == {"a": 1}
    with pytest.raises(FetchNotCached, match="not in the cache"):
        offline.fetch_json(site.origin + "/other")
    assert site.total_hits == 1 and [r.source for r in offline.records] == ["cache", "refused"]


def test_cache_entries_expire_with_max_age_and_no_store_is_not_kept(site: Site, tmp_path: Path) -> None:
    clock = Clock(NOW)
    short = site.json("/short", {"v": 1}, headers={"Content-Type": "application/json", "Cache-Control": "max-age=60"})
    never = site.json("/never", {"v": 2}, headers={"Content-Type": "application/json", "Cache-Control": "no-store"})
    fetcher = loopback(site, cache=DiskCache(tmp_path, clock=clock))
    fetcher.fetch_json(short), fetcher.fetch_json(never)
    again = loopback(site, cache=DiskCache(tmp_path, clock=clock))
    again.fetch_json(short), again.fetch_json(never)
    assert site.hits["/short"] == 1 and site.hits["/never"] == 2
    clock.at = NOW + timedelta(seconds=61)
    later = loopback(site, cache=DiskCache(tmp_path, clock=clock))
    later.fetch_json(short)
    assert site.hits["/short"] == 2                          # stale: fetched again
    clock.at = NOW + timedelta(seconds=200)
    stale = loopback(site, cache=DiskCache(tmp_path, clock=clock), cache_only=True)
    assert stale.fetch_json(short) == {"v": 1} and stale.records[0].source == "cache-stale"
    assert max_age_of("max-age=31536000") == 86_400 and max_age_of(None) == 3600
    assert max_age_of("no-cache") == 0 and max_age_of("public, no-store") is None


def test_the_disk_cache_answers_only_for_allowed_urls_and_only_its_own_entries(site: Site, tmp_path: Path) -> None:
    url = site.json("/doc", {"a": 1})
    loopback(site, cache=DiskCache(tmp_path, clock=Clock(NOW))).fetch_json(url)
    elsewhere = Fetcher(["a.example"], cache=DiskCache(tmp_path, clock=Clock(NOW)), cache_only=True)
    with pytest.raises(FetchNotAllowed, match="not allow-listed"):
        elsewhere.fetch_json(url)                            # an earlier run's policy is not this run's
    entry = tmp_path / cache_key(url)
    data = json.loads(entry.read_text())
    (tmp_path / cache_key(site.origin + "/other")).write_text(json.dumps(data))   # entry moved under another key
    with pytest.raises(FetchNotCached):
        loopback(site, cache=DiskCache(tmp_path, clock=Clock(NOW)), cache_only=True).fetch_json(site.origin + "/other")


def test_a_body_cached_through_a_redirect_elsewhere_is_served_only_while_that_host_is_allowed(
        site: Site, tmp_path: Path) -> None:
    """An earlier run allowed both hosts and followed a.example -> b.example; a run allowing only
    the first must not be handed the second's content from the cache (networked or cache-only)."""
    serving = _serve(Site(), None)
    other = next(serving)
    try:
        other.json("/doc", {"from": "other"})
        url = site.redirect("/doc", other.origin + "/doc")
        wide = loopback(site, site.origin, other.origin, cache=DiskCache(tmp_path, clock=Clock(NOW)))
        assert wide.fetch_json(url) == {"from": "other"}
        assert json.loads((tmp_path / cache_key(url)).read_text())["served_by"] == other.origin + "/doc"
        for cache_only in (False, True):
            narrow = loopback(site, cache=DiskCache(tmp_path, clock=Clock(NOW)), cache_only=cache_only)
            with pytest.raises(FetchNotAllowed, match="cached from a redirect to .* which is refused"):
                narrow.fetch_json(url)
        again = loopback(site, site.origin, other.origin, cache=DiskCache(tmp_path, clock=Clock(NOW)), cache_only=True)
        assert again.fetch_json(url) == {"from": "other"}
        assert other.hits["/doc"] == 1 and site.hits["/doc"] == 1
    finally:
        serving.close()


def test_a_cache_folder_others_may_write_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, 0o777)
    with pytest.raises(InputError, match="writable by others"):
        DiskCache(folder, clock=Clock(NOW))
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        DiskCache(tmp_path / "file", clock=Clock(NOW))
    DiskCache(tmp_path / "new" / "cache", clock=Clock(NOW)).put("https://a.example/x", Cached(b"{}"))
    assert stat.S_IMODE((tmp_path / "new" / "cache").stat().st_mode) == 0o700


# --- JSON-LD contexts -----------------------------------------------------------------------------

def test_a_context_loads_only_from_an_allowed_host_and_bundled_contexts_always_win(site: Site) -> None:
    ctx = {"@context": {"extra": "urn:t:extra"}}
    url = site.json("/ctx/v1", ctx, headers={"Content-Type": "application/ld+json"})
    loader = VerifyOptions(now=NOW, fetcher=loopback(site, f"{site.origin}/ctx")).loader
    assert loader(url)["document"] == ctx
    with pytest.raises(ContextError, match="not allow-listed") as refused:
        loader(site.origin + "/elsewhere/v1")
    assert refused.value.value == site.origin + "/elsewhere/v1"
    fetcher = Fetcher(["www.w3.org"])
    bundled = VerifyOptions(now=NOW, fetcher=fetcher).loader("https://www.w3.org/ns/credentials/v2")
    assert "@context" in bundled["document"] and fetcher.records == ()   # never asked the network


def test_a_credential_with_an_unbundled_context_verifies_only_when_its_host_is_allowed(site: Site) -> None:
    key = KeyPair.generate()
    ctx_url = site.json("/ctx/v1", {"@context": {"motto": "urn:t:motto"}},
                        headers={"Content-Type": "application/ld+json"})
    doc = {"@context": ["https://www.w3.org/ns/credentials/v2", ctx_url], "type": ["VerifiableCredential"],
           "issuer": key.did_key, "validFrom": "2026-01-01T00:00:00Z",
           "credentialSubject": {"id": "did:example:learner", "motto": "learn"}}
    loader = VerifyOptions(now=NOW, fetcher=loopback(site)).loader
    signed = add_proof(doc, key, cryptosuite="eddsa-rdfc-2022", created=NOW, loader=loader)
    allowed = verify_document(signed, VerifyOptions(now=NOW, fetcher=loopback(site)))
    assert check(allowed, "proof").passed, check(allowed, "proof").reason
    refused = verify_document(signed, VerifyOptions(now=NOW))
    assert not check(refused, "proof").passed and ctx_url in check(refused, "proof").reason


# --- SSRF guards ----------------------------------------------------------------------------------

def test_a_redirect_off_the_allow_list_is_refused_during_did_web_resolution(tls_site: Site, trusted_cert: Path,
                                                                           records: dict[str, Any], tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = did_web_credential(tmp_path, tls_site, records, KeyPair.generate())
    tls_site.routes["/.well-known/did.json"] = Route(status=302, headers={
        "Location": "https://169.254.169.254/latest/meta-data"})
    code, out, _ = run(capsys, "verify", path, "--now", STAMP, "--allow-host", host_of(tls_site))
    assert code == 1 and "redirects to https://169.254.169.254/latest/meta-data, which is refused" in out


def test_the_cli_never_fetches_plain_http_not_even_from_loopback(tmp_path: Path, trusted_cert: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "verify", tmp_path, "--allow-host", "http://127.0.0.1:8080")
    assert code == 2 and "http is allowed only for loopback hosts and only with allow_loopback_http" in err
    with pytest.raises(FetchNotAllowed, match="only https"):
        Fetcher(["127.0.0.1:8080"]).require_allowed("http://127.0.0.1:8080/x")


def test_an_allowed_name_that_resolves_to_loopback_is_refused_without_the_test_flag(tls_site: Site,
                                                                                   tls: Tls) -> None:
    url = tls_site.json("/doc", {"inside": True})
    named = url.replace("127.0.0.1", "localhost")
    with pytest.raises(FetchNotAllowed, match="resolves to .*internal address"):
        Fetcher([f"localhost:{tls_site.port}"], ssl_context=tls.client, timeout=5).fetch_json(named)
    assert tls_site.total_hits == 0
    flagged = Fetcher([f"localhost:{tls_site.port}"], ssl_context=tls.client, timeout=5, allow_loopback_http=True)
    assert flagged.fetch_json(named) == {"inside": True}     # tests only: the flag admits loopback
    literal = Fetcher([f"127.0.0.1:{tls_site.port}"], ssl_context=tls.client, timeout=5)
    assert literal.fetch_json(url) == {"inside": True}       # an address the operator wrote is taken as meant

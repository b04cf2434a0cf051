"""`edcissuer serve` refuses a bad deployment before it listens, naming the profile key."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from edcissuer.config import ConfigError, load_config
from edcissuer.service.settings import from_config, token_hash

ROOT = Path(__file__).resolve().parents[1]
KEY = ROOT / "keys" / "demo-issuer-ed25519.DEMO-ONLY.pem"
POLICY = ROOT / "samples" / "policies" / "university-strict.toml"


def _profile(tmp_path: Path, service: str, *, key: bool = True) -> Path:
    path = tmp_path / "edcissuer.toml"
    issuer = f'key = "{KEY}"\n' if key else 'name = "x"\n'
    path.write_text(f"version = 1\n[issuer]\n{issuer}\n[service]\n{service}\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def _settings(tmp_path: Path, service: str, **kw: object):  # type: ignore[no-untyped-def]
    return from_config(load_config(_profile(tmp_path, service, **kw)), **kw)  # type: ignore[arg-type]


def test_a_client_is_found_by_the_hash_of_its_token_and_only_by_it(tmp_path: Path) -> None:
    settings = from_config(load_config(_profile(
        tmp_path, f'clients = [{{ name = "sis", sha256 = "{token_hash("s3cret")}", scopes = ["issue"] }}]')))
    client = settings.client_for("s3cret")
    assert client is not None and client.name == "sis" and client.scopes == {"issue"}
    assert settings.client_for("s3cret ") is None and settings.client_for("") is None


@pytest.mark.parametrize(("service", "field"), [
    ('clients = [{ name = "sis", sha256 = "abc", scopes = ["issue"] }]', "service.clients.0.sha256"),
    ('clients = [{ name = "sis", sha256 = "' + "a" * 64 + '", scopes = ["admin"] }]', "service.clients.0.scopes.0"),
    ('clients = [{ name = "sis", sha256 = "' + "a" * 64 + '", scopes = [] }]', "service.clients.0.scopes"),
    ('max_body_kib = 0', "service.max_body_kib"),
    ('tokens = ["abc"]', "service.tokens"),
])
def test_a_malformed_service_section_is_refused_naming_the_key(tmp_path: Path, service: str, field: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(_profile(tmp_path, service))
    assert err.value.field == field


def test_duplicate_client_names_are_refused_because_the_audit_log_names_clients(tmp_path: Path) -> None:
    line = '{ name = "sis", sha256 = "' + "a" * 64 + '", scopes = ["issue"] }'
    with pytest.raises(ConfigError) as err:
        from_config(load_config(_profile(tmp_path, f"clients = [{line}, {line}]")))
    assert err.value.field == "service.clients"


def test_a_missing_policy_file_is_refused_naming_the_policy(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        from_config(load_config(_profile(tmp_path, '[service.policies]\nstrict = "nowhere.toml"')))
    assert err.value.field == "service.policies.strict"


def test_policies_are_loaded_by_name_and_the_public_url_gives_the_status_and_did_urls(tmp_path: Path) -> None:
    settings = from_config(load_config(_profile(
        tmp_path, f'public_url = "https://verify.example.edu/"\n[service.policies]\nstrict = "{POLICY}"')))
    assert list(settings.policies) == ["strict"]
    assert settings.public_url == "https://verify.example.edu"
    assert settings.status_url == "https://verify.example.edu/status"
    assert settings.did_web == "did:web:verify.example.edu"


@pytest.mark.parametrize("url", ["https://verify.example.edu/path", "ftp://verify.example.edu", "verify.example.edu"])
def test_a_public_url_must_be_an_origin(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError) as err:
        from_config(load_config(_profile(tmp_path, f'public_url = "{url}"')))
    assert err.value.field == "service.public_url"


def test_a_deployment_without_any_signer_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        from_config(load_config(_profile(tmp_path, "", key=False)))
    assert err.value.field == "issuer.key"


def _cli(*args: str, stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("EDCISSUER_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "edcissuer", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


def test_hash_token_prints_the_sha256_a_profile_stores() -> None:
    done = _cli("serve", "--hash-token", stdin="s3cret\n")
    assert done.returncode == 0 and done.stdout.strip() == token_hash("s3cret")


def test_serve_without_a_profile_says_how_to_give_one(tmp_path: Path) -> None:
    done = _cli("serve", "--port", "1", cwd=tmp_path)
    assert done.returncode == 2
    assert "--config" in done.stderr and "--demo" in done.stderr and "Traceback" not in done.stderr


def test_serve_refuses_a_bad_profile_before_listening(tmp_path: Path) -> None:
    path = _profile(tmp_path, '[service.policies]\nstrict = "nowhere.toml"')
    done = _cli("--config", str(path), "serve", "--port", "1")
    assert done.returncode != 0 and "service.policies.strict" in done.stderr and "Traceback" not in done.stderr


def test_the_demo_deployment_keeps_its_token_and_profile_owner_only(tmp_path: Path) -> None:
    from edcissuer.demo.deployment import TOKEN_FILE, write_demo_deployment

    first = write_demo_deployment(tmp_path / "d", public_url="http://127.0.0.1:9", root=ROOT, samples=False)
    again = write_demo_deployment(tmp_path / "d", public_url="http://127.0.0.1:9", root=ROOT, samples=False)
    assert first.token == again.token and first.token.startswith("demo-")
    for name in (TOKEN_FILE, "edcissuer.toml"):
        assert stat.S_IMODE((tmp_path / "d" / name).stat().st_mode) == 0o600
    settings = from_config(load_config(first.config))
    assert settings.demo and settings.client_for(first.token) is not None
    assert settings.issuer_did == "did:web:127.0.0.1%3A9" and settings.serves_did_document
    assert first.token not in first.config.read_text()

"""The issuer profile (edcissuer.toml): discovery, relative paths, refusals, `init`, and commands
that need only the credential once the profile names the key, status folder and ledger (issue 14)."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES
from edcissuer.config import ConfigError, discover, load_config

KEY = ROOT / "keys" / "demo-issuer-ed25519.DEMO-ONLY.pem"
PROGRAMME = ROOT / "samples" / "batch" / "programme.yaml"
COHORT = ROOT / "samples" / "batch" / "cohort.csv"
BASE = "https://credentials.univ-lusitania.example/status"
RECORD = ROOT / "samples" / "records" / "model1-single.yaml"


def run(*args, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "EDCISSUER_CONFIG"}
    environ["PYTHONPATH"] = str(ROOT / "src")
    environ.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "edcissuer", *map(str, args)], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def new_key(path: Path, cwd: Path) -> str:
    """A fresh key (via `keys new`) and its did:key."""
    proc = run("keys", "new", "-o", path, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return str(json.loads(proc.stdout)["did"])


def proof_of(credential: dict) -> dict:
    proof = credential["proof"]
    return proof[0] if isinstance(proof, list) else proof


def issued_by(proc: subprocess.CompletedProcess[str]) -> str:
    """The did:key whose key signed the credential printed on stdout."""
    assert proc.returncode == 0, proc.stderr
    method = proof_of(json.loads(proc.stdout))["verificationMethod"]
    return str(method.split("#")[0])


# --- discovery and loading -----------------------------------------------------------------------

def test_discovery_prefers_the_flag_then_the_environment_then_the_current_folder(tmp_path):
    local = write(tmp_path / "edcissuer.toml", "")
    assert discover("other.toml", {"EDCISSUER_CONFIG": "env.toml"}, tmp_path) == Path("other.toml")
    assert discover(None, {"EDCISSUER_CONFIG": "env.toml"}, tmp_path) == Path("env.toml")
    assert discover(None, {}, tmp_path) == local
    assert discover(None, {"EDCISSUER_CONFIG": ""}, tmp_path) == local
    local.unlink()
    assert discover(None, {}, tmp_path) is None


def test_each_command_signs_with_the_profile_found_first(tmp_path):
    dids = {name: new_key(tmp_path / f"{name}.pem", tmp_path) for name in ("cwd", "env", "flag")}
    for name in dids:
        write(tmp_path / f"{name}.toml", f'[issuer]\nkey = "{name}.pem"\n[defaults]\nformat = "ob3"\n')
    shutil.copy(tmp_path / "cwd.toml", tmp_path / "edcissuer.toml")
    env = {"EDCISSUER_CONFIG": str(tmp_path / "env.toml")}
    assert issued_by(run("issue", RECORD, cwd=tmp_path)) == dids["cwd"]
    assert issued_by(run("issue", RECORD, cwd=tmp_path, env=env)) == dids["env"]
    assert issued_by(run("--config", "flag.toml", "issue", RECORD, cwd=tmp_path, env=env)) == dids["flag"]
    assert issued_by(run("issue", RECORD, "--config", "flag.toml", cwd=tmp_path, env=env)) == dids["flag"]


def test_a_missing_profile_named_by_flag_or_environment_is_an_error_not_a_silent_default(tmp_path):
    proc = run("--config", "nope.toml", "status", "show", "x", cwd=tmp_path)
    assert proc.returncode == 2 and "nope.toml: no such file (from --config)" in proc.stderr
    proc = run("status", "show", "x", cwd=tmp_path, env={"EDCISSUER_CONFIG": "gone.toml"})
    assert proc.returncode == 2 and "$EDCISSUER_CONFIG" in proc.stderr


def test_paths_in_the_profile_are_relative_to_the_file_not_the_current_folder(tmp_path):
    profile = write(tmp_path / "registrar" / "edcissuer.toml",
                    '[issuer]\nkey = "keys/issuer.pem"\n[status]\ndir = "../published/status"\n'
                    '[verify]\ntrust_anchors = ["ca.pem"]\n')
    values = load_config(profile).values()
    assert values["issuer.key"] == str(tmp_path / "registrar" / "keys" / "issuer.pem")
    assert Path(values["status.dir"]).resolve() == tmp_path / "published" / "status"
    assert values["verify.trust_anchors"] == [str(tmp_path / "registrar" / "ca.pem")]
    (tmp_path / "registrar" / "keys").mkdir()
    did = new_key(tmp_path / "registrar" / "keys" / "issuer.pem", tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = run("issue", RECORD, "--format", "ob3", "--config", profile, cwd=elsewhere)
    assert issued_by(proc) == did


def test_an_unknown_key_is_refused_by_name(tmp_path):
    write(tmp_path / "edcissuer.toml", '[issuer]\nkey = "k.pem"\nkeyy_password_env = "X"\n')
    proc = run("status", "show", "x", cwd=tmp_path)
    assert proc.returncode == 2
    assert "issuer.keyy_password_env: unknown key" in proc.stderr and "key_password_env" in proc.stderr
    write(tmp_path / "edcissuer.toml", '[ledgr]\npath = "l.sqlite"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "edcissuer.toml")
    assert caught.value.field == "ledgr" and "unknown key" in caught.value.message


@pytest.mark.parametrize("text, field", [
    ('[issuer]\nkey_password = "hunter2"\n', "issuer.key_password"),
    ('[ledger]\ndsn = "postgresql://registrar:hunter2@db.example/ledger"\n', "ledger.dsn"),
    ('[ledger]\ndsn = "host=db.example dbname=ledger password=hunter2"\n', "ledger.dsn"),
    ('[issuer]\nkey = """-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----"""\n',
     "issuer.key"),
    ('[verify]\napi_token = "abc"\n', "verify.api_token"),
])
def test_a_profile_holding_a_secret_is_refused_naming_the_key_and_the_env_way(tmp_path, text, field):
    write(tmp_path / "edcissuer.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "edcissuer.toml")
    assert caught.value.field == field and "_env" in caught.value.message
    proc = run("status", "show", "x", cwd=tmp_path)
    assert proc.returncode == 2 and field in proc.stderr and "hunter2" not in proc.stderr


def test_a_group_writable_profile_is_used_with_a_warning(tmp_path):
    profile = write(tmp_path / "edcissuer.toml", '[defaults]\nlanguage = "pt"\n')
    assert load_config(profile).warnings == ()
    profile.chmod(0o664)
    assert "writable by its group" in load_config(profile).warnings[0]
    proc = run("keys", "new", "-o", tmp_path / "k.pem", cwd=tmp_path)
    assert proc.returncode == 0 and "warning:" in proc.stderr and "chmod 600" in proc.stderr


def test_a_value_a_command_cannot_take_is_refused_only_by_the_command_that_uses_it(tmp_path):
    write(tmp_path / "edcissuer.toml", f'[issuer]\nkey = "{KEY}"\n[defaults]\nproof = "rsa"\n')
    proc = run("issue", RECORD, "--format", "ob3", cwd=tmp_path)   # no proof is called "rsa"
    assert proc.returncode == 2 and "defaults.proof" in proc.stderr and "--proof" in proc.stderr
    assert run("keys", "new", "-o", tmp_path / "k.pem", cwd=tmp_path).returncode == 0


# --- init ----------------------------------------------------------------------------------------

def test_init_writes_a_0600_profile_that_loads_and_refuses_to_overwrite_it(tmp_path):
    proc = run("init", "--name", "University of Lusitania", "--new-key", "--status-base-url", BASE,
               "--status-dir", "public/status", "--ledger", "ledger.sqlite", "--lang", "pt", "--profile", "eu-alliance",
               "--key-password-env", "LUSITANIA_KEY_PW", cwd=tmp_path, env={"LUSITANIA_KEY_PW": "s3cret-pw"})
    assert proc.returncode == 0, proc.stderr
    profile = tmp_path / "edcissuer.toml"
    assert stat.S_IMODE(profile.stat().st_mode) == 0o600
    key = tmp_path / "keys" / "issuer-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and b"ENCRYPTED" in key.read_bytes()
    text = profile.read_text()
    assert 'key = "keys/issuer-key.pem"' in text and "s3cret-pw" not in text + proc.stdout + proc.stderr
    assert "PRIVATE" not in proc.stdout + proc.stderr and "next steps" in proc.stdout
    config = load_config(profile)
    assert config.profile.issuer.name == "University of Lusitania"
    assert config.profile.defaults.profile == "eu-alliance" and config.profile.status.base_url == BASE
    assert config.values()["ledger.path"] == str(tmp_path / "ledger.sqlite")
    before = profile.read_bytes()
    again = run("init", "--name", "Other", cwd=tmp_path)
    assert again.returncode == 1 and "--force" in again.stderr and profile.read_bytes() == before
    forced = run("init", "--name", "Other", "--key", "keys/issuer-key.pem", "--force", cwd=tmp_path)
    assert forced.returncode == 0 and load_config(profile).profile.issuer.name == "Other"


def test_init_refuses_a_dsn_with_a_password_and_leaves_no_file(tmp_path):
    proc = run("init", "--ledger", "postgresql://registrar:hunter2@db.example/ledger", cwd=tmp_path)
    assert proc.returncode == 2 and "ledger.dsn" in proc.stderr and "dsn_env" in proc.stderr
    assert "hunter2" not in proc.stderr and not (tmp_path / "edcissuer.toml").exists()


def test_init_runs_even_when_the_current_profile_is_broken(tmp_path):
    write(tmp_path / "edcissuer.toml", "[issuer\n")
    assert run("status", "show", "x", cwd=tmp_path).returncode == 2
    assert run("init", "--key", KEY, "--force", cwd=tmp_path).returncode == 0
    assert load_config(tmp_path / "edcissuer.toml").values()["issuer.key"] == str(KEY)


# --- the headline: commands that need only the credential -----------------------------------------

def test_with_a_profile_revoke_and_status_publish_need_only_the_credential(tmp_path):
    out = tmp_path / "out"
    proc = run("batch", PROGRAMME, COHORT, "--format", "both", "--key", KEY, "--out", out, "--status-url", BASE,
               "--workers", "1", "--no-progress", cwd=tmp_path)
    assert proc.returncode == 6 and "issued:    36" in proc.stdout, proc.stderr   # 2 bad rows refused: partly issued
    assert run("init", "--key", KEY, "--status-base-url", BASE, "--status-dir", "out/status",
               "--ledger", "out/ledger.sqlite", cwd=tmp_path).returncode == 0
    target = sorted(out.glob("*.ob3.jsonld"))[0]
    cid = json.loads(target.read_text())["id"]

    proc = run("revoke", cid, "--reason", "issued in error", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "(elm): revoked - issued in error" in proc.stdout and "(ob3): revoked" in proc.stdout
    published = run("status", "publish", cwd=tmp_path)
    assert published.returncode == 0 and str(out / "status") in published.stdout
    shown = json.loads(run("status", "show", cid, cwd=tmp_path).stdout)
    assert {e["state"] for e in shown["entries"]} == {"revoked"}
    report = json.loads(run("verify", target, "--json", cwd=tmp_path).stdout)   # status dir from the profile
    status = next(c for c in report["credentials"][0]["checks"] if c["name"] == "status")
    assert status["passed"] is False and status["reason"].startswith("REVOKED")
    other = sorted(out.glob("*.ob3.jsonld"))[1]
    report = json.loads(run("verify", other, "--json", cwd=tmp_path).stdout)
    assert report["credentials"][0]["outcome"]["authentic"] is True


def test_help_works_and_names_what_the_profile_supplies(tmp_path):
    write(tmp_path / "edcissuer.toml", f'[issuer]\nkey = "{KEY}"\n[ledger]\npath = "l.sqlite"\n'
                                       '[status]\ndir = "status"\n')
    proc = run("revoke", "--help", cwd=tmp_path)
    assert proc.returncode == 0 and "from the profile" in proc.stdout
    assert "--key" in proc.stdout.split("from the profile")[1] and "--ledger" in proc.stdout.split("from the profile")[1]
    assert run("--help", cwd=tmp_path).returncode == 0 and "init" in run("--help", cwd=tmp_path).stdout


def test_issue_takes_key_format_and_language_from_the_profile_and_flags_win(tmp_path):
    did = new_key(tmp_path / "issuer.pem", tmp_path)
    other = new_key(tmp_path / "other.pem", tmp_path)
    write(tmp_path / "edcissuer.toml", '[issuer]\nkey = "issuer.pem"\n[defaults]\nformat = "ob3"\n'
                                       'language = "pt"\nproof = "eddsa-jcs-2022"\n'
                                       '[export]\nverify_url = "https://verify.example.edu/c/{id}"\n')
    proc = run("issue", RECORD, cwd=tmp_path)
    assert issued_by(proc) == did
    credential = json.loads(proc.stdout)
    assert "OpenBadgeCredential" in credential["type"] and proof_of(credential)["cryptosuite"] == "eddsa-jcs-2022"
    flagged = run("issue", RECORD, "--key", tmp_path / "other.pem", "--proof", "eddsa-rdfc-2022", cwd=tmp_path)
    assert issued_by(flagged) == other and proof_of(json.loads(flagged.stdout))["cryptosuite"] == "eddsa-rdfc-2022"
    elm = run("issue", RECORD, "--format", "elm", cwd=tmp_path)
    assert issued_by(elm) == did and "EuropeanDigitalCredential" in json.loads(elm.stdout)["type"]
    (tmp_path / "c.jsonld").write_text(proc.stdout)
    assert run("export", "c.jsonld", "--as", "html", "-o", "c.html", cwd=tmp_path).returncode == 0
    assert '<html lang="pt">' in (tmp_path / "c.html").read_text()       # defaults.language -> --lang
    assert run("export", "c.jsonld", "--as", "html", "--lang", "en", "-o", "e.html", cwd=tmp_path).returncode == 0
    assert '<html lang="en">' in (tmp_path / "e.html").read_text()


def test_a_ledger_dsn_comes_from_its_variable_only_when_a_command_uses_it(tmp_path):
    write(tmp_path / "edcissuer.toml", '[ledger]\ndsn_env = "REGISTRAR_LEDGER_DSN"\n')
    assert run("keys", "new", "-o", tmp_path / "k.pem", cwd=tmp_path).returncode == 0   # no ledger: no need
    proc = run("status", "show", "urn:uuid:x", cwd=tmp_path)
    assert proc.returncode == 2 and "ledger.dsn_env: environment variable REGISTRAR_LEDGER_DSN is not set" in proc.stderr
    proc = run("status", "show", "urn:uuid:x", cwd=tmp_path,
               env={"REGISTRAR_LEDGER_DSN": str(tmp_path / "ledger.sqlite")})
    assert proc.returncode == 1 and "no credential urn:uuid:x" in proc.stderr   # the ledger was opened


def test_a_signer_flag_replaces_the_profiles_signer_and_a_seal_signs_only_for_jades(tmp_path):
    assert run("keys", "demo-seal", "-o", tmp_path / "seal", cwd=tmp_path).returncode == 0
    did = new_key(tmp_path / "issuer.pem", tmp_path)
    write(tmp_path / "edcissuer.toml", '[issuer]\nkey = "issuer.pem"\nseal = "seal/seal-cert.pem"\n'
                                       'seal_key = "seal/seal-key.pem"\n[defaults]\nformat = "elm"\n')
    assert issued_by(run("issue", RECORD, cwd=tmp_path)) == did            # key and seal: the key by default
    jades = run("issue", RECORD, "--proof", "jades", "-o", "sealed.json", cwd=tmp_path)
    assert jades.returncode == 0 and "jades" in jades.stderr, jades.stderr
    flagged = run("issue", RECORD, "--seal-cert", "seal/seal-cert.pem", "--seal-key", "seal/seal-key.pem",
                  "-o", "sealed2.json", cwd=tmp_path)                      # no "give exactly one signer"
    assert flagged.returncode == 0 and "jades" in flagged.stderr, flagged.stderr


def test_an_abbreviated_config_flag_reads_the_same_profile_argparse_sees(tmp_path):
    write(tmp_path / "p.toml", '[ledger]\npath = "l.sqlite"\n')
    for args in (("--conf", "p.toml", "status", "show", "x"), ("status", "show", "x", "--conf=p.toml")):
        proc = run(*args, cwd=tmp_path)
        assert proc.returncode == 1 and "no credential x" in proc.stderr, proc.stderr


def test_every_row_of_the_option_table_names_an_option_some_command_has():
    from edcissuer.cli import build_parser
    from edcissuer.cli.configfile import OPTIONS, leaf_parsers

    dests = {a.dest for _, leaf in leaf_parsers(build_parser()) for a in leaf._actions if a.option_strings}
    reserved = {"profile"}  # the alliance profile: no command has --profile yet
    assert {b.dest for b in OPTIONS} - dests - reserved == set()


FULL_PROFILE = f'''version = 1
[issuer]
name = "University of Lusitania"
did = "did:web:credentials.univ-lusitania.example"
key = "{KEY}"
key_password_env = "LUSITANIA_KEY_PASSWORD"
seal = "seal.p12"
seal_password_env = "LUSITANIA_SEAL_PASSWORD"
[status]
base_url = "{BASE}"
dir = "status"
key = "status-key.pem"
list_validity_days = 14
[ledger]
dsn_env = "LUSITANIA_LEDGER_DSN"
[defaults]
format = "elm"
proof = "eddsa-rdfc-2022"
ob3_form = "standard"
language = "pt"
profile = "eu-alliance"
[verify]
trust = "trust.toml"
policy = "policy.toml"
trust_anchors = ["ca.pem"]
allow_hosts = ["credentials.univ-lusitania.example"]
did_web_dir = "did-web"
controller_dir = "controllers"
fetch_cache = "cache"
[export]
verify_url = "https://verify.example.edu/c/{{id}}"
credential_issuer = "https://credentials.univ-lusitania.example"
logo = "logo.png"
'''


def test_every_key_of_a_full_profile_loads_and_every_subcommand_help_still_renders(tmp_path):
    from edcissuer.cli import build_parser
    from edcissuer.cli.configfile import leaf_parsers

    config = load_config(write(tmp_path / "edcissuer.toml", FULL_PROFILE))
    assert config.profile.status.list_validity_days == 14 and config.profile.issuer.seal_is_pkcs12
    parser = build_parser(config)
    for command, leaf in leaf_parsers(parser):
        text = leaf.format_help()
        assert ("--config FILE" in text) == (command != "init"), command
        assert "FromConfig" not in text and "hunter" not in text, command
    revoke = dict(leaf_parsers(parser))["revoke"].format_help()
    supplied = "--issuer-did,--key,--password-env,--status-dir,--status-key,--list-validity-days,--ledger"
    assert supplied in "".join(revoke.split())   # --format is revoke's "only this format": never defaulted
